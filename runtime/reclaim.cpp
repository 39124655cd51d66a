#include "reclaim.hpp"

#include "error.hpp"
#include "huge.hpp"
#include "large.hpp"
#include "options.hpp"
#include "os.hpp"
#include "segment.hpp"

namespace pm {

void purge_shared(uint64_t now, bool force) {
  large_purge(now, force);
  huge_purge(now, force);
  segment_cache_purge(now, force);
}

bool reclaim_address_space() {
  size_t before = os::mapped_bytes();
  purge_shared(os::now_ms(), true);
  size_t after = os::mapped_bytes();
  if (options().verbose) verbose_note("out of address space: released cached bytes", before - after);
  return after < before;
}

}  // namespace pm
