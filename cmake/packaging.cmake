# `cmake --install` of the documentation, and the Debian package built by
# `cpack` (configure with -DCMAKE_INSTALL_PREFIX=/usr so that the plugin lands
# in <libdir>/gdalplugins, where Debian's GDAL looks without GDAL_DRIVER_PATH).
include(GNUInstallDirs)

set(KERCHUNK_DOC_INSTALL_DIR "${CMAKE_INSTALL_DATAROOTDIR}/doc/gdal-kerchunk")
install(FILES README.md DESTINATION ${KERCHUNK_DOC_INSTALL_DIR})
install(DIRECTORY docs/ DESTINATION ${KERCHUNK_DOC_INSTALL_DIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME gdal-kerchunk)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "gdal-kerchunk maintainers <gdal-kerchunk@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "GDAL driver plugin reading NetCDF/HDF5/GRIB through kerchunk references")
# The summary is the synopsis line; this is the extended description.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
"The KERCHUNK driver opens NetCDF-4/HDF5, NetCDF-3 and GRIB files as virtual
Zarr through kerchunk references, in place, one range request per chunk, in
every GDAL application. gdal_kerchunk generates the references and manages
the reference cache.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Debug information stays in the build tree, as in Debian packages.
set(CPACK_STRIP_FILES TRUE)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://fsspec.github.io/kerchunk/")
# Library dependencies from dpkg-shlibdeps (dpkg-dev); GDAL pinned to the
# minor version built against, since a GDAL plugin's ABI follows it (the
# plugin refuses to register under another minor version).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(KERCHUNK_DEB_GDAL_PACKAGE libgdal32 CACHE STRING
    "Debian package of the GDAL library built against (libgdal32: GDAL 3.6)")
math(EXPR _kerchunk_gdal_next_minor "${GDAL_VERSION_MINOR} + 1")
set(_kerchunk_gdal_minor "${GDAL_VERSION_MAJOR}.${GDAL_VERSION_MINOR}")
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "${KERCHUNK_DEB_GDAL_PACKAGE} (>= ${_kerchunk_gdal_minor}), ${KERCHUNK_DEB_GDAL_PACKAGE} (<< ${GDAL_VERSION_MAJOR}.${_kerchunk_gdal_next_minor}~)")
include(CPack)
