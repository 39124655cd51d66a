// Blocks that other threads free go to their owner's remote queue, which only the owner
// drains, on a slow path. An owner that keeps to fast paths (a main thread that filled a
// table and only creates and joins the workers that free it) must still get them back: a
// queue that grows past a few thousand blocks sends the owner's next small malloc to the
// slow path, which drains it.
#include <pthread.h>

#include "stats_util.hpp"

namespace {
using namespace stats_test;

constexpr size_t kBlock = 256;
constexpr size_t kBlocks = 8192;  // 2 MiB, twice the pushes that ask for a drain

void* free_all(void* arg) {
  auto* blocks = static_cast<MappedArray<void*>*>(arg);
  for (size_t i = 0; i < kBlocks; ++i) pm_free((*blocks)[i]);
  return nullptr;
}
}  // namespace

TEST(RemoteDrain, OwnerOnFastPathsGetsItsBlocksBack) {
  MappedArray<void*> blocks(kBlocks);
  ASSERT_NE(blocks.data, nullptr);
  for (size_t i = 0; i < kBlocks; ++i) blocks[i] = pm_malloc(kBlock);
  pm_free(pm_malloc(48));  // 48 B has a current page with free blocks: its malloc is a fast path
  pthread_t t;
  ASSERT_EQ(pthread_create(&t, nullptr, free_all, &blocks), 0);
  ASSERT_EQ(pthread_join(t, nullptr), 0);
  pm_stats_t queued = snapshot();
  pm_free(pm_malloc(48));
  pm_stats_t after = snapshot();
  EXPECT_GE(queued.allocated, kBlocks * kBlock) << "the freed blocks wait in the queue";
  EXPECT_LE(after.allocated + kBlocks * kBlock, queued.allocated)
      << "the next small malloc drained the queue";
}
