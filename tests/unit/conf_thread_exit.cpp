// Thread exit on the pm_ API. poolmalloc retires a thread's heap from a pthread key
// destructor of its own, created when the runtime starts; a key the program creates later
// has a higher index, so glibc runs its destructor after poolmalloc's teardown, in each of
// the PTHREAD_DESTRUCTOR_ITERATIONS (4) rounds. Such destructors allocate and free here in
// every round, C++ thread_local destructors do too, the blocks they keep are freed later by
// other threads, and thousands of such threads must not leak a heap each.
#include <poolmalloc.h>
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "conf_check_util.hpp"

using namespace pmtest;

namespace {

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int kScale = 4;
#else
constexpr int kScale = 1;
#endif

// TSan finishes a thread from a key destructor of its own that re-arms itself for the last
// round; code it instruments cannot run after that. Under TSan the destructors stop one
// round earlier.
#if defined(__SANITIZE_THREAD__)
constexpr int kRounds = 3;
#else
constexpr int kRounds = 4;  // PTHREAD_DESTRUCTOR_ITERATIONS
#endif

struct Block {
  void* p;
  size_t n;
};

Block make(size_t n) {
  void* p = pm_malloc(n);
  if (p) cookie_fill(p, n);
  return {p, n};
}

bool drop(Block b) {
  if (!b.p || cookie_bad(b.p, b.n) != npos) return false;
  pm_free(b.p);
  return true;
}

std::mutex g_late_lock;
std::vector<Block> g_late;  // kept by destructors, freed by other threads later
std::atomic<long> g_bad{0}, g_key_runs{0}, g_tls_runs{0};

void keep(Block b) {
  if (!b.p) {
    g_bad++;
    return;
  }
  std::lock_guard<std::mutex> g(g_late_lock);
  g_late.push_back(b);
}

size_t free_late() {
  std::lock_guard<std::mutex> g(g_late_lock);
  size_t n = g_late.size();
  for (Block b : g_late)
    if (!drop(b)) g_bad++;
  g_late.clear();
  return n;
}

// The key's value records the destructor round; each round frees the value's block,
// allocates and frees small and large blocks, keeps one, and re-arms until the last round.
struct KeyVal {
  Block b;
  int round;
};

// Created in the tests, after the runtime started: its destructor runs after poolmalloc's.
pthread_key_t g_key;
// Created at static initialisation, before any pm_ call of this program if nothing
// allocated through pm_ earlier: then its destructor runs before poolmalloc's.
pthread_key_t g_early_key;

template <pthread_key_t* Key>
void key_dtor(void* v) {
  auto* kv = static_cast<KeyVal*>(v);
  if (!drop(kv->b)) g_bad++;
  g_key_runs++;
  for (size_t n : {size_t{24}, size_t{700}, size_t{9000}, 200 * KiB}) {
    Block t = make(n + size_t(kv->round));
    if (!drop(t)) g_bad++;
  }
  keep(make(40 + 100 * size_t(kv->round)));
  if (kv->round < kRounds) {
    kv->round++;
    kv->b = make(64u << kv->round);
    pthread_setspecific(*Key, kv);
  } else {
    delete kv;
  }
}

const bool g_early_key_ok = pthread_key_create(&g_early_key, key_dtor<&g_early_key>) == 0;

struct TlsObj {
  Block b = make(300);
  ~TlsObj() {
    if (!drop(b)) g_bad++;
    Block t = make(5000);
    if (!drop(t)) g_bad++;
    keep(make(3000));
    g_tls_runs++;
  }
};
thread_local TlsObj t_obj;

void thread_body(int i, bool use_tls) {
  Block mine[6];
  for (int k = 0; k < 6; ++k) mine[k] = make(size_t(1 + (i * 131 + k * 977) % 4000));
  pthread_setspecific(g_key, new KeyVal{make(48), 1});
  pthread_setspecific(g_early_key, new KeyVal{make(48), 1});
  if (use_tls && t_obj.b.n != 300) g_bad++;
  for (int k = 0; k < 6; ++k) {
    if (k % 2) keep(mine[k]);
    else if (!drop(mine[k])) g_bad++;
  }
}

class ConfThreadExit : public ::testing::Test {
 protected:
  void SetUp() override {
    pm_free(pm_malloc(1));  // the runtime (and its key) exists before g_key
    static const bool created = pthread_key_create(&g_key, key_dtor<&g_key>) == 0;
    ASSERT_TRUE(created);
    ASSERT_TRUE(g_early_key_ok);
    g_bad = 0;
    g_key_runs = 0;
    g_tls_runs = 0;
  }
};

}  // namespace

// Joined threads: both keys' destructors run four rounds each and allocate in all of them.
TEST_F(ConfThreadExit, KeyDestructorsAllocateInEveryRound) {
  const int kThreads = 200 / kScale;
  for (int i = 0; i < kThreads; ++i) std::thread(thread_body, i, false).join();
  EXPECT_EQ(g_key_runs.load(), 2L * kRounds * kThreads);
  EXPECT_GT(free_late(), 0u);
  EXPECT_EQ(g_bad.load(), 0) << "a block lost its contents or an allocation failed";
}

// thread_local destructors (run before the key destructors) allocate too; detached threads
// run all of it while the main thread goes on allocating; late frees from a new thread.
TEST_F(ConfThreadExit, ThreadLocalAndDetachedThreads) {
  const int kThreads = 200 / kScale;
  for (int i = 0; i < kThreads; ++i) {
    std::thread t(thread_body, i, true);
    if (i % 3) t.detach();
    else t.join();
    pm_free(pm_malloc(size_t(i) * 16 + 1));
  }
  const long want_key_runs = 2L * kRounds * kThreads;
  for (int ms = 0; g_tls_runs.load() < kThreads || g_key_runs.load() < want_key_runs; ++ms) {
    ASSERT_LT(ms, 30000) << "destructors did not all run: " << g_tls_runs.load() << " of "
                         << kThreads << " thread_local, " << g_key_runs.load() << " of "
                         << want_key_runs << " key";
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  size_t freed = 0;
  std::thread([&] { freed = free_late(); }).join();
  EXPECT_GT(freed, 0u);
  EXPECT_EQ(g_bad.load(), 0);
}

// A heap that a key destructor brings back in the last round has no later round to retire
// it. Many such threads must still not each leave a heap (and its memory) behind: the
// address space stays flat once the first threads have warmed the caches up.
TEST_F(ConfThreadExit, LateRoundAllocationsDoNotLeakHeaps) {
  PM_SKIP_IN_SANITIZER_BUILD("the sanitizer runtimes map memory per thread themselves");
  // A destructor that allocates in round 4 (the last, PTHREAD_DESTRUCTOR_ITERATIONS) must not
  // get a heap that no later round retires (it is served by the shared heap instead).
  for (int i = 0; i < 20; ++i) std::thread(thread_body, i, false).join();
  free_late();
  const size_t before = address_space_bytes();
  constexpr int kThreads = 300;
  for (int i = 0; i < kThreads; ++i) {
    std::thread(thread_body, i, false).join();
    if (i % 50 == 49) free_late();
  }
  free_late();
  const size_t after = address_space_bytes();
  EXPECT_EQ(g_bad.load(), 0);
  EXPECT_LT(after, before + 128 * MiB)
      << kThreads << " exited threads grew the address space by " << (after - before) / MiB
      << " MiB: heaps revived by late-round destructors are never retired";
}
