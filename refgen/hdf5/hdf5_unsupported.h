// A dataset feature that kerchunk references cannot express. The dataset is
// skipped with one warning naming it (or the run fails under --strict).
#pragma once

#include "error.h"

namespace kerchunk::hdf5
{

class Unsupported : public Error
{
  public:
    using Error::Error;
};

}  // namespace kerchunk::hdf5
