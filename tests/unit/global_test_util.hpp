// Helpers shared by the global-allocator conformance suites: tests/unit (pm_ API) and
// tests/api (exported symbols) include this header. Nothing here allocates through the heap
// under test, so the helpers stay usable while that heap is exhausted or corrupted.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

namespace pmtest {

constexpr size_t KiB = size_t{1} << 10;
constexpr size_t MiB = size_t{1} << 20;
constexpr size_t GiB = size_t{1} << 30;
constexpr size_t npos = ~size_t{0};

// Hides a value from the optimiser: constant sizes such as SIZE_MAX would otherwise trip
// -Walloc-size-larger-than, and a freed pointer passed twice would trip -Wuse-after-free.
template <class T>
inline T opaque(T v) {
  asm volatile("" : "+r"(v));
  return v;
}

inline bool is_aligned(const void* p, size_t align) {
  return (reinterpret_cast<uintptr_t>(p) & (align - 1)) == 0;
}

// Pattern that depends on the offset only, so that it survives a move of the block.
inline unsigned char pattern_byte(size_t i, unsigned seed = 0) {
  return static_cast<unsigned char>(i * 131u + (i >> 9) * 7u + seed * 29u + 0x5Bu);
}

inline void fill_pattern(void* p, size_t from, size_t to, unsigned seed = 0) {
  auto* b = static_cast<unsigned char*>(p);
  for (size_t i = from; i < to; ++i) b[i] = pattern_byte(i, seed);
}

// Index of the first byte in [0, n) that differs from the pattern, npos when all match.
inline size_t first_pattern_mismatch(const void* p, size_t n, unsigned seed = 0) {
  const auto* b = static_cast<const unsigned char*>(p);
  for (size_t i = 0; i < n; ++i)
    if (b[i] != pattern_byte(i, seed)) return i;
  return npos;
}

// Index of the first non-zero byte in [0, n), npos when all are zero.
inline size_t first_nonzero(const void* p, size_t n) {
  const auto* b = static_cast<const unsigned char*>(p);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, b + i, 8);
    if (w != 0) break;
  }
  for (; i < n; ++i)
    if (b[i] != 0) return i;
  return npos;
}

// Regex (POSIX extended, as gtest uses on Linux) matching `text` in any letter case.
inline std::string any_case(const char* text) {
  std::string out;
  for (const char* c = text; *c; ++c) {
    char lo = static_cast<char>(std::tolower(static_cast<unsigned char>(*c)));
    char up = static_cast<char>(std::toupper(static_cast<unsigned char>(*c)));
    if (lo != up) {
      out += '[';
      out += lo;
      out += up;
      out += ']';
    } else {
      out += *c;
    }
  }
  return out;
}

// What the runtime prints before it aborts on heap misuse: "poolmalloc" plus the kind of
// misuse, in either order and any case.
inline std::string misuse_regex() {
  std::string kinds = "(" + any_case("double free") + "|" + any_case("invalid") + "|" +
                      any_case("not allocated") + "|" + any_case("unaligned") + ")";
  std::string name = any_case("poolmalloc");
  return "(" + name + ".*" + kinds + "|" + kinds + ".*" + name + ")";
}

// Death-test children abort on purpose; a core dump per child would only slow the suite.
inline void no_core_dumps() {
  struct rlimit rl = {0, 0};
  setrlimit(RLIMIT_CORE, &rl);
}

// Current address-space size of this process, from /proc/self/statm (no heap use).
inline size_t address_space_bytes() {
  char buf[128] = {};
  int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  return std::strtoull(buf, nullptr, 10) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// Caps RLIMIT_AS at the current address space plus `headroom`: the process can then run
// out of memory quickly and deterministically. Only for forked / death-test children.
inline bool limit_address_space(size_t headroom) {
  size_t now = address_space_bytes();
  if (now == 0) return false;
  struct rlimit rl = {now + headroom, now + headroom};
  return setrlimit(RLIMIT_AS, &rl) == 0;
}

// Checks inside a death-test child: on failure, say which line and errno (without touching
// the heap) and exit with status 1; the parent expects status 0 and prints this text.
[[noreturn]] inline void child_fail(int line, const char* what) {
  int err = errno;
  char msg[512];
  int n = std::snprintf(msg, sizeof msg, "child check failed at line %d: %s (errno %d)\n", line,
                        what, err);
  if (n > 0) (void)!write(2, msg, static_cast<size_t>(n) < sizeof msg ? n : sizeof msg - 1);
  _exit(1);
}

[[noreturn]] inline void child_pass() {
  static const char ok[] = "child ok\n";
  (void)!write(2, ok, sizeof ok - 1);
  _exit(0);
}

// One aligned entry point of a heap and the matching release, so the same checks can run
// through aligned_alloc, memalign, posix_memalign and aligned operator new.
struct AlignedEntry {
  const char* name;
  void* (*alloc)(size_t align, size_t size);
  void (*release)(void* p, size_t align, size_t size);
};

// Death tests here re-execute the binary for each child ("threadsafe"): the child then starts
// from a clean heap instead of a fork of whatever state the parent's heap is in.
class DeathTestBase : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

}  // namespace pmtest

#define PM_CHILD_CHECK(cond)                                 \
  do {                                                       \
    if (!(cond)) ::pmtest::child_fail(__LINE__, #cond);      \
  } while (0)

// A child that runs `body` (which must end with child_pass()) must exit 0 and say "child ok".
#define PM_EXPECT_CHILD_PASSES(body) \
  EXPECT_EXIT(body, ::testing::ExitedWithCode(0), "child ok")

// Sanitizer runtimes reserve terabytes of shadow memory and intercept aborts; tests that cap
// the address space or expect poolmalloc's own abort do not apply to those builds.
#ifdef PM_SANITIZER_BUILD
#define PM_SKIP_IN_SANITIZER_BUILD(why) GTEST_SKIP() << "sanitizer build: " << why
#else
#define PM_SKIP_IN_SANITIZER_BUILD(why) (void)0
#endif
