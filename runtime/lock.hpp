// A small futex mutex (no allocation, usable before libc is fully up, resettable after fork).
#pragma once
#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

namespace pm {

class Lock {
 public:
  void lock() {
    int c = 0;
    if (state_.compare_exchange_strong(c, 1, std::memory_order_acquire)) return;
    for (int spin = 0; spin < 64; ++spin) {  // short critical sections: spin a little first
      __builtin_ia32_pause();
      c = 0;
      if (state_.compare_exchange_weak(c, 1, std::memory_order_acquire)) return;
    }
    if (c != 2) c = state_.exchange(2, std::memory_order_acquire);
    int saved = errno;  // a wait that finds the word changed fails with EAGAIN: not the caller's
    while (c != 0) {
      syscall(SYS_futex, &state_, FUTEX_WAIT_PRIVATE, 2, nullptr, nullptr, 0);
      c = state_.exchange(2, std::memory_order_acquire);
    }
    errno = saved;
  }
  bool try_lock() {
    int c = 0;
    return state_.compare_exchange_strong(c, 1, std::memory_order_acquire);
  }
  void unlock() {
    if (state_.exchange(0, std::memory_order_release) == 2)
      syscall(SYS_futex, &state_, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
  }
  // In a fork child only one thread exists: whoever held the lock is gone. True when it was
  // held: after a fork that fork.cpp did not prepare (a single-threaded process forking in
  // a signal handler), the holder was the interrupted code, so what the lock guards may be
  // half-updated.
  bool reset() { return state_.exchange(0, std::memory_order_relaxed) != 0; }

 private:
  std::atomic<int> state_{0};
};

// Releases a lock that is already held (taken conditionally, e.g. with try_lock).
struct LockRelease {
  explicit LockRelease(Lock& l) : lock(l) {}
  ~LockRelease() { lock.unlock(); }
  LockRelease(const LockRelease&) = delete;
  LockRelease& operator=(const LockRelease&) = delete;
  Lock& lock;
};

struct LockGuard {
  explicit LockGuard(Lock& l) : lock(l) { lock.lock(); }
  ~LockGuard() { lock.unlock(); }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;
  Lock& lock;
};

}  // namespace pm
