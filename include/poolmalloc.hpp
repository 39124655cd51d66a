// poolmalloc C++ API: layouts, the sized/aligned global entry points, scoped arenas (bump,
// stack, pool, free-list, per-thread scratch) and STL / std::pmr adapters.
//
// The arenas are thin wrappers over the C API in poolmalloc_arenas.h (the runtime has no
// exceptions). Error convention: allocation failure gives a null pointer (Allocation.ptr,
// an empty span); misuse (a foreign or already freed block, a block that is not on top, a
// stale mark) makes the call return false and changes nothing. Only copy_onto and the
// adapters (which the standard library requires to) throw. Arenas are not thread-safe.
#ifndef POOLMALLOC_HPP
#define POOLMALLOC_HPP

#if !defined(__cplusplus) || __cplusplus < 202002L
#error "poolmalloc.hpp needs C++20 (compile with -std=c++20 or later); from C or older C++, use the C API in poolmalloc.h"
#else  // the rest is C++20

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <memory_resource>
#include <new>
#include <optional>
#include <ranges>
#include <span>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <utility>

#include "poolmalloc.h"
#include "poolmalloc_arenas.h"

namespace pm {

// The largest size any allocation accepts.
inline constexpr std::size_t max_alloc_size = PM_MAX_ALLOC_SIZE;

struct LayoutExtension;

// Size and alignment of a request. Construct checked layouts with the static helpers; they
// give std::nullopt for an alignment that is not a power of two or a size that overflows.
struct Layout {
  std::size_t size = 0;
  std::size_t align = 1;

  static constexpr bool is_pow2(std::size_t a) noexcept { return a != 0 && (a & (a - 1)) == 0; }

  template <class T>
  static constexpr Layout of() noexcept {
    return Layout{sizeof(T), alignof(T)};
  }
  static constexpr std::optional<Layout> from_size_align(std::size_t size,
                                                         std::size_t align) noexcept {
    if (!is_pow2(align) || size > max_alloc_size - (align - 1)) return std::nullopt;
    return Layout{size, align};
  }
  // n elements, each padded to its alignment.
  static constexpr std::optional<Layout> array(std::size_t elem_size, std::size_t elem_align,
                                               std::size_t n) noexcept {
    if (!is_pow2(elem_align) || elem_size > max_alloc_size) return std::nullopt;
    std::size_t stride = (elem_size + elem_align - 1) & ~(elem_align - 1);
    if (stride != 0 && n > max_alloc_size / stride) return std::nullopt;
    return from_size_align(stride * n, elem_align);
  }
  template <class T>
  static constexpr std::optional<Layout> array_of(std::size_t n) noexcept {
    return array(sizeof(T), alignof(T), n);
  }
  // `next` appended after `base` with the padding before it; see LayoutExtension.
  static constexpr std::optional<LayoutExtension> extend(Layout base, Layout next) noexcept;
  // Trailing padding to a multiple of the alignment: the sizeof of a struct.
  constexpr std::optional<Layout> pad_to_align() const noexcept {
    if (!is_pow2(align) || size > max_alloc_size) return std::nullopt;
    return from_size_align((size + align - 1) & ~(align - 1), align);
  }
  constexpr bool operator==(const Layout &) const noexcept = default;
  constexpr operator pm_layout_t() const noexcept { return pm_layout_t{size, align}; }
};

struct LayoutExtension {
  Layout layout;       // base + padding + next (no trailing padding)
  std::size_t offset;  // where next starts
};

constexpr std::optional<LayoutExtension> Layout::extend(Layout base, Layout next) noexcept {
  if (!is_pow2(base.align) || !is_pow2(next.align) || base.size > max_alloc_size ||
      next.size > max_alloc_size)
    return std::nullopt;
  std::size_t offset = (base.size + next.align - 1) & ~(next.align - 1);
  if (next.size > max_alloc_size - offset) return std::nullopt;
  auto l = from_size_align(offset + next.size, std::max(base.align, next.align));
  if (!l) return std::nullopt;
  return LayoutExtension{*l, offset};
}

// The result of an allocation: ptr is null on failure; size may exceed the request and all
// of it is usable.
struct Allocation {
  void *ptr = nullptr;
  std::size_t size = 0;
  constexpr Allocation() noexcept = default;
  constexpr Allocation(void *p, std::size_t n) noexcept : ptr(p), size(n) {}
  constexpr Allocation(pm_allocation_t a) noexcept : ptr(a.ptr), size(a.size) {}
  constexpr explicit operator bool() const noexcept { return ptr != nullptr; }
};

// ---- walks -------------------------------------------------------------------------------
// What the arenas' walk() members take: f(void *ptr, std::size_t size) returning void (visit
// everything) or a value convertible to int (non-zero stops the walk; walk() returns it).
template <class F>
concept WalkVisitor =
    std::invocable<F &, void *, std::size_t> &&
    (std::is_void_v<std::invoke_result_t<F &, void *, std::size_t>> ||
     std::is_convertible_v<std::invoke_result_t<F &, void *, std::size_t>, int>);

namespace detail {
// Calls a C walk with a callable. An exception from the callable stops the walk and is
// rethrown once the C walk has returned: it never unwinds through the runtime's frames.
template <class F>
struct WalkThunk {
  F &f;
  std::exception_ptr error{};
  static int visit(void *ptr, std::size_t size, void *arg) noexcept {
    auto *t = static_cast<WalkThunk *>(arg);
    try {
      if constexpr (std::is_void_v<std::invoke_result_t<F &, void *, std::size_t>>) {
        t->f(ptr, size);
        return 0;
      } else {
        return static_cast<int>(t->f(ptr, size));
      }
    } catch (...) {
      t->error = std::current_exception();
      return -1;
    }
  }
};
template <class F, class A>
int walk(const A *arena, int (*c_walk)(const A *, pm_walk_visitor_t, void *), F &f) {
  WalkThunk<F> t{f};
  int rc = c_walk(arena, &WalkThunk<F>::visit, &t);
  if (t.error) std::rethrow_exception(t.error);
  return rc;
}
}  // namespace detail

// ---- sized and aligned entry points on the global allocator --------------------------------
inline Allocation alloc(Layout l) noexcept { return pm_global_alloc(l); }
inline Allocation alloc_zeroed(Layout l) noexcept { return pm_global_alloc_zeroed(l); }
inline void dealloc(void *ptr, Layout l) noexcept { pm_global_dealloc(ptr, l); }
// On failure ptr is null and the old block is intact.
inline Allocation realloc(void *ptr, Layout old_layout, Layout new_layout) noexcept {
  return pm_global_realloc(ptr, old_layout, new_layout);
}

// Bounds-checked copy between two live blocks of the global heap (overlap allowed).
// Throws std::invalid_argument when a pointer is not a heap block, std::out_of_range when a
// range leaves its block (pm_usable_size).
namespace detail {
inline void copy_result(int rc) {
  if (rc == PM_ARENA_ERANGE) throw std::out_of_range("pm::copy_onto: range outside the block");
  if (rc != PM_ARENA_OK) throw std::invalid_argument("pm::copy_onto: not a live block");
}
}  // namespace detail

inline void copy_onto(const void *src, std::size_t src_start, void *dst, std::size_t dst_start,
                      std::size_t len) {
  detail::copy_result(pm_copy_onto(src, src_start, dst, dst_start, len));
}

namespace detail {
// Typed helpers every arena has, over its alloc(Layout) and dealloc(ptr, Layout), and
// holds(ptr): whether ptr is a block the arena may destroy now.
template <class D>
class TypedOps {
 public:
  // Space for n uninitialised T, or nullptr.
  template <class T>
  T *alloc_array(std::size_t n) noexcept {
    auto l = Layout::array_of<T>(n);
    return l ? static_cast<T *>(self().alloc(*l).ptr) : nullptr;
  }
  // The same as a span of n elements (empty on failure).
  template <class T>
  std::span<T> malloc_as(std::size_t n) noexcept {
    T *p = alloc_array<T>(n);
    return p != nullptr ? std::span<T>(p, n) : std::span<T>();
  }
  // A copy of a contiguous range of trivially copyable elements (empty span on failure).
  template <std::ranges::contiguous_range R>
  auto alloc_copy(const R &src) noexcept
      -> std::span<std::remove_cv_t<std::ranges::range_value_t<R>>> {
    using T = std::remove_cv_t<std::ranges::range_value_t<R>>;
    static_assert(std::is_trivially_copyable_v<T>, "alloc_copy copies trivially copyable types");
    auto n = static_cast<std::size_t>(std::ranges::size(src));
    T *p = alloc_array<T>(n == 0 ? 1 : n);
    if (p == nullptr) return {};
    if (n != 0) std::memcpy(p, std::ranges::data(src), n * sizeof(T));
    return std::span<T>(p, n);
  }
  // A NUL-terminated copy of s; the view excludes the NUL (empty, data() null, on failure).
  std::string_view alloc_str(std::string_view s) noexcept {
    if (s.size() >= max_alloc_size) return {};
    char *p = static_cast<char *>(self().alloc(Layout{s.size() + 1, 1}).ptr);
    if (p == nullptr) return {};
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    p[s.size()] = '\0';
    return std::string_view(p, s.size());
  }
  // Constructs a T in the arena; nullptr when it is exhausted. If the constructor throws,
  // the memory goes back (where the arena can take it back) and the exception propagates.
  template <class T, class... Args>
  T *create(Args &&...args) {
    void *p = self().alloc(Layout::of<T>()).ptr;
    if (p == nullptr) return nullptr;
    struct Guard {
      D *arena;
      void *block;
      ~Guard() {
        if (block != nullptr) (void)arena->dealloc(block, Layout::of<T>());
      }
    } guard{&self(), p};
    T *obj = ::new (p) T(std::forward<Args>(args)...);
    guard.block = nullptr;
    return obj;
  }
  // Runs ~T and gives the memory back where the arena can (a bump arena only for its most
  // recent block). false, and no destructor runs, for a pointer that is not a block the
  // arena holds (a stack arena: not its top block).
  template <class T>
  [[nodiscard]] bool destroy(T *obj) noexcept(std::is_nothrow_destructible_v<T>) {
    if (obj == nullptr || !self().holds(obj)) return false;
    obj->~T();
    (void)self().dealloc(obj, Layout::of<T>());
    return true;
  }

 private:
  D &self() noexcept { return static_cast<D &>(*this); }
};
}  // namespace detail

// ---- bump arena --------------------------------------------------------------------------
using BumpMark = pm_bump_mark_t;

// Rewinds its arena to where it was when the scope began.
class BumpScope {
 public:
  explicit BumpScope(pm_bump_t *b) noexcept : b_(b), mark_(pm_bump_mark(b)) {}
  ~BumpScope() { (void)pm_bump_rewind(b_, mark_); }
  BumpScope(const BumpScope &) = delete;
  BumpScope &operator=(const BumpScope &) = delete;

 private:
  pm_bump_t *b_;
  BumpMark mark_;
};

// The operations of a bump arena, shared by the owning BumpArena, the non-owning BumpRef
// and ScratchScope. D provides handle().
template <class D>
class BumpOps : public detail::TypedOps<D> {
 public:
  // O(1): the pointer moves up; the slow path (a new chunk) is out of line.
  Allocation alloc(Layout l) noexcept {
    pm_bump_t *b = h();
#if !PM_ARENAS_ASAN
    // Alignments up to 4 KiB (a constant at most call sites) keep cur + padding far from
    // wrapping; the room is then checked without adding the size to anything.
    if (b != nullptr && Layout::is_pow2(l.align) && l.align <= 4096) {
      auto cur = reinterpret_cast<std::uintptr_t>(b->cur);
      auto end = reinterpret_cast<std::uintptr_t>(b->end);
      std::uintptr_t p = (cur + (l.align - 1)) & ~static_cast<std::uintptr_t>(l.align - 1);
      // p - 1 < end: p <= end, and false for p == 0 (no region yet: cur == end == nullptr).
      if (p - 1 < end && l.size <= end - p) {
        b->cur = reinterpret_cast<char *>(p + l.size);
        return Allocation{reinterpret_cast<void *>(p), l.size};
      }
    }
#endif
    return pm_bump_alloc(b, l);
  }
  Allocation alloc_zeroed(Layout l) noexcept {
    Allocation a = alloc(l);
    if (a.ptr != nullptr) std::memset(a.ptr, 0, a.size);
    return a;
  }
  // A bump arena cannot tell its blocks apart: destroy() runs the destructor of any object.
  bool holds(const void *p) const noexcept { return p != nullptr; }
  // Gives the block back only when it is the most recent one (true); otherwise a no-op.
  [[nodiscard]] bool dealloc(void *p, Layout l) noexcept {
#if !PM_ARENAS_ASAN
    // The same test as pm_bump_dealloc's, whose answer it also is when false: a container
    // that grows frees its old block after taking the new one, so most calls end there.
    pm_bump_t *b = h();
    char *c = static_cast<char *>(p);
    if (b == nullptr || c == nullptr) return false;
    if (static_cast<std::size_t>(b->cur - c) != l.size || c < b->begin || c > b->cur) return false;
    b->cur = c;
    return true;
#else
    return pm_bump_dealloc(h(), p, l.size) != 0;
#endif
  }
  // Frees everything; keeps the first region and the largest chunk, gives the rest back.
  void reset() noexcept { pm_bump_reset(h()); }
  std::size_t remaining() const noexcept { return pm_bump_remaining(h()); }
  std::size_t total_allocated() const noexcept { return pm_bump_total_allocated(h()); }
  std::size_t capacity() const noexcept { return pm_bump_capacity(h()); }
  BumpMark mark() const noexcept { return pm_bump_mark(h()); }
  // false (and nothing changes) when the mark is above the current position.
  [[nodiscard]] bool rewind(BumpMark m) noexcept { return pm_bump_rewind(h(), m) == PM_ARENA_OK; }
  [[nodiscard]] BumpScope scope() noexcept { return BumpScope(h()); }
  // f(begin, size) for the used range of each region, in order of use (pm_bump_walk).
  template <WalkVisitor F>
  int walk(F &&f) const {
    return detail::walk(h(), pm_bump_walk, f);
  }

 private:
  pm_bump_t *h() const noexcept { return static_cast<const D *>(this)->handle(); }
};

// Growth settings for a bump arena (zero fields take the defaults: 64 KiB first chunk,
// doubling up to 64 MiB, no total limit, the global allocator as upstream).
struct BumpGrowth {
  std::size_t chunk_size = 0;
  std::size_t max_chunk = 0;
  std::size_t limit = 0;
  const pm_upstream_t *upstream = nullptr;
};

class BumpArena : public BumpOps<BumpArena> {
 public:
  using Growth = BumpGrowth;
  // A growing arena on the global allocator; no memory until the first allocation.
  BumpArena() noexcept : BumpArena(Growth{}) {}
  // An owned, fixed capacity.
  explicit BumpArena(std::size_t capacity) noexcept { init(nullptr, capacity, nullptr); }
  // Over a caller's buffer (not owned), fixed.
  BumpArena(void *buffer, std::size_t size) noexcept { init(buffer, size, nullptr); }
  explicit BumpArena(std::span<std::byte> buffer) noexcept
      : BumpArena(buffer.data(), buffer.size()) {}
  // Growing by chunks; `initial` bytes are taken at once when non-zero.
  explicit BumpArena(Growth g, std::size_t initial = 0) noexcept {
    auto o = options(g);
    init(nullptr, initial, &o);
  }
  // A caller's buffer first, then chunks from upstream.
  BumpArena(std::span<std::byte> buffer, Growth g) noexcept {
    auto o = options(g);
    init(buffer.data(), buffer.size(), &o);
  }
  ~BumpArena() { pm_bump_destroy(&s_); }
  BumpArena(BumpArena &&o) noexcept : s_(o.s_), ok_(o.ok_) { o.forget(); }
  BumpArena &operator=(BumpArena &&o) noexcept {
    if (this != &o) {
      pm_bump_destroy(&s_);
      s_ = o.s_;
      ok_ = o.ok_;
      o.forget();
    }
    return *this;
  }
  BumpArena(const BumpArena &) = delete;
  BumpArena &operator=(const BumpArena &) = delete;

  // false when the owned capacity could not be taken.
  bool valid() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  pm_bump_t *handle() const noexcept { return const_cast<pm_bump_t *>(&s_); }

 private:
  static pm_bump_options_t options(const Growth &g) noexcept {
    return pm_bump_options_t{1, g.chunk_size, g.max_chunk, g.limit, g.upstream};
  }
  void init(void *buf, std::size_t size, const pm_bump_options_t *o) noexcept {
    ok_ = pm_bump_init(&s_, buf, size, o) == PM_ARENA_OK;
  }
  void forget() noexcept {
    s_ = pm_bump_t{};
    ok_ = false;
  }
  pm_bump_t s_{};
  bool ok_ = false;
};

// A non-owning view of a bump arena (a BumpArena, a scratch arena or a C pm_bump_t).
class BumpRef : public BumpOps<BumpRef> {
 public:
  explicit BumpRef(pm_bump_t *b) noexcept : b_(b) {}
  BumpRef(BumpArena &a) noexcept : b_(a.handle()) {}
  pm_bump_t *handle() const noexcept { return b_; }

 private:
  pm_bump_t *b_;
};

// ---- per-thread scratch --------------------------------------------------------------------
// A scope over one of the thread's scratch arenas, rewound when the scope ends. It is a
// bump arena itself (alloc, mark, ...). Scopes nest; end them in reverse order.
class ScratchScope : public BumpOps<ScratchScope> {
 public:
  ScratchScope(const pm_bump_t *const *conflicts, std::size_t count) noexcept
      : s_(pm_scratch_begin(conflicts, count)) {}
  ~ScratchScope() { pm_scratch_end(&s_); }
  ScratchScope(const ScratchScope &) = delete;
  ScratchScope &operator=(const ScratchScope &) = delete;

  // null (and every alloc fails) only when all the thread's scratch arenas conflict.
  pm_bump_t *handle() const noexcept { return s_.arena; }
  BumpRef arena() const noexcept { return BumpRef(s_.arena); }
  operator BumpRef() const noexcept { return BumpRef(s_.arena); }
  explicit operator bool() const noexcept { return s_.arena != nullptr; }

 private:
  pm_scratch_t s_;
};

namespace detail {
inline const pm_bump_t *bump_id(const pm_bump_t *b) noexcept { return b; }
template <class D>
const pm_bump_t *bump_id(const BumpOps<D> &x) noexcept {
  return static_cast<const D &>(x).handle();
}
}  // namespace detail

// Scratch memory from a thread-local arena that is none of `conflicts` (bump arenas, arena
// references, other scratch scopes or pm_bump_t pointers): pass the arena a function was
// handed, so that its scratch allocations and its results do not share an arena.
template <class... Arenas>
[[nodiscard]] ScratchScope scratch(const Arenas &...conflicts) noexcept {
  const pm_bump_t *ids[sizeof...(Arenas) + 1] = {detail::bump_id(conflicts)..., nullptr};
  return ScratchScope(ids, sizeof...(Arenas));
}

// ---- stack arena -------------------------------------------------------------------------
class StackArena : public detail::TypedOps<StackArena> {
 public:
  explicit StackArena(std::size_t capacity) noexcept {
    ok_ = pm_stack_init(&s_, nullptr, capacity) == PM_ARENA_OK;
  }
  StackArena(void *buffer, std::size_t size) noexcept {
    ok_ = buffer != nullptr && pm_stack_init(&s_, buffer, size) == PM_ARENA_OK;
  }
  explicit StackArena(std::span<std::byte> buffer) noexcept
      : StackArena(buffer.data(), buffer.size()) {}
  ~StackArena() { pm_stack_destroy(&s_); }
  StackArena(StackArena &&o) noexcept : s_(o.s_), ok_(o.ok_) {
    o.s_ = pm_stack_t{};
    o.ok_ = false;
  }
  StackArena &operator=(StackArena &&o) noexcept {
    if (this != &o) {
      pm_stack_destroy(&s_);
      s_ = o.s_;
      ok_ = o.ok_;
      o.s_ = pm_stack_t{};
      o.ok_ = false;
    }
    return *this;
  }
  StackArena(const StackArena &) = delete;
  StackArena &operator=(const StackArena &) = delete;

  // Each block also costs a 16-byte header (the previous top and the previous block, as
  // pm_stack_alloc writes it: the fast path here is the same code over the same state).
  Allocation alloc(Layout l) noexcept {
#if !PM_ARENAS_ASAN
    // Alignments up to 4 KiB (a constant at most call sites): top + header + padding stays
    // far below the top of the address space, so the padded start cannot wrap. A stack
    // without a region has top == end == nullptr and fails the room check.
    if (Layout::is_pow2(l.align) && l.align <= 4096) {
      auto top = reinterpret_cast<std::uintptr_t>(s_.top);
      auto end = reinterpret_cast<std::uintptr_t>(s_.end);
      std::size_t a = l.align > alignof(char *) ? l.align : alignof(char *);
      std::uintptr_t p = (top + 2 * sizeof(char *) + (a - 1)) & ~static_cast<std::uintptr_t>(a - 1);
      if (p <= end && l.size <= end - p) {
        auto *h = reinterpret_cast<char **>(p) - 2;
        h[0] = s_.top;
        h[1] = s_.last;
        s_.top = reinterpret_cast<char *>(p + l.size);
        s_.last = reinterpret_cast<char *>(p);
        return Allocation{reinterpret_cast<void *>(p), l.size};
      }
    }
#endif
    return pm_stack_alloc(&s_, l);
  }
  Allocation alloc_zeroed(Layout l) noexcept {
    Allocation a = alloc(l);
    if (a.ptr != nullptr) std::memset(a.ptr, 0, a.size);
    return a;
  }
  // Only the top block may be destroyed (LIFO).
  bool holds(const void *p) const noexcept {
    return p != nullptr && p == s_.last;
  }
  // Bounds-checked copy between two live blocks of this stack (their requested sizes).
  void copy_onto(const void *src, std::size_t src_start, void *dst, std::size_t dst_start,
                 std::size_t len) const {
    detail::copy_result(pm_stack_copy_onto(&s_, src, src_start, dst, dst_start, len));
  }
  // Frees the most recent block; false when empty.
  [[nodiscard]] bool pop() noexcept {
#if !PM_ARENAS_ASAN
    if (s_.last != nullptr) {
      char *const *h = reinterpret_cast<char *const *>(s_.last) - 2;
      s_.top = h[0];
      s_.last = h[1];
      return true;
    }
#endif
    return pm_stack_pop(&s_) == PM_ARENA_OK;
  }
  // Frees p if it is the most recent block; false (nothing freed) otherwise.
  [[nodiscard]] bool dealloc(void *p) noexcept {
    if (p != nullptr && p == s_.last) return pop();  // the top block: no checks to make
    return pm_stack_dealloc(&s_, p) == PM_ARENA_OK;  // a refusal, with its reason
  }
  [[nodiscard]] bool dealloc(void *p, Layout) noexcept { return dealloc(p); }
  void reset() noexcept { pm_stack_reset(&s_); }
  std::size_t remaining() const noexcept { return pm_stack_remaining(&s_); }
  std::size_t count() const noexcept { return pm_stack_count(&s_); }
  // f(ptr, size) for each live block, most recent first (pm_stack_walk).
  template <WalkVisitor F>
  int walk(F &&f) const {
    return detail::walk(&s_, pm_stack_walk, f);
  }
  bool valid() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  pm_stack_t *handle() noexcept { return &s_; }

 private:
  pm_stack_t s_{};
  bool ok_ = false;
};

// ---- pool --------------------------------------------------------------------------------
struct PoolOptions {
  std::size_t align = 0;       // 0: the natural alignment of the block size, at most 16
  bool grow = false;           // add slabs (each twice the last) when full
  std::size_t max_blocks = 0;  // with grow: the most blocks in all (0: no limit)
};

class Pool : public detail::TypedOps<Pool> {
 public:
  Pool(std::size_t block_size, std::size_t block_count, PoolOptions o = {}) noexcept {
    pm_pool_options_t c{o.align, o.grow ? 1 : 0, o.max_blocks};
    ok_ = pm_pool_init(&p_, block_size, block_count, &c) == PM_ARENA_OK;
  }
  ~Pool() { pm_pool_destroy(&p_); }
  Pool(Pool &&o) noexcept : p_(o.p_), ok_(o.ok_) {
    o.p_ = pm_pool_t{};
    o.ok_ = false;
  }
  Pool &operator=(Pool &&o) noexcept {
    if (this != &o) {
      pm_pool_destroy(&p_);
      p_ = o.p_;
      ok_ = o.ok_;
      o.p_ = pm_pool_t{};
      o.ok_ = false;
    }
    return *this;
  }
  Pool(const Pool &) = delete;
  Pool &operator=(const Pool &) = delete;

  // O(1); nullptr when every block is taken (and growth is off or failed). Inline while the
  // slab at hand has a free block; pm_pool_alloc does the rest.
  void *alloc() noexcept {
#if !PM_ARENAS_ASAN
    if (pm_pool_slab_t *s = p_.cur) {
      std::size_t i;
      if (std::size_t n = s->nstack; n != 0) {
        i = s->stack[n - 1];
        s->nstack = n - 1;
      } else if (s->fresh < s->nblocks) {
        i = s->fresh++;
      } else {
        return pm_pool_alloc(&p_);
      }
      char *b = s->begin + i * p_.block_size;
      s->live[i] = 1;
      return b;
    }
#endif
    return pm_pool_alloc(&p_);
  }
  // A block when the layout fits one (size <= block_size, align <= alignment()).
  Allocation alloc(Layout l) noexcept {
    if (l.size > p_.block_size || l.align > p_.align || !Layout::is_pow2(l.align)) return {};
    void *p = alloc();
    return Allocation{p, p != nullptr ? p_.block_size : 0};
  }
  // false (nothing freed) for a foreign pointer or a block that is already free. Inline for
  // a block of the newest slab (the only one unless the pool grew) with the same checks.
  [[nodiscard]] bool dealloc(void *p) noexcept {
#if !PM_ARENAS_ASAN
    if (pm_pool_slab_t *s = p_.slabs) {
      // One multiplication gives the index (high half) and whether p is a block's start
      // (low half below div_magic); a pointer below begin wraps to a huge offset.
      auto off = static_cast<std::size_t>(reinterpret_cast<std::uintptr_t>(p) -
                                          reinterpret_cast<std::uintptr_t>(s->begin));
      if (off < s->span) {
        unsigned __int128 m = static_cast<unsigned __int128>(off) * p_.div_magic;
        auto i = static_cast<std::size_t>(m >> 64);
        // Blocks never handed out are not live either, so this also checks i < fresh.
        if (static_cast<std::uint64_t>(m) < p_.div_magic && s->live[i] != 0) {
          std::size_t n = s->nstack;
          s->stack[n] = static_cast<std::uint32_t>(i);
          s->nstack = n + 1;
          s->live[i] = 0;
          return true;
        }
      }
    }
#endif
    return pm_pool_dealloc(&p_, p) == PM_ARENA_OK;
  }
  [[nodiscard]] bool dealloc(void *p, Layout) noexcept { return dealloc(p); }
  // true when p is a live block of this pool.
  bool owns(const void *p) const noexcept { return pm_pool_check(&p_, p) == PM_ARENA_OK; }
  bool holds(const void *p) const noexcept { return owns(p); }
  // Bounds-checked copy between two live blocks of this pool (the block size).
  void copy_onto(const void *src, std::size_t src_start, void *dst, std::size_t dst_start,
                 std::size_t len) const {
    detail::copy_result(pm_pool_copy_onto(&p_, src, src_start, dst, dst_start, len));
  }
  std::size_t block_size() const noexcept { return p_.block_size; }
  std::size_t alignment() const noexcept { return p_.align; }
  std::size_t num_free_blocks() const noexcept { return pm_pool_num_free_blocks(&p_); }
  std::size_t num_allocated() const noexcept { return pm_pool_num_allocated(&p_); }
  std::size_t num_blocks() const noexcept { return pm_pool_num_blocks(&p_); }
  // f(ptr, block_size()) for each allocated block, in address order (pm_pool_walk).
  template <WalkVisitor F>
  int walk(F &&f) const {
    return detail::walk(&p_, pm_pool_walk, f);
  }
  bool valid() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  pm_pool_t *handle() noexcept { return &p_; }

 private:
  pm_pool_t p_{};
  bool ok_ = false;
};

// A pool of T: create() constructs in a block, destroy() runs the destructor and frees it.
// Objects still alive when the pool is destroyed are not destructed (their memory goes).
template <class T>
class ObjectPool {
 public:
  explicit ObjectPool(std::size_t count, bool grow = false, std::size_t max_blocks = 0) noexcept
      : pool_(sizeof(T), count,
              PoolOptions{std::max(alignof(T), alignof(void *)), grow, max_blocks}) {}

  // nullptr when the pool is exhausted; if the constructor throws, the block is returned.
  template <class... Args>
  T *create(Args &&...args) {
    void *p = pool_.alloc();
    if (p == nullptr) return nullptr;
    struct Guard {
      Pool *pool;
      void *block;
      ~Guard() {
        if (block != nullptr) (void)pool->dealloc(block);
      }
    } guard{&pool_, p};
    T *obj = ::new (p) T(std::forward<Args>(args)...);
    guard.block = nullptr;
    return obj;
  }
  // false (and no destructor runs) for a pointer that is not a live object of this pool.
  [[nodiscard]] bool destroy(T *obj) noexcept(std::is_nothrow_destructible_v<T>) {
    if (!pool_.owns(obj)) return false;
    obj->~T();
    return pool_.dealloc(obj);
  }
  std::size_t num_free_blocks() const noexcept { return pool_.num_free_blocks(); }
  std::size_t num_allocated() const noexcept { return pool_.num_allocated(); }
  bool valid() const noexcept { return pool_.valid(); }
  Pool &pool() noexcept { return pool_; }

 private:
  Pool pool_;
};

// ---- free-list arena ---------------------------------------------------------------------
struct FreeListOptions {
  std::size_t align = 16;     // power of two, at least 8
  bool coalesce = true;       // merge freed blocks with free neighbours
  bool split = true;          // split bigger blocks ...
  std::size_t min_split = 0;  // ... when at least this much is left (0: the smallest block)
  bool quick = true;          // exact-size quick lists for freed blocks up to 64 * align
};
using FreeListStats = pm_freelist_stats_t;

class FreeListArena : public detail::TypedOps<FreeListArena> {
 public:
  using Options = FreeListOptions;
  FreeListArena() noexcept = default;  // no arena (valid() is false)
  // An owned buffer of `capacity` bytes from the global allocator.
  explicit FreeListArena(std::size_t capacity, Options o = {}) noexcept
      : a_(pm_freelist_new(capacity, addr(c_options(o)))), owned_(true) {}
  // Over a caller's buffer (8-byte aligned); the arena's state is written into it.
  FreeListArena(void *buffer, std::size_t size, Options o = {}) noexcept
      : a_(pm_freelist_create(buffer, size, addr(c_options(o)))) {}
  explicit FreeListArena(std::span<std::byte> buffer, Options o = {}) noexcept
      : FreeListArena(buffer.data(), buffer.size(), o) {}
  // The arena already in `buffer` (from detach() or another owner); invalid if there is
  // none. take_ownership: the destructor gives an owned buffer (pm_freelist_new) back.
  static FreeListArena attach(void *buffer, std::size_t size,
                              bool take_ownership = false) noexcept {
    return FreeListArena(pm_freelist_attach(buffer, size), take_ownership);
  }
  static FreeListArena attach(std::span<std::byte> buffer, bool take_ownership = false) noexcept {
    return attach(buffer.data(), buffer.size(), take_ownership);
  }
  // Lets go of the buffer, state and blocks intact, for attach(); this object is empty after.
  std::span<std::byte> detach() noexcept {
    std::span<std::byte> b = buffer();
    pm_freelist_detach(a_);
    a_ = nullptr;
    owned_ = false;
    return b;
  }
  ~FreeListArena() {
    if (owned_) pm_freelist_free(a_);
  }
  FreeListArena(FreeListArena &&o) noexcept
      : a_(std::exchange(o.a_, nullptr)), owned_(std::exchange(o.owned_, false)) {}
  FreeListArena &operator=(FreeListArena &&o) noexcept {
    if (this != &o) {
      if (owned_) pm_freelist_free(a_);
      a_ = std::exchange(o.a_, nullptr);
      owned_ = std::exchange(o.owned_, false);
    }
    return *this;
  }
  FreeListArena(const FreeListArena &) = delete;
  FreeListArena &operator=(const FreeListArena &) = delete;

  void *malloc(std::size_t size) noexcept { return pm_freelist_malloc(a_, size); }
  // Fills the whole usable size with the byte `fill`.
  void *malloc_fill(std::size_t size, int fill) noexcept {
    return pm_freelist_malloc_fill(a_, size, fill);
  }
  void *calloc(std::size_t size, int fill = 0) noexcept { return malloc_fill(size, fill); }
  // C semantics: null ptr allocates; size 0 frees and gives null; on failure null and the
  // old block is kept.
  void *realloc(void *ptr, std::size_t size) noexcept { return pm_freelist_realloc(a_, ptr, size); }
  // false for a pointer this arena does not own or a block already free (nothing freed).
  [[nodiscard]] bool free(void *ptr) noexcept { return pm_freelist_dealloc(a_, ptr) == PM_ARENA_OK; }
  void free_all() noexcept { pm_freelist_free_all(a_); }
  FreeListStats stats() const noexcept {
    FreeListStats s;
    pm_freelist_stats(a_, &s);
    return s;
  }
  std::size_t usable_size(const void *p) const noexcept { return pm_freelist_usable_size(a_, p); }
  std::size_t alignment() const noexcept { return pm_freelist_align(a_); }
  // Bytes still available (free blocks and untouched space) and in live blocks.
  std::size_t remaining() const noexcept { return pm_freelist_remaining(a_); }
  std::size_t total_allocated() const noexcept { return pm_freelist_total_allocated(a_); }
  bool holds(const void *p) const noexcept { return usable_size(p) != 0; }
  // Bounds-checked copy between two live blocks of this arena (their usable sizes).
  void copy_onto(const void *src, std::size_t src_start, void *dst, std::size_t dst_start,
                 std::size_t len) const {
    detail::copy_result(pm_freelist_copy_onto(a_, src, src_start, dst, dst_start, len));
  }
  // f(ptr, usable_size(ptr)) for each live block, in address order (pm_freelist_walk).
  template <WalkVisitor F>
  int walk(F &&f) const {
    return detail::walk(static_cast<const pm_freelist_t *>(a_), pm_freelist_walk, f);
  }

  // Typed views (malloc_as<T>(n) comes with every arena): calloc_as fills each element.
  template <class T>
  std::span<T> calloc_as(std::size_t n, const T &fill = T{}) noexcept {
    static_assert(std::is_trivially_copyable_v<T>, "typed views hold trivially copyable types");
    std::span<T> s = this->malloc_as<T>(n);
    std::fill(s.begin(), s.end(), fill);
    return s;
  }
  // realloc for a typed view: the first min(old, n) elements are kept; on failure an empty
  // span and the old view stays valid. n == 0 frees.
  template <class T>
  std::span<T> realloc_array(std::span<T> s, std::size_t n) noexcept {
    static_assert(std::is_trivially_copyable_v<T>, "typed views hold trivially copyable types");
    if (alignof(T) > alignment() || n > max_alloc_size / sizeof(T)) return {};
    void *p = realloc(s.data(), n * sizeof(T));
    return p != nullptr ? std::span<T>(static_cast<T *>(p), n) : std::span<T>();
  }

  // Any power-of-two alignment (above alignment() the block is carved with a leading gap
  // that is freed again).
  void *aligned_alloc(std::size_t align, std::size_t size) noexcept {
    return pm_freelist_aligned_alloc(a_, align, size);
  }
  // Arena interface for the adapters: any power-of-two alignment.
  Allocation alloc(Layout l) noexcept {
    void *p = aligned_alloc(l.align, l.size);
    return Allocation{p, p != nullptr ? usable_size(p) : 0};
  }
  [[nodiscard]] bool dealloc(void *p, Layout) noexcept { return free(p); }

  std::span<std::byte> buffer() const noexcept {
    return a_ == nullptr ? std::span<std::byte>()
                         : std::span<std::byte>(static_cast<std::byte *>(pm_freelist_buffer(a_)),
                                                pm_freelist_size(a_));
  }
  bool valid() const noexcept { return a_ != nullptr; }
  explicit operator bool() const noexcept { return a_ != nullptr; }
  pm_freelist_t *handle() const noexcept { return a_; }

 private:
  FreeListArena(pm_freelist_t *a, bool owned) noexcept : a_(a), owned_(owned) {}
  static pm_freelist_options_t c_options(const Options &o) noexcept {
    return pm_freelist_options_t{o.align, o.coalesce ? 1 : 0, o.split ? 1 : 0, o.min_split,
                                 o.quick ? 1 : 0};
  }
  // The temporary lives to the end of the full expression that passes it on.
  static const pm_freelist_options_t *addr(const pm_freelist_options_t &c) noexcept { return &c; }
  pm_freelist_t *a_ = nullptr;
  bool owned_ = false;
};

// ---- adapters ----------------------------------------------------------------------------
// What the adapters need of an arena: alloc(Layout) and dealloc(ptr, Layout). Every arena
// above qualifies (dealloc is a no-op where the arena cannot free that block: a bump arena
// block that is not the most recent, a stack block that is not on top).
template <class A>
concept Arena = requires(A &a, void *p, Layout l) {
  { a.alloc(l) } -> std::convertible_to<Allocation>;
  a.dealloc(p, l);
};

// An STL allocator over an arena. Propagation: like std::pmr::polymorphic_allocator, the
// allocator never follows a container on copy assignment, move assignment or swap (so a
// container keeps allocating from the arena it was built with; swapping two containers on
// different arenas is undefined, as for pmr). Two allocators are equal when they use the
// same arena. allocate() throws std::bad_alloc when the arena is exhausted.
template <class T, Arena A>
class ArenaAllocator {
 public:
  using value_type = T;
  using propagate_on_container_copy_assignment = std::false_type;
  using propagate_on_container_move_assignment = std::false_type;
  using propagate_on_container_swap = std::false_type;
  using is_always_equal = std::false_type;
  template <class U>
  struct rebind {
    using other = ArenaAllocator<U, A>;
  };

  explicit ArenaAllocator(A &arena) noexcept : a_(&arena) {}
  template <class U>
  ArenaAllocator(const ArenaAllocator<U, A> &o) noexcept : a_(&o.arena()) {}

  T *allocate(std::size_t n) {
    if (n > max_alloc_size / sizeof(T)) throw std::bad_array_new_length();
    Allocation r = a_->alloc(Layout{n * sizeof(T), alignof(T)});
    if (r.ptr == nullptr) throw std::bad_alloc();
    return static_cast<T *>(r.ptr);
  }
  void deallocate(T *p, std::size_t n) noexcept {
    (void)a_->dealloc(p, Layout{n * sizeof(T), alignof(T)});
  }
  ArenaAllocator select_on_container_copy_construction() const noexcept { return *this; }

  A &arena() const noexcept { return *a_; }
  template <class U>
  bool operator==(const ArenaAllocator<U, A> &o) const noexcept {
    return a_ == &o.arena();
  }

 private:
  A *a_;
};

// A std::pmr::memory_resource over an arena; do_allocate throws std::bad_alloc when the
// arena is exhausted. Equal only to itself.
template <Arena A>
class ArenaResource final : public std::pmr::memory_resource {
 public:
  explicit ArenaResource(A &arena) noexcept : a_(&arena) {}
  A &arena() const noexcept { return *a_; }

 private:
  void *do_allocate(std::size_t bytes, std::size_t align) override {
    Allocation r = a_->alloc(Layout{bytes, align});
    if (r.ptr == nullptr) throw std::bad_alloc();
    return r.ptr;
  }
  void do_deallocate(void *p, std::size_t bytes, std::size_t align) override {
    (void)a_->dealloc(p, Layout{bytes, align});
  }
  bool do_is_equal(const std::pmr::memory_resource &o) const noexcept override {
    return this == &o;
  }
  A *a_;
};

// poolmalloc's global heap as a std::pmr::memory_resource (pm::alloc / pm::dealloc), also
// where poolmalloc's code keeps glibc's malloc for everything else. Throws std::bad_alloc.
inline std::pmr::memory_resource *global_resource() noexcept {
  class Global final : public std::pmr::memory_resource {
    void *do_allocate(std::size_t bytes, std::size_t align) override {
      Allocation r = pm::alloc(Layout{bytes, align});
      if (r.ptr == nullptr) throw std::bad_alloc();
      return r.ptr;
    }
    void do_deallocate(void *p, std::size_t bytes, std::size_t align) override {
      pm::dealloc(p, Layout{bytes, align});
    }
    bool do_is_equal(const std::pmr::memory_resource &o) const noexcept override {
      return dynamic_cast<const Global *>(&o) != nullptr;
    }
  };
  static Global g;
  return &g;
}

// A std::pmr::memory_resource over a Pool. Like std::pmr's pool resources, requests the
// pool cannot serve (bigger than a block, more aligned, or while every block is taken)
// go to the upstream resource: poolmalloc's global heap unless one is given.
class PoolResource final : public std::pmr::memory_resource {
 public:
  explicit PoolResource(Pool &pool, std::pmr::memory_resource *upstream = global_resource()) noexcept
      : pool_(&pool), up_(upstream) {}
  Pool &arena() const noexcept { return *pool_; }
  std::pmr::memory_resource *upstream() const noexcept { return up_; }

 private:
  bool fits(std::size_t bytes, std::size_t align) const noexcept {
    return bytes <= pool_->block_size() && align <= pool_->alignment();
  }
  void *do_allocate(std::size_t bytes, std::size_t align) override {
    if (fits(bytes, align))
      if (void *p = pool_->alloc()) return p;
    return up_->allocate(bytes, align);
  }
  void do_deallocate(void *p, std::size_t bytes, std::size_t align) override {
    if (fits(bytes, align) && pool_->dealloc(p)) return;
    up_->deallocate(p, bytes, align);
  }
  bool do_is_equal(const std::pmr::memory_resource &o) const noexcept override {
    return this == &o;
  }
  Pool *pool_;
  std::pmr::memory_resource *up_;
};

using BumpResource = ArenaResource<BumpArena>;
using BumpRefResource = ArenaResource<BumpRef>;
using ScratchResource = ArenaResource<ScratchScope>;
using StackResource = ArenaResource<StackArena>;
using FreeListResource = ArenaResource<FreeListArena>;

}  // namespace pm

#endif  // C++20
#endif  // POOLMALLOC_HPP
