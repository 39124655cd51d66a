#include "init.hpp"

#include <pthread.h>
#include <stdlib.h>

#include <atomic>

#include "fork.hpp"
#include "heap.hpp"
#include "lock.hpp"
#include "options.hpp"
#include "prof.hpp"
#include "report.hpp"

namespace pm {

namespace {
std::atomic<int> g_state{0};  // 0: not started, 1: in progress, 2: ready
Lock g_init_lock;
pthread_key_t g_exit_key;
bool g_have_key = false;

void on_thread_exit(void* value) { heap_thread_exit(static_cast<Heap*>(value)); }
}  // namespace

bool runtime_init() {
  if (PM_LIKELY(g_state.load(std::memory_order_acquire) == 2)) return true;
  bool register_fork = false;
  {
    LockGuard g(g_init_lock);
    if (g_state.load(std::memory_order_relaxed) == 0) {
      g_state.store(1, std::memory_order_relaxed);
      options_init();
      if constexpr (policy::kHardened) g_zero_on_free = options().zero_on_free;
      g_have_key = pthread_key_create(&g_exit_key, on_thread_exit) == 0;
      g_state.store(2, std::memory_order_release);
      register_fork = true;
    }
  }
  // Outside the lock: registering may allocate, which comes back here and finds us ready.
  if (register_fork) fork_handlers_install();
  if (register_fork) prof::init();  // heap profiler: unwinds once, may allocate
  // The exit report: atexit may allocate (past its static slots), which finds us ready. The
  // handler runs in whichever thread calls exit(), after the handlers registered later.
  if (register_fork && options().print_stats) atexit(stats_print_at_exit);
  if (register_fork && prof::g_on) atexit(prof::at_exit);  // runs before the stats report
  return true;
}

void runtime_thread_started(Heap* heap) {
  // May allocate (keys past the first 32); tl_heap is already set, so that is fine.
  if (g_have_key) pthread_setspecific(g_exit_key, heap);
}

}  // namespace pm
