// The heap profiler's tables, shared by the sampler (prof.cpp) and the writer
// (prof_write.cpp). Everything here is guarded by g_lock.
#pragma once
#include <atomic>

#include "lock.hpp"
#include "prof.hpp"

namespace pm::prof {

constexpr unsigned kMaxFrames = 48;
constexpr unsigned kStackBits = 14;
constexpr unsigned kStacks = 1u << kStackBits;  // distinct stacks (open addressing)
constexpr unsigned kLiveBits = 17;
constexpr unsigned kLive = 1u << kLiveBits;     // live sampled blocks (open addressing)

// A distinct allocation stack, leaf first, with its weighted (unbiased) figures.
struct Stack {
  uint64_t hash;  // 0: empty slot
  uint32_t depth;
  uint32_t shown;  // leak report: already printed
  double live_n, live_b, alloc_n, alloc_b;
  uintptr_t frames[kMaxFrames];
};

// A sampled block that has not been freed.
struct Live {
  uintptr_t addr;  // 0: empty slot
  uint32_t stack;
  uint32_t pad;
  uint64_t size;
  double weight;
};

struct Totals {
  uint64_t samples;  // allocations sampled
  uint64_t dropped;  // samples not recorded (a table was full)
  uint32_t stacks;
  uint32_t live;
};

extern Lock g_lock;
extern Stack* g_stacks;  // g_totals.stacks of them, densely
extern Live* g_live;
extern Totals g_totals;
extern std::atomic<bool> g_dump_pending;

// Take and give back g_lock from a writer; false when this thread may not (it is inside
// the profiler already, or a signal handler interrupted the allocator and the lock is held).
bool lock_for_writer();
void unlock_for_writer();

// prof_write.cpp: the profile under its numbered name (signals), and the leak report.
void dump_numbered() noexcept;
void leak_report() noexcept;
void write_note(const char* text) noexcept;

}  // namespace pm::prof
