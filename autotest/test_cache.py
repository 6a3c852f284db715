"""The reference cache behind KERCHUNK:<source>, end to end through the plugin.

Real NetCDF-4 files written by netCDF4-python, real processes (8 at once on a
cold cache; kill -9 during generation), a rewritten source, a read-only cache
directory, and a cache on a real S3-compatible server (s3rver) on loopback.
Generations are counted from the CPLDebug line every generation logs, with
CPL_DEBUG=ON and CPL_LOG; values must equal netCDF4-python's bit for bit.
"""
import json
import os
import pathlib
import random
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

import netCDF4
import numpy as np
import pytest

from conftest import BUILD_DIR, KERCHUNK_CLI

from osgeo import gdal  # noqa: E402  (after conftest: GDAL_DRIVER_PATH)

GENERATION_LINE = "KERCHUNK: generating references for "

# A child process: imports GDAL, waits for the "go" file (so that all children
# open at the same moment), opens KERCHUNK:<source>, saves the array.
CHILD = r"""
import os, sys, time
import numpy as np
from osgeo import gdal
gdal.UseExceptions()
source, go_file, out = sys.argv[1:4]
while go_file != "-" and not os.path.exists(go_file):
    time.sleep(0.005)
ds = gdal.OpenEx("KERCHUNK:" + source, gdal.OF_MULTIDIM_RASTER)
np.save(out, ds.GetRootGroup().OpenMDArray("t").ReadAsArray())
"""


def write_netcdf4(path, seed, shape=(40, 60), chunks=(10, 10)):
    """Random float32 data, zlib-compressed chunks; returns the values as
    netCDF4-python reads them back."""
    rng = np.random.default_rng(seed)
    data = rng.standard_normal(shape).astype("f4")
    with netCDF4.Dataset(path, "w", format="NETCDF4") as ds:
        ds.createDimension("y", shape[0])
        ds.createDimension("x", shape[1])
        var = ds.createVariable("t", "f4", ("y", "x"), chunksizes=chunks,
                                zlib=True, shuffle=False)
        var[:] = data
    with netCDF4.Dataset(path) as ds:
        return np.asarray(ds["t"][:].data)


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def child_env(cache_dir, log=None, extra=None):
    env = dict(os.environ)
    env["KERCHUNK_CACHE_DIR"] = str(cache_dir)
    if log is not None:
        env["CPL_DEBUG"] = "ON"
        env["CPL_LOG"] = str(log)
    env.update(extra or {})
    return env


def start_child(source, out, env, go_file="-", **kwargs):
    return subprocess.Popen([sys.executable, "-c", CHILD, str(source), str(go_file), str(out)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **kwargs)


def run_child(source, out, env, **kwargs):
    proc = start_child(source, out, env, **kwargs)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    return np.load(out), stderr


def count_generations(logs, source=None):
    n = 0
    for log in logs:
        if os.path.exists(log):
            for line in pathlib.Path(log).read_text(errors="replace").splitlines():
                if GENERATION_LINE in line and (source is None or line.endswith(str(source))):
                    n += 1
    return n


def cache_state(cache_dir, source, extra_env=None):
    """The State line of `gdal_kerchunk cache info SOURCE`."""
    proc = subprocess.run([str(KERCHUNK_CLI), "cache", "info", str(source)],
                          env=child_env(cache_dir, extra=extra_env),
                          capture_output=True, text=True, timeout=60)
    for line in proc.stdout.splitlines():
        if line.startswith("State:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(proc.stdout + proc.stderr)


def open_values(source):
    ds = gdal.OpenEx(f"KERCHUNK:{source}", gdal.OF_MULTIDIM_RASTER)
    return ds.GetRootGroup().OpenMDArray("t").ReadAsArray()


# ------------------------------------------------------------------ basics


def test_cold_then_cached_open_records_metrics(tmp_path):
    src = tmp_path / "a.nc"
    expected = write_netcdf4(src, 1)
    cache = tmp_path / "cache"
    log1, log2 = tmp_path / "1.log", tmp_path / "2.log"
    values, _ = run_child(src, tmp_path / "1.npy", child_env(cache, log1))
    assert same_bits(values, expected)
    assert count_generations([log1], src) == 1
    values, _ = run_child(src, tmp_path / "2.npy", child_env(cache, log2))
    assert same_bits(values, expected)
    assert count_generations([log2]) == 0

    info = subprocess.run([str(KERCHUNK_CLI), "cache", "info", str(src)],
                          env=child_env(cache), capture_output=True, text=True, check=True).stdout
    fields = dict(line.split(":", 1) for line in info.splitlines())
    fields = {k: v.strip() for k, v in fields.items()}
    assert fields["State"] == "valid"
    assert fields["Source"] == str(src)
    # netCDF-4 stores one chunk per 10x10 block: 4 x 6 of them.
    assert fields["Chunks"] == "24"
    assert fields["Source size"] == f"{src.stat().st_size} bytes"
    assert float(fields["Generation time"].split()[0]) >= 0
    refs = pathlib.Path(fields["References"])
    assert refs.parent == cache and refs.stat().st_size == int(fields["References size"].split()[0])

    listing = subprocess.run([str(KERCHUNK_CLI), "cache", "list"], env=child_env(cache),
                             capture_output=True, text=True, check=True).stdout
    assert f"(1 entries)" in listing and str(src) in listing and " 24 chunks" in listing


def test_eight_processes_on_cold_cache_generate_once(tmp_path):
    src = tmp_path / "shared.nc"
    # Enough chunks that generation takes a noticeable time.
    expected = write_netcdf4(src, 2, shape=(200, 300), chunks=(5, 5))
    cache = tmp_path / "cache"
    go = tmp_path / "go"
    logs = [tmp_path / f"{i}.log" for i in range(8)]
    procs = [start_child(src, tmp_path / f"{i}.npy", child_env(cache, logs[i]), go)
             for i in range(8)]
    time.sleep(2.0)  # all have imported GDAL and wait for "go"
    go.touch()
    for proc in procs:
        _, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr
    assert count_generations(logs, src) == 1
    for i in range(8):
        assert same_bits(np.load(tmp_path / f"{i}.npy"), expected), i


def test_kill_9_during_generation_leaves_no_torn_entry(tmp_path):
    src = tmp_path / "big.nc"
    expected = write_netcdf4(src, 3, shape=(400, 400), chunks=(4, 4))  # 10,000 chunks
    cache = tmp_path / "cache"
    # How long one generation takes here, to kill at moments inside it.
    go = tmp_path / "go"
    proc = start_child(src, tmp_path / "probe.npy", child_env(cache), go)
    time.sleep(1.5)
    t0 = time.monotonic()
    go.touch()
    proc.communicate(timeout=300)
    span = time.monotonic() - t0
    assert proc.returncode == 0

    seed = int(os.environ.get("KERCHUNK_TEST_SEED", time.time()))
    rng = random.Random(seed)
    states = []
    for attempt in range(6):
        subprocess.run([str(KERCHUNK_CLI), "cache", "rm", str(src)], env=child_env(cache),
                       capture_output=True, check=True)
        go.unlink()
        proc = start_child(src, tmp_path / "killed.npy", child_env(cache), go)
        time.sleep(1.5)
        go.touch()
        time.sleep(rng.uniform(0, span * 1.2))
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        state = cache_state(cache, src)
        states.append(state)
        # Either the entry was committed whole, or it does not exist.
        assert state in ("valid", "missing"), f"seed {seed} attempt {attempt}: {state}"
        names = {p.name for p in cache.iterdir()} - {"metrics"}
        assert all(n.endswith((".json", ".meta.json", ".lock", ".tmp")) for n in names), names
        # The next open works (the dead holder's lock does not block it).
        log = tmp_path / f"after{attempt}.log"
        t_open = time.monotonic()
        values, _ = run_child(src, tmp_path / "after.npy", child_env(cache, log))
        assert same_bits(values, expected)
        assert count_generations([log], src) == (1 if state == "missing" else 0)
        assert time.monotonic() - t_open < 60
    print(f"seed {seed}, generation {span:.2f} s, states after kill: {states}")


def test_rewritten_source_gives_new_values(tmp_path, config_options):
    src = tmp_path / "r.nc"
    cache = tmp_path / "cache"
    config_options(KERCHUNK_CACHE_DIR=str(cache))
    first = write_netcdf4(src, 10)
    assert same_bits(open_values(src), first)
    # Same size, same layout, other values: only the fingerprint tells.
    second = write_netcdf4(src, 11)
    assert not same_bits(first, second)
    assert cache_state(cache, src).startswith("stale: source")
    assert same_bits(open_values(src), second)
    # And another process sees the new values from the cache.
    log = tmp_path / "c.log"
    values, _ = run_child(src, tmp_path / "c.npy", child_env(cache, log))
    assert same_bits(values, second)
    assert count_generations([log]) == 0


def test_corrupt_entry_is_replaced(tmp_path):
    src = tmp_path / "c.nc"
    expected = write_netcdf4(src, 4)
    cache = tmp_path / "cache"
    run_child(src, tmp_path / "0.npy", child_env(cache))
    refs = next(p for p in cache.iterdir() if p.name.endswith(".json")
                and not p.name.endswith(".meta.json"))
    good = refs.read_bytes()
    refs.write_bytes(good[: len(good) // 2])  # torn
    assert cache_state(cache, src).startswith("corrupt: references are")
    log = tmp_path / "1.log"
    values, _ = run_child(src, tmp_path / "1.npy", child_env(cache, log))
    assert same_bits(values, expected)
    assert count_generations([log], src) == 1
    assert refs.read_bytes() == good


def test_read_only_cache_dir_still_opens_with_warning(tmp_path):
    # World-readable places: the child may run as "nobody" (root ignores
    # directory permissions).
    work = pathlib.Path(tempfile.mkdtemp(prefix="kerchunk_ro_", dir="/tmp"))
    try:
        work.chmod(0o777)
        src = work / "ro.nc"
        expected = write_netcdf4(src, 5)
        src.chmod(0o644)
        cache = work / "cache"
        cache.mkdir(mode=0o555)
        cache.chmod(0o555)

        def drop_privileges():
            if os.geteuid() == 0:
                os.setgid(65534)
                os.setuid(65534)

        log = work / "ro.log"
        values, stderr = run_child(src, work / "ro.npy", child_env(cache, log),
                                   preexec_fn=drop_privileges)
        assert same_bits(values, expected)
        # With CPL_LOG, warnings go to the log file.
        assert f"references of {src} kept in memory only: cache directory {cache} " \
               f"is not writable" in log.read_text()
        assert list(cache.iterdir()) == []
        assert count_generations([log], src) == 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_cache_cli_rm_and_purge(tmp_path):
    cache = tmp_path / "cache"
    sources = [tmp_path / f"p{i}.nc" for i in range(3)]
    for i, src in enumerate(sources):
        write_netcdf4(src, 20 + i, shape=(10, 10), chunks=(5, 5))
        run_child(src, tmp_path / "x.npy", child_env(cache))
    cli = [str(KERCHUNK_CLI), "cache"]
    env = child_env(cache)
    out = subprocess.run(cli + ["rm", str(sources[0])], env=env, capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout == f"removed {sources[0]}\n"
    out = subprocess.run(cli + ["rm", str(sources[0])], env=env, capture_output=True, text=True)
    assert out.returncode == 1 and f"no cache entry for {sources[0]}" in out.stderr
    assert cache_state(cache, sources[0]) == "missing"
    # Backdate one entry: purge --older-than 1 removes it only.
    meta = next(p for p in cache.iterdir() if p.name.endswith(".meta.json")
                and json.loads(p.read_text())["source"] == str(sources[1]))
    doc = json.loads(meta.read_text())
    doc["created"] -= 2 * 86400
    meta.write_text(json.dumps(doc))
    # Combined references (KERCHUNK:"<glob>") follow the same age rule.
    combined = cache / "combined"
    combined.mkdir()
    old_combined, new_combined = combined / ("a" * 64 + ".json"), combined / ("b" * 64 + ".json")
    old_combined.write_text("{}")
    new_combined.write_text("{}")
    two_days_ago = time.time() - 2 * 86400
    os.utime(old_combined, (two_days_ago, two_days_ago))
    out = subprocess.run(cli + ["purge", "--older-than", "1"], env=env, capture_output=True,
                         text=True, check=True)
    assert out.stdout == "removed 1 entry\nremoved 1 combined reference\n"
    assert not old_combined.exists() and new_combined.exists()
    assert cache_state(cache, sources[1]) == "missing"
    assert cache_state(cache, sources[2]) == "valid"
    out = subprocess.run(cli + ["purge", "--older-than", "x"], env=env, capture_output=True,
                         text=True)
    assert out.returncode == 1
    assert "--older-than x: expected a positive number of days" in out.stderr
    assert any((cache / "metrics").iterdir())  # the generations above were recorded
    out = subprocess.run(cli + ["purge"], env=env, capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    assert lines[:2] == ["removed 1 entry", "removed 1 combined reference"]
    assert len(lines) == 3 and lines[2].startswith("removed ") and \
        lines[2].endswith(" of generation records")
    assert [p for p in cache.iterdir() if p.name.endswith(".json")] == []
    assert not combined.exists() and not (cache / "metrics").exists()


def test_bad_config_option_is_reported(tmp_path, config_options, gdal_errors):
    src = tmp_path / "o.nc"
    write_netcdf4(src, 6, shape=(10, 10), chunks=(5, 5))
    config_options(KERCHUNK_CACHE_DIR=str(tmp_path / "cache"),
                   KERCHUNK_CACHE_TTL_DAYS="soon", KERCHUNK_FALLBACK="NO")
    with pytest.raises(RuntimeError):
        gdal.OpenEx(f"KERCHUNK:{src}", gdal.OF_MULTIDIM_RASTER)
    assert "KERCHUNK_CACHE_TTL_DAYS=soon: expected a non-negative number" in gdal_errors.text


# ------------------------------------------------------------------ S3


def find_s3rver():
    """The s3rver command: $S3RVER, <build>/s3rver, PATH; installed into the
    build directory with npm when node is present but s3rver is not."""
    candidates = [os.environ.get("S3RVER", ""),
                  str(BUILD_DIR / "s3rver" / "node_modules" / ".bin" / "s3rver"),
                  shutil.which("s3rver") or ""]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node/npm not installed: cannot run the s3rver S3 server "
                    "(apt-get install nodejs npm; npm install --prefix BUILD/s3rver s3rver@3)")
    proc = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix",
                           str(BUILD_DIR / "s3rver"), "s3rver@3"],
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        pytest.skip("npm install s3rver failed (offline?): " + proc.stderr[-300:])
    return candidates[1]


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory):
    binary = find_s3rver()
    root = tmp_path_factory.mktemp("s3rver")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([binary, "--directory", str(root), "--address", "127.0.0.1",
                             "--port", str(port), "--silent",
                             "--configure-bucket", "cache", "--configure-bucket", "src"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("s3rver did not start: " + proc.stdout.read().decode())
            time.sleep(0.1)
    env = {"AWS_S3_ENDPOINT": f"127.0.0.1:{port}", "AWS_HTTPS": "NO",
           "AWS_VIRTUAL_HOSTING": "FALSE", "AWS_ACCESS_KEY_ID": "S3RVER",
           "AWS_SECRET_ACCESS_KEY": "S3RVER", "AWS_REGION": "us-east-1"}
    yield env
    proc.terminate()
    proc.wait(timeout=10)


def upload(local, vsipath):
    data = pathlib.Path(local).read_bytes()
    fp = gdal.VSIFOpenL(vsipath, "wb")
    assert fp is not None, vsipath
    assert gdal.VSIFWriteL(data, 1, len(data), fp) == len(data)
    assert gdal.VSIFCloseL(fp) == 0


def test_cache_on_s3_server(tmp_path, s3_server, config_options):
    config_options(**s3_server)
    local = tmp_path / "s3.nc"
    first = write_netcdf4(local, 30)
    source = "/vsis3/src/data/s3.nc"
    upload(local, source)
    cache = "/vsis3/cache/refs"
    env = dict(s3_server)

    log1 = tmp_path / "1.log"
    values, _ = run_child(source, tmp_path / "1.npy", child_env(cache, log1, env))
    assert same_bits(values, first)
    assert count_generations([log1], source) == 1
    gdal.VSICurlClearCache()
    # KEY.json and KEY.meta.json (the lease is gone), and the generation
    # records (test_cache_metrics.py).
    names = sorted(n for n in gdal.ReadDir(cache) or [] if n != "metrics")
    assert len(names) == 2, names
    assert names[0].endswith(".json") and names[1].endswith(".meta.json")
    assert cache_state(cache, source, env) == "valid"

    # Another process: from the cache on S3.
    log2 = tmp_path / "2.log"
    values, _ = run_child(source, tmp_path / "2.npy", child_env(cache, log2, env))
    assert same_bits(values, first)
    assert count_generations([log2]) == 0

    # The object is rewritten: a new ETag, new values.
    second = write_netcdf4(local, 31)
    upload(local, source)
    assert cache_state(cache, source, env).startswith("stale: source")
    log3 = tmp_path / "3.log"
    values, _ = run_child(source, tmp_path / "3.npy", child_env(cache, log3, env))
    assert same_bits(values, second)
    assert count_generations([log3], source) == 1

    # Four processes on a cold entry: all correct; duplicate generation is
    # possible on an object store (no exclusive create) but the lease keeps it
    # rare. The count is printed for the record.
    local2 = tmp_path / "s3b.nc"
    third = write_netcdf4(local2, 32, shape=(100, 100), chunks=(5, 5))
    source2 = "/vsis3/src/data/s3b.nc"
    upload(local2, source2)
    go = tmp_path / "go"
    logs = [tmp_path / f"c{i}.log" for i in range(4)]
    procs = [start_child(source2, tmp_path / f"c{i}.npy", child_env(cache, logs[i], env), go)
             for i in range(4)]
    time.sleep(2.0)
    go.touch()
    for proc in procs:
        _, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr
    for i in range(4):
        assert same_bits(np.load(tmp_path / f"c{i}.npy"), third)
    n = count_generations(logs, source2)
    print(f"4 processes on a cold S3 cache entry: {n} generation(s)")
    assert 1 <= n <= 4
