# Unit tests of driver are declared here.
