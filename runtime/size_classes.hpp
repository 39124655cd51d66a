// Size classes of the pool range (16 B .. 64 KiB): 16-byte steps up to 128 B, then eight
// classes per power of two, so a block wastes at most 1/8 of the request above 128 B
// (below that, 16-byte alignment bounds the waste to 15 bytes).
#pragma once
#include <array>
#include <type_traits>

#include "config.hpp"
#include "debug.hpp"

namespace pm {

constexpr unsigned kClassCount = 80;
constexpr unsigned kSmallClassCount = 56;  // classes up to kSmallMax live on 64 KiB pages

constexpr size_t class_block_size(unsigned c) {
  if (c < 8) return 16 * (c + 1);
  unsigned g = (c - 8) / 8, r = (c - 8) % 8;
  size_t base = size_t{128} << g;
  return base + (base / 8) * (r + 1);
}

// The formula: above 128 B the top bit picks the group, the next three bits the class.
constexpr unsigned size_class_formula(size_t size) {
  if (size <= 128) return size == 0 ? 0 : unsigned((size - 1) >> 4);
  size_t s = size - 1;
  unsigned b = 63u - unsigned(__builtin_clzll(s));
  return 8 + (b - 7) * 8 + unsigned((s >> (b - 3)) & 7);
}

// The direct table of a heap covers sizes up to kDirectMax in 16-byte slots.
constexpr std::array<uint8_t, kDirectSlots> make_direct_class() {
  std::array<uint8_t, kDirectSlots> t{};
  for (size_t i = 0; i < kDirectSlots; ++i) t[i] = uint8_t(size_class_formula(i * 16));
  return t;
}
inline constexpr auto kDirectClass = make_direct_class();

// Above kDirectMax every class boundary is a multiple of 128 B, so a class per 128-byte
// step up to kPoolMax (512 bytes of table) replaces the formula's bit scan and shifts.
constexpr size_t kBigClassStep = 128;
constexpr std::array<uint8_t, kPoolMax / kBigClassStep> make_big_class() {
  std::array<uint8_t, kPoolMax / kBigClassStep> t{};
  for (size_t i = 0; i < t.size(); ++i) t[i] = uint8_t(size_class_formula((i + 1) * kBigClassStep));
  return t;
}
inline constexpr auto kBigClass = make_big_class();

// The class of a pool size above kDirectMax (at most kPoolMax).
inline unsigned size_class_big(size_t size) {
  PM_ASSERT(size > kDirectMax && size <= kPoolMax);
  return kBigClass[(size - 1) / kBigClassStep];
}

// The class of a pool size (at most kPoolMax): one table lookup in either range.
constexpr unsigned size_class(size_t size) {
  if (std::is_constant_evaluated()) return size_class_formula(size);
  PM_ASSERT(size <= kPoolMax);
  if (size <= kDirectMax) return kDirectClass[(size + 15) >> 4];
  return size_class_big(size);
}

constexpr std::array<uint32_t, kClassCount> make_block_sizes() {
  std::array<uint32_t, kClassCount> t{};
  for (unsigned c = 0; c < kClassCount; ++c) t[c] = uint32_t(class_block_size(c));
  return t;
}
inline constexpr auto kBlockSize = make_block_sizes();

static_assert(class_block_size(kClassCount - 1) == kPoolMax);
static_assert(class_block_size(kSmallClassCount - 1) == kSmallMax);
static_assert(size_class(kPoolMax) == kClassCount - 1);
static_assert(size_class(129) == 8 && class_block_size(8) == 144);
static_assert(size_class(256) == 15 && size_class(257) == 16);

// Every class c serves exactly the sizes (block(c-1), block(c)]: checking both ends of
// each range checks every size, and the smallest size of a range has the largest waste.
constexpr bool check_classes() {
  size_t prev = 0;
  for (unsigned c = 0; c < kClassCount; ++c) {
    size_t b = class_block_size(c);
    if (b <= prev || b % 16 != 0) return false;
    if (size_class(prev + 1) != c || size_class(b) != c) return false;
    size_t s = prev + 1;
    if (s > 128 && (b - s) * 8 > s) return false;  // waste <= 12.5% of the request
    prev = b;
  }
  return true;
}
static_assert(check_classes(), "size classes must cover every size tightly");

// The tables agree with the formula at every pool size. The formula never decreases, so
// agreeing at both ends of each table step is agreeing on the whole step (a class boundary
// off the 128-byte grid above kDirectMax would break the big table).
constexpr bool check_tables() {
  if (kDirectClass[0] != size_class_formula(0)) return false;
  for (size_t i = 1; i < kDirectSlots; ++i)
    if (kDirectClass[i] != size_class_formula(i * 16 - 15) || kDirectClass[i] != size_class_formula(i * 16))
      return false;
  for (size_t i = kDirectMax / kBigClassStep; i < kBigClass.size(); ++i)
    if (kBigClass[i] != size_class_formula(i * kBigClassStep + 1) ||
        kBigClass[i] != size_class_formula((i + 1) * kBigClassStep))
      return false;
  return true;
}
static_assert(check_tables(), "the class tables must match size_class_formula");

}  // namespace pm
