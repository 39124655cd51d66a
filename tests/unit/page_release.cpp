// When empty pages go back. The spare page (runtime/types.hpp, Page): a batch of blocks
// that spans two pages leaves both in the class's queue when it is freed, so the next batch
// neither retires one page nor carves a fresh one; pm_collect(1) and thread exit give the
// spare back.
#include <pthread.h>

#include "stats_util.hpp"

namespace {
using namespace stats_test;

constexpr size_t kBlock = 1024;
constexpr size_t kBatch = 100;  // 100 KiB: more than one 64 KiB page of 1 KiB blocks

struct Result {
  long after_first = -1;   // class pages added by the first batch, once it is freed
  long after_second = -1;  // ... by the second batch
  long after_collect = -1; // ... left after pm_collect(1)
  size_t capacity_first = 0, capacity_second = 0;
};

size_t pages_of(const pm_stats_t& s, int cls) { return cls < 0 ? 0 : s.classes[cls].pages; }

void batch(void** slots) {
  for (size_t i = 0; i < kBatch; ++i) slots[i] = pm_malloc(kBlock);
  for (size_t i = kBatch; i-- > 0;) pm_free(slots[i]);
}

void* spare_thread(void* arg) {
  auto* r = static_cast<Result*>(arg);
  MappedArray<void*> slots(kBatch);
  if (!slots.data) return nullptr;
  pm_collect(1);  // an adopted heap's empty pages go first: the baseline has none of ours
  pm_stats_t base = snapshot();
  batch(slots.data);
  pm_stats_t s1 = snapshot();
  batch(slots.data);
  pm_stats_t s2 = snapshot();
  pm_collect(1);
  pm_stats_t s3 = snapshot();
  int c = class_of_block(s1, kBlock);
  r->after_first = long(pages_of(s1, c)) - long(pages_of(base, c));
  r->after_second = long(pages_of(s2, c)) - long(pages_of(base, c));
  r->after_collect = long(pages_of(s3, c)) - long(pages_of(base, c));
  r->capacity_first = c < 0 ? 0 : s1.classes[c].capacity;
  r->capacity_second = c < 0 ? 0 : s2.classes[c].capacity;
  return nullptr;
}

int class_pages_now() {
  pm_stats_t s = snapshot();
  return int(pages_of(s, class_of_block(s, kBlock)));
}
}  // namespace

TEST(PageRelease, BatchAcrossTwoPagesKeepsBothUntilCollected) {
  Result r;
  pthread_t t;
  ASSERT_EQ(pthread_create(&t, nullptr, spare_thread, &r), 0);
  ASSERT_EQ(pthread_join(t, nullptr), 0);
  EXPECT_EQ(r.after_first, 2) << "the current page and the spare stay with the class";
  EXPECT_EQ(r.after_second, 2) << "the second batch reused both pages";
  EXPECT_EQ(r.capacity_second, r.capacity_first) << "nothing was carved again";
  EXPECT_EQ(r.after_collect, 0) << "pm_collect(1) gives the spare back";
}

TEST(PageRelease, ThreadExitReleasesTheSpare) {
  const int before = class_pages_now();
  pthread_t t;
  ASSERT_EQ(pthread_create(
                &t, nullptr,
                [](void*) -> void* {
                  MappedArray<void*> slots(kBatch);
                  if (slots.data) batch(slots.data);  // leaves a current page and a spare
                  return nullptr;
                },
                nullptr),
            0);
  ASSERT_EQ(pthread_join(t, nullptr), 0);
  EXPECT_EQ(class_pages_now(), before) << "the exited thread's heap kept its empty pages";
}

// An exited thread's heap whose blocks another thread frees retires its current page once
// that is empty: nobody allocates from the heap until a thread adopts it, so the page would
// otherwise hold its memory outside every budget.
namespace {
constexpr size_t kOrphanBlocks = 1000;  // 16 pages of 1 KiB blocks

struct Orphan {
  MappedArray<void*> blocks{kOrphanBlocks};
  Barrier built{2};  // the blocks exist
  Barrier go{2};     // main has its baseline: exit
};

void* orphan_thread(void* arg) {
  auto* o = static_cast<Orphan*>(arg);
  for (size_t i = 0; i < kOrphanBlocks; ++i) o->blocks[i] = pm_malloc(kBlock);
  o->built.wait();
  o->go.wait();
  return nullptr;  // exits with every block live: its heap is orphaned
}
}  // namespace

TEST(PageRelease, OrphanRetiresItsEmptiedCurrentPage) {
  Orphan o;
  ASSERT_NE(o.blocks.data, nullptr);
  const int before = class_pages_now();
  pthread_t t;
  ASSERT_EQ(pthread_create(&t, nullptr, orphan_thread, &o), 0);
  o.built.wait();
  const int held = class_pages_now();
  o.go.wait();
  ASSERT_EQ(pthread_join(t, nullptr), 0);
  EXPECT_GE(held - before, 15) << "the thread's 1000 blocks of 1 KiB fill 16 pages";
  for (size_t i = 0; i < kOrphanBlocks; ++i) pm_free(o.blocks[i]);  // into the orphan's queue
  EXPECT_EQ(class_pages_now(), before) << "every page of the orphan, the current one included";
}
