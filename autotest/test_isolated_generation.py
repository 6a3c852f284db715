"""Isolated generation: on a cache miss, KERCHUNK:<source> makes its references
in a child process (the gdal_kerchunk command beside the plugin), so a source
that crashes, aborts or hangs the generator ends the child, not the host.

The child's references must be byte-identical to an in-process generation;
a crash, a non-zero exit or a timeout is one clear error naming the source (or
the fallback to GDAL's own driver), and nothing enters the cache.
"""
import http.server
import os
import shutil
import socket
import stat
import subprocess
import textwrap
import threading
import time

import netCDF4
import numpy as np
import pytest

from conftest import DATA_DIR, PLUGIN_DIR

from osgeo import gdal  # noqa: E402  (after conftest: GDAL_DRIVER_PATH)

from test_lazy_open import all_arrays, write_netcdf

HOSTILE_HDF5 = DATA_DIR / "hostile" / "hdf5_literate_badfree.nc"


@pytest.fixture
def cache(tmp_path, config_options):
    directory = tmp_path / "cache"
    config_options(KERCHUNK_CACHE_DIR=str(directory))
    return directory


def cached_files(directory):
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def fake_command(tmp_path, body):
    """A stand-in for gdal_kerchunk (KERCHUNK_GENERATOR_COMMAND) behaving badly."""
    path = tmp_path / "fake_gdal_kerchunk"
    path.write_text("#!/bin/sh\n" + textwrap.dedent(body))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def references_of(cache_dir):
    [refs] = [p for p in cache_dir.iterdir()
              if p.name.endswith(".json") and not p.name.endswith(".meta.json")]
    return refs.read_bytes()


def test_child_references_equal_in_process_ones(tmp_path, config_options):
    src = tmp_path / "a.nc"
    native = write_netcdf(src, "NETCDF4", seed=11)
    results = {}
    for mode in ("IN_PROCESS", "PROCESS"):
        config_options(KERCHUNK_CACHE_DIR=str(tmp_path / mode),
                       KERCHUNK_GENERATION_ISOLATION=mode)
        values = all_arrays(f"KERCHUNK:{src}")
        assert same_bits(values["/t"], native["t"]) and same_bits(values["/q"], native["q"])
        results[mode] = references_of(tmp_path / mode)
    assert results["PROCESS"] == results["IN_PROCESS"]


def test_debug_says_which_generator_ran(tmp_path, cache):
    src = tmp_path / "d.nc"
    write_netcdf(src, "NETCDF3_CLASSIC", seed=12)
    log = tmp_path / "debug.log"
    code = "import sys\nfrom osgeo import gdal\ngdal.Open('KERCHUNK:' + sys.argv[1])\n"
    env = dict(os.environ, CPL_DEBUG="ON", CPL_LOG=str(log), KERCHUNK_CACHE_DIR=str(cache))
    subprocess.run(["/usr/bin/python3", "-c", code, str(src)], env=env, check=True)
    command = (PLUGIN_DIR / ".." / "gdal_kerchunk")
    assert (f"KERCHUNK: isolated generation: running {PLUGIN_DIR}/../gdal_kerchunk "
            f"for {src}") in log.read_text()
    assert command.exists()


def open_bad_then_good(tmp_path, bad, seed, before_open=""):
    """Opens bad lazily from a fresh Python process (after before_open, code run
    first in it) with KERCHUNK_FALLBACK=NO, then a good NetCDF-4 file: the
    process must survive. Returns the first open's printed error and whether
    the good file's values equal netCDF4's; only its cache entry may exist."""
    good = tmp_path / "good.nc"
    native = write_netcdf(good, "NETCDF4", seed=seed)
    cache_dir = tmp_path / "cache"
    code = textwrap.dedent(before_open) + textwrap.dedent("""
        import sys
        from osgeo import gdal
        gdal.UseExceptions()
        gdal.SetConfigOption("KERCHUNK_FALLBACK", "NO")
        try:
            gdal.Open("KERCHUNK:" + sys.argv[1])
            print("OPENED BAD FILE")
        except RuntimeError as e:
            print("ERROR:", e)
        ds = gdal.Open('KERCHUNK:"%s":t' % sys.argv[2])
        sys.stdout.buffer.write(b"VALUES:" + ds.GetRasterBand(1).ReadAsArray().tobytes())
    """)
    env = dict(os.environ, KERCHUNK_CACHE_DIR=str(cache_dir))
    proc = subprocess.run(["/usr/bin/python3", "-c", code, str(bad), str(good)],
                          env=env, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    text, values = proc.stdout.split(b"VALUES:", 1)
    good_equal = same_bits(np.frombuffer(values, "f4").reshape(30, 40)[::-1], native["t"])
    assert len([n for n in cached_files(cache_dir) if n.endswith(".meta.json")]) == 1
    return text.decode(), good_equal


def test_libhdf5_bad_free_leaves_the_host_running(tmp_path):
    """The hostile file makes libhdf5 free an invalid pointer: opened lazily from
    a Python process, which must survive, report a clear error and then open a
    good file."""
    bad = tmp_path / "badfree.nc"
    shutil.copy(HOSTILE_HDF5, bad)
    text, good_equal = open_bad_then_good(tmp_path, bad, seed=13)
    assert text.startswith(f"ERROR: {bad}: cannot make kerchunk references: "), text
    assert "(KERCHUNK_FALLBACK=NO)" in text
    assert good_equal


def test_child_killed_by_signal_is_an_error(tmp_path, cache, config_options, gdal_errors):
    src = tmp_path / "a.nc"
    write_netcdf(src, "NETCDF4", seed=14)
    # Half a references file on stdout, then a crash.
    command = fake_command(tmp_path, """
        printf '{"version": 1, "refs": {".zgroup": '
        kill -SEGV $$
    """)
    config_options(KERCHUNK_GENERATOR_COMMAND=str(command), KERCHUNK_FALLBACK="NO")
    with pytest.raises(RuntimeError):
        gdal.Open(f"KERCHUNK:{src}")
    assert (f"{src}: cannot make kerchunk references: generating references for {src}: "
            f"the generator process ({command}, pid ") in gdal_errors.text
    assert "was killed by signal 11 (Segmentation fault) (KERCHUNK_FALLBACK=NO)" \
        in gdal_errors.text
    assert not any(n.endswith(".meta.json") or n.endswith(".json")
                   for n in cached_files(cache))


def test_child_exit_code_is_an_error_with_its_output(tmp_path, cache, config_options,
                                                    gdal_errors):
    src = tmp_path / "a.nc"
    write_netcdf(src, "NETCDF4", seed=15)
    command = fake_command(tmp_path, """
        echo "free(): invalid pointer" >&2
        exit 3
    """)
    config_options(KERCHUNK_GENERATOR_COMMAND=str(command), KERCHUNK_FALLBACK="NO")
    with pytest.raises(RuntimeError):
        gdal.Open(f"KERCHUNK:{src}")
    assert (f"generating references for {src}: the generator process ({command}) exited "
            f"with code 3: free(): invalid pointer (KERCHUNK_FALLBACK=NO)") in gdal_errors.text
    assert not any(n.endswith(".json") for n in cached_files(cache))


def test_child_crash_falls_back_to_native_driver(tmp_path, cache, config_options, gdal_errors):
    src = tmp_path / "a.nc"
    native = write_netcdf(src, "NETCDF4", seed=16)
    command = fake_command(tmp_path, "kill -ABRT $$\n")
    config_options(KERCHUNK_GENERATOR_COMMAND=str(command))
    ds = gdal.Open(f'KERCHUNK:"{src}":t')
    assert ds.GetDriver().ShortName == "netCDF"
    assert same_bits(ds.GetRasterBand(1).ReadAsArray()[::-1], native["t"])
    assert "was killed by signal 6 (Aborted)" in gdal_errors.text
    assert "opening it with GDAL's own driver instead" in gdal_errors.text


def test_hanging_child_is_killed_at_the_timeout(tmp_path, cache, config_options, gdal_errors):
    src = tmp_path / "a.nc"
    write_netcdf(src, "NETCDF4", seed=17)
    pid_file = tmp_path / "pid"
    command = fake_command(tmp_path, f"""
        echo $$ > {pid_file}
        exec sleep 60
    """)
    config_options(KERCHUNK_GENERATOR_COMMAND=str(command), KERCHUNK_FALLBACK="NO",
                   KERCHUNK_GENERATION_TIMEOUT="1")
    start = time.monotonic()
    with pytest.raises(RuntimeError):
        gdal.Open(f"KERCHUNK:{src}")
    elapsed = time.monotonic() - start
    assert elapsed < 5, elapsed
    assert (f"generation of references for {src} timed out "
            f"(KERCHUNK_GENERATION_TIMEOUT=1 s)") in gdal_errors.text
    # The child was ended (and reaped: no zombie either).
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)


def test_generator_command_must_be_executable(tmp_path, cache, config_options, gdal_errors):
    src = tmp_path / "a.nc"
    write_netcdf(src, "NETCDF4", seed=18)
    config_options(KERCHUNK_GENERATOR_COMMAND=str(tmp_path / "nope"), KERCHUNK_FALLBACK="NO")
    with pytest.raises(RuntimeError):
        gdal.Open(f"KERCHUNK:{src}")
    assert f"KERCHUNK_GENERATOR_COMMAND={tmp_path / 'nope'}: not an executable file" \
        in gdal_errors.text


def test_bad_isolation_value_is_an_error(tmp_path, cache, config_options, gdal_errors):
    src = tmp_path / "a.nc"
    write_netcdf(src, "NETCDF4", seed=19)
    config_options(KERCHUNK_GENERATION_ISOLATION="THREAD", KERCHUNK_FALLBACK="NO")
    with pytest.raises(RuntimeError):
        gdal.Open(f"KERCHUNK:{src}")
    assert "KERCHUNK_GENERATION_ISOLATION=THREAD: expected PROCESS or IN_PROCESS" \
        in gdal_errors.text


# fuzz_hdf5's kept inputs: libhdf5_global_heap_gigabytes (a 7.5 KB file whose
# corrupt global heap makes libhdf5 hold 1.7 GB while reading ten strings),
# libhdf5_vlen_conversion_hang (libhdf5 loops forever on it).
FUZZ_HDF5_REGRESSIONS = DATA_DIR.parent.parent / "tests" / "fuzz" / "regressions" / "fuzz_hdf5"


def test_memory_hungry_source_fails_at_the_child_memory_limit(tmp_path):
    """Opened from a host that first grew to 600 MB: the child's peak must be
    its own (getrusage's ru_maxrss of a spawned child starts from the host's
    peak, and said 1667 MB in CI's pytest process)."""
    src = tmp_path / "heap.h5"
    shutil.copy(FUZZ_HDF5_REGRESSIONS / "libhdf5_global_heap_gigabytes", src)
    text, good_equal = open_bad_then_good(tmp_path, src, seed=26, before_open="""
        ballast = bytearray(600 << 20)
        for i in range(0, len(ballast), 4096):
            ballast[i] = 1
        del ballast
        import os
        os.environ["KERCHUNK_GENERATION_MAX_MEMORY"] = str(256 << 20)
    """)
    assert text.startswith(f"ERROR: {src}: cannot make kerchunk references: {src}: dataset "
                           "/variable_length_ascii: cannot read strings: can't read data "
                           "(memory allocation failed"), text
    assert ("; the generator process has a memory limit of 256 MB "
            "(KERCHUNK_GENERATION_MAX_MEMORY=268435456), its peak was ") in text
    peak_mb = int(text.split("its peak was ")[1].split(" MB")[0])
    assert 0 < peak_mb <= 256
    # The host goes on: the good file opens, and only its entry was cached.
    assert good_equal


def test_child_dead_at_an_allocation_names_the_memory_limit(tmp_path, cache, config_options,
                                                            gdal_errors):
    """A child that dies without reporting, having printed an allocation
    failure: the message names the limit (its peak is not known to the host:
    the kernel's count for a spawned child starts from the host's own)."""
    src = tmp_path / "a.nc"
    write_netcdf(src, "NETCDF4", seed=27)
    command = fake_command(tmp_path, """
        echo "terminate called after throwing an instance of 'std::bad_alloc'" >&2
        kill -ABRT $$
    """)
    config_options(KERCHUNK_GENERATOR_COMMAND=str(command), KERCHUNK_FALLBACK="NO",
                   KERCHUNK_GENERATION_MAX_MEMORY=str(400 << 20))
    with pytest.raises(RuntimeError):
        gdal.Open(f"KERCHUNK:{src}")
    assert ("was killed by signal 6 (Aborted): terminate called after throwing an instance "
            "of 'std::bad_alloc'; the generator process has a memory limit of 400 MB "
            "(KERCHUNK_GENERATION_MAX_MEMORY=419430400) (KERCHUNK_FALLBACK=NO)") \
        in gdal_errors.text, gdal_errors.text


def test_bad_memory_limit_is_an_error(tmp_path, cache, config_options, gdal_errors):
    src = tmp_path / "a.nc"
    write_netcdf(src, "NETCDF4", seed=28)
    config_options(KERCHUNK_GENERATION_MAX_MEMORY="4G", KERCHUNK_FALLBACK="NO")
    with pytest.raises(RuntimeError):
        gdal.Open(f"KERCHUNK:{src}")
    assert "KERCHUNK_GENERATION_MAX_MEMORY=4G: expected a non-negative integer" \
        in gdal_errors.text


def test_libhdf5_endless_loop_ends_the_child_with_an_error(tmp_path, cache, config_options,
                                                            gdal_errors):
    """fuzz_hdf5's finding: libhdf5's variable-length conversion loops
    forever on this file's corrupt global heap; without the watchdog the
    open would never return (KERCHUNK_GENERATION_TIMEOUT is 0 by default)."""
    src = tmp_path / "loop.h5"
    shutil.copy(FUZZ_HDF5_REGRESSIONS / "libhdf5_vlen_conversion_hang", src)
    config_options(KERCHUNK_HDF5_MAX_CALL_SECONDS="2", KERCHUNK_FALLBACK="NO")
    t0 = time.monotonic()
    with pytest.raises(RuntimeError):
        gdal.OpenEx(f"KERCHUNK:{src}", gdal.OF_MULTIDIM_RASTER)
    assert time.monotonic() - t0 < 60
    assert (f"{src}: cannot make kerchunk references: {src}: libhdf5 used more than 2 s of "
            "CPU time reading the attributes of dataset /sub/v without returning (a corrupt "
            "file: libhdf5 loops on it); generation stopped "
            "(KERCHUNK_HDF5_MAX_CALL_SECONDS)") in gdal_errors.text, gdal_errors.text
    assert not any(n.endswith(".json") for n in cached_files(cache))


def test_warnings_of_the_child_reach_the_host(tmp_path, cache, config_options, gdal_errors):
    src = tmp_path / "a.nc"
    write_netcdf(src, "NETCDF4", seed=20)
    command = fake_command(tmp_path, r"""
        printf '%s\n' '@KERCHUNK cplerror 2 1 first line\nsecond line' >&2
        printf '%s\n' '@KERCHUNK failed a.nc: something precise' >&2
        exit 1
    """)
    config_options(KERCHUNK_GENERATOR_COMMAND=str(command), KERCHUNK_FALLBACK="NO")
    with pytest.raises(RuntimeError):
        gdal.Open(f"KERCHUNK:{src}")
    assert "first line\nsecond line" in gdal_errors.messages
    assert (f"{src}: cannot make kerchunk references: a.nc: something precise "
            f"(KERCHUNK_FALLBACK=NO)") in gdal_errors.text


class StallingHandler(http.server.BaseHTTPRequestHandler):
    """Serves HEAD and the first block (what the driver reads to recognize the
    file), then answers headers and stalls on any later range."""

    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.server.data)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()

    def do_GET(self):
        data = self.server.data
        if self.headers["Range"] is None:  # a whole-file download: stall too
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.server.release.wait(60)
            return
        start, end = (int(v) for v in self.headers["Range"].split("=")[1].split("-"))
        end = min(end, len(data) - 1)
        self.send_response(206)
        self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        if start >= self.server.stall_from:
            self.server.stalled.set()
            self.server.release.wait(60)
            return
        self.wfile.write(data[start:end + 1])


def test_stalled_server_times_out_within_the_limit(tmp_path, cache, config_options,
                                                  gdal_errors):
    src = tmp_path / "big.nc"
    with netCDF4.Dataset(src, "w") as ds:
        ds.createDimension("x", 200000)
        for name in ("a", "b", "c"):
            ds.createVariable(name, "f8", ("x",), chunksizes=(1000,))[:] = np.arange(200000.0)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StallingHandler)
    httpd.daemon_threads = True
    httpd.data = src.read_bytes()
    httpd.stall_from = 16384  # GDAL reads 16 KB blocks: the first one is served
    httpd.stalled, httpd.release = threading.Event(), threading.Event()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    url = f"/vsicurl/http://127.0.0.1:{httpd.server_address[1]}/big.nc"
    try:
        config_options(KERCHUNK_GENERATION_TIMEOUT="3", KERCHUNK_FALLBACK="NO",
                       KERCHUNK_HDF5_BLOCK_SIZE="16384")
        start = time.monotonic()
        with pytest.raises(RuntimeError):
            gdal.Open(f"KERCHUNK:{url}")
        elapsed = time.monotonic() - start
    finally:
        httpd.release.set()
        httpd.shutdown()
        httpd.server_close()
    print(f"stalled source: open returned after {elapsed:.2f} s")
    assert httpd.stalled.is_set()
    assert elapsed < 6, elapsed
    assert (f"generation of references for {url} timed out "
            f"(KERCHUNK_GENERATION_TIMEOUT=3 s) (KERCHUNK_FALLBACK=NO)") in gdal_errors.text


def test_server_that_never_answers_times_out(tmp_path, cache, config_options, gdal_errors):
    """Accepts connections and never answers: the probes made in this process
    before generation are bounded by the timeout too."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted = []

    def accept():
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    url = f"/vsicurl/http://127.0.0.1:{listener.getsockname()[1]}/silent.nc"
    try:
        config_options(KERCHUNK_GENERATION_TIMEOUT="3", KERCHUNK_FALLBACK="NO")
        start = time.monotonic()
        with pytest.raises(RuntimeError):
            gdal.Open(f"KERCHUNK:{url}")
        elapsed = time.monotonic() - start
    finally:
        listener.close()
        for conn in accepted:
            conn.close()
    print(f"silent server: open returned after {elapsed:.2f} s")
    assert accepted
    assert elapsed < 7, elapsed
    assert f"{url}: no such file, or no answer within KERCHUNK_GENERATION_TIMEOUT=3 s" \
        in gdal_errors.text


def test_plugin_without_the_command_generates_in_process(tmp_path):
    """A plugin copied alone (no gdal_kerchunk beside it) still opens sources,
    generating in-process, and says so in a debug line."""
    plugins = tmp_path / "lib" / "gdalplugins"
    plugins.mkdir(parents=True)
    shutil.copy(PLUGIN_DIR / "gdal_KERCHUNK.so", plugins)
    src = tmp_path / "a.nc"
    native = write_netcdf(src, "NETCDF4", seed=21)
    log = tmp_path / "debug.log"
    code = ("import sys\nfrom osgeo import gdal\n"
            "ds = gdal.Open('KERCHUNK:\"%s\":t' % sys.argv[1])\n"
            "sys.stdout.buffer.write(ds.GetRasterBand(1).ReadAsArray().tobytes())\n")
    env = dict(os.environ, GDAL_DRIVER_PATH=str(plugins), CPL_DEBUG="ON", CPL_LOG=str(log),
               KERCHUNK_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("KERCHUNK_GENERATOR_COMMAND", None)
    out = subprocess.run(["/usr/bin/python3", "-c", code, str(src)], env=env, check=True,
                         capture_output=True).stdout
    assert same_bits(np.frombuffer(out, "f4").reshape(30, 40)[::-1], native["t"])
    text = log.read_text()
    assert ("KERCHUNK: gdal_kerchunk not found beside the plugin: generating references "
            "in this process (set KERCHUNK_GENERATOR_COMMAND)") in text
    assert "isolated generation: running" not in text
