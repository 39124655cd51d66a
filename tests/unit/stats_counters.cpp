// pm_stats: exact byte and block counts, single-threaded and across threads (remote frees
// included), per size class, the invariants between the figures, peak and purge.
#include <cerrno>
#include <cstring>

#include "stats_util.hpp"

using namespace stats_test;

TEST(StatsCounters, NullIsEinval) { EXPECT_EQ(pm_stats(nullptr), EINVAL); }

TEST(StatsCounters, FiguresAreOrdered) {
  void* p = pm_malloc(100);
  void* q = pm_malloc(300 * KiB);
  ASSERT_NE(p, nullptr);
  ASSERT_NE(q, nullptr);
  pm_stats_t s = snapshot();
  EXPECT_LE(s.allocated, s.active);
  EXPECT_LE(s.active, s.resident);
  EXPECT_LE(s.resident, s.mapped);
  EXPECT_GE(s.peak, s.allocated);
  EXPECT_EQ(s.allocated, s.pool_allocated + s.large_allocated + s.huge_allocated);
  EXPECT_EQ(s.segments, s.pool_segments + s.large_segments);
  EXPECT_GE(s.pool_segments, 1u);
  EXPECT_GE(s.large_segments, 1u);
  EXPECT_GE(s.heaps, s.threads + s.orphaned_heaps);
  EXPECT_GE(s.threads, 1u);
  size_t blocks = 0, bytes = 0, pages = 0;
  ASSERT_GT(s.nclasses, 0u);
  ASSERT_LE(s.nclasses, unsigned(PM_STATS_MAX_CLASSES));
  for (unsigned c = 0; c < s.nclasses; ++c) {
    const pm_class_stats& k = s.classes[c];
    if (c) {
      EXPECT_GT(k.block_size, s.classes[c - 1].block_size);
    }
    EXPECT_EQ(k.bytes, k.blocks * k.block_size);
    EXPECT_LE(k.blocks, k.capacity);
    blocks += k.blocks;
    bytes += k.bytes;
    pages += k.pages;
  }
  EXPECT_EQ(blocks, s.pool_blocks);
  EXPECT_EQ(bytes, s.pool_allocated);
  EXPECT_EQ(pages, s.pool_pages);
  EXPECT_EQ(s.classes[0].block_size, 16u);
  EXPECT_EQ(s.classes[s.nclasses - 1].block_size, 64 * KiB);
  pm_free(p);
  pm_free(q);
}

// Every kind of block, counted at its usable size; freeing returns to the baseline exactly.
TEST(StatsCounters, ExactSingleThread) {
  constexpr size_t kCount = 600;
  MappedArray<void*> blocks(kCount);
  ASSERT_NE(blocks.data, nullptr);
  pm_collect(1);  // collect frees other threads queued for this heap before the baseline
  const pm_stats_t base = snapshot();

  size_t sum = 0, pool_sum = 0, n48 = 0;
  for (size_t i = 0; i < kCount; ++i) {
    size_t n = i % 100 == 99 ? 24 * MiB / 4 : (i % 3 == 0 ? 48 : mixed_size(i));
    blocks[i] = pm_malloc(n);
    ASSERT_NE(blocks[i], nullptr);
    size_t u = pm_usable_size(blocks[i]);
    sum += u;
    if (u <= 64 * KiB) pool_sum += u;
    if (n == 48) ++n48;
  }
  const size_t u48 = pm_usable_size(blocks[0]);
  const pm_stats_t held = snapshot();
  EXPECT_EQ(held.allocated, base.allocated + sum);
  EXPECT_EQ(held.pool_allocated, base.pool_allocated + pool_sum);
  EXPECT_EQ(held.large_allocated + held.huge_allocated,
            base.large_allocated + base.huge_allocated + (sum - pool_sum));
  EXPECT_EQ(held.huge_blocks, base.huge_blocks + kCount / 100);  // 6 MiB: above any arena
  int c48 = class_of_block(held, u48);
  ASSERT_GE(c48, 0);
  EXPECT_GE(held.classes[c48].blocks, base.classes[c48].blocks + n48);
  EXPECT_GE(held.peak, held.allocated);

  for (size_t i = 0; i < kCount; ++i) pm_free(blocks[i]);
  const pm_stats_t after = snapshot();
  EXPECT_EQ(after.allocated, base.allocated);
  EXPECT_EQ(after.pool_blocks, base.pool_blocks);
  EXPECT_EQ(after.large_blocks, base.large_blocks);
  EXPECT_EQ(after.huge_blocks, base.huge_blocks);
  EXPECT_EQ(after.classes[c48].blocks, base.classes[c48].blocks);
  EXPECT_GE(after.peak, held.allocated);  // the peak remembers
}

namespace {
constexpr int kThreads = 4;
constexpr size_t kPerThread = 1500;

struct Shared {
  pthread_barrier_t barrier;
  void* blocks[kThreads][kPerThread];
  size_t usable[kThreads];       // sum of pm_usable_size of the thread's blocks
  size_t pool_usable[kThreads];  // ... of those that are pool blocks
};

void* worker(void* arg) {
  auto* sh = static_cast<Shared*>(static_cast<void**>(arg)[0]);
  int id = int(reinterpret_cast<intptr_t>(static_cast<void**>(arg)[1]));
  pm_free(pm_malloc(32));  // creates this thread's heap before the baseline
  pthread_barrier_wait(&sh->barrier);  // 0: every heap exists
  pthread_barrier_wait(&sh->barrier);  // 1: main took the baseline
  size_t sum = 0, pool = 0;
  for (size_t i = 0; i < kPerThread; ++i) {
    size_t n = i == 7 ? 5 * MiB : mixed_size(i * 7 + size_t(id));
    void* p = pm_malloc(n);
    if (!p) abort();
    std::memset(p, id, n < 256 ? n : 256);
    sh->blocks[id][i] = p;
    size_t u = pm_usable_size(p);
    sum += u;
    if (u <= 64 * KiB) pool += u;
  }
  sh->usable[id] = sum;
  sh->pool_usable[id] = pool;
  pthread_barrier_wait(&sh->barrier);  // 2: main checks the totals
  pthread_barrier_wait(&sh->barrier);  // 3
  // Free the blocks of the next thread: pool blocks go to their owner's remote queue.
  int victim = (id + 1) % kThreads;
  for (size_t i = 0; i < kPerThread; ++i) pm_free(sh->blocks[victim][i]);
  pthread_barrier_wait(&sh->barrier);  // 4: main checks what is still queued
  pthread_barrier_wait(&sh->barrier);  // 5
  pm_collect(0);                       // take the queued frees back
  pthread_barrier_wait(&sh->barrier);  // 6: main checks the baseline
  pthread_barrier_wait(&sh->barrier);  // 7: may exit
  return nullptr;
}
}  // namespace

TEST(StatsCounters, ExactAcrossThreads) {
  MappedArray<Shared> mem(1);
  ASSERT_NE(mem.data, nullptr);
  Shared* sh = mem.data;
  ASSERT_EQ(pthread_barrier_init(&sh->barrier, nullptr, kThreads + 1), 0);
  pthread_t t[kThreads];
  void* args[kThreads][2];
  for (int i = 0; i < kThreads; ++i) {
    args[i][0] = sh;
    args[i][1] = reinterpret_cast<void*>(intptr_t(i));
    ASSERT_EQ(pthread_create(&t[i], nullptr, worker, args[i]), 0);
  }
  pthread_barrier_wait(&sh->barrier);  // 0
  pm_collect(1);
  const pm_stats_t base = snapshot();
  pthread_barrier_wait(&sh->barrier);  // 1
  pthread_barrier_wait(&sh->barrier);  // 2
  size_t sum = 0, pool = 0;
  for (int i = 0; i < kThreads; ++i) {
    sum += sh->usable[i];
    pool += sh->pool_usable[i];
  }
  const pm_stats_t held = snapshot();
  pthread_barrier_wait(&sh->barrier);  // 3
  pthread_barrier_wait(&sh->barrier);  // 4
  const pm_stats_t queued = snapshot();
  pthread_barrier_wait(&sh->barrier);  // 5
  pthread_barrier_wait(&sh->barrier);  // 6
  const pm_stats_t after = snapshot();
  pthread_barrier_wait(&sh->barrier);  // 7
  for (pthread_t& th : t) pthread_join(th, nullptr);
  pthread_barrier_destroy(&sh->barrier);

  EXPECT_EQ(held.allocated, base.allocated + sum);
  EXPECT_EQ(held.pool_allocated, base.pool_allocated + pool);
  EXPECT_EQ(held.huge_blocks, base.huge_blocks + kThreads);
  EXPECT_GE(held.threads, size_t(kThreads));
  // Pool blocks freed by another thread stay counted until their owner collects them;
  // large and huge blocks are given back at once.
  EXPECT_EQ(queued.allocated, base.allocated + pool);
  EXPECT_EQ(queued.large_allocated, base.large_allocated);
  EXPECT_EQ(queued.huge_blocks, base.huge_blocks);
  EXPECT_EQ(after.allocated, base.allocated);
  EXPECT_EQ(after.pool_blocks, base.pool_blocks);
}

// A thread that exits leaves its heap orphaned with its live blocks still counted.
TEST(StatsCounters, OrphanedHeapKeepsCounting) {
  struct Arg {
    pthread_barrier_t barrier;
    void* blocks[64];
    size_t sum;
  };
  MappedArray<Arg> mem(1);
  ASSERT_NE(mem.data, nullptr);
  Arg* a = mem.data;
  ASSERT_EQ(pthread_barrier_init(&a->barrier, nullptr, 2), 0);
  pthread_t t;
  ASSERT_EQ(pthread_create(
                &t, nullptr,
                [](void* p) -> void* {
                  auto* a = static_cast<Arg*>(p);
                  pthread_barrier_wait(&a->barrier);
                  a->sum = 0;
                  for (size_t i = 0; i < 64; ++i) {
                    a->blocks[i] = pm_malloc(40 + i * 16);
                    a->sum += pm_usable_size(a->blocks[i]);
                  }
                  return nullptr;
                },
                a),
            0);
  pm_collect(1);
  const pm_stats_t base = snapshot();
  pthread_barrier_wait(&a->barrier);
  pthread_join(t, nullptr);
  pthread_barrier_destroy(&a->barrier);
  const pm_stats_t orphaned = snapshot();
  EXPECT_EQ(orphaned.allocated, base.allocated + a->sum);
  EXPECT_GE(orphaned.orphaned_heaps, 1u);
  for (void* p : a->blocks) pm_free(p);  // remote frees to the orphan
  pm_collect(1);                         // trim: orphans are serviced
  const pm_stats_t after = snapshot();
  EXPECT_EQ(after.allocated, base.allocated);
}

// Peak is the highest allocated a statistics call has seen.
TEST(StatsCounters, PeakRemembersTheHighWater) {
  const pm_stats_t base = snapshot();
  void* p = pm_malloc(3 * MiB);
  ASSERT_NE(p, nullptr);
  const pm_stats_t held = snapshot();
  pm_free(p);
  const pm_stats_t after = snapshot();
  EXPECT_GE(held.peak, base.allocated + 3 * MiB);
  EXPECT_GE(after.peak, held.peak);
  EXPECT_LT(after.allocated, after.peak);
}

// A freed, purged span leaves the resident estimate and adds to purged.
TEST(StatsCounters, TrimLowersResidentAndCountsPurged) {
  const size_t n = 2 * MiB;
  void* p = pm_malloc(n);
  ASSERT_NE(p, nullptr);
  std::memset(p, 1, n);
  pm_free(p);
  const pm_stats_t before = snapshot();
  EXPECT_EQ(pm_trim(0), 1);
  const pm_stats_t after = snapshot();
  EXPECT_GE(after.purged + (before.mapped - after.mapped), before.purged + n);
  EXPECT_LE(after.resident + n, before.resident);
}
