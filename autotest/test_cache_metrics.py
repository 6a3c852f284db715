"""Operator metrics of the reference cache: one record per generation, and
`gdal_kerchunk cache stats` / `cache verify` over a cache made by real
generations (lazy opens through the plugin and `generate --cache`): a
success, failures from bad sources, a stale entry after rewriting its source,
a deleted source, a corrupted entry; on a local folder and on a real
S3-compatible server (s3rver) through /vsis3/.

The figures printed by `cache stats` are checked against the record files
themselves (parsed here, percentiles recomputed here); the Prometheus output
is checked by a strict parser of the text exposition format written below,
and by python3-prometheus-client's parser when it is installed.
"""
import datetime
import json
import math
import os
import pathlib
import re
import subprocess
import time

import pytest

from conftest import KERCHUNK_CLI
from test_cache import (child_env, run_child, s3_server, upload,  # noqa: F401
                        write_netcdf4)

from osgeo import gdal  # noqa: E402


def cli(cache, *args, extra_env=None):
    return subprocess.run([str(KERCHUNK_CLI), *[str(a) for a in args]],
                          env=child_env(cache, extra=extra_env),
                          capture_output=True, text=True, timeout=300)


def records_of(cache):
    """Every generation record under <cache>/metrics, parsed."""
    files = sorted(pathlib.Path(cache, "metrics").glob("*/*.json"))
    return [json.loads(p.read_text()) for p in files]


def nearest_rank(values, q):
    values = sorted(values)
    return values[max(math.ceil(q * len(values)), 1) - 1] if values else 0.0


# ------------------------------------------------- Prometheus text format

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"'
SAMPLE = re.compile(rf"^({NAME})(?:\{{({LABEL}(?:,{LABEL})*)?\}})? (\S+)$")


def parse_prometheus(text):
    """Strict parser of the text exposition format 0.0.4 (what node-exporter's
    textfile collector reads). Returns {(name, frozenset(labels)): value} and
    {family: type}; raises AssertionError on anything malformed."""
    assert text.endswith("\n"), "exposition must end with a newline"
    types, helps, samples = {}, set(), {}
    for n, line in enumerate(text.split("\n")[:-1], 1):
        where = f"line {n}: {line!r}"
        assert line.strip() == line and line, where
        if line.startswith("#"):
            parts = line.split(" ", 3)
            assert parts[0] == "#" and parts[1] in ("HELP", "TYPE") and len(parts) == 4, where
            assert re.fullmatch(NAME, parts[2]), where
            if parts[1] == "HELP":
                assert parts[2] not in helps, "second HELP " + where
                helps.add(parts[2])
            else:
                assert parts[2] not in types, "second TYPE " + where
                assert parts[3] in ("counter", "gauge", "summary", "histogram",
                                    "untyped"), where
                types[parts[2]] = parts[3]
            continue
        m = SAMPLE.match(line)
        assert m, where
        name, labels_text, value = m.group(1), m.group(2), m.group(m.lastindex)
        labels = dict(re.findall(LABEL, labels_text or ""))
        family = next((f for f in types if name == f or
                       (types[f] == "summary" and name in (f + "_sum", f + "_count"))),
                      None)
        assert family is not None, "sample before its TYPE " + where
        if types[family] == "counter":
            assert name.endswith("_total"), where
        if types[family] == "summary" and name == family:
            assert set(labels) == {"quantile"}, where
            assert 0 <= float(labels["quantile"]) <= 1, where
        v = float(value)  # raises on a malformed value
        assert not math.isnan(v), where
        key = (name, frozenset(labels.items()))
        assert key not in samples, "duplicate series " + where
        samples[key] = v
    assert helps == set(types), "every family needs HELP and TYPE"
    return samples, types


def value(samples, name, **labels):
    return samples[(name, frozenset(labels.items()))]


# ------------------------------------------------------------------ tests


def make_cache(tmp_path):
    """A cache made by real generations; returns (cache, sources)."""
    cache = tmp_path / "cache"
    src = {name: tmp_path / f"{name}.nc" for name in ("ok", "stale", "gone", "corrupt")}
    for i, path in enumerate(src.values()):
        write_netcdf4(path, 100 + i, shape=(20, 30), chunks=(10, 10))
    # A lazy open through the plugin, in its own process.
    run_child(src["ok"], tmp_path / "ok.npy", child_env(cache))
    # The command, three sources at once on three threads.
    r = cli(cache, "generate", "--cache", "-q", "-j", "3", src["stale"], src["gone"],
            src["corrupt"])
    assert r.returncode == 0, r.stderr
    # Failures: a text file and a missing file (command), a truncated
    # NetCDF-4 file (lazy open).
    notes = tmp_path / "notes.nc"
    notes.write_bytes(b"hello world\n")
    missing = tmp_path / "missing.nc"
    r = cli(cache, "generate", "--cache", "-q", notes, missing)
    assert r.returncode == 1
    assert "not a NetCDF-4/HDF5, NetCDF-3 or GRIB file (unknown magic bytes)" in r.stderr
    assert f"gdal_kerchunk: {missing}: {missing}: no such file" in r.stderr
    truncated = tmp_path / "truncated.nc"
    truncated.write_bytes(src["ok"].read_bytes()[:3000])
    proc = subprocess.run(
        ["/usr/bin/python3", "-c",
         "import sys; from osgeo import gdal; gdal.UseExceptions(); "
         "gdal.OpenEx('KERCHUNK:' + sys.argv[1], gdal.OF_MULTIDIM_RASTER)", str(truncated)],
        env=child_env(cache, extra={"KERCHUNK_FALLBACK": "NO"}), capture_output=True,
        text=True, timeout=120)
    assert proc.returncode != 0 and "cannot open as HDF5" in proc.stderr, proc.stderr
    src.update(notes=notes, truncated=truncated, missing=missing)
    return cache, src


def spoil(cache, src):
    """Rewrite one source, delete one, corrupt one entry's references."""
    time.sleep(0.01)
    write_netcdf4(src["stale"], 200, shape=(20, 30), chunks=(10, 10))
    src["gone"].unlink()
    info = cli(cache, "cache", "info", src["corrupt"]).stdout
    refs = pathlib.Path(re.search(r"^References: +(\S+)$", info, re.M).group(1))
    data = bytearray(refs.read_bytes())
    data[len(data) // 2] ^= 0x20  # same size, other bytes
    refs.write_bytes(bytes(data))


def test_records_stats_and_verify(tmp_path):
    cache, src = make_cache(tmp_path)

    # One immutable record per generation, in today's (UTC) folder.
    recs = records_of(cache)
    assert len(recs) == 7
    day = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    assert [p.name for p in (cache / "metrics").iterdir()] == [day]
    by_source = {r["source"]: r for r in recs}
    assert set(by_source) == {str(p) for p in src.values()}
    for name in ("ok", "stale", "gone", "corrupt"):
        r = by_source[str(src[name])]
        assert r["outcome"] == "ok" and r["chunks"] == 6 and r["arrays"] == 1
        assert r["duration_s"] >= 0 and r["pid"] > 0 and r["host"]
        assert 0 < r["bytes_read"], r
        assert "error" not in r
    notes = by_source[str(src["notes"])]
    assert notes["outcome"] == "failed" and notes["cause"] == "unknown_format"
    assert notes["error"].endswith("(unknown magic bytes)")
    assert notes["bytes_read"] == 12  # format detection read the whole file
    trunc = by_source[str(src["truncated"])]
    assert trunc["outcome"] == "failed" and trunc["cause"] == "malformed_source"
    assert "cannot open as HDF5" in trunc["error"]
    gone = by_source[str(src["missing"])]
    assert gone["cause"] == "source_not_found" and gone["bytes_read"] == 0
    # The lazy open (another process) recorded with its own pid.
    assert by_source[str(src["ok"])]["pid"] != by_source[str(src["stale"])]["pid"]

    durations = [r["duration_s"] for r in recs if r["outcome"] == "ok"]
    entries_size = sum(int(re.search(r"^References size: +(\d+)", cli(
        cache, "cache", "info", src[n]).stdout, re.M).group(1))
        for n in ("ok", "stale", "gone", "corrupt"))

    # --- stats, text
    r = cli(cache, "cache", "stats")
    assert r.returncode == 0, r.stderr
    print(r.stdout)
    assert f"Entries:          4 ({entries_size} bytes of references)\n" in r.stdout
    assert "Generations:      7 (4 ok, 3 failed)\n" in r.stdout
    p = [nearest_rank(durations, q) for q in (0.5, 0.9, 0.99)] + [max(durations)]
    assert ("Generation time:  p50 %.3f s, p90 %.3f s, p99 %.3f s, max %.3f s\n"
            % tuple(p)) in r.stdout
    assert "Chunks:           24\n" in r.stdout
    assert f"Bytes read:       {sum(x['bytes_read'] for x in recs)}\n" in r.stdout
    assert re.search(r"^  malformed_source +1$", r.stdout, re.M)
    assert re.search(r"^  unknown_format +1$", r.stdout, re.M)
    assert re.search(r"^  source_not_found +1$", r.stdout, re.M)
    assert "unknown_format  " + notes["error"] in r.stdout

    # --- stats, JSON
    r = cli(cache, "cache", "stats", "-of", "json")
    doc = json.loads(r.stdout)
    assert doc["generations"] == {"total": 7, "ok": 4, "failed": 3}
    assert doc["entries"] == 4 and doc["size_bytes"] == entries_size
    assert doc["failures_by_cause"]["unknown_format"] == 1
    assert doc["failures_by_cause"]["malformed_source"] == 1
    assert sum(doc["failures_by_cause"].values()) == 3
    assert doc["duration_s"]["p50"] == pytest.approx(p[0], abs=1e-9)
    assert doc["duration_s"]["max"] == pytest.approx(p[3], abs=1e-9)
    assert {f["source"] for f in doc["failures"]} == {str(src[n]) for n in
                                                      ("notes", "truncated", "missing")}

    # --- stats, Prometheus
    r = cli(cache, "cache", "stats", "-of", "prometheus")
    assert r.returncode == 0, r.stderr
    samples, types = parse_prometheus(r.stdout)
    assert all(name.startswith("gdal_kerchunk_") for name, _ in samples)
    assert types["gdal_kerchunk_generation_duration_seconds"] == "summary"
    assert value(samples, "gdal_kerchunk_generations_total", outcome="ok") == 4
    assert value(samples, "gdal_kerchunk_generations_total", outcome="failed") == 3
    assert value(samples, "gdal_kerchunk_generation_failures_total", cause="unknown_format") == 1
    assert value(samples, "gdal_kerchunk_generation_failures_total", cause="timeout") == 0
    for q, expected in zip(("0.5", "0.9", "0.99", "1"), p):
        assert value(samples, "gdal_kerchunk_generation_duration_seconds",
                     quantile=q) == pytest.approx(expected, abs=1e-9)
    assert value(samples, "gdal_kerchunk_generation_duration_seconds_count") == 4
    assert value(samples, "gdal_kerchunk_cache_entries") == 4
    assert value(samples, "gdal_kerchunk_cache_size_bytes") == entries_size
    assert value(samples, "gdal_kerchunk_generated_chunks_total") == 24
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        pass
    else:
        families = {f.name: f for f in text_string_to_metric_families(r.stdout)}
        assert families["gdal_kerchunk_generation_duration_seconds"].type == "summary"
        assert families["gdal_kerchunk_cache_entries"].samples[0].value == 4

    # --- verify: all ok, then spoiled
    r = cli(cache, "cache", "verify")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.endswith("4 entries: 4 ok, 0 stale, 0 source gone, 0 corrupt\n")
    spoil(cache, src)
    r = cli(cache, "cache", "verify")
    print(r.stdout)
    assert r.returncode == 1
    assert r.stdout.startswith("STATE        KEY           SOURCE / DETAIL\n")
    assert re.search(rf"^ok +[0-9a-f]{{12}}  {src['ok']}$", r.stdout, re.M)
    assert re.search(rf"^stale +[0-9a-f]{{12}}  {src['stale']}: source ", r.stdout, re.M)
    assert re.search(rf"^source gone  [0-9a-f]{{12}}  {src['gone']}: no such file$",
                     r.stdout, re.M)
    assert re.search(rf"^corrupt +[0-9a-f]{{12}}  {src['corrupt']}: references checksum "
                     "mismatch$", r.stdout, re.M)
    assert r.stdout.endswith("4 entries: 1 ok, 1 stale, 1 source gone, 1 corrupt\n")
    doc = json.loads(cli(cache, "cache", "verify", "-of", "json").stdout)
    assert doc["counts"] == {"ok": 1, "stale": 1, "source gone": 1, "corrupt": 1}
    assert {e["state"] for e in doc["entries"]} == {"ok", "stale", "source gone", "corrupt"}
    # verify only reads: it regenerates nothing.
    assert len(records_of(cache)) == 7

    # Repaired: regenerate the stale and corrupt entries, remove the gone one.
    r = cli(cache, "generate", "--cache", "-q", src["stale"], src["corrupt"])
    assert r.returncode == 0, r.stderr
    assert cli(cache, "cache", "rm", src["gone"]).returncode == 0
    r = cli(cache, "cache", "verify")
    assert r.returncode == 0 and r.stdout.endswith("3 entries: 3 ok, 0 stale, 0 source gone, "
                                                   "0 corrupt\n"), r.stdout
    assert json.loads(cli(cache, "cache", "stats", "-of", "json").stdout)[
        "generations"] == {"total": 9, "ok": 6, "failed": 3}


def test_stats_since_and_bad_arguments(tmp_path):
    cache = tmp_path / "cache"
    a = tmp_path / "a.nc"
    write_netcdf4(a, 5, shape=(10, 10), chunks=(5, 5))
    for _ in range(2):
        assert cli(cache, "generate", "--cache", "--force", "-q", a).returncode == 0
    # Move one record three days back, into its day's folder.
    old = sorted((cache / "metrics").glob("*/*.json"))[0]
    doc = json.loads(old.read_text())
    doc["start"] -= 3 * 86400
    day = datetime.datetime.fromtimestamp(doc["start"], datetime.timezone.utc)
    folder = cache / "metrics" / day.strftime("%Y-%m-%d")
    folder.mkdir()
    (folder / old.name).write_text(json.dumps(doc))
    old.unlink()
    # A torn record (a writer killed mid-way cannot leave one locally, but a
    # foreign or damaged file may be there) is counted, not fatal.
    (cache / "metrics" / day.strftime("%Y-%m-%d") / "x.json").write_text("{")
    stats = lambda *args: json.loads(cli(cache, "cache", "stats", "-of", "json",  # noqa: E731
                                         *args).stdout)
    assert stats()["generations"]["total"] == 2
    assert stats()["unreadable_records"] == 1
    assert stats("--since", "1")["generations"]["total"] == 1
    assert stats("--since", "1")["unreadable_records"] == 0  # its folder is skipped
    assert stats("--since", "3.5")["generations"]["total"] == 2

    r = cli(cache, "cache", "stats", "--since", "-2")
    assert r.returncode == 1 and "--since -2: expected a positive number of days" in r.stderr
    r = cli(cache, "cache", "stats", "-of", "xml")
    assert r.returncode == 1
    assert "-of xml: expected one of text, json, prometheus" in r.stderr
    r = cli(cache, "cache", "verify", "--since", "1")
    assert r.returncode == 1 and "unexpected argument '--since'" in r.stderr


def test_many_processes_record_without_loss(tmp_path):
    """Records are separate objects: concurrent writers lose none."""
    cache = tmp_path / "cache"
    sources = []
    for i in range(6):
        sources.append(tmp_path / f"m{i}.nc")
        write_netcdf4(sources[-1], 300 + i, shape=(10, 10), chunks=(5, 5))
    procs = [subprocess.Popen([str(KERCHUNK_CLI), "generate", "--cache", "--force", "-q",
                               "-j", "2", *map(str, sources)],
                              env=child_env(cache), stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    for proc in procs:
        assert proc.wait(timeout=300) == 0, proc.stderr.read()
    recs = records_of(cache)
    assert len(recs) == 24
    assert {r["pid"] for r in recs} == {proc.pid for proc in procs}
    assert not list((cache / "metrics").glob("*/*.tmp"))


def test_generate_without_cache_records_nothing(tmp_path):
    cache = tmp_path / "cache"
    a = tmp_path / "a.nc"
    write_netcdf4(a, 7, shape=(10, 10), chunks=(5, 5))
    assert cli(cache, "generate", a, "-o", tmp_path / "a.json", "-q").returncode == 0
    assert not (cache / "metrics").exists()


def test_metrics_on_s3_server(tmp_path, s3_server, config_options):  # noqa: F811
    config_options(**s3_server)
    env = dict(s3_server)
    local = tmp_path / "m.nc"
    write_netcdf4(local, 40, shape=(20, 20), chunks=(10, 10))
    upload(local, "/vsis3/src/metrics/m.nc")
    upload(local, "/vsis3/src/metrics/gone.nc")
    bad = tmp_path / "bad.nc"
    bad.write_bytes(b"CDF\x01" + b"\xff" * 60)  # a NetCDF-3 magic, then garbage
    upload(bad, "/vsis3/src/metrics/bad.nc")
    cache = "/vsis3/cache/metrics-test"
    # A lazy open and the command, in other processes, into the cache on S3.
    run_child("/vsis3/src/metrics/m.nc", tmp_path / "m.npy", child_env(cache, extra=env))
    r = cli(cache, "generate", "--cache", "-q", "/vsis3/src/metrics/gone.nc",
            "/vsis3/src/metrics/bad.nc", extra_env=env)
    assert r.returncode == 1 and "bad.nc: " in r.stderr
    gdal.VSICurlClearCache()
    day = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    assert gdal.ReadDir(f"{cache}/metrics") == [day]
    assert len(gdal.ReadDir(f"{cache}/metrics/{day}")) == 3

    doc = json.loads(cli(cache, "cache", "stats", "-of", "json", extra_env=env).stdout)
    assert doc["generations"] == {"total": 3, "ok": 2, "failed": 1}
    assert doc["failures"][0]["source"] == "/vsis3/src/metrics/bad.nc"
    assert doc["failures"][0]["cause"] == "malformed_source", doc["failures"]
    assert doc["entries"] == 2 and doc["chunks"] == 8
    samples, _ = parse_prometheus(cli(cache, "cache", "stats", "-of", "prometheus",
                                      extra_env=env).stdout)
    assert value(samples, "gdal_kerchunk_generations_total", outcome="ok") == 2

    assert gdal.Unlink("/vsis3/src/metrics/gone.nc") == 0
    r = cli(cache, "cache", "verify", extra_env=env)
    print(r.stdout)
    assert r.returncode == 1
    assert re.search(r"^ok +[0-9a-f]{12}  /vsis3/src/metrics/m.nc$", r.stdout, re.M)
    assert re.search(r"^source gone  [0-9a-f]{12}  /vsis3/src/metrics/gone.nc: no such file$",
                     r.stdout, re.M)
    assert r.stdout.endswith("2 entries: 1 ok, 0 stale, 1 source gone, 0 corrupt\n")
