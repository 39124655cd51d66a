// The out-of-memory matrix through the exported symbols (see
// tests/unit/global_oom_exhaust_cases.hpp): malloc, calloc and aligned_alloc as a program
// calls them.
#include <cstdlib>
#include <string>

#include "../unit/global_check_oom_exhaust.hpp"
#include "api_libc_heap.hpp"

#define PM_OOM_HEAP LibcHeap
#define PM_OOM_SUITE ApiOomExhaust
#include "../unit/global_oom_exhaust_cases.hpp"
