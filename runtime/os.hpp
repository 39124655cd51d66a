// The OS layer: mappings, purging, time. Every call sets errno like glibc would on failure.
#pragma once
#include "config.hpp"

namespace pm::os {

// Fresh zeroed read-write memory, or nullptr (errno = ENOMEM).
void* map(size_t size);
// size bytes aligned to `align` (a power of two >= page), or nullptr. Holds blocks: the
// thp option applies.
void* map_aligned(size_t size, size_t align);
void unmap(void* p, size_t size);
// Give the pages back; the range stays mapped and reads as zero afterwards.
void purge(void* p, size_t size);
// Try to grow or shrink a mapping, moving it only to a `align`-aligned address.
void* remap_aligned(void* p, size_t old_size, size_t new_size, size_t align);
// Move the pages of [src, src+size) over [dst, dst+size) (both ours): the resident pages
// travel without being copied or faulted in again; src is unmapped afterwards. False (and
// nothing changed) when the kernel refuses.
bool move_pages(void* src, void* dst, size_t size);
// Milliseconds from a monotonic clock that costs no syscall.
uint64_t now_ms();
// Bytes of virtual address space mapped through this layer (for statistics).
size_t mapped_bytes();
// Bytes given back with purge() so far.
size_t purged_bytes();

}  // namespace pm::os
