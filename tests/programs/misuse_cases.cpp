// Heap misuse, one case per run: misuse_cases NAME. Each case does one bad thing, for
// small (24 B), medium (2000 B) and large (1 MiB) blocks where it applies. Run under
// LD_PRELOAD of each variant by tests/scripts/misuse_variants.sh, which holds what each
// variant is expected to do with each case:
//   the allocator aborts with its one-line report, or the process faults (guard page), or
//   exit 42: a property case (reuse order, contents after free, ...) found the allocator
//           protecting the program,
//   exit 0:  the misuse went unnoticed.
#include <alloca.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <new>
#include <vector>

#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#pragma GCC diagnostic ignored "-Wfree-nonheap-object"
#pragma GCC diagnostic ignored "-Wuse-after-free"
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wpragmas"
#pragma GCC diagnostic ignored "-Wunknown-warning-option"

extern "C" void free_sized(void*, size_t) __attribute__((weak));

namespace {

constexpr int kProtected = 42;
constexpr size_t kSmall = 24, kMedium = 2000, kLarge = size_t{1} << 20;

// Hides a pointer from the optimiser, so that no misuse is folded away or diagnosed.
template <class T>
T* hide(T* p) {
  __asm__ volatile("" : "+r"(p) : : "memory");
  return p;
}
char* cp(void* p) { return hide(static_cast<char*>(p)); }

// Frees enough other blocks that the hardened quarantine lets go of everything it held
// (and gives back what malloc_trim can), so that checks made at eviction run now.
void churn() {
  std::vector<void*> v;
  v.reserve(4096);
  for (int i = 0; i < 4096; ++i) v.push_back(malloc(40));
  for (void* p : v) free(p);
  malloc_trim(0);
}

void overflow(size_t n, size_t by) {
  char* p = cp(malloc(n));
  memset(p, 'a', n);
  memset(p + n, 'X', by);
  free(p);
}

// Overwrites the byte before a block whose neighbour below is a live block (with its
// complement: writing the value it already held would be no misuse anyone could see),
// then frees both.
void underflow(size_t n) {
  std::vector<char*> v;
  for (int i = 0; i < 512; ++i) v.push_back(cp(malloc(n)));
  std::vector<char*> s = v;
  std::sort(s.begin(), s.end());
  size_t step = SIZE_MAX;  // the block size: the smallest distance between two blocks
  for (size_t i = 1; i < s.size(); ++i) step = std::min(step, size_t(s[i] - s[i - 1]));
  char* target = s[1];
  for (size_t i = 1; i < s.size(); ++i)
    if (size_t(s[i] - s[i - 1]) == step) {
      target = s[i];
      break;
    }
  target[-1] = char(~target[-1]);  // a write that changes the byte, whatever it held
  for (char* p : v) free(p);
}

void uaf_write(size_t n, size_t offset, bool then_malloc) {
  char* p = cp(malloc(n));
  memset(p, 'a', n);
  free(p);
  memset(p + offset, 'X', 8);
  if (then_malloc) {
    for (int i = 0; i < 8; ++i) hide(malloc(n));
  }
  churn();
}

int uaf_read(size_t n) {
  char* p = cp(malloc(n));
  memset(p, 'S', n);
  free(p);
  // Does the freed block still hold the old data past the allocator's link words?
  for (size_t i = 32; i < n && i < 256; ++i)
    if (p[i] == 'S') return 0;
  return kProtected;
}

int reuse_next(size_t n) {
  void* p = malloc(n);
  free(hide(p));
  void* q = malloc(n);
  return q == p ? 0 : kProtected;
}

int reuse_after_realloc(size_t n) {
  void* p = malloc(n);
  void* q = realloc(hide(p), n / 4);
  void* r = malloc(n);
  return (r == p || q == p) ? 0 : kProtected;
}

// The next owner of a freed block reads the previous owner's data.
int secret_to_next_owner(size_t n) {
  char* p = cp(malloc(n));
  memset(p, 'S', n);
  free(p);
  for (int i = 0; i < 1024; ++i) {
    char* q = cp(malloc(n));
    size_t seen = 0;
    for (size_t j = 0; j < n; ++j) seen += q[j] == 'S';
    if (seen > 16) return 0;
  }
  return kProtected;
}

int malloc_zeroed(size_t n) {
  std::vector<char*> v;
  for (int i = 0; i < 64; ++i) {
    char* p = cp(malloc(n));
    memset(p, 0x55, n);
    v.push_back(p);
  }
  for (char* p : v) free(p);
  for (int i = 0; i < 1024; ++i) {
    char* q = cp(malloc(n));
    for (size_t j = 0; j < n; ++j)
      if (q[j] != 0) return 0;
  }
  return kProtected;
}

// The same on pages that held blocks of another size before: every page of a large batch
// of blocks is freed, then its pages serve another size (smaller, larger, the same, small
// and medium pages), each pair's blocks freed again before the next.
bool reused_page_zeroed(size_t old_size, size_t new_size) {
  std::vector<char*> v;
  for (size_t i = 0; i < (1u << 21) / old_size; ++i) {
    char* p = cp(malloc(old_size));
    memset(p, 0x55, old_size);
    v.push_back(p);
  }
  for (char* p : v) free(p);
  for (int i = 0; i < 4096; ++i) free(hide(malloc(8)));  // the quarantine lets go (no trim:
                                                         // purged pages would read zero)
  bool zero = true;
  v.clear();
  for (size_t i = 0; i < (1u << 21) / new_size; ++i) {
    char* q = cp(malloc(new_size));
    for (size_t j = 0; j < new_size; ++j) zero = zero && q[j] == 0;
    v.push_back(q);
  }
  for (char* q : v) free(q);
  return zero;
}

int malloc_zeroed_reused_page() {
  static const size_t kPairs[][2] = {{72, 40}, {200, 120}, {1000, 24}, {24, 1000}, {300, 300},
                                     {3000, 2000}, {2000, 6000}, {100, 8}, {8, 100}};
  for (const auto& pair : kPairs)
    if (!reused_page_zeroed(pair[0], pair[1])) return 0;
  return kProtected;
}

void double_free(size_t n, int how) {
  void* a = malloc(n);
  void* b = malloc(n);
  free(a);
  switch (how) {
    case 0: break;  // immediate
    case 1:         // delayed by other allocations and frees
      for (int i = 0; i < 100; ++i) free(hide(malloc(n)));
      break;
    case 2: free(b); break;  // interleaved: a, b, a
    case 3: {                // after reuse: a's block may be b2 now; then both go
      void* b2 = malloc(n);
      free(hide(a));
      free(hide(b2));
      return;
    }
  }
  free(hide(a));
  if (how != 2) free(b);
}

int stack_free() {
  char buf[64];
  memset(buf, 0, sizeof buf);
  free(cp(buf + 16));
  return 0;
}

char g_static[256];
// Impossible sizes, read through a pointer so that the compiler does not reject the calls.
size_t g_huge[3] = {SIZE_MAX - 4096, size_t(PTRDIFF_MAX) + 1, size_t{1} << 46};

struct Counted {
  int v = 1;
  ~Counted() { v = 0; }
};

int exec_heap() {
  char* p = cp(malloc(kSmall));
  FILE* f = fopen("/proc/self/maps", "r");
  if (!f) return 0;
  char line[512];
  int protected_ = 0;
  while (fgets(line, sizeof line, f)) {
    unsigned long lo, hi;
    char perms[8];
    if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && uintptr_t(p) >= lo && uintptr_t(p) < hi)
      protected_ = perms[2] != 'x';
  }
  fclose(f);
  return protected_ ? kProtected : 0;
}

int run(const char* c) {
#define CASE(name) if (!strcmp(c, name))
  CASE("overflow1_small") { overflow(20, 1); return 0; }
  CASE("overflow1_small_exact") { overflow(32, 1); return 0; }
  CASE("overflow32_small") { overflow(kSmall, 32); return 0; }
  CASE("overflow1_medium") { overflow(kMedium, 1); return 0; }
  CASE("overflow32_medium") { overflow(kMedium, 32); return 0; }
  CASE("overflow1_large") { overflow(kLarge, 1); return 0; }
  CASE("overflow_memcpy_small") {
    char* p = cp(malloc(kSmall));
    char src[40];
    memset(src, 'm', sizeof src);
    memcpy(p, src, sizeof src);
    free(p);
    return 0;
  }
  CASE("overflow_then_malloc_medium") {  // into the free block after it, which comes next
    char* p = cp(malloc(kMedium));
    memset(p, 'a', kMedium);
    memset(p + kMedium, 'X', 64);
    for (int i = 0; i < 4; ++i) hide(malloc(kMedium));
    free(p);
    return 0;
  }
  CASE("overflow1mib_small") {
    char* p = cp(malloc(64));
    memset(p + 64, 'X', kLarge);
    free(p);
    return 0;
  }
  CASE("underflow_small") { underflow(kSmall); return 0; }
  CASE("underflow_medium") { underflow(kMedium); return 0; }
  CASE("uaf_write_malloc_small") { uaf_write(kSmall, 0, true); return 0; }
  CASE("uaf_write_malloc_medium") { uaf_write(kMedium, 0, true); return 0; }
  CASE("uaf_write_small") { uaf_write(kSmall, 16, false); return 0; }
  CASE("uaf_write_medium") { uaf_write(kMedium, 100, false); return 0; }
  CASE("uaf_free_after_write_small") {
    char* p = cp(malloc(kSmall));
    free(p);
    memset(p + 16, 'X', 8);
    free(p);
    return 0;
  }
  CASE("uaf_read_small") return uaf_read(64);
  CASE("uaf_read_medium") return uaf_read(kMedium);
  CASE("malloc0_write") {
    char* p = cp(malloc(0));
    memset(p, 'X', 8);
    free(p);
    return 0;
  }
  CASE("reuse_small") return reuse_next(kSmall);
  CASE("reuse_medium") return reuse_next(kMedium);
  CASE("reuse_after_realloc") return reuse_after_realloc(400);
  CASE("secret_after_free_small") return secret_to_next_owner(64);
  CASE("secret_after_free_medium") return secret_to_next_owner(kMedium);
  CASE("malloc_not_zeroed") return malloc_zeroed(64);
  CASE("malloc_not_zeroed_reused_page") return malloc_zeroed_reused_page();
  CASE("sized_delete_other_class") {
    ::operator delete(hide(::operator new(48)), 16);
    return 0;
  }
  CASE("sized_delete_same_class") {
    ::operator delete(hide(::operator new(20)), 24);
    return 0;
  }
  CASE("delete_of_new_array") {
    int* a = hide(new int[10]);
    delete a;
    return 0;
  }
  CASE("delete_of_new_array_same_class") {
    int* a = hide(new int[2]);  // 8 bytes: the same class as one int
    delete a;
    return 0;
  }
  CASE("delete_of_new_array_cookie") {
    Counted* a = hide(new Counted[4]);
    delete a;
    return 0;
  }
  CASE("delete_array_of_new") {
    int* a = hide(new int(7));
    delete[] a;
    return 0;
  }
  CASE("free_sized_wrong") {
    if (!free_sized) return 0;
    free_sized(hide(malloc(100)), 400);
    return 0;
  }
  CASE("double_free_small") { double_free(kSmall, 0); return 0; }
  CASE("double_free_medium") { double_free(kMedium, 0); return 0; }
  CASE("double_free_large") { double_free(kLarge, 0); return 0; }
  CASE("double_free_huge") { double_free(size_t{16} << 20, 0); return 0; }
  CASE("double_free_delayed") { double_free(kSmall, 1); return 0; }
  CASE("double_free_interleaved") { double_free(kSmall, 2); return 0; }
  CASE("double_free_after_reuse") { double_free(kSmall, 3); return 0; }
  CASE("double_free_realloc") {
    void* p = malloc(kSmall);
    free(hide(p));
    hide(realloc(hide(p), 100));
    return 0;
  }
  CASE("free_stack") return stack_free();
  CASE("free_static") { free(cp(g_static + 32)); return 0; }
  CASE("free_alloca") {
    char* a = cp(alloca(64));
    free(a + 16);
    return 0;
  }
  CASE("free_unaligned_small") { free(cp(malloc(kSmall)) + 1); return 0; }
  CASE("free_unaligned_large") { free(cp(malloc(kLarge)) + 8); return 0; }
  CASE("free_near_before_small") {
    // The higher of two blocks: 8 bytes before it is inside the page's carved area even
    // when blocks are handed out in a random order (the first block of a page has none).
    char* p = cp(malloc(kSmall));
    char* q = cp(malloc(kSmall));
    free((p > q ? p : q) - 8);
    return 0;
  }
  CASE("free_near_after_small") {
    char* p = cp(malloc(kSmall));
    free(p + malloc_usable_size(p) + 4);  // past the end, inside the next block
    return 0;
  }
  CASE("free_near_before_large") { free(cp(malloc(kLarge)) - 4096); return 0; }
  CASE("malloc_impossible") {
    void* p = malloc(*hide(&g_huge[0]));
    void* q = malloc(*hide(&g_huge[1]));
    void* r = malloc(*hide(&g_huge[2]));
    return p == nullptr && q == nullptr && r == nullptr ? kProtected : 0;
  }
  CASE("exec_heap") return exec_heap();
  CASE("no_misuse") {  // every entry point used correctly: nothing may be reported
    std::vector<size_t> sizes;
    for (size_t n = 0; n <= 70000; n += n < 256 ? 1 : 509) sizes.push_back(n);
    for (size_t n = 65520; n <= 65544; ++n) sizes.push_back(n);  // the pool limit (64 KiB)
    for (size_t n : sizes) {
      char* a = cp(malloc(n));
      memset(a, 1, n);
      char* z = cp(calloc(1, n));
      for (size_t i = 0; i < n; ++i)
        if (z[i]) return 3;
      a = cp(realloc(a, n + 100));
      a = cp(realloc(a, n / 2 + 1));
      void* m = nullptr;
      if (posix_memalign(&m, 64, n + 1) != 0 || uintptr_t(m) % 64) return 4;
      memset(m, 2, n + 1);
      if (malloc_usable_size(a) < n / 2 + 1) return 5;
      free(a);
      free(z);
      free(m);
      char* o = hide(new char[n + 1]);
      delete[] o;
      ::operator delete(hide(::operator new(n + 1)), n + 1);
    }
    churn();
    return 0;
  }
#undef CASE
  fprintf(stderr, "misuse_cases: unknown case %s\n", c);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s CASE\n", argv[0]);
    return 2;
  }
  return run(argv[1]);
}
