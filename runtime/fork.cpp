#include "fork.hpp"

#include <pthread.h>
#include <sys/single_threaded.h>

#include "backend.hpp"
#include "heap.hpp"
#include "huge.hpp"
#include "large.hpp"
#include "prof.hpp"
#include "segment.hpp"

// glibc's stdio list lock (exported by glibc). Its fork takes this lock after the atfork
// prepare handlers and its own malloc's locks after it; stdio allocates while holding it
// (and while holding a FILE's lock, which fflush(NULL) takes under it). A replacement malloc
// must keep glibc's order, so prepare takes the list lock first (it is recursive: glibc's
// own take then nests) and the allocator's locks after it.
extern "C" void _IO_list_lock(void) noexcept;
extern "C" void _IO_list_unlock(void) noexcept;

namespace pm {

namespace {
// A single-threaded process has nobody else to hold our locks, and may fork from a signal
// handler that interrupted the allocator while it held one (glibc skips its own malloc
// locks then too). The child resets every lock either way.
bool g_locked = false;

void prepare() {
  g_locked = !__libc_single_threaded;
  if (!g_locked) return;
  _IO_list_lock();
  prof::fork_prepare();  // before the allocator's: a sample takes allocator locks under it
  heaps_fork_prepare();
  large_locks_acquire();
  huge_locks_acquire();
  backend::lock_acquire();
  segment_locks_acquire();
}
void parent() {
  if (!g_locked) return;
  segment_locks_release();
  backend::lock_release();
  huge_locks_release();
  large_locks_release();
  heaps_fork_parent();
  prof::fork_parent();
  _IO_list_unlock();
}
// glibc resets the list lock in the child itself. After an unprepared fork a held lock was
// held by the code the forking signal handler interrupted: suspect, each module sets the
// structure it guards aside instead of resuming a half-done update.
void child() {
  bool suspect = !g_locked;
  segment_locks_reset(suspect);
  backend::lock_reset(suspect);
  huge_locks_reset(suspect);
  large_locks_reset(suspect);
  heaps_fork_child();
  prof::fork_child();
}
}  // namespace

void fork_handlers_install() { pthread_atfork(prepare, parent, child); }

}  // namespace pm
