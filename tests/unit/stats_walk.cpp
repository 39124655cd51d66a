// pm_heap_walk: every live block exactly once at its usable size, freed blocks never, the
// same total as pm_stats, early stop, and blocks of other (live or exited) threads.
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "stats_util.hpp"

using namespace stats_test;

namespace {
struct Seen {
  void* ptr;
  size_t usable;
};

// Records into memory from mmap: the visitor must not allocate.
struct Recorder {
  explicit Recorder(size_t cap) : seen(cap) {}
  MappedArray<Seen> seen;
  size_t count = 0;
  size_t bytes = 0;
  bool overflow = false;
  bool sorted = false;

  static int visit(void* p, size_t usable, void* arg) {
    auto* r = static_cast<Recorder*>(arg);
    if (r->count == r->seen.count) {
      r->overflow = true;
      return 1;
    }
    r->seen[r->count++] = Seen{p, usable};
    r->bytes += usable;
    return 0;
  }
  int walk() {
    count = bytes = 0;
    overflow = sorted = false;
    return pm_heap_walk(visit, this);
  }
  void sort() {
    std::sort(seen.data, seen.data + count, [](const Seen& a, const Seen& b) { return a.ptr < b.ptr; });
    sorted = true;
  }
  // How many times p was visited, and with what size (after sort()).
  size_t times(const void* p, size_t* usable) const {
    const Seen* begin = seen.data;
    const Seen* end = begin + count;
    const Seen* it = std::lower_bound(begin, end, p, [](const Seen& a, const void* q) { return a.ptr < q; });
    size_t n = 0;
    for (; it != end && it->ptr == p; ++it, ++n) *usable = it->usable;
    return n;
  }
};

constexpr size_t kRecordCap = size_t{1} << 20;
}  // namespace

TEST(StatsWalk, NullVisitorIsEinval) { EXPECT_EQ(pm_heap_walk(nullptr, nullptr), EINVAL); }

TEST(StatsWalk, VisitsEveryLiveBlockOnce) {
  constexpr size_t kCount = 900;
  MappedArray<void*> blocks(kCount);
  ASSERT_NE(blocks.data, nullptr);
  Recorder rec(kRecordCap);
  ASSERT_NE(rec.seen.data, nullptr);
  for (size_t i = 0; i < kCount; ++i) {
    size_t n = i % 300 == 5 ? 6 * MiB : mixed_size(i);
    blocks[i] = pm_malloc(n);
    ASSERT_NE(blocks[i], nullptr);
  }
  // Free every third block: they sit on free lists now and must not be visited.
  for (size_t i = 0; i < kCount; i += 3) pm_free(blocks[i]);

  pm_stats_t before;
  ASSERT_EQ(pm_stats(&before), 0);
  ASSERT_EQ(rec.walk(), 0);
  pm_stats_t after;
  ASSERT_EQ(pm_stats(&after), 0);
  ASSERT_FALSE(rec.overflow);
  ASSERT_EQ(before.allocated, after.allocated) << "something allocated during the walk";
  // The walk and the counters are computed independently (free lists vs. used counts).
  EXPECT_EQ(rec.bytes, before.allocated);
  EXPECT_EQ(rec.count, before.pool_blocks + before.large_blocks + before.huge_blocks);

  rec.sort();
  for (size_t i = 1; i < rec.count; ++i) {
    ASSERT_LE(static_cast<char*>(rec.seen[i - 1].ptr) + rec.seen[i - 1].usable,
              static_cast<char*>(rec.seen[i].ptr))
        << "blocks overlap or repeat at " << rec.seen[i].ptr;
  }
  for (size_t i = 0; i < kCount; ++i) {
    size_t usable = 0;
    size_t n = rec.times(blocks[i], &usable);
    if (i % 3 == 0) {
      EXPECT_EQ(n, 0u) << "freed block " << i << " was visited";
    } else {
      EXPECT_EQ(n, 1u) << "live block " << i;
      EXPECT_EQ(usable, pm_usable_size(blocks[i])) << "block " << i;
    }
  }
  for (size_t i = 0; i < rec.count; i += 97) EXPECT_EQ(pm_owns(rec.seen[i].ptr), 1) << rec.seen[i].ptr;
  for (size_t i = 0; i < kCount; ++i)
    if (i % 3 != 0) pm_free(blocks[i]);
}

TEST(StatsWalk, StopsWhenTheVisitorSaysSo) {
  void* blocks[8];
  for (void*& p : blocks) {
    p = pm_malloc(64);
    ASSERT_NE(p, nullptr);
  }
  struct Count {
    int n;
  } c{0};
  int r = pm_heap_walk(
      [](void*, size_t, void* arg) -> int {
        auto* c = static_cast<Count*>(arg);
        return ++c->n == 5 ? 42 : 0;
      },
      &c);
  EXPECT_EQ(r, 42);
  EXPECT_EQ(c.n, 5);
  for (void* p : blocks) pm_free(p);
}

// Blocks of a running thread, of an exited thread, and a block freed by another thread that
// its owner has not collected yet (documented: still visited, still counted).
TEST(StatsWalk, SeesOtherThreadsBlocks) {
  struct Arg {
    pthread_barrier_t barrier;
    void* live;
    void* freed_remotely;
  };
  MappedArray<Arg> mem(2);
  ASSERT_NE(mem.data, nullptr);
  Recorder rec(kRecordCap);
  ASSERT_NE(rec.seen.data, nullptr);
  auto body = [](void* p) -> void* {
    auto* a = static_cast<Arg*>(p);
    a->live = pm_malloc(72);
    a->freed_remotely = pm_malloc(72);
    pthread_barrier_wait(&a->barrier);  // allocated
    pthread_barrier_wait(&a->barrier);  // main freed one and walked
    pm_collect(0);
    pthread_barrier_wait(&a->barrier);  // collected
    pthread_barrier_wait(&a->barrier);  // main walked again
    return nullptr;
  };
  Arg* running = &mem[0];
  Arg* exited = &mem[1];
  ASSERT_EQ(pthread_barrier_init(&running->barrier, nullptr, 2), 0);
  pthread_t t;
  ASSERT_EQ(pthread_create(&t, nullptr, body, running), 0);
  pthread_t e;
  ASSERT_EQ(pthread_create(
                &e, nullptr,
                [](void* p) -> void* {
                  static_cast<Arg*>(p)->live = pm_malloc(5000);
                  return nullptr;
                },
                exited),
            0);
  pthread_join(e, nullptr);
  pthread_barrier_wait(&running->barrier);
  pm_free(running->freed_remotely);  // to the running thread's remote queue
  ASSERT_EQ(rec.walk(), 0);
  ASSERT_FALSE(rec.overflow);
  rec.sort();
  size_t usable;
  EXPECT_EQ(rec.times(running->live, &usable), 1u);
  EXPECT_EQ(rec.times(running->freed_remotely, &usable), 1u) << "queued remote free";
  EXPECT_EQ(rec.times(exited->live, &usable), 1u) << "block of an exited thread";
  pthread_barrier_wait(&running->barrier);
  pthread_barrier_wait(&running->barrier);
  ASSERT_EQ(rec.walk(), 0);
  rec.sort();
  EXPECT_EQ(rec.times(running->freed_remotely, &usable), 0u) << "collected by its owner";
  EXPECT_EQ(rec.times(running->live, &usable), 1u);
  pthread_barrier_wait(&running->barrier);
  pthread_join(t, nullptr);
  pthread_barrier_destroy(&running->barrier);
  pm_free(running->live);
  pm_free(exited->live);
}
