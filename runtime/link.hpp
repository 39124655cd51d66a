// Free-list links: the first word of a free pool block. The hardened variant stores each
// link xor-ed with the per-process secret and the link's own address, so that a write
// after free or an overflow cannot plant a chosen pointer, and a pop checks that the next
// block lies in the same page. The default build stores plain pointers.
#pragma once
#include "policy.hpp"
#include "secret.hpp"
#include "segment.hpp"

namespace pm {

PM_INLINE uintptr_t link_key(const Block* b) {  // b: a pool block, so the secret is made
  return secret_known() ^ (reinterpret_cast<uintptr_t>(b) >> 4) * 0xD6E8FEB86659FD93ULL;
}

// Raw link word as an integer (the remote queues hold their heads as integers).
PM_INLINE uintptr_t link_get_raw(const Block* b) {
  uintptr_t v = reinterpret_cast<uintptr_t>(b->next);
  if constexpr (policy::kEncodeLinks) v ^= link_key(b);
  return v;
}
PM_INLINE void link_set_raw(Block* b, uintptr_t v) {
  if constexpr (policy::kEncodeLinks) v ^= link_key(b);
  b->next = reinterpret_cast<Block*>(v);
}
PM_INLINE Block* link_get(const Block* b) { return reinterpret_cast<Block*>(link_get_raw(b)); }
PM_INLINE void link_set(Block* b, Block* next) { link_set_raw(b, reinterpret_cast<uintptr_t>(next)); }

[[noreturn]] void link_corrupt(const Block* b) noexcept;  // reports and aborts (heap.cpp)

// A link may be null or the start of a carved block of its page.
PM_INLINE bool link_in_page(const Page* page, const Block* n) {
  if (n == nullptr) return true;
  uint64_t off = reinterpret_cast<uintptr_t>(n) - page->area;
  return off < uint64_t(page->capacity) * page->block_size && off * page->div_magic < page->div_magic;
}

// The next block after b on a list of `page`; in the hardened variant, checked to be a
// carved block of the same page, b itself to carry its heap's freed key.
PM_INLINE Block* link_next_checked(const Page* page, const Block* b) {
  Block* n = link_get(b);
  if constexpr (policy::kEncodeLinks) {
    if (PM_UNLIKELY(!link_in_page(page, n))) link_corrupt(b);
  }
  return n;
}

}  // namespace pm
