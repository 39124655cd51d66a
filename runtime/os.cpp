// mmap/munmap/madvise/mremap wrappers with alignment by over-reservation and trimming.
#include "os.hpp"

#include "error.hpp"
#include "options.hpp"

#include <errno.h>
#include <sys/mman.h>
#include <time.h>

#include <atomic>

namespace pm::os {

namespace {
std::atomic<size_t> g_mapped{0};
std::atomic<size_t> g_purged{0};

uintptr_t align_up(uintptr_t x, size_t a) { return (x + a - 1) & ~(uintptr_t(a) - 1); }

void* raw_map(void* hint, size_t size) {
  void* p = mmap(hint, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                 -1, 0);
  if (p == MAP_FAILED) {
    if (options().verbose) verbose_note("mmap failed, bytes", size);
    errno = ENOMEM;
    return nullptr;
  }
  return p;
}

// Transparent huge pages, as the thp option asks: 1 never, 2 on request (madvise).
void apply_thp(void* p, size_t size) {
  int thp = options().thp;
  if (thp == 0) return;
  int saved = errno;
  madvise(p, size, thp == 1 ? MADV_NOHUGEPAGE : MADV_HUGEPAGE);
  errno = saved;
}
}  // namespace

void* map(size_t size) {
  void* p = raw_map(nullptr, size);
  if (p) g_mapped.fetch_add(size, std::memory_order_relaxed);
  return p;
}


void* map_aligned(size_t size, size_t align) {
  // Optimistic: the kernel often hands out addresses next to the last mapping, which
  // are aligned when all our mappings are multiples of the alignment.
  void* p = raw_map(nullptr, size);
  if (!p) return nullptr;
  if ((uintptr_t(p) & (align - 1)) == 0) {
    g_mapped.fetch_add(size, std::memory_order_relaxed);
    apply_thp(p, size);
    return p;
  }
  munmap(p, size);
  if (size + align < size) {
    errno = ENOMEM;
    return nullptr;
  }
  char* big = static_cast<char*>(raw_map(nullptr, size + align));
  if (!big) return nullptr;
  char* start = reinterpret_cast<char*>(align_up(uintptr_t(big), align));
  size_t head = size_t(start - big);
  size_t tail = align - head;
  if (head) munmap(big, head);
  if (tail) munmap(start + size, tail);
  g_mapped.fetch_add(size, std::memory_order_relaxed);
  apply_thp(start, size);
  return start;
}

void unmap(void* p, size_t size) {
  if (munmap(p, size) == 0) g_mapped.fetch_sub(size, std::memory_order_relaxed);
}

void purge(void* p, size_t size) {
  int saved = errno;  // free() must not change errno
  madvise(p, size, MADV_DONTNEED);
  g_purged.fetch_add(size, std::memory_order_relaxed);
  errno = saved;
}

void* remap_aligned(void* p, size_t old_size, size_t new_size, size_t align) {
  // In place first: no copy and no move.
  void* q = mremap(p, old_size, new_size, 0);
  if (q != MAP_FAILED) {
    g_mapped.fetch_add(new_size - old_size, std::memory_order_relaxed);
    return q;
  }
  // Otherwise reserve an aligned range and let the kernel move the pages there.
  void* dst = map_aligned(new_size, align);
  if (!dst) return nullptr;
  q = mremap(p, old_size, new_size, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
  if (q == MAP_FAILED) {
    unmap(dst, new_size);
    errno = ENOMEM;
    return nullptr;
  }
  // The old range is gone; dst's reservation was replaced.
  g_mapped.fetch_sub(old_size, std::memory_order_relaxed);
  return q;
}

bool move_pages(void* src, void* dst, size_t size) {
  int saved = errno;
  void* q = mremap(src, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
  errno = saved;
  if (q == MAP_FAILED) return false;
  g_mapped.fetch_sub(size, std::memory_order_relaxed);  // dst was counted already
  return true;
}

uint64_t now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return uint64_t(ts.tv_sec) * 1000 + uint64_t(ts.tv_nsec) / 1000000;
}

size_t mapped_bytes() { return g_mapped.load(std::memory_order_relaxed); }
size_t purged_bytes() { return g_purged.load(std::memory_order_relaxed); }

}  // namespace pm::os
