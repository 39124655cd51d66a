#include "reclaim.hpp"

#include "backend.hpp"
#include "large.hpp"

namespace pm {

void purge_shared(uint64_t now, bool force) {
  large_purge(now, force);
  backend::decay(now, force);
}

}  // namespace pm
