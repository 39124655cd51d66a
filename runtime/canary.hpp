// Block records of the hardened variant (policy::kBlockRecords). Every pool block ends in
// an 8-byte record: (requested size << 8 | tag) xor a key made of the per-process secret
// and the block address. Between the requested size and the record, up to
// policy::kCanaryBytes canary bytes (a byte of the same key). Free, realloc and
// malloc_usable_size read the record back: the size and the allocating call are known
// exactly, so overflows into the slack, sized deletes with the wrong size, delete/delete[]
// mismatches and double frees (the record of a freed block says so) are all caught.
#pragma once
#include <cstring>

#include "policy.hpp"
#include "secret.hpp"

namespace pm::rec {

enum Tag : uint8_t { kMalloc = 0xA1, kNew = 0xA2, kNewArray = 0xA3, kFreed = 0xF5, kAnyTag = 0 };
constexpr size_t kRecordBytes = 8;
constexpr size_t kUnsized = ~size_t{0};

PM_INLINE uint64_t key(const void* b) {  // b: a pool block, so the secret is made
  return secret_known() ^ reinterpret_cast<uintptr_t>(b) * 0x9E3779B97F4A7C15ULL;
}
PM_INLINE uint64_t* slot(void* b, size_t block_size) {
  return reinterpret_cast<uint64_t*>(static_cast<char*>(b) + block_size - kRecordBytes);
}

// The canary bytes after a request: min(slack, kCanaryBytes) of them.
PM_INLINE size_t canary_len(size_t block_size, size_t size) {
  size_t end = block_size - kRecordBytes;
  return end - size < policy::kCanaryBytes ? end - size : policy::kCanaryBytes;
}

// The canary as at most two words, so that writing and checking it takes no loop: the word
// ending at the canary's end, masked to the canary's top bytes when it is shorter than 8
// (the lower bytes are the request's; every block has at least 8 bytes before its record),
// and for a longer one the full word at the request's end (the two may overlap).
struct CanaryWords {
  unsigned char* last;  // the word ending at size + canary_len
  uint64_t last_mask;
  bool two;             // canary_len > 8: the word at the request's end as well
};
PM_INLINE CanaryWords canary_words(void* b, size_t block_size, size_t size) {
  size_t n = canary_len(block_size, size);
  unsigned char* end = static_cast<unsigned char*>(b) + size + n;
  return {end - 8, n >= 8 ? ~uint64_t{0} : n ? ~uint64_t{0} << (64 - 8 * n) : 0, n > 8};
}
PM_INLINE uint64_t canary_pattern(uint64_t k) { return 0x0101010101010101ULL * uint8_t((k >> 29) | 0x80); }

// k: key(b), computed once by the caller. The request's bytes under a masked word are
// not written yet (a block just allocated): the word is stored whole, zero there.
PM_INLINE void write_live_k(void* b, size_t block_size, size_t size, Tag tag, uint64_t k) {
  *slot(b, block_size) = (uint64_t(size) << 8 | tag) ^ k;
  CanaryWords w = canary_words(b, block_size, size);
  uint64_t pattern = canary_pattern(k);
  uint64_t last = pattern & w.last_mask;
  memcpy(w.last, &last, 8);
  if (w.two) memcpy(static_cast<unsigned char*>(b) + size, &pattern, 8);
}
PM_INLINE void write_live(void* b, size_t block_size, size_t size, Tag tag) {
  write_live_k(b, block_size, size, tag, key(b));
}

// The freed record (the freed block keeps no size).
PM_INLINE void write_freed_k(void* b, size_t block_size, uint64_t k) { *slot(b, block_size) = kFreed ^ k; }
PM_INLINE void write_freed(void* b, size_t block_size) { write_freed_k(b, block_size, key(b)); }

// A decoded live record v (record ^ key) is well formed and its canary intact.
PM_INLINE bool live_ok(void* b, size_t block_size, uint64_t v, uint64_t k) {
  size_t s = size_t(v >> 8);
  if (PM_UNLIKELY(uint8_t(uint8_t(v) - kMalloc) > uint8_t(kNewArray - kMalloc) || s > block_size - kRecordBytes))
    return false;
  CanaryWords w = canary_words(b, block_size, s);
  uint64_t pattern = canary_pattern(k), x, y = pattern;
  memcpy(&x, w.last, 8);
  if (w.two) memcpy(&y, static_cast<unsigned char*>(b) + s, 8);
  return (((x ^ pattern) & w.last_mask) | (y ^ pattern)) == 0;
}

enum class State { kLive, kFreed, kBad };

// Reads the record of b; for a live block also checks the canary bytes (kBad if touched).
PM_INLINE State read(void* b, size_t block_size, size_t* size, Tag* tag) {
  uint64_t k = key(b);
  uint64_t v = *slot(b, block_size) ^ k;
  if (v == kFreed) return State::kFreed;
  if (!live_ok(b, block_size, v, k)) return State::kBad;
  *size = size_t(v >> 8);
  *tag = Tag(uint8_t(v));
  return State::kLive;
}

}  // namespace pm::rec
