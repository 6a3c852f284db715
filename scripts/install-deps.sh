#!/bin/sh
# Installs the Debian 12 packages gdal-kerchunk builds and tests with.
set -e
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO apt-get update -qq || true
# python3-qgis, qgis-providers: autotest/test_qgis.py (headless QGIS);
# dpkg-dev: dpkg-shlibdeps, which cpack's Debian package uses;
# libcurl4-gnutls-dev: the direct HTTP fetches (the flavour libgdal-dev uses);
# time: GNU time, peak memory of the commands bench/bench_generation.py runs;
# nginx-light, python3-aiohttp (fsspec's HTTP): bench/bench_network.py, whose
# round-trip delay comes from iproute2's tc (netem) or, where the kernel has
# no netem, from nginx's echo module (libnginx-mod-http-echo).
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends \
  cmake g++ make pkg-config clang libclang-rt-14-dev \
  libgdal-dev libcurl4-gnutls-dev gdal-bin python3-gdal \
  libhdf5-dev hdf5-tools libeccodes-dev libeccodes-tools libeccodes-data \
  libzstd-dev libsnappy-dev libblosc-dev libaec-dev libbz2-dev liblz4-dev nlohmann-json3-dev libgtest-dev libssl-dev \
  python3-pytest python3-numpy python3-h5py python3-netcdf4 python3-eccodes \
  python3-zarr python3-fsspec python3-numcodecs python3-xarray \
  python3-qgis qgis-providers dpkg-dev python3-prometheus-client time \
  nginx-light python3-aiohttp libnginx-mod-http-echo iproute2
# The S3 cache tests start s3rver (npm) on loopback: node and npm from
# Debian unless the machine already has them.
if ! command -v npm >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends nodejs npm
fi
# The Parquet interoperability tests (autotest/test_parquet_references.py)
# check our files against DuckDB, an independent Parquet implementation.
( cd "$(dirname "$0")/../autotest/npm" && npm install --no-audit --no-fund )
