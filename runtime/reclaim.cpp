#include "reclaim.hpp"

#include "huge.hpp"
#include "large.hpp"
#include "error.hpp"
#include "options.hpp"
#include "os.hpp"
#include "segment.hpp"

namespace pm {

bool reclaim_address_space() {
  size_t before = os::mapped_bytes();
  uint64_t now = os::now_ms();
  large_purge(now, true);
  huge_purge(now, true);
  segment_cache_purge(now, true);
  bool released = os::mapped_bytes() < before;
  if (options().verbose) verbose_note("out of address space: released cached bytes", before - os::mapped_bytes());
  return released;
}

}  // namespace pm
