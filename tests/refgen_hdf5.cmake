# Unit tests of refgen_hdf5 are declared here.
