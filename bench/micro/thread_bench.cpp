// Cross-thread free: the benchmark thread (producer) allocates batches of blocks and hands
// them through a ring to a consumer thread that frees them, so every free is a remote
// free and the producer must get its memory back from another thread.
#include <stdlib.h>

#include <atomic>
#include <thread>

#include "micro.hpp"

using pmbench::check;

namespace {

constexpr int kBatch = 64;  // blocks per hand-over
constexpr int kSlots = 16;  // batches in flight at most

struct alignas(64) Slot {
  std::atomic<bool> full{false};
  void* ptrs[kBatch];
};

// A single-producer, single-consumer ring of batches; the consumer frees what it takes.
class Consumer {
 public:
  Consumer() : thread_([this] { run(); }) {}
  ~Consumer() {
    stop_.store(true, std::memory_order_release);
    thread_.join();
  }
  Slot& slot(uint64_t i) { return ring_[i % kSlots]; }

 private:
  void run() {
    for (uint64_t i = 0;; ++i) {
      Slot& s = slot(i);
      while (!s.full.load(std::memory_order_acquire)) {
        // Stop only once the producer is done and this slot stayed empty: all drained.
        if (stop_.load(std::memory_order_acquire) && !s.full.load(std::memory_order_acquire))
          return;
        std::this_thread::yield();
      }
      for (void* p : s.ptrs) free(p);
      s.full.store(false, std::memory_order_release);
    }
  }
  Slot ring_[kSlots];
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

// Arg: block size. Items are blocks passed from one thread to the other.
static void BM_cross_thread(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  Consumer consumer;
  uint64_t i = 0;
  for (auto _ : state) {
    Slot& s = consumer.slot(i++);
    while (s.full.load(std::memory_order_acquire)) std::this_thread::yield();
    for (void*& p : s.ptrs) p = check(malloc(size));
    s.full.store(true, std::memory_order_release);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
// Two threads handing work over are at the scheduler's mercy: a longer minimum time than
// the run's default steadies the figure (it is wall time, not CPU time).
BENCHMARK(BM_cross_thread)->Arg(16)->Arg(64)->Arg(256)->UseRealTime()->MinTime(0.2);
