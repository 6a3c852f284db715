# Unit tests of refgen_netcdf3 are declared here.
