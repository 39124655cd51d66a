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

PM_INLINE uint64_t key(const void* b) {
  return secret() ^ reinterpret_cast<uintptr_t>(b) * 0x9E3779B97F4A7C15ULL;
}
PM_INLINE uint8_t canary(const void* b) { return uint8_t((key(b) >> 29) | 0x80); }
PM_INLINE uint64_t* slot(void* b, size_t block_size) {
  return reinterpret_cast<uint64_t*>(static_cast<char*>(b) + block_size - kRecordBytes);
}

// The canary bytes after a request: min(slack, kCanaryBytes) of them. Up to 16 bytes are
// written and read as two (possibly overlapping) words, shorter runs byte by byte.
PM_INLINE size_t canary_len(size_t block_size, size_t size) {
  size_t end = block_size - kRecordBytes;
  return end - size < policy::kCanaryBytes ? end - size : policy::kCanaryBytes;
}

PM_INLINE void write_live(void* b, size_t block_size, size_t size, Tag tag) {
  *slot(b, block_size) = (uint64_t(size) << 8 | tag) ^ key(b);
  unsigned char* c = static_cast<unsigned char*>(b) + size;
  size_t n = canary_len(block_size, size);
  uint64_t pattern = 0x0101010101010101ULL * canary(b);
  if (n >= 8) {
    memcpy(c, &pattern, 8);
    memcpy(c + n - 8, &pattern, 8);
  } else {
    for (size_t i = 0; i < n; ++i) c[i] = uint8_t(pattern);
  }
}

PM_INLINE void write_freed(void* b, size_t block_size) { *slot(b, block_size) = kFreed ^ key(b); }

enum class State { kLive, kFreed, kBad };

// Reads the record of b; for a live block also checks the canary bytes (kBad if touched).
PM_INLINE State read(void* b, size_t block_size, size_t* size, Tag* tag) {
  uint64_t v = *slot(b, block_size) ^ key(b);
  if (v == kFreed) return State::kFreed;
  uint8_t t = uint8_t(v);
  size_t s = size_t(v >> 8);
  if ((t != kMalloc && t != kNew && t != kNewArray) || s > block_size - kRecordBytes) return State::kBad;
  const unsigned char* c = static_cast<const unsigned char*>(b) + s;
  size_t n = canary_len(block_size, s);
  uint64_t pattern = 0x0101010101010101ULL * canary(b);
  if (n >= 8) {
    uint64_t x, y;
    memcpy(&x, c, 8);
    memcpy(&y, c + n - 8, 8);
    if ((x ^ pattern) | (y ^ pattern)) return State::kBad;
  } else {
    for (size_t i = 0; i < n; ++i)
      if (c[i] != uint8_t(pattern)) return State::kBad;
  }
  *size = s;
  *tag = Tag(t);
  return State::kLive;
}

}  // namespace pm::rec
