# Unit tests of refgen_grib are declared here.
