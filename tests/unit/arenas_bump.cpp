// pm::BumpArena and the pm_bump_* C API.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "poolmalloc.hpp"

namespace {

bool aligned(const void *p, std::size_t a) { return (reinterpret_cast<std::uintptr_t>(p) & (a - 1)) == 0; }

// An upstream that counts what it hands out, on top of the global allocator.
struct Counting {
  std::size_t live = 0, calls = 0;
  static void *alloc(void *ctx, std::size_t size, std::size_t align) {
    auto *c = static_cast<Counting *>(ctx);
    c->calls++;
    void *p = pm_aligned_alloc(align < 16 ? 16 : align, size);
    if (p != nullptr) c->live += size;
    return p;
  }
  static void dealloc(void *ctx, void *p, std::size_t size, std::size_t) {
    static_cast<Counting *>(ctx)->live -= size;
    pm_free(p);
  }
  pm_upstream_t upstream() { return pm_upstream_t{alloc, dealloc, this}; }
};

TEST(ArenasBump, OwnedCapacityAllocatesAlignedUntilExhausted) {
  pm::BumpArena a(1024);
  ASSERT_TRUE(a.valid());
  EXPECT_EQ(a.remaining(), 1024u);
  pm::Allocation x = a.alloc(pm::Layout::of<std::int64_t>());
  ASSERT_TRUE(x);
  EXPECT_EQ(x.size, 8u);
  pm::Allocation y = a.alloc({1, 1});
  pm::Allocation z = a.alloc({64, 64});
  ASSERT_TRUE(y && z);
  EXPECT_TRUE(aligned(z.ptr, 64));
  EXPECT_GT(z.ptr, y.ptr);
  EXPECT_LE(a.remaining(), 1024u - 73);
  EXPECT_EQ(a.total_allocated(), 1024u - a.remaining());
  EXPECT_FALSE(a.alloc({2048, 1}));  // exhausted: null, nothing changes
  std::size_t left = a.remaining();
  EXPECT_TRUE(a.alloc({left, 1}));
  EXPECT_EQ(a.remaining(), 0u);
  EXPECT_FALSE(a.alloc({1, 1}));
  EXPECT_FALSE(a.alloc({8, 3}));  // bad alignment
}

TEST(ArenasBump, ZeroedAndReset) {
  pm::BumpArena a(256);
  auto *p = static_cast<unsigned char *>(a.alloc({128, 8}).ptr);
  ASSERT_NE(p, nullptr);
  std::memset(p, 0xff, 128);
  a.reset();
  EXPECT_EQ(a.total_allocated(), 0u);
  EXPECT_EQ(a.remaining(), 256u);
  pm::Allocation z = a.alloc_zeroed({128, 8});
  ASSERT_EQ(z.ptr, p);  // reset starts over at the same place
  for (int i = 0; i < 128; i++) ASSERT_EQ(p[i], 0);
}

TEST(ArenasBump, OverCallerBufferIsNotOwned) {
  alignas(16) std::byte buf[512];
  {
    pm::BumpArena a{std::span<std::byte>(buf)};
    pm::Allocation x = a.alloc({100, 4});
    ASSERT_TRUE(x);
    EXPECT_GE(static_cast<std::byte *>(x.ptr), buf);
    EXPECT_LT(static_cast<std::byte *>(x.ptr), buf + sizeof buf);
    EXPECT_FALSE(a.alloc({1000, 1}));
    EXPECT_EQ(a.capacity(), sizeof buf);
  }  // destroying the arena must not free buf (ASan would report a bad free)
  buf[0] = std::byte{1};
}

TEST(ArenasBump, GrowsByDoublingChunksUpToTheLimit) {
  Counting up;
  pm_upstream_t u = up.upstream();
  {
    pm::BumpArena a(pm::BumpGrowth{4096, 16384, 64 * 1024, &u});
    ASSERT_TRUE(a.valid());
    EXPECT_EQ(up.calls, 0u);  // nothing taken before the first allocation
    std::vector<void *> blocks;
    for (int i = 0; i < 20; i++) {
      pm::Allocation b = a.alloc({1000, 8});
      ASSERT_TRUE(b) << i;
      std::memset(b.ptr, i, 1000);
      blocks.push_back(b.ptr);
    }
    EXPECT_EQ(a.total_allocated() >= 20000u, true);
    EXPECT_GT(up.calls, 1u);
    EXPECT_EQ(a.capacity(), up.live);
    for (int i = 0; i < 20; i++) ASSERT_EQ(static_cast<unsigned char *>(blocks[i])[999], i);
    // A request bigger than a chunk gets a chunk of its own.
    pm::Allocation big = a.alloc({20000, 64});
    ASSERT_TRUE(big);
    EXPECT_TRUE(aligned(big.ptr, 64));
    // The total limit: nothing more than 64 KiB held from upstream.
    EXPECT_FALSE(a.alloc({60000, 8}));
    EXPECT_LE(up.live, 64u * 1024);
    std::size_t calls = up.calls;
    a.reset();  // keeps the first chunk and the newest (the 20 KiB one) as a spare
    EXPECT_EQ(up.live, 4096u + 20480u);
    EXPECT_EQ(a.total_allocated(), 0u);
    EXPECT_EQ(a.remaining(), 4096u);
    for (int i = 0; i < 20; i++) ASSERT_TRUE(a.alloc({1000, 8}));  // base, then the spare
    EXPECT_EQ(up.calls, calls);  // no new chunk taken
    a.reset();
    EXPECT_EQ(up.live, 4096u + 20480u);
  }
  EXPECT_EQ(up.live, 0u);  // the destructor gave everything back
}

TEST(ArenasBump, BufferThenGrowth) {
  alignas(16) std::byte buf[256];
  pm::BumpArena a(std::span<std::byte>(buf), pm::BumpGrowth{});
  void *first = a.alloc({200, 8}).ptr;
  EXPECT_EQ(static_cast<void *>(buf), first);
  void *second = a.alloc({200, 8}).ptr;  // does not fit the buffer: a chunk
  ASSERT_NE(second, nullptr);
  EXPECT_TRUE(static_cast<std::byte *>(second) < buf || static_cast<std::byte *>(second) >= buf + 256);
  a.reset();
  EXPECT_EQ(a.alloc({8, 8}).ptr, static_cast<void *>(buf));
}

TEST(ArenasBump, MarkAndRewind) {
  pm::BumpArena a(pm::BumpGrowth{4096, 4096, 0, nullptr});
  void *p0 = a.alloc({16, 16}).ptr;
  ASSERT_NE(p0, nullptr);
  pm::BumpMark m = a.mark();
  std::size_t used = a.total_allocated();
  for (int i = 0; i < 10; i++) ASSERT_TRUE(a.alloc({1000, 8}));  // crosses chunks
  EXPECT_TRUE(a.rewind(m));
  EXPECT_EQ(a.total_allocated(), used);
  void *p1 = a.alloc({16, 16}).ptr;
  EXPECT_EQ(p1, static_cast<char *>(p0) + 16);
  // Rewinding to a mark above the current position is misuse: false, nothing changes.
  pm::BumpMark high = a.mark();
  EXPECT_TRUE(a.rewind(m));
  EXPECT_FALSE(a.rewind(high));
  EXPECT_EQ(a.total_allocated(), used);
  // Chunks kept after the rewind are reused.
  for (int i = 0; i < 10; i++) ASSERT_TRUE(a.alloc({1000, 8}));
}

TEST(ArenasBump, ScopeRewindsAndNests) {
  pm::BumpArena a(4096);
  a.alloc({10, 1});
  std::size_t before = a.total_allocated();
  {
    auto outer = a.scope();
    a.alloc({100, 8});
    std::size_t mid = a.total_allocated();
    {
      auto inner = a.scope();
      a.alloc({200, 8});
      EXPECT_GT(a.total_allocated(), mid);
    }
    EXPECT_EQ(a.total_allocated(), mid);
  }
  EXPECT_EQ(a.total_allocated(), before);
}

TEST(ArenasBump, DeallocGivesBackOnlyTheLastBlock) {
  pm::BumpArena a(1024);
  pm::Allocation x = a.alloc({32, 8});
  pm::Allocation y = a.alloc({32, 8});
  EXPECT_FALSE(a.dealloc(x.ptr, {32, 8}));  // not the last: no-op
  EXPECT_TRUE(a.dealloc(y.ptr, {32, 8}));
  EXPECT_EQ(a.alloc({32, 8}).ptr, y.ptr);
}

TEST(ArenasBump, MoveTransfersOwnership) {
  pm::BumpArena a(1024);
  void *p = a.alloc({8, 8}).ptr;
  pm::BumpArena b(std::move(a));
  EXPECT_FALSE(a.valid());
  EXPECT_FALSE(a.alloc({8, 8}));  // a moved-from arena allocates nothing
  EXPECT_EQ(b.alloc({8, 8}).ptr, static_cast<char *>(p) + 8);
  pm::BumpArena c(64);
  c = std::move(b);
  EXPECT_TRUE(c.alloc({8, 8}));
}

TEST(ArenasBump, FailedOwnedCapacityIsInvalid) {
  pm::BumpArena a(pm::max_alloc_size + 1);
  EXPECT_FALSE(a.valid());
  EXPECT_FALSE(a.alloc({1, 1}));
}

TEST(ArenasBump, TypedArrayHelper) {
  pm::BumpArena a(1024);
  double *d = a.alloc_array<double>(10);
  ASSERT_NE(d, nullptr);
  EXPECT_TRUE(aligned(d, alignof(double)));
  EXPECT_EQ(a.alloc_array<double>(SIZE_MAX / 4), nullptr);
}

// The in-line dealloc answers refusals itself (no call into the C side): a block that is
// not the most recent, a wrong size, a foreign pointer or a null one change nothing.
TEST(ArenasBump, InlineDeallocRefusalsChangeNothing) {
  alignas(16) std::byte buf[256];
  pm::BumpArena a{std::span<std::byte>(buf)};
  pm::Allocation x = a.alloc({32, 8});
  pm::Allocation y = a.alloc({48, 16});
  ASSERT_TRUE(x && y);
  const std::size_t left = a.remaining();
  int outside = 0;
  EXPECT_FALSE(a.dealloc(x.ptr, {32, 8}));
  EXPECT_FALSE(a.dealloc(y.ptr, {47, 16}));
  EXPECT_FALSE(a.dealloc(&outside, {4, 4}));
  EXPECT_FALSE(a.dealloc(nullptr, {0, 1}));
  EXPECT_EQ(a.remaining(), left);
  EXPECT_TRUE(a.dealloc(y.ptr, {48, 16}));
  EXPECT_EQ(a.alloc({48, 16}).ptr, y.ptr);
  EXPECT_FALSE(a.alloc({SIZE_MAX - 8, 8}));  // more than the room: refused, not wrapped
  pm::BumpArena none{std::span<std::byte>()};
  EXPECT_FALSE(none.alloc({1, 1}));
}

}  // namespace
