#include "array_checks.h"

namespace kerchunk
{

const std::vector<ArrayProblem> &FindArrayProblems(const LoadedReferences &oRefs)
{
    return oRefs.aoArrayProblems;
}

}  // namespace kerchunk
