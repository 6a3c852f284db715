# Unit tests of codecs are declared here.
