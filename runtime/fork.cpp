#include "fork.hpp"

#include <pthread.h>

#include "heap.hpp"
#include "huge.hpp"
#include "large.hpp"
#include "segment.hpp"

namespace pm {

namespace {
void prepare() {
  heaps_fork_prepare();
  large_locks_acquire();
  huge_locks_acquire();
  segment_locks_acquire();
}
void parent() {
  segment_locks_release();
  huge_locks_release();
  large_locks_release();
  heaps_fork_parent();
}
void child() {
  segment_locks_reset();
  huge_locks_reset();
  large_locks_reset();
  heaps_fork_child();
}
}  // namespace

void fork_handlers_install() { pthread_atfork(prepare, parent, child); }

}  // namespace pm
