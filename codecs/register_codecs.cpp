#include "codecs.h"

namespace kerchunk
{
void RegisterCodecs()
{
}
}  // namespace kerchunk
