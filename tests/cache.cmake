# Unit tests of cache are declared here.
