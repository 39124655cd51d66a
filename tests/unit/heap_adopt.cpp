// Which heap a new thread takes. A thread's first allocation takes over any exited thread's
// heap (or makes a new one); a thread whose first call frees a block of an exited thread's
// heap takes over that heap, so that it frees the blocks it inherited as their owner and
// refills their pages in place (a replacement worker, a server's next connection thread).
#include <pthread.h>

#include "stats_util.hpp"

namespace {
using namespace stats_test;

constexpr size_t kBlock = 1024;
constexpr size_t kBlocks = 1000;  // 16 pages of 1 KiB blocks

struct Handoff {
  MappedArray<void*> blocks{kBlocks};
  void* other = nullptr;  // the one block of a second exited thread
  Barrier allocated{3}, exit{2};  // the second thread has its block; it may exit
  pm_stats_t before_free{}, after_free{};
  size_t refill_in_builders_segments = 0;
};

void* builder(void* arg) {
  auto* h = static_cast<Handoff*>(arg);
  for (size_t i = 0; i < kBlocks; ++i) h->blocks[i] = pm_malloc(kBlock);
  h->allocated.wait();
  return nullptr;  // exits with every block live: its heap is orphaned
}

// Allocates while the builder runs (so it has a heap of its own) and exits after it with
// one block live: its heap is then the orphan that a first malloc would take.
void* other(void* arg) {
  auto* h = static_cast<Handoff*>(arg);
  h->other = pm_malloc(kBlock);
  h->allocated.wait();
  h->exit.wait();
  return nullptr;
}

uintptr_t segment(const void* p) { return reinterpret_cast<uintptr_t>(p) >> 22; }

// Frees what the builder left but its last block (so that the builder's heap keeps its
// segment), then allocates as many blocks again. Its first allocator call is that free.
void* successor(void* arg) {
  auto* h = static_cast<Handoff*>(arg);
  MappedArray<uintptr_t> segs(kBlocks);
  if (!segs.data) return nullptr;
  for (size_t i = 0; i < kBlocks; ++i) segs[i] = segment(h->blocks[i]);
  h->before_free = snapshot();
  pm_free(h->blocks[0]);
  h->after_free = snapshot();
  for (size_t i = 1; i + 1 < kBlocks; ++i) pm_free(h->blocks[i]);
  MappedArray<void*> refill(kBlocks);
  if (!refill.data) return nullptr;
  for (size_t i = 0; i < kBlocks; ++i) refill[i] = pm_malloc(kBlock);
  for (size_t i = 0; i < kBlocks; ++i) {
    for (size_t j = 0; j < kBlocks; ++j) {
      if (segment(refill[i]) != segs[j]) continue;
      h->refill_in_builders_segments++;
      break;
    }
  }
  for (size_t i = 0; i < kBlocks; ++i) pm_free(refill[i]);
  pm_free(h->blocks[kBlocks - 1]);
  return nullptr;
}
}  // namespace

TEST(HeapAdopt, FirstFreeIntoAnExitedThreadsHeapTakesItOver) {
  Handoff h;
  ASSERT_NE(h.blocks.data, nullptr);
  pthread_t t, o;
  ASSERT_EQ(pthread_create(&t, nullptr, builder, &h), 0);
  ASSERT_EQ(pthread_create(&o, nullptr, other, &h), 0);
  h.allocated.wait();
  ASSERT_EQ(pthread_join(t, nullptr), 0);  // the builder's heap is orphaned first,
  h.exit.wait();
  ASSERT_EQ(pthread_join(o, nullptr), 0);  // the other's last
  ASSERT_NE(h.blocks[kBlocks - 1], nullptr);
  ASSERT_NE(h.other, nullptr);
  ASSERT_NE(segment(h.other), segment(h.blocks[0])) << "each heap has segments of its own";
  ASSERT_EQ(pthread_create(&t, nullptr, successor, &h), 0);
  ASSERT_EQ(pthread_join(t, nullptr), 0);
  pm_free(h.other);
  EXPECT_GE(h.before_free.orphaned_heaps, 2u) << "both exited threads' heaps wait for a thread";
  EXPECT_EQ(h.after_free.threads, h.before_free.threads + 1) << "the first free took a heap";
  EXPECT_EQ(h.after_free.orphaned_heaps + 1, h.before_free.orphaned_heaps)
      << "... an exited thread's: one orphan fewer";
  // The heap taken is the builder's (the other orphan is the one a first malloc takes):
  // the refill comes from the builder's segments.
  EXPECT_EQ(h.refill_in_builders_segments, kBlocks)
      << "the successor took the other thread's heap, not the builder's";
}
