// The one error type of the project. Thrown inside refgen, cache and common and
// caught at the boundary (the command's main, the driver's Open), where it
// becomes a single CPLError or message.
#pragma once

#include <stdexcept>
#include <string>

namespace kerchunk
{

class Error : public std::runtime_error
{
  public:
    using std::runtime_error::runtime_error;
};

}  // namespace kerchunk
