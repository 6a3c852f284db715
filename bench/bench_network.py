#!/usr/bin/python3
"""Reads over the network: GDAL's netCDF driver over /vsicurl/ versus the
KERCHUNK plugin (and Python fsspec+zarr on the same references when
importable), for an ERA5-like NetCDF-4 file served by nginx on loopback
with a round-trip delay (0, 20, 80 ms) made by the kernel (netem), by nginx
itself or by a latency proxy, whichever this machine permits
(bench/network_delay.py; the mode that ran is printed).

The file: 240 hourly steps of two 181x360 float32 variables written step by
step (their chunks interleave), zlib+shuffle, one chunk per field, ~64 MB.
Four reads, each in a fresh process, time measured inside it from before the
open to after the read; requests and bytes counted from nginx's access log
(by the proxy in proxy mode):

  open    open + geotransform
  window  3 bands (time steps), 100x100 window
  field   one full field
  series  one pixel, all 240 steps

and the series again through the multidimensional API (MDArray GetView),
native, the plugin chunk by chunk and the plugin planning the read.
Each child's peak RSS is measured by GNU time; the series read is run again
at two KERCHUNK_CHUNK_CACHE_SIZE values and without prefetching, to show its
peak memory following the cache's bound. The load average is printed with
each table (the machine may be shared).

Also: generating the references over /vsicurl/ (requests, bytes), opening
with the references themselves on the server (once, then reopened in the
same process), and the same reads through /vsis3/ on s3rver when node/npm
can provide it.

    KERCHUNK_BUILD_DIR=build /usr/bin/python3 bench/bench_network.py [--delays 0,20,80]
        [--delay-mode auto|netem|nginx|proxy] [--reads series,...] [--no-s3] [--no-extras]
"""
import argparse
import contextlib
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from latency_proxy import LatencyProxy  # noqa: E402
from network_delay import (MODES, DelayedServer, NetemDelay, choose_mode,  # noqa: E402
                           free_port, wait_for_port)

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUILD_DIR = pathlib.Path(os.environ.get("KERCHUNK_BUILD_DIR", ROOT / "build")).resolve()
STEPS, NY, NX = 240, 181, 360
VAR = "t2m"
WINDOW = (130, 40, 100, 100)  # xoff, yoff, xsize, ysize
PIXEL = (200, 90)  # x, y
READS = ["open", "window", "field", "series"]

# One read in a fresh process: prints seconds and a checksum of the values.
GDAL_CHILD = r"""
import sys, time, zlib
from osgeo import gdal
gdal.UseExceptions()
name, what = sys.argv[1], sys.argv[2]
xoff, yoff, xs, ys, px, py = map(int, sys.argv[3:9])
t0 = time.perf_counter()
ds = gdal.Open(name)
if what == "open":
    out = repr(ds.GetGeoTransform()).encode()
elif what == "window":
    out = ds.ReadRaster(xoff, yoff, xs, ys, band_list=[1, 2, 3], buf_type=gdal.GDT_Float32)
elif what == "field":
    out = ds.GetRasterBand(1).ReadRaster(buf_type=gdal.GDT_Float32)
elif what == "series":
    out = ds.ReadRaster(px, py, 1, 1, buf_type=gdal.GDT_Float32)
elif what == "reopen":
    ds.GetGeoTransform(); ds = None
    ds = gdal.Open(name)
    out = repr(ds.GetGeoTransform()).encode()
print(time.perf_counter() - t0, zlib.crc32(out))
"""

FSSPEC_CHILD = r"""
import sys, time, zlib, json
import fsspec, zarr, numpy as np
refs, what = sys.argv[1], sys.argv[2]
xoff, yoff, xs, ys, px, py = map(int, sys.argv[3:9])
t0 = time.perf_counter()
fs = fsspec.filesystem("reference", fo=refs, remote_protocol="http")
g = zarr.open(fs.get_mapper(""), mode="r")
a = g["t2m"]
if what == "open":
    lon, lat = g["longitude"][:], g["latitude"][:]
    dx, dy = float(lon[1] - lon[0]), float(lat[1] - lat[0])
    gt = (float(lon[0]) - dx / 2, dx, 0.0, float(lat[0]) - dy / 2, 0.0, dy)
    out = repr(gt).encode()
elif what == "window":
    out = np.ascontiguousarray(a[0:3, yoff:yoff + ys, xoff:xoff + xs]).tobytes()
elif what == "field":
    out = np.ascontiguousarray(a[0]).tobytes()
elif what == "series":
    out = np.ascontiguousarray(a[:, py, px]).tobytes()
print(time.perf_counter() - t0, zlib.crc32(out))
"""


# The one-pixel series through the multidimensional API, in a fresh process.
MD_SERIES_CHILD = r"""
import sys, time, zlib
from osgeo import gdal
gdal.UseExceptions()
name, px, py = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
t0 = time.perf_counter()
ds = gdal.OpenEx(name, gdal.OF_MULTIDIM_RASTER)
view = ds.GetRootGroup().OpenMDArray("t2m").GetView("[:,%d,%d]" % (py, px))
out = view.ReadAsArray().astype("f4").tobytes()
print(time.perf_counter() - t0, zlib.crc32(out))
"""


def make_era5(path):
    """Written step by step so that the chunks of the two variables interleave."""
    import netCDF4
    import numpy as np
    rng = np.random.default_rng(0)
    lat = np.linspace(90, -90, NY)
    lon = np.arange(NX) * 1.0
    base = (280 + 30 * np.cos(np.radians(lat))[:, None] + 5 * np.sin(np.radians(lon))[None, :])
    with netCDF4.Dataset(path, "w", format="NETCDF4") as ds:
        ds.createDimension("time", None)
        ds.createDimension("latitude", NY)
        ds.createDimension("longitude", NX)
        ds.createVariable("latitude", "f4", ("latitude",))[:] = lat
        ds["latitude"].units = "degrees_north"
        ds.createVariable("longitude", "f4", ("longitude",))[:] = lon
        ds["longitude"].units = "degrees_east"
        t = ds.createVariable("time", "i4", ("time",))
        t.units = "hours since 2020-01-01"
        vars_ = [ds.createVariable(name, "f4", ("time", "latitude", "longitude"),
                                   zlib=True, shuffle=True, chunksizes=(1, NY, NX))
                 for name in ("t2m", "u10")]
        for step in range(STEPS):
            t[step] = step
            for k, var in enumerate(vars_):
                noise = rng.standard_normal((NY, NX)).astype("f4")
                var[step] = (base + k * 10 + step * 0.01 + noise).astype("f4")


def gdal_env():
    env = dict(os.environ)
    env["GDAL_DRIVER_PATH"] = str(BUILD_DIR / "gdalplugins")
    env.pop("CPL_CURL_VERBOSE", None)
    return env


TIME = "/usr/bin/time"  # GNU time: the child's peak RSS


def run_child(server, cmd, env):
    server.reset()
    if os.path.exists(TIME):
        cmd = [TIME, "-f", "peak-rss-kb %M"] + cmd
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    requests, nbytes, log = server.snapshot()
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed"}
    seconds, crc = out.stdout.split()[-2:]
    rss = [int(line.split()[1]) for line in out.stderr.splitlines()
           if line.startswith("peak-rss-kb ")]
    return {"s": float(seconds), "req": requests, "bytes": nbytes, "crc": crc, "log": log,
            "rss_mb": rss[-1] / 1024 if rss else None}


def read_args():
    return [str(v) for v in (*WINDOW, *PIXEL)]


def measure_reads(server, names, refs_path, have_fsspec, reads):
    """names: tool -> GDAL dataset name. Returns {read: {tool: result}}."""
    results = {}
    for what in reads:
        row = {}
        for tool, name in names.items():
            row[tool] = run_child(server, [sys.executable, "-c", GDAL_CHILD, name, what,
                                          *read_args()], gdal_env())
        if have_fsspec and refs_path:
            row["fsspec"] = run_child(server, [sys.executable, "-c", FSSPEC_CHILD,
                                              str(refs_path), what, *read_args()],
                                      dict(os.environ))
        results[what] = row
    return results


def fmt(r):
    if r is None:
        return "-"
    if "error" in r:
        return "error: " + r["error"][:40]
    text = "%.2f s, %d req, %.2f MB" % (r["s"], r["req"], r["bytes"] / 1e6)
    if r.get("rss_mb"):
        text += ", peak RSS %.0f MB" % r["rss_mb"]
    return text


def load_average():
    return "load average %.2f %.2f %.2f" % os.getloadavg()


# Peak memory of the series read against the chunk cache's bound: the
# process's peak RSS at two cache sizes, and with prefetching off (GDAL's
# own block cache and libraries: what the bound does not cover).
CACHE_SIZES = [("KERCHUNK_PREFETCH", "NO"), ("KERCHUNK_CHUNK_CACHE_SIZE", str(8 << 20)),
               ("KERCHUNK_CHUNK_CACHE_SIZE", str(64 << 20))]


def print_series_memory(server, name):
    print("\nseries read, peak RSS of the process (%s):" % load_average())
    for option, value in CACHE_SIZES:
        env = gdal_env()
        env[option] = value
        r = run_child(server, [sys.executable, "-c", GDAL_CHILD, name, "series", *read_args()],
                      env)
        print("  %s=%s: %s" % (option, value, fmt(r)))


def ratio(a, b, key):
    if not a or not b or "error" in a or "error" in b or not b[key]:
        return "-"
    return "%.2f" % (a[key] / b[key])


def print_table(title, results, tools):
    print("\n### " + title)
    head = ["read"] + tools + ["kerchunk/native time"]
    if "fsspec" in tools:
        head += ["kerchunk/fsspec time", "kerchunk/fsspec bytes"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for what, row in results.items():
        cells = [what] + [fmt(row.get(t)) for t in tools]
        cells.append(ratio(row.get("kerchunk"), row.get("native"), "s"))
        if "fsspec" in tools:
            cells.append(ratio(row.get("kerchunk"), row.get("fsspec"), "s"))
            cells.append(ratio(row.get("kerchunk"), row.get("fsspec"), "bytes"))
        print("| " + " | ".join(cells) + " |")
    for what, row in results.items():
        crcs = {t: r["crc"] for t, r in row.items() if r and "crc" in r}
        if what != "open" and len(set(crcs.values())) > 1:
            print("WARNING: %s: values differ between tools: %s" % (what, crcs))


def measure_multidim_series(server, source, refs):
    """MDArray series (GetView("[:,y,x]")): native netCDF multidim, the plugin
    reading chunk by chunk (KERCHUNK_PREFETCH=NO, as before multidim reads
    were planned) and the plugin planning the read."""
    unplanned = dict(gdal_env(), KERCHUNK_PREFETCH="NO")
    cases = [("native", source, gdal_env()),
             ("kerchunk unplanned", "KERCHUNK:%s" % refs, unplanned),
             ("kerchunk", "KERCHUNK:%s" % refs, gdal_env())]
    row = {tool: run_child(server, [sys.executable, "-c", MD_SERIES_CHILD, name,
                                   str(PIXEL[0]), str(PIXEL[1])], env)
           for tool, name, env in cases}
    print("multidim series (GetView): " + "; ".join(
        "%s %s" % (tool, fmt(r)) for tool, r in row.items()) +
        "; kerchunk/native time %s, kerchunk/unplanned time %s" % (
            ratio(row["kerchunk"], row["native"], "s"),
            ratio(row["kerchunk"], row["kerchunk unplanned"], "s")))
    if len({r.get("crc") for r in row.values()}) > 1:
        print("WARNING: multidim series: values differ between tools")


def generate(server, source, out):
    server.reset()
    t0 = time.perf_counter()
    subprocess.run([str(BUILD_DIR / "gdal_kerchunk"), "generate", source, "-o", str(out), "-q"],
                   env=gdal_env(), check=True)
    seconds = time.perf_counter() - t0
    requests, nbytes, _ = server.snapshot()
    return {"s": seconds, "req": requests, "bytes": nbytes}


def have_fsspec_http():
    probe = "import fsspec, zarr, aiohttp; fsspec.filesystem('http')"
    return subprocess.run([sys.executable, "-c", probe], capture_output=True).returncode == 0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delays", default="0,20,80", help="round trip in ms, comma-separated")
    parser.add_argument("--delay-mode", default="auto", choices=("auto",) + MODES,
                        help="how the delay is made (bench/network_delay.py); auto: the "
                        "first of netem, nginx, proxy this machine permits")
    parser.add_argument("--reads", default=",".join(READS),
                        help="comma-separated subset of " + ",".join(READS))
    parser.add_argument("--workdir", help="keep files here (default: a temporary folder)")
    parser.add_argument("--no-s3", action="store_true", help="skip the /vsis3/ runs")
    parser.add_argument("--no-extras", action="store_true",
                        help="only the reads table (no multidim series, memory, remote refs)")
    args = parser.parse_args()
    args.delays = [int(d) for d in args.delays.split(",")]
    args.reads = [r for r in args.reads.split(",") if r]
    if set(args.reads) - set(READS):
        parser.error("--reads: unknown read(s) %s" % ", ".join(set(args.reads) - set(READS)))
    return args


def print_remote_references(server):
    remote_refs = 'KERCHUNK:"/vsicurl/%s/era5.json":%s' % (server.url, VAR)
    labels = {"open": "open", "reopen": "open, close, open again in one process"}
    for what in ("open", "reopen"):
        r = run_child(server, [sys.executable, "-c", GDAL_CHILD, remote_refs, what,
                               *read_args()], gdal_env())
        print("references on the server, %s: %s%s" % (
            labels[what], fmt(r), "" if "log" not in r else
            "  [" + ", ".join("%s %s" % (m, rng or "") for m, _, rng in r["log"]) + "]"))


def main():
    args = parse_args()
    workdir = pathlib.Path(args.workdir or tempfile.mkdtemp(prefix="bench_network_"))
    workdir.mkdir(parents=True, exist_ok=True)
    www = workdir / "www"
    www.mkdir(exist_ok=True)
    source_file = www / "era5.nc"
    if not source_file.exists():
        make_era5(source_file)
    print("ERA5-like file: %.1f MB, %d steps x 2 variables of %dx%d float32"
          % (source_file.stat().st_size / 1e6, STEPS, NY, NX))
    fsspec_ok = have_fsspec_http()
    if not fsspec_ok:
        print("Python fsspec HTTP (aiohttp) or zarr not importable: no fsspec column")
    mode, why = choose_mode(args.delay_mode)
    print("delay mode: %s%s" % (mode, " (%s)" % why if why else ""))

    with DelayedServer(mode, www, workdir) as server:
        source = "/vsicurl/%s/era5.nc" % server.url
        refs = workdir / "era5.json"
        for delay in args.delays:
            server.set_delay(delay)
            gen = generate(server, source, refs)
            shutil.copy(refs, www / "era5.json")
            print("\n## %d ms round trip (%s mode)" % (delay, mode))
            print("generate over /vsicurl/: %.2f s, %d requests, %.2f MB"
                  % (gen["s"], gen["req"], gen["bytes"] / 1e6))
            names = {"native": 'NETCDF:"%s":%s' % (source, VAR),
                     "kerchunk": 'KERCHUNK:"%s":%s' % (refs, VAR)}
            tools = ["native", "kerchunk"] + (["fsspec"] if fsspec_ok else [])
            print_table("references local, source over /vsicurl/ (%d ms %s, %s)"
                        % (delay, mode, load_average()),
                        measure_reads(server, names, refs, fsspec_ok, args.reads), tools)
            if args.no_extras:
                continue
            measure_multidim_series(server, source, refs)
            print_series_memory(server, names["kerchunk"])
            print_remote_references(server)
    if not args.no_s3:
        run_s3(workdir, source_file, args.delays, args.reads, mode)


def find_s3rver():
    for cand in (os.environ.get("S3RVER", ""),
                 str(BUILD_DIR / "s3rver" / "node_modules" / ".bin" / "s3rver"),
                 shutil.which("s3rver") or ""):
        if cand and os.path.exists(cand):
            return cand
    if not shutil.which("npm"):
        return None
    proc = subprocess.run(["npm", "install", "--silent", "--prefix", str(BUILD_DIR / "s3rver"),
                           "s3rver@3"], capture_output=True, text=True)
    cand = BUILD_DIR / "s3rver" / "node_modules" / ".bin" / "s3rver"
    return str(cand) if proc.returncode == 0 and cand.exists() else None


def run_s3(workdir, source_file, delays, reads, mode):
    """The reads through /vsis3/ on s3rver. Counted by the latency proxy in
    every mode (s3rver logs no requests); in netem mode the kernel delays
    s3rver's port (the proxy's connections to it) and the proxy adds none,
    in the other modes the proxy makes the delay."""
    exe = find_s3rver()
    if exe is None:
        print("\n/vsis3/: s3rver not installable here (needs node/npm): not measured")
        return
    s3_mode = "netem" if mode == "netem" else "proxy"
    port = free_port()
    s3dir = workdir / "s3rver"
    s3dir.mkdir(exist_ok=True)
    proc = subprocess.Popen([exe, "--silent", "--address", "127.0.0.1", "--port", str(port),
                             "--directory", str(s3dir), "--configure-bucket", "bench"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, "s3rver")
        with contextlib.ExitStack() as stack:
            proxy = stack.enter_context(LatencyProxy(("127.0.0.1", port)))
            netem = stack.enter_context(NetemDelay([port])) if s3_mode == "netem" else None
            env = gdal_env()
            env.update({"AWS_S3_ENDPOINT": "127.0.0.1:%d" % proxy.port, "AWS_HTTPS": "NO",
                        "AWS_VIRTUAL_HOSTING": "FALSE", "AWS_ACCESS_KEY_ID": "S3RVER",
                        "AWS_SECRET_ACCESS_KEY": "S3RVER", "AWS_REGION": "us-east-1"})
            os.environ.update({k: env[k] for k in env if k.startswith("AWS_")})
            copy = ("from osgeo import gdal; gdal.UseExceptions();"
                    "d=open(%r,'rb').read();f=gdal.VSIFOpenL('/vsis3/bench/era5.nc','wb');"
                    "gdal.VSIFWriteL(d,1,len(d),f);gdal.VSIFCloseL(f)" % str(source_file))
            subprocess.run([sys.executable, "-c", copy], env=env, check=True)
            source = "/vsis3/bench/era5.nc"
            refs = workdir / "era5_s3.json"
            for delay in delays:
                if netem:
                    netem.set_round_trip(delay)
                else:
                    proxy.delay_ms = delay
                gen = generate(proxy, source, refs)
                print("\n## /vsis3/ on s3rver, %d ms round trip (%s mode)" % (delay, s3_mode))
                print("generate over /vsis3/: %.2f s, %d requests, %.2f MB"
                      % (gen["s"], gen["req"], gen["bytes"] / 1e6))
                names = {"native": 'NETCDF:"%s":%s' % (source, VAR),
                         "kerchunk": 'KERCHUNK:"%s":%s' % (refs, VAR)}
                results = {}
                for what in reads:
                    results[what] = {t: run_child(proxy, [sys.executable, "-c", GDAL_CHILD, n,
                                                          what, *read_args()], env)
                                     for t, n in names.items()}
                print_table("/vsis3/ (%d ms %s, %s)" % (delay, s3_mode, load_average()),
                            results, ["native", "kerchunk"])
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
