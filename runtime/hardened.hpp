// Entry points of the hardened variant (policy::kHardened): every pool block carries a
// record (canary.hpp), frees go through a quarantine, freed blocks are zeroed. alloc.hpp
// sends the allocation and free calls here when the policy is on; the default build
// never calls these.
#pragma once
#include "canary.hpp"
#include "heap.hpp"

namespace pm {

// malloc / new / new[] (tag says which). Pool sizes get a record; larger ones go to the
// large arena and huge mappings unchanged.
void* hardened_alloc(size_t size, rec::Tag tag) noexcept;
// Writes the record of a pool block p just allocated for `size` (aligned allocations).
void* hardened_finish(void* p, size_t size, rec::Tag tag) noexcept;
// free / delete / delete[] (op: kMalloc for the C calls, kAnyTag for aligned deletes);
// size: the size a sized call passed, or rec::kUnsized.
void hardened_free(void* p, size_t size, rec::Tag op, const char* where) noexcept;
// The requested size of a live pool block (reports and returns false when its record
// or canary is damaged or the block is free).
bool hardened_live_size(void* p, Page* page, const char* where, size_t* size) noexcept;
// Frees every block the heap's quarantine holds (thread exit, malloc_trim).
void quarantine_flush(Heap* heap) noexcept;

}  // namespace pm
