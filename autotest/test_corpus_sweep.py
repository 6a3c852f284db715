"""Optional sweeps over ../shared/corpus (skipped when it is absent): every
array declared by the kerchunk references of the corpus, read through the
plugin, against the native libraries; and the classic view of every netCDF
variable against GDAL's netCDF driver. Each prints its counts."""
import json
import os

import numpy as np
import pytest
from osgeo import gdal

from grib_native import grib_coded_arrays, grib_expected
from conftest import SHARED_CORPUS

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not (SHARED_CORPUS / "refs").is_dir(), reason="no ../shared corpus"),
]

MAX_ARRAY_BYTES = 256 * 1024 * 1024

# Arrays whose references cannot give the native values, with the reason.
KNOWN_DIFFERENCES = {
    # kerchunk wrote "fill_value": null for a variable whose chunks were never
    # written: the HDF5 fill value (netCDF's default) is not in the references.
    ("netcdf4/nctest_netcdf4_classic.nc", "yet_another_variable"): "fill value missing from references",
}


def index(name):
    with open(SHARED_CORPUS / "refs" / name) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def native_arrays(path):
    with open(path, "rb") as f:
        magic = f.read(4)
    out = {}
    if magic[:3] == b"CDF":
        import netCDF4
        with netCDF4.Dataset(path) as d:
            d.set_auto_maskandscale(False)
            for name, var in d.variables.items():
                if var.dtype.kind in "iufb":
                    out[name] = np.asarray(var[...])
        return out
    import h5py
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and obj.dtype.kind in "iufb":
                # Corpus files hold sparse datasets of several GB
                # (tiny_huge_1d_over_maxint, ref_tst_dims): not for a test.
                if (obj.size or 0) * obj.dtype.itemsize > MAX_ARRAY_BYTES:
                    out[name] = "too large"
                    return
                try:
                    out[name] = obj[()]
                except OSError:  # h5py lacks the filter: nothing to compare with
                    out[name] = None
        f.visititems(visit)
    return out


def declared_arrays(refs_path):
    refs = json.load(open(refs_path))
    table = refs.get("refs", refs)
    return {k[: -len("/.zarray")] for k in table if k.endswith("/.zarray")} | \
        ({""} if ".zarray" in table else set())


def test_sweep_hdf5_netcdf_references():
    counts = {"exact": 0, "differ": 0, "empty (GDAL 3.6 cannot open)": 0,
              "known kerchunk difference": 0, "not numeric / not declared": 0,
              "unverifiable (h5py cannot decode)": 0, "over 256 MB (not read)": 0}
    failures = []
    for refs, source in index("INDEX.tsv"):
        native = native_arrays(SHARED_CORPUS / source)
        declared = declared_arrays(SHARED_CORPUS / refs)
        gdal.PushErrorHandler("CPLQuietErrorHandler")
        try:
            root = gdal.OpenEx("KERCHUNK:" + str(SHARED_CORPUS / refs),
                               gdal.OF_MULTIDIM_RASTER).GetRootGroup()
        finally:
            gdal.PopErrorHandler()
        for path, want in native.items():
            if want is None:
                counts["unverifiable (h5py cannot decode)"] += 1
                continue
            if isinstance(want, str):
                counts["over 256 MB (not read)"] += 1
                continue
            if path not in declared:
                counts["not numeric / not declared"] += 1
                continue
            if (source, path) in KNOWN_DIFFERENCES:
                counts["known kerchunk difference"] += 1
                continue
            if want.size == 0:
                counts["empty (GDAL 3.6 cannot open)"] += 1
                continue
            try:
                got = root.OpenMDArrayFromFullname("/" + path).ReadAsArray()
                native_order = want.dtype.newbyteorder("=")
                problem = None if got.shape == want.shape and \
                    got.astype(native_order).tobytes() == want.astype(native_order).tobytes() \
                    else "values differ"
            except Exception as e:  # noqa: BLE001 - counted and reported
                problem = str(e)
            counts["differ" if problem else "exact"] += 1
            if problem:
                failures.append("%s:%s: %s" % (source, path, problem))
    print("\nkerchunk references of the corpus, arrays read through the plugin:", counts)
    for line in failures:
        print("  ", line)
    assert counts["exact"] > 3000
    assert counts["differ"] == 0, failures


def test_sweep_grib_reference_sets():
    exact = total = 0
    failures = []
    for refs_dir, source in index("GRIB_INDEX.tsv"):
        data = (SHARED_CORPUS / source).read_bytes()
        folder = SHARED_CORPUS / refs_dir
        for name in sorted(os.listdir(folder)):
            table = json.load(open(folder / name))["refs"]
            root = None
            for var, meta, codec, offset, length in grib_coded_arrays(table):
                total += 1
                want = grib_expected(data[offset: offset + length], codec["var"])
                try:
                    if root is None:
                        root = gdal.OpenEx("KERCHUNK:" + str(folder / name),
                                           gdal.OF_MULTIDIM_RASTER).GetRootGroup()
                    got = root.OpenMDArrayFromFullname("/" + var).ReadAsArray().astype("f8").ravel()
                    if np.array_equal(got, want.astype(meta["dtype"]).astype("f8"), equal_nan=True):
                        exact += 1
                        continue
                    failures.append("%s %s %s: values differ" % (source, name, var))
                except Exception as e:  # noqa: BLE001 - counted and reported
                    failures.append("%s %s %s: %s" % (source, name, var, e))
    print("\nGRIB reference sets of the corpus: %d/%d arrays decode equal to eccodes" % (exact, total))
    for line in failures:
        print("  ", line)
    assert total > 2000
    assert exact == total, failures


def test_sweep_classic_view_against_netcdf_driver():
    matched = total = 0
    failures = []
    for refs, source in index("INDEX.tsv"):
        if not source.startswith(("netcdf4/", "netcdf3/")):
            continue
        gdal.PushErrorHandler("CPLQuietErrorHandler")
        try:
            nc = gdal.Open(str(SHARED_CORPUS / source))
        except Exception:  # noqa: BLE001 - GDAL's netCDF driver may refuse a file
            nc = None
        finally:
            gdal.PopErrorHandler()
        if nc is None:
            continue
        subdatasets = [v for k, v in nc.GetMetadata("SUBDATASETS").items() if k.endswith("_NAME")]
        names = subdatasets or ['NETCDF:"%s":%s' % (SHARED_CORPUS / source,
                                                     nc.GetRasterBand(1).GetMetadataItem("NETCDF_VARNAME"))] \
            if (subdatasets or nc.RasterCount) else []
        for name in names:
            var = name.rsplit(":", 1)[1]
            total += 1
            try:
                gdal.PushErrorHandler("CPLQuietErrorHandler")
                try:
                    n = gdal.Open(name)
                    k = gdal.Open('KERCHUNK:"%s":/%s' % (SHARED_CORPUS / refs, var))
                finally:
                    gdal.PopErrorHandler()
                problems = []
                if (k.RasterXSize, k.RasterYSize, k.RasterCount) != (n.RasterXSize, n.RasterYSize, n.RasterCount):
                    problems.append("size")
                else:
                    ngt = n.GetGeoTransform(can_return_null=True)
                    kgt = k.GetGeoTransform(can_return_null=True)
                    if (ngt is None) != (kgt is None) or (ngt and not np.allclose(ngt, kgt, rtol=1e-9, atol=1e-9)):
                        problems.append("geotransform %s != %s" % (kgt, ngt))
                    nsrs, ksrs = n.GetSpatialRef(), k.GetSpatialRef()
                    if nsrs is not None and (ksrs is None or not ksrs.IsSame(nsrs)):
                        problems.append("CRS")
                    bands = range(1, min(n.RasterCount, 8) + 1)
                    if [k.GetRasterBand(i).Checksum() for i in bands] != [n.GetRasterBand(i).Checksum() for i in bands]:
                        problems.append("checksums")
                if problems:
                    failures.append("%s: %s" % (name, ", ".join(problems)))
                else:
                    matched += 1
            except Exception as e:  # noqa: BLE001 - counted and reported
                failures.append("%s: %s" % (name, e))
    print("\nnetCDF variables of the corpus whose KERCHUNK classic view matches "
          "GDAL's netCDF driver: %d/%d" % (matched, total))
    for line in failures:
        print("  ", line)
    assert total > 0
    assert matched > 0
