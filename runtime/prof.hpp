// The sampling heap profiler (prof=1; see prof.cpp): what the allocation and free paths
// call, and the limit that keeps its cost out of the fast paths while it is off.
//
// Cost model. With prof=0 nothing here runs on a fast path: the small-size test of
// alloc() compares against g_direct_limit, a variable that holds kDirectMax, instead of the
// constant (the same one compare instruction, with a memory operand). prof=1 sets it to 0:
// small sizes then take a second copy of the inline path in alloc() behind the per-thread
// countdown (tick), larger ones alloc_big(), which counts them the same way; only the
// allocation whose count crosses zero leaves the inline path, for sampled_alloc(). Sampled pool blocks come from a heap of the profiler's own,
// so their frees look like frees from another thread and reach the profiler through the
// remote-free path; a large or huge free (a slow path) asks the profiler only while it is
// on, and the profiler takes its lock only when the block's address hash carries a mark
// that a live sample set. A sample unwinds the stack only when the per-thread cache of
// recent walks has none that matches (prof.cpp).
#pragma once
#include <cstddef>
#include <cstdint>

#include "config.hpp"

// Functions that are allocator frames on the way to a sampled allocation: the profiler
// drops the leading frames that lie in this section from every recorded stack.
#define PM_PROF_ENTRY __attribute__((section("pm_entry")))

// g_direct_limit, g_on and g_heap are written once, when the profiler starts, while other
// threads may already read them: word-sized stores, so a reader sees the old value or the
// new one, and both are valid (the old ones only mean "not profiled yet"). The fast paths
// read them plainly, so the compare takes the variable as its memory operand (an atomic
// load would cost an instruction); sanitizer builds read them as relaxed atomics, which
// tells ThreadSanitizer the race is intended.
#ifdef PM_SANITIZER_BUILD
#define PM_PROF_READ(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#else
#define PM_PROF_READ(x) (x)
#endif

namespace pm {

struct Heap;
struct Page;
struct Block;

// kDirectMax while profiling is off; 0 while it is on (every allocation then passes the
// countdown in alloc() or alloc_big). Hidden, so that the compare reads it
// directly instead of through the GOT.
extern size_t g_direct_limit __attribute__((visibility("hidden")));

namespace prof {

extern bool g_on __attribute__((visibility("hidden")));     // prof=1
extern Heap* g_heap __attribute__((visibility("hidden")));  // sampled pool blocks come from it

// Bytes this thread may still allocate before its next sample.
extern constinit thread_local int64_t tl_left __attribute__((tls_model("initial-exec")));

// Counts `size` down; true when this allocation is to be sampled.
PM_INLINE bool tick(size_t size) { return (tl_left -= int64_t(size)) < 0; }

// The allocation whose tick() returned true: records it if it is sampled after all
// (the thread's first count is drawn here) and returns the block.
void* sampled_alloc(size_t size, size_t align, bool zero) noexcept;
// A block of g_heap is being freed (heap_free_remote). True when the profiler kept the
// block back for later (a signal handler interrupted the profiler): the caller then does
// nothing more with it.
bool on_free_pool(Block* b) noexcept;
// A large or huge block is being freed, or moved by realloc (to `to`, nullptr for a free).
void on_free_big(void* p, void* to = nullptr) noexcept;

// Initialisation (options read), atexit dump and leak report, fork.
void init() noexcept;
void at_exit() noexcept;
void fork_prepare() noexcept;
void fork_parent() noexcept;
void fork_child() noexcept;

// Writes the profile to `path` (nullptr: the prof_file name). 0, or -1 with errno set.
int dump(const char* path) noexcept;

}  // namespace prof
}  // namespace pm
