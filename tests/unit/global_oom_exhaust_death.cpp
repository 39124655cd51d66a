// The heap run dry through each entry point and size range (pm_ API), under RLIMIT_AS and
// under reserve_limit: NULL and ENOMEM every time, never a hang, and recovery afterwards.
#include <cstdlib>
#include <string>

#include "global_check_oom_exhaust.hpp"
#include "global_pm_heap.hpp"

#define PM_OOM_HEAP PmHeap
#define PM_OOM_SUITE GlobalOomExhaust
#include "global_oom_exhaust_cases.hpp"
