"""The Debian package made by `cpack`: built from a build tree configured with
CMAKE_INSTALL_PREFIX=/usr, installed on this machine with dpkg, found by
GDAL without GDAL_DRIVER_PATH, used, then removed (always, in a finally).

Installs system-wide, so it runs as root only, and as its own ctest entry
(RUN_SERIAL): while the package is installed a process that loads GDAL
plugins without GDAL_DRIVER_PATH picks up the installed copy."""
import json
import os
import re
import shutil
import subprocess

import pytest
from osgeo import gdal

from conftest import BUILD_DIR, DATA_DIR, PLUGIN_DIR, ROOT

PACKAGE = "gdal-kerchunk"
AIR = DATA_DIR / "kerchunk_refs" / "air.nc"
AIR_REFS = DATA_DIR / "kerchunk_refs" / "air.nc.json"


def run(args, **kwargs):
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)
    assert proc.returncode == 0, "%s:\n%s\n%s" % (args, proc.stdout, proc.stderr)
    return proc.stdout


def installed(package):
    proc = subprocess.run(["dpkg-query", "-W", "-f", "${Status}", package],
                          capture_output=True, text=True)
    return proc.returncode == 0 and "installed" in proc.stdout.split()


def gdal_plugin_dir():
    """Where this machine's GDAL looks for plugins: the folder compiled into libgdal."""
    libs = re.findall(r"=> (\S*libgdal\.so\S*)", run(["ldd", shutil.which("gdalinfo")]))
    assert libs, "gdalinfo does not link libgdal"
    with open(libs[0], "rb") as f:
        dirs = set(re.findall(rb"(/[\w./+-]*/gdalplugins)\0", f.read()))
    assert len(dirs) == 1, dirs
    return dirs.pop().decode()


def clean_env():
    """The environment of a user who never set GDAL_DRIVER_PATH."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GDAL_", "KERCHUNK_", "CPL_")) and k != "PROJ_LIB"}
    return env


def loaded_plugins(env):
    """The gdal_KERCHUNK.so files GDAL registers (its CPL_DEBUG lines)."""
    debug = subprocess.run(["gdalinfo", "--format", "KERCHUNK", "--config", "CPL_DEBUG", "ON"],
                           env=env, capture_output=True, text=True).stderr
    return re.findall(r"Auto register (\S*gdal_KERCHUNK\.so)", debug)


def netcdf_checksums():
    ds = gdal.Open('NETCDF:"%s":air' % AIR)
    return [ds.GetRasterBand(i).Checksum() for i in range(1, ds.RasterCount + 1)]


def gdalinfo_checksums(name, env):
    info = json.loads(run(["gdalinfo", "-json", "-checksum", name], env=env))
    assert info["driverShortName"] == "KERCHUNK"
    return [b["checksum"] for b in info["bands"]]


@pytest.fixture(scope="module")
def deb_package():
    """Builds the package (incrementally: the tree is kept in BUILD_DIR/deb-package)."""
    for tool in ("cpack", "dpkg-shlibdeps", "dpkg-deb"):
        if shutil.which(tool) is None:
            pytest.skip("%s not found (scripts/install-deps.sh installs it)" % tool)
    tree = BUILD_DIR / "deb-package"
    run(["cmake", "-S", ROOT, "-B", tree, "-DCMAKE_INSTALL_PREFIX=/usr",
         "-DKERCHUNK_BUILD_TESTS=OFF"])
    run(["cmake", "--build", tree, "-j2"])
    for old in tree.glob("*.deb"):
        old.unlink()
    run(["cpack", "-G", "DEB"], cwd=tree)
    debs = list(tree.glob("%s_*.deb" % PACKAGE))
    assert len(debs) == 1, debs
    return debs[0]


def test_package_contents(deb_package):
    fields = run(["dpkg-deb", "-f", deb_package, "Package", "Version", "Depends", "Maintainer"])
    assert "Package: %s\n" % PACKAGE in fields
    version = re.search(r"project\(gdal_kerchunk VERSION ([0-9.]+)",
                        (ROOT / "CMakeLists.txt").read_text()).group(1)
    assert "Version: %s\n" % version in fields
    major, minor = gdal.__version__.split(".")[:2]
    # The plugin ABI follows GDAL's minor version: the package pins it.
    assert "(<< %s.%d~)" % (major, int(minor) + 1) in fields, fields
    assert "libhdf5" in fields and "libeccodes" in fields, fields
    files = run(["dpkg-deb", "-c", deb_package])
    plugin_dir = gdal_plugin_dir()
    for path in (plugin_dir + "/gdal_KERCHUNK.so", "/usr/bin/gdal_kerchunk",
                 "/usr/share/doc/%s/README.md" % PACKAGE,
                 "/usr/share/doc/%s/kerchunk.rst" % PACKAGE):
        assert " ." + path + "\n" in files or files.endswith(" ." + path), (path, files)


def test_install_use_remove(deb_package, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("installing a Debian package needs root (CI runs the tests as root)")
    if installed(PACKAGE):
        pytest.skip("%s is already installed on this machine: not replacing it" % PACKAGE)
    plugin = gdal_plugin_dir() + "/gdal_KERCHUNK.so"
    command = "/usr/bin/gdal_kerchunk"
    for path in (plugin, command):
        if os.path.exists(path):
            pytest.skip("%s exists (installed by hand?): not overwriting it" % path)
    env = clean_env()
    env["KERCHUNK_CACHE_DIR"] = str(tmp_path / "cache")
    try:
        run(["dpkg", "-i", deb_package])
        assert os.path.isfile(plugin) and os.access(command, os.X_OK)

        formats = run(["gdalinfo", "--formats"], env=env)
        assert any(line.strip().startswith("KERCHUNK -") for line in formats.splitlines()), formats
        # GDAL found the installed copy, not a build tree; with
        # GDAL_DRIVER_PATH (the test set-up) only the build tree's copy loads.
        assert plugin in loaded_plugins(env), loaded_plugins(env)
        assert loaded_plugins(dict(env, GDAL_DRIVER_PATH=str(PLUGIN_DIR))) == [
            str(PLUGIN_DIR / "gdal_KERCHUNK.so")]

        expected = netcdf_checksums()
        assert gdalinfo_checksums('KERCHUNK:"%s":air' % AIR_REFS, env) == expected

        usage = subprocess.run([command, "--help"], env=env, capture_output=True, text=True)
        assert usage.returncode == 0 and "gdal_kerchunk generate SOURCE" in usage.stderr, usage
        refs = tmp_path / "air.json"
        run([command, "generate", AIR, "-o", refs], env=env)
        assert gdalinfo_checksums('KERCHUNK:"%s":air' % refs, env) == expected
    finally:
        subprocess.run(["dpkg", "-r", PACKAGE], capture_output=True, text=True)
    assert not installed(PACKAGE)
    for path in (plugin, command, "/usr/share/doc/%s/README.md" % PACKAGE):
        assert not os.path.exists(path), path
