// Out of memory through C++ for real: in a child capped with RLIMIT_AS, new of small objects
// runs the heap dry; operator new then calls the new-handler and throws std::bad_alloc,
// nothrow new returns nullptr, a growing std::vector throws, malloc and every other entry
// point give NULL with ENOMEM; after everything is deleted the process works normally
// again, up to blocks far bigger than the ones that failed.
#include <cerrno>
#include <cstring>
#include <new>
#include <vector>

#include "../unit/global_check_oom.hpp"
#include "api_libc_heap.hpp"

using namespace pmtest;

namespace {

constexpr size_t kMaxObjects = size_t{1} << 19;  // 512 Ki x 1000 B: more than the cap
char* g_objects[kMaxObjects];                      // static: needs no heap
int g_handler_calls = 0;

void note_and_give_up() {
  ++g_handler_calls;
  std::set_new_handler(nullptr);  // nothing to free: the next try throws
}

void new_until_bad_alloc_child() {
  delete[] opaque(new char[16]);
  PM_CHILD_CHECK(limit_address_space(kOomHeadroom));
  std::set_new_handler(note_and_give_up);
  size_t count = 0;
  bool threw = false;
  try {
    for (; count < kMaxObjects; ++count) {
      g_objects[count] = opaque(new char[1000]);
      if (count % 64 == 0) std::memset(g_objects[count], 1, 1000);
    }
  } catch (const std::bad_alloc&) {
    threw = true;
  }
  PM_CHILD_CHECK(threw);
  PM_CHILD_CHECK(count > 1000);
  PM_CHILD_CHECK(g_handler_calls == 1);

  // Still out of memory: the same size fails through every entry point, and so does any
  // request bigger than the little headroom that partly used pages of other classes keep.
  PM_CHILD_CHECK(opaque(new (std::nothrow) char[1000]) == nullptr);
  errno = 0;
  PM_CHILD_CHECK(malloc(opaque(size_t{1000})) == nullptr && errno == ENOMEM);
  errno = 0;
  PM_CHILD_CHECK(calloc(10, 100) == nullptr && errno == ENOMEM);
  PM_CHILD_CHECK(::operator new(64 * MiB, std::align_val_t(4096), std::nothrow) == nullptr);
  void* const sentinel = g_objects;
  void* m = sentinel;
  PM_CHILD_CHECK(posix_memalign(&m, 64, 64 * MiB) == ENOMEM && m == sentinel);
  // A vector growing until it cannot (its buffer is released while the exception unwinds).
  bool vector_threw = false;
  try {
    std::vector<char> v;
    for (;;) v.push_back('x');
  } catch (const std::bad_alloc&) {
    vector_threw = true;
  }
  PM_CHILD_CHECK(vector_threw);

  for (size_t i = 0; i < count; ++i) delete[] g_objects[i];
  // Memory is back: small, large and huge allocations work, new without a handler too.
  std::set_new_handler(nullptr);
  for (size_t n : {size_t{16}, size_t{1000}, 200 * KiB, 32 * MiB}) {
    char* p = opaque(new char[n]);
    std::memset(p, 2, n);
    delete[] p;
    void* q = calloc(n, 1);
    PM_CHILD_CHECK(q != nullptr && first_nonzero(q, n) == npos);
    q = realloc(q, n * 2);
    PM_CHILD_CHECK(q != nullptr);
    free(q);
  }
  std::vector<std::vector<char>> vv(1000, std::vector<char>(1000, 'y'));
  PM_CHILD_CHECK(vv[999][999] == 'y');
  child_pass();
}

}  // namespace

class ConfApiOomDeathTest : public DeathTestBase {};

TEST_F(ConfApiOomDeathTest, NewUntilBadAllocThenRecover) {
  PM_EXPECT_CHILD_PASSES(new_until_bad_alloc_child());
}
