#include "fork.hpp"

#include <pthread.h>
#include <sys/single_threaded.h>

#include "heap.hpp"
#include "huge.hpp"
#include "large.hpp"
#include "prof.hpp"
#include "segment.hpp"

namespace pm {

namespace {
// A single-threaded process has nobody else to hold our locks, and may fork from a signal
// handler that interrupted the allocator while it held one (glibc skips its own malloc
// locks then too). The child resets every lock either way.
bool g_locked = false;

void prepare() {
  g_locked = !__libc_single_threaded;
  if (!g_locked) return;
  prof::fork_prepare();  // first: a sample takes allocator locks under it
  heaps_fork_prepare();
  large_locks_acquire();
  huge_locks_acquire();
  segment_locks_acquire();
}
void parent() {
  if (!g_locked) return;
  segment_locks_release();
  huge_locks_release();
  large_locks_release();
  heaps_fork_parent();
  prof::fork_parent();
}
void child() {
  segment_locks_reset();
  huge_locks_reset();
  large_locks_reset();
  heaps_fork_child();
  prof::fork_child();
}
}  // namespace

void fork_handlers_install() { pthread_atfork(prepare, parent, child); }

}  // namespace pm
