// The error type lives in common/ (shared by refgen, cache and the option
// table); this include keeps refgen's relative includes working.
#pragma once
#include "../common/error.h"
