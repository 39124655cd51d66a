// Concurrency on the pm_ API, small enough to run in about a second and under TSan
// (make test-tsan) and ASan: threads re-created every round, blocks from 8 B to several MiB
// (long tail) swapped between threads through a shared exchange array, every block sealed
// with an address-derived cookie and checked before it is freed or reallocated; calloc'ed
// blocks checked for zeros on memory other threads dirtied; create/join loops with the
// blocks of exited threads freed late. tests/programs/stress.c is the LD_PRELOAD version.
#include <poolmalloc.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "conf_check_util.hpp"

using namespace pmtest;

namespace {

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int kScale = 8;  // the sanitizers' runtimes are several times slower
#else
constexpr int kScale = 1;
#endif

constexpr size_t kExchange = 256;
constexpr size_t kLocal = 128;
std::atomic<void*> g_exchange[kExchange];
std::atomic<long> g_failures{0};

// xorshift64*: per-thread and reproducible.
uint64_t next(uint64_t& s) {
  s ^= s >> 12;
  s ^= s << 25;
  s ^= s >> 27;
  return s * 0x2545F4914F6CDD1Dull;
}

size_t pick_size(uint64_t& rng) {
  const uint64_t r = next(rng);
  const unsigned k = unsigned(r % 10000);
  size_t lo, hi;
  if (k < 8000) lo = 8, hi = 256;
  else if (k < 9500) lo = 256, hi = 8 * KiB;
  else if (k < 9950) lo = 8 * KiB, hi = 256 * KiB;
  else if (k < 9995) lo = 256 * KiB, hi = 2 * MiB;
  else lo = 2 * MiB, hi = 6 * MiB;
  return lo + size_t((r >> 20) % (hi - lo + 1));
}

// Word 0 holds the size keyed by the address; the cookie covers the rest.
uint64_t size_key(const void* p) { return cookie(p, ~size_t{0}); }

void* sealed_alloc(size_t n, bool zeroed) {
  auto* p = static_cast<char*>(zeroed ? pm_calloc(1, n) : pm_malloc(n));
  if (!p) {
    g_failures++;
    ADD_FAILURE() << "allocation of " << n << " bytes failed";
    return nullptr;
  }
  if (zeroed && first_nonzero(p, n) != npos) {
    g_failures++;
    ADD_FAILURE() << "pm_calloc(" << n << ") gave a block that is not zero";
  }
  const uint64_t w = n ^ size_key(p);
  std::memcpy(p, &w, 8);
  cookie_fill(p + 8, n - 8);
  return p;
}

// The block's size after checking its seal; 0 (and a failure) when it is broken.
size_t checked_size(void* p, const char* what) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  const size_t n = size_t(w ^ size_key(p));
  if (n < 8 || n > 6 * MiB) {
    g_failures++;
    ADD_FAILURE() << what << ": block " << p << " has a broken size word";
    return 0;
  }
  const size_t bad = cookie_bad(static_cast<char*>(p) + 8, n - 8);
  if (bad != npos) {
    g_failures++;
    ADD_FAILURE() << what << ": block " << p << " of " << n << " bytes corrupted at word " << bad;
    return 0;
  }
  return n;
}

void sealed_free(void* p, const char* what) {
  if (!p) return;
  if (checked_size(p, what) == 0) return;  // leak it rather than free a broken block
  pm_free(p);
}

void* sealed_realloc(void* p, size_t n) {
  const size_t old = checked_size(p, "realloc");
  if (old == 0) return p;
  uint64_t head[8];
  const size_t keep = (old < n ? old : n) < sizeof head ? (old < n ? old : n) : sizeof head;
  std::memcpy(head, p, keep);
  auto* q = static_cast<char*>(pm_realloc(p, n));
  if (!q) {
    g_failures++;
    ADD_FAILURE() << "pm_realloc to " << n << " failed";
    return p;
  }
  if (std::memcmp(q, head, keep) != 0) {
    g_failures++;
    ADD_FAILURE() << "pm_realloc " << old << " -> " << n << " lost the contents";
  }
  const uint64_t w = n ^ size_key(q);
  std::memcpy(q, &w, 8);
  cookie_fill(q + 8, n - 8);
  return q;
}

void worker(uint64_t seed, long ops) {
  void* local[kLocal] = {};
  uint64_t rng = seed * 0x9E3779B97F4A7C15ull + 1;
  for (long i = 0; i < ops && g_failures.load(std::memory_order_relaxed) == 0; ++i) {
    const uint64_t r = next(rng);
    void*& slot = local[r % kLocal];
    const unsigned op = unsigned((r >> 32) % 100);
    if (op < 45) {
      sealed_free(slot, "free");
      slot = sealed_alloc(pick_size(rng), false);
    } else if (op < 55) {
      sealed_free(slot, "free");
      slot = sealed_alloc(pick_size(rng), true);
    } else if (op < 65) {
      if (slot) slot = sealed_realloc(slot, pick_size(rng));
    } else if (op < 85) {  // swap with the exchange array: another thread will free it
      if (!slot) slot = sealed_alloc(pick_size(rng), false);
      slot = g_exchange[(r >> 16) % kExchange].exchange(slot);
    } else {
      sealed_free(slot, "free");
      slot = nullptr;
    }
  }
  // Leave some blocks in the exchange array past this thread's exit.
  for (size_t i = 0; i < kLocal; ++i) {
    if (local[i] && i % 4 == 0)
      local[i] = g_exchange[(i * 7 + seed) % kExchange].exchange(local[i]);
    sealed_free(local[i], "free at thread exit");
  }
}

}  // namespace

TEST(ConfThreads, ExchangeStressThreadsRecreatedEveryRound) {
  constexpr int kThreads = 4, kRounds = 6;
  const long ops = 40000 / kScale;
  g_failures = 0;
  for (int round = 0; round < kRounds && g_failures == 0; ++round) {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back(worker, uint64_t(round * kThreads + t), ops);
    for (auto& t : threads) t.join();
  }
  for (auto& slot : g_exchange) sealed_free(slot.exchange(nullptr), "final free");
  EXPECT_EQ(g_failures.load(), 0);
}

// Threads created and joined one after another; each leaves half its blocks behind, freed by
// the main thread after the owner exited (its heap orphaned or adopted by the next thread).
TEST(ConfThreads, CreateJoinLoopWithLateFrees) {
  const int kThreads = 300 / kScale;
  std::vector<void*> late;
  g_failures = 0;
  for (int t = 0; t < kThreads && g_failures == 0; ++t) {
    std::vector<void*> mine;
    std::thread([&mine, t] {
      uint64_t rng = uint64_t(t) + 77;
      for (int i = 0; i < 40; ++i) mine.push_back(sealed_alloc(pick_size(rng), i % 5 == 0));
      for (size_t i = 0; i < mine.size(); i += 2) {
        sealed_free(mine[i], "free by the owner");
        mine[i] = nullptr;
      }
    }).join();
    for (void* p : mine)
      if (p) late.push_back(p);
    if (late.size() > 2000) {  // keep the live set bounded
      for (size_t i = 0; i < 1000; ++i) sealed_free(late[i], "late free");
      late.erase(late.begin(), late.begin() + 1000);
    }
  }
  for (void* p : late) sealed_free(p, "late free");
  EXPECT_EQ(g_failures.load(), 0);
}

// Two threads hand blocks back and forth through one slot per size kind, each freeing what
// the other allocated, while both allocate: remote frees of small, large and huge blocks.
TEST(ConfThreads, PingPongRemoteFreesEveryKind) {
  static std::atomic<void*> slots[3];
  const size_t sizes[3] = {48, 300 * KiB, 5 * MiB};
  const int kIters = 3000 / kScale;
  g_failures = 0;
  auto run = [&](uint64_t seed) {
    uint64_t rng = seed;
    for (int i = 0; i < kIters && g_failures.load(std::memory_order_relaxed) == 0; ++i) {
      const size_t kind = next(rng) % (i % 64 == 0 ? 3 : 2);
      void* mine = sealed_alloc(sizes[kind] + size_t(i % 7) * 8, i % 3 == 0);
      sealed_free(slots[kind].exchange(mine), "ping-pong free");
    }
  };
  std::thread a(run, 1), b(run, 2);
  a.join();
  b.join();
  for (auto& s : slots) sealed_free(s.exchange(nullptr), "ping-pong final free");
  EXPECT_EQ(g_failures.load(), 0);
}
