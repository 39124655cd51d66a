// Invariant checks for the debug build (make DEBUG=1): PM_ASSERT(cond) reports the failed
// condition with its place and aborts; in release builds it compiles to nothing.
#pragma once

namespace pm {
[[noreturn]] void assert_fail(const char* cond, const char* file, int line);
}

#ifdef PM_DEBUG
#define PM_ASSERT(cond) ((cond) ? (void)0 : ::pm::assert_fail(#cond, __FILE__, __LINE__))
#else
#define PM_ASSERT(cond) ((void)0)
#endif
