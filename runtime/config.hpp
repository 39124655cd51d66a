// Compile-time geometry of the heap: segment, slice, page and size-range limits.
#pragma once
#include <cstddef>
#include <cstdint>

#define PM_LIKELY(x) __builtin_expect(!!(x), 1)
#define PM_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define PM_NOINLINE __attribute__((noinline))
#define PM_INLINE inline __attribute__((always_inline))
#define PM_COLD __attribute__((cold, noinline))

namespace pm {

// Segments: naturally aligned 4 MiB regions; `ptr & ~kSegmentMask` finds the header.
constexpr unsigned kSegmentShift = 22;
constexpr size_t kSegmentSize = size_t{1} << kSegmentShift;
constexpr uintptr_t kSegmentMask = kSegmentSize - 1;

// Pool segments are cut into 64 KiB slices. A small page is one slice; a medium page is
// eight. Slice 0 holds the segment header.
constexpr unsigned kSliceShift = 16;
constexpr size_t kSliceSize = size_t{1} << kSliceShift;
constexpr unsigned kSlicesPerSegment = kSegmentSize / kSliceSize;  // 64
constexpr unsigned kMediumSlices = 8;                               // 512 KiB pages

// Size ranges: pool blocks (small: 64 KiB pages, medium: 512 KiB pages), then the
// free-list arena of page spans, then direct mappings.
constexpr size_t kSmallMax = 8 * 1024;
constexpr size_t kPoolMax = 64 * 1024;
constexpr size_t kLargeMax = 2 * 1024 * 1024;

constexpr size_t kOsPage = 4096;
constexpr size_t kMinAlign = 16;
constexpr size_t kDirectMax = 1024;  // sizes served through the per-heap direct table
constexpr size_t kDirectSlots = kDirectMax / 16 + 1;

// Largest request any entry point accepts; glibc refuses above PTRDIFF_MAX too.
constexpr size_t kMaxRequest = size_t(PTRDIFF_MAX) - kSegmentSize;

// Decay: free memory stays resident this long (ms) before it is given back.
constexpr uint64_t kDefaultDecayMs = 500;

}  // namespace pm
