// The sampling heap profiler: which allocations are sampled, their stacks, the tables of
// stacks and of live sampled blocks, and the locking that keeps all of it safe from
// threads, signal handlers and fork. The profile and leak report are written by
// prof_write.cpp.
//
// Sampling. Each thread counts its allocated bytes down from a draw of an exponential
// distribution whose mean is prof_sample bytes; the allocation that takes the count below
// zero is sampled and a new count is drawn. The sample points form a Poisson process over
// the allocated bytes, so a block of s bytes is sampled with probability
// p = 1 - exp(-s / prof_sample), independently of where it was allocated, and each sample
// is weighted by 1/p: the weighted counts and bytes are unbiased estimates of the real ones.
//
// Stacks. _Unwind_Backtrace (libgcc's unwinder, the one C++ exceptions use) reads the
// DWARF call-frame tables, so it needs no frame pointers (Debian builds programs without
// them, where a frame-pointer walk stops after one or two frames or reads garbage), it
// stops cleanly at the outermost frame, and it does not allocate on the paths used for
// ordinary ELF objects (the tables are found with dl_iterate_phdr). glibc's backtrace() is
// the same unwinder behind a dlopen of libgcc_s on first use, which allocates. The
// unwinder is called once at initialisation, outside the allocator's locks, so anything it
// sets up on first use is done before a sample needs it; a thread that is already inside
// the profiler (tl_busy) is never sampled again, so an allocation made by the unwinder
// itself is served without a sample instead of recursing. A sample from a call chain seen
// shortly before on the same thread reuses that walk (see "the stack cache" below), so the
// unwinder mostly runs for new call sites.
//
// Memory. The tables live in mappings of their own (os::map), never in the profiled heap;
// sampled pool blocks come from a heap the profiler owns (g_heap), used under g_lock.
#include "prof.hpp"

#include <errno.h>
#include <link.h>
#include <signal.h>
#include <string.h>
#include <unwind.h>

#include <atomic>

#include "alloc.hpp"
#include "heap.hpp"
#include "lock.hpp"
#include "options.hpp"
#include "os.hpp"
#include "prof_internal.hpp"

extern "C" const char __start_pm_entry[] __attribute__((weak, visibility("hidden")));
extern "C" const char __stop_pm_entry[] __attribute__((weak, visibility("hidden")));

namespace pm {

size_t g_direct_limit = kDirectMax;

namespace prof {

bool g_on = false;
Heap* g_heap = nullptr;
constinit thread_local int64_t tl_left __attribute__((tls_model("initial-exec"))) = 0;

Lock g_lock;
Stack* g_stacks = nullptr;
Live* g_live = nullptr;
Totals g_totals;
std::atomic<bool> g_dump_pending{false};

namespace {
uint32_t* g_stack_index = nullptr;  // g_stacks by hash (see stack_slot)

// How many live sampled blocks hash to each mark (written under g_lock, read without it):
// a large or huge block whose mark is 0 was not sampled, so its free skips the lock and
// the table. The sample that sets a mark happens before the block is handed out, so any
// thread that frees the block later sees it.
constexpr unsigned kMarkBits = 14;
std::atomic<uint32_t>* g_marks = nullptr;
constinit thread_local uint64_t tl_rng __attribute__((tls_model("initial-exec"))) = 0;
// 0: outside the profiler; 1: inside it (never sample or wait for g_lock again);
// 2: handing back blocks kept for later (their frees go straight through).
constinit thread_local uint8_t tl_busy __attribute__((tls_model("initial-exec"))) = 0;

uintptr_t g_self_lo = 0, g_self_hi = 0;  // our shared object's code, when we are one

// Frees that found the profiler busy on their own thread (a signal handler interrupted
// it): a pool block (bit 0 clear; kept until the next lock holder hands it back) or a big
// block whose entry is to be dropped (bit 0 set; its free went ahead).
constexpr unsigned kKept = 64;
std::atomic<uintptr_t> g_kept[kKept];
std::atomic<unsigned> g_kept_count{0};  // slots in use, so that acquire() rarely scans
Block* g_give_back = nullptr;  // kept pool blocks whose entries are gone, under g_lock

// ---- numbers ----------------------------------------------------------------------------

uint64_t next_random() {
  uint64_t x = tl_rng;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  tl_rng = x;
  return x * 0x2545F4914F6CDD1DULL;
}

// Natural logarithm of u in (0, 1], without libm: u = m * 2^e with m in [1, 2), then
// ln m = 2 atanh(z) with z = (m - 1) / (m + 1) < 1/3, whose series converges fast.
double log_unit(double u) {
  uint64_t bits;
  memcpy(&bits, &u, sizeof bits);
  int e = int((bits >> 52) & 0x7ff) - 1023;
  bits = (bits & ((uint64_t{1} << 52) - 1)) | (uint64_t{1023} << 52);
  double m;
  memcpy(&m, &bits, sizeof m);
  double z = (m - 1) / (m + 1), z2 = z * z, term = z, sum = 0;
  for (int k = 1; k < 24; k += 2, term *= z2) sum += term / k;
  return e * 0.6931471805599453 + 2 * sum;
}

// Bytes to the next sample point: an exponential draw with mean prof_sample.
int64_t draw() {
  double u = double((next_random() >> 11) + 1) * (1.0 / 9007199254740992.0);  // (0, 1]
  double v = -log_unit(u) * double(options().prof_sample);
  return v < 1 ? 1 : int64_t(v);
}

// Stack frames -----------------------------------------------------------------------------

// Frames the unwinder may report before the first one that is kept: the allocator's own.
constexpr unsigned kLeadMax = 8;
constexpr unsigned kRawFrames = kMaxFrames + kLeadMax;

struct Capture {
  uintptr_t ip[kRawFrames];
  // cfa[k]: what _Unwind_GetCFA reports with ip[k], the canonical frame address of the
  // frame below (the callee); on x86-64 the return address ip[k] is stored at cfa[k] - 8.
  uintptr_t cfa[kRawFrames];
  unsigned n;
  bool ended;  // the unwinder reached the outermost frame (not cut at kRawFrames)
};

bool allocator_frame(uintptr_t ip) {
  uintptr_t lo = reinterpret_cast<uintptr_t>(__start_pm_entry);
  uintptr_t hi = reinterpret_cast<uintptr_t>(__stop_pm_entry);
  return (ip >= lo && ip < hi) || (ip >= g_self_lo && ip < g_self_hi);
}

_Unwind_Reason_Code on_frame(_Unwind_Context* ctx, void* arg) {
  Capture* c = static_cast<Capture*>(arg);
  uintptr_t ip = _Unwind_GetIP(ctx);
  c->ip[c->n] = ip;
  c->cfa[c->n] = _Unwind_GetCFA(ctx);
  ++c->n;
  if (ip == 0) {  // a zero return address ends the stack (kept: the stack cache checks it)
    c->ended = true;
    return _URC_END_OF_STACK;
  }
  return c->n < kRawFrames ? _URC_NO_REASON : _URC_END_OF_STACK;
}

// Inlined into its callers: one frame fewer to unwind per sample. Leaves the whole walk in
// c; returns the index of the first frame that is not the allocator's.
PM_INLINE unsigned capture(Capture& c) {
  c.n = 0;
  c.ended = false;
  if (_Unwind_Backtrace(on_frame, &c) == _URC_END_OF_STACK) c.ended = true;
  unsigned lead = 0;
  while (lead < c.n && lead < kLeadMax && allocator_frame(c.ip[lead])) ++lead;
  return lead;
}

// The frames of a walk that go into the profile: from `lead`, without the terminating 0,
// at most kMaxFrames.
unsigned kept_depth(const uintptr_t* ip, unsigned n, unsigned lead) {
  if (n > lead && ip[n - 1] == 0) --n;
  unsigned d = n > lead ? n - lead : 0;
  return d < kMaxFrames ? d : kMaxFrames;
}

// ---- the stack cache ------------------------------------------------------------------------
//
// Unwinding costs about a thousand instructions per frame (DWARF call-frame programs run
// for each), and most samples come from a few call sites in loops, whose stacks repeat.
// Each thread keeps the last few walks it made from sampled_alloc, keyed by sampled_alloc's
// canonical frame address (CFA), with the address of every return-address slot of the
// walk. A later sample whose CFA is the same reads those slots: when every one still holds
// the return address recorded there, the chain of callers is the recorded one (each frame's
// slot sits where its caller's frame put it, and the walk ends where the recorded one
// ended), so the recorded frames are used without unwinding. Any difference (another
// caller, a deeper or shallower stack) is a miss and a fresh walk replaces the oldest
// entry. Only walks in which every slot held its frame's address at capture time, that
// ended at the outermost frame and whose frames lie within 4 GiB above the key are kept.
// The slots read lie in the live part of the thread's own stack whenever the chain up to
// them matched, and reading them cannot be disturbed by other threads; a signal handler
// that allocates during a sample is never sampled itself (tl_busy), so it leaves the cache
// alone.
// x86-64 only: a call stores its return address right below the caller's frame (the
// callee's CFA - 8), which is what the check reads.
#if defined(__x86_64__)
constexpr bool kCacheWalks = true;
#else
constexpr bool kCacheWalks = false;
#endif
constexpr unsigned kCacheEntries = 4;
constexpr unsigned kCacheFrames = 32;  // longer walks are not cached

struct CachedWalk {
  uintptr_t key;  // sampled_alloc's CFA; 0: empty
  uint8_t n;      // ip[1..n) are checked against their slots (ip[0] is inside sampled_alloc)
  uint8_t lead;   // the first frame that goes into the profile
  uint8_t depth;  // frames that go into the profile
  uint32_t slot[kCacheFrames];  // cfa[k] - key: ip[k] is stored 8 bytes below
  uintptr_t ip[kCacheFrames];
};

struct WalkCache {
  CachedWalk e[kCacheEntries];
  unsigned next;  // the entry the next miss replaces
};

constinit thread_local WalkCache tl_walks __attribute__((tls_model("initial-exec"))) = {};

// The cached walk that matches the stack above `key`, or nullptr. Reads return-address
// slots of the caller chain that may belong to frames the sanitizers do not know about.
__attribute__((no_sanitize("address", "thread", "undefined"))) const CachedWalk* cached_walk(uintptr_t key) {
  for (const CachedWalk& w : tl_walks.e) {
    if (w.key != key) continue;
    unsigned k = 1;
    for (; k < w.n; ++k) {
      const volatile uintptr_t* at = reinterpret_cast<const uintptr_t*>(key + w.slot[k] - 8);
      if (*at != w.ip[k]) break;
    }
    if (k == w.n) return &w;
  }
  return nullptr;
}

// Keeps a fresh walk from sampled_alloc, whose CFA is key, if it qualifies (see above).
__attribute__((no_sanitize("address", "thread", "undefined"))) void cache_walk(uintptr_t key, const Capture& c,
                                                                              unsigned lead, unsigned depth) {
  if (!kCacheWalks || !c.ended || c.n < 2 || c.n > kCacheFrames || c.cfa[1] != key) return;
  // A walk that ends with IP 0 where the outermost frame's call-frame information leaves
  // its return address undefined (_start, clone): that end follows from the frame before,
  // so the last slot (which holds anything) is not checked.
  for (unsigned k = 1; k < c.n; ++k)
    if (c.cfa[k] < key || c.cfa[k] - key > UINT32_MAX) return;
  unsigned n = c.n;
  if (c.ip[n - 1] == 0 && *reinterpret_cast<const volatile uintptr_t*>(c.cfa[n - 1] - 8) != 0) --n;
  for (unsigned k = 1; k < n; ++k)
    if (*reinterpret_cast<const volatile uintptr_t*>(c.cfa[k] - 8) != c.ip[k]) return;
  CachedWalk& w = tl_walks.e[tl_walks.next];
  w.key = 0;
  for (unsigned k = 1; k < n; ++k) w.slot[k] = uint32_t(c.cfa[k] - key);
  memcpy(w.ip, c.ip, c.n * sizeof(uintptr_t));
  w.n = uint8_t(n);
  w.lead = uint8_t(lead);
  w.depth = uint8_t(depth);
  w.key = key;
  tl_walks.next = (tl_walks.next + 1) % kCacheEntries;
}

// Finds the code of the shared object poolmalloc is part of (none when it is linked into
// the program): every leading frame in it belongs to the allocator.
int find_self(dl_phdr_info* info, size_t, void* arg) {
  uintptr_t self = reinterpret_cast<uintptr_t>(arg);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X)) continue;
    uintptr_t lo = info->dlpi_addr + ph.p_vaddr, hi = lo + ph.p_memsz;
    if (self < lo || self >= hi) continue;
    if (info->dlpi_name && info->dlpi_name[0]) {  // not the main program
      g_self_lo = lo;
      g_self_hi = hi;
    }
    return 1;
  }
  return 0;
}

// ---- tables (under g_lock) -----------------------------------------------------------------

uint64_t hash_frames(const uintptr_t* f, unsigned n) {
  uint64_t h = 0xcbf29ce484222325ULL ^ n;
  for (unsigned i = 0; i < n; ++i) h = (h ^ f[i]) * 0x100000001b3ULL;
  return h | 1;  // 0 marks an empty slot
}

// The stack's index in g_stacks (added if new), or kStacks when the table is full. The
// stacks are kept densely in the order they were first seen (the writers read
// g_totals.stacks entries, not the whole mapping), found through g_stack_index: open
// addressing on the hash, each slot the index + 1 (0: empty).
uint32_t stack_slot(const uintptr_t* f, unsigned n) {
  uint64_t h = hash_frames(f, n);
  for (uint32_t i = uint32_t(h) & (kStacks - 1), probes = 0; probes < kStacks; ++probes, i = (i + 1) & (kStacks - 1)) {
    uint32_t at = g_stack_index[i];
    if (at == 0) {
      if (g_totals.stacks >= kStacks - kStacks / 8) return kStacks;
      uint32_t si = g_totals.stacks++;
      Stack& s = g_stacks[si];
      s.hash = h;
      s.depth = n;
      memcpy(s.frames, f, n * sizeof(uintptr_t));
      g_stack_index[i] = si + 1;
      return si;
    }
    const Stack& s = g_stacks[at - 1];
    if (s.hash == h && s.depth == n && !memcmp(s.frames, f, n * sizeof(uintptr_t))) return at - 1;
  }
  return kStacks;
}

std::atomic<uint32_t>& mark_of(uintptr_t addr) {
  return g_marks[((addr >> 12) * 0x9E3779B97F4A7C15ULL) >> (64 - kMarkBits)];
}
void mark_add(uintptr_t addr) { mark_of(addr).fetch_add(1, std::memory_order_relaxed); }
void mark_sub(uintptr_t addr) { mark_of(addr).fetch_sub(1, std::memory_order_relaxed); }

// The live table starts small and doubles (up to kLive entries) when half full: its slots
// are spread by hash, so a large table would take a page fault for nearly every sample of
// a short run.
constexpr unsigned kLiveMinBits = 12;
unsigned g_live_bits = kLiveMinBits;
uint32_t live_mask() { return (1u << g_live_bits) - 1; }
uint32_t live_home(uintptr_t addr) {
  return uint32_t(((addr >> 4) * 0x9E3779B97F4A7C15ULL) >> (64 - g_live_bits));
}

// Puts e in a free slot (its stack's figures and the marks are the caller's).
void live_put(const Live& e) {
  uint32_t i = live_home(e.addr);
  while (g_live[i].addr) i = (i + 1) & live_mask();
  g_live[i] = e;
}

// Doubles the live table; it stays as it is when there is no memory for a larger one.
void live_grow() {
  Live* old = g_live;
  uint32_t old_n = 1u << g_live_bits;
  Live* t = static_cast<Live*>(os::map(sizeof(Live) * old_n * 2));
  if (!t) return;
  g_live = t;
  ++g_live_bits;
  for (uint32_t i = 0; i < old_n; ++i)
    if (old[i].addr) live_put(old[i]);
  os::unmap(old, sizeof(Live) * old_n);
}

Live* live_find(uintptr_t addr) {
  for (uint32_t i = live_home(addr);; i = (i + 1) & live_mask()) {
    if (g_live[i].addr == addr) return &g_live[i];
    if (g_live[i].addr == 0) return nullptr;
  }
}

// Linear probing with deletion by shifting back the entries behind the hole: no tombstones.
void live_erase(Live* e) {
  uint32_t hole = uint32_t(e - g_live);
  Stack& s = g_stacks[e->stack];
  s.live_n -= e->weight;
  s.live_b -= e->weight * double(e->size);
  if (s.live_n < 0.5) s.live_n = s.live_b = 0;  // rounding
  --g_totals.live;
  mark_sub(e->addr);
  for (uint32_t j = (hole + 1) & live_mask(); g_live[j].addr; j = (j + 1) & live_mask()) {
    uint32_t home = live_home(g_live[j].addr);
    // The entry at j may move to the hole unless its home lies cyclically in (hole, j].
    bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (stays) continue;
    g_live[hole] = g_live[j];
    hole = j;
  }
  g_live[hole].addr = 0;
}

void forget(uintptr_t addr) {
  if (Live* e = live_find(addr)) live_erase(e);
}

// 1 / (1 - exp(-x)) for x = size / prof_sample > 0, without libm.
double weight_of(size_t size) {
  double x = double(size) / double(options().prof_sample);
  double p;
  if (x < 1e-3) {
    p = x * (1 - x / 2 * (1 - x / 3 * (1 - x / 4)));
  } else if (x > 40) {
    p = 1;
  } else {  // exp(-x) = 2^-k exp(-r), r = x - k ln 2 in [0, ln 2)
    int k = int(x / 0.6931471805599453);
    double r = x - k * 0.6931471805599453, term = 1, e = 1;
    for (int i = 1; i < 16; ++i) e += (term *= -r / i);
    for (int i = 0; i < k; ++i) e *= 0.5;
    p = 1 - e;
  }
  return 1 / p;
}

void record(void* p, size_t size, const uintptr_t* frames, unsigned depth) {
  double w = weight_of(size);
  ++g_totals.samples;
  uint32_t si = depth ? stack_slot(frames, depth) : kStacks;
  if (si == kStacks) {
    ++g_totals.dropped;
    return;
  }
  Stack& s = g_stacks[si];
  s.alloc_n += w;
  s.alloc_b += w * double(size);
  uintptr_t addr = reinterpret_cast<uintptr_t>(p);
  forget(addr);  // a stale entry (a free the profiler could not see)
  if (g_totals.live >= (1u << g_live_bits) / 2 && g_live_bits < kLiveBits) live_grow();
  uint32_t cap = 1u << g_live_bits;  // kLive once fully grown
  if (g_totals.live >= cap - cap / 4) {
    ++g_totals.dropped;
    return;
  }
  live_put(Live{addr, si, 0, size, w});
  ++g_totals.live;
  mark_add(addr);
  s.live_n += w;
  s.live_b += w * double(size);
}

// ---- the lock -------------------------------------------------------------------------------

// With tl_busy set. Waits only where waiting is safe: not inside a signal handler that
// interrupted the allocator (the holder may wait for a lock the interrupted code holds).
bool acquire() {
  if (!g_lock.try_lock()) {
    if (!may_wait()) return false;
    g_lock.lock();
  }
  if (g_kept_count.load(std::memory_order_acquire) == 0) return true;
  for (auto& slot : g_kept) {  // frees that were kept for us
    uintptr_t v = slot.load(std::memory_order_relaxed);
    if (v == 0 || !slot.compare_exchange_strong(v, 0, std::memory_order_acquire)) continue;
    g_kept_count.fetch_sub(1, std::memory_order_relaxed);
    forget(v & ~uintptr_t{1});
    if (!(v & 1)) {
      Block* b = reinterpret_cast<Block*>(v);
      b->next = g_give_back;
      g_give_back = b;
    }
  }
  return true;
}

void release() {
  Block* list = g_give_back;
  g_give_back = nullptr;
  g_lock.unlock();
  uint8_t saved = tl_busy;
  tl_busy = 2;
  while (list) {
    Block* b = list;
    list = b->next;
    dealloc(b);
  }
  tl_busy = saved;
}

bool keep(uintptr_t v) {
  // Counted before the slot is filled: a lock holder that sees the count 0 has no slot
  // to miss that was filled before its acquire.
  g_kept_count.fetch_add(1, std::memory_order_seq_cst);
  for (auto& slot : g_kept) {
    uintptr_t zero = 0;
    if (slot.compare_exchange_strong(zero, v, std::memory_order_release)) return true;
  }
  g_kept_count.fetch_sub(1, std::memory_order_relaxed);
  return false;
}

void serve_pending_dump() {
  if (g_dump_pending.load(std::memory_order_relaxed) && g_dump_pending.exchange(false)) dump_numbered();
}

// Where a sampled pool block of `size` bytes aligned to `align` comes from: its class, or
// kClassCount for a block the pool does not serve.
unsigned pool_class(size_t size, size_t align) {
  if (size > kPoolMax || align > kSliceSize) return kClassCount;
  if (align <= kMinAlign) return size_class(size);
  for (unsigned c = size_class(size < align ? align : size); c < kClassCount; ++c)
    if (kBlockSize[c] % align == 0) return c;
  return kClassCount;
}

void* plain(size_t size, size_t align, bool zero) {
  bool zeroed;
  void* p = alloc_for_sample(size, align, &zeroed);
  if (p && zero && !zeroed) memset(p, 0, usable_size(p));
  return p;
}

void on_signal(int) {
  int saved = errno;
  if (tl_busy == 0 && may_wait()) dump_numbered();
  else g_dump_pending.store(true, std::memory_order_relaxed);  // served by the next sample
  errno = saved;
}
}  // namespace

// ---- entry points -------------------------------------------------------------------------

PM_PROF_ENTRY PM_NOINLINE void* sampled_alloc(size_t size, size_t align, bool zero) noexcept {
  // Acquire: the options and tables were written before g_heap was published.
  if (!__atomic_load_n(&g_heap, __ATOMIC_ACQUIRE)) return plain(size, align, zero);
  if (PM_UNLIKELY(tl_rng == 0)) {  // the thread's first count: draw it, then count again
    tl_rng = (thread_pointer() * 0x9E3779B97F4A7C15ULL) ^ (os::now_ms() << 20) ^ 0x5DEECE66DULL;
    if (tl_rng == 0) tl_rng = 1;
    tl_left = draw();
    if (!tick(size)) return plain(size, align, zero);
  }
  tl_left = draw();
  if (tl_busy) return plain(size, align, zero);
  tl_busy = 1;
  // The stack: the cached walk when the callers are the same as then, else a fresh one.
  uintptr_t key = reinterpret_cast<uintptr_t>(__builtin_dwarf_cfa());
  Capture c;
  const uintptr_t* frames;
  unsigned depth;
  if (const CachedWalk* w = kCacheWalks ? cached_walk(key) : nullptr) {
    frames = w->ip + w->lead;
    depth = w->depth;
  } else {
    unsigned lead = capture(c);
    frames = c.ip + lead;
    depth = kept_depth(c.ip, c.n, lead);
    cache_walk(key, c, lead, depth);
  }
  void* p = nullptr;
  bool done = false;
  unsigned cls = pool_class(size, align);
  if (cls < kClassCount && acquire()) {
    p = heap_malloc_class(g_heap, cls);
    if (p) record(p, size, frames, depth);
    release();
    if (p && zero) memset(p, 0, kBlockSize[cls]);
    done = true;
  }
  if (!done) {
    p = plain(size, align, zero);
    if (p && acquire()) {
      record(p, size, frames, depth);
      release();
    }
  }
  tl_busy = 0;
  serve_pending_dump();
  return p;
}

bool on_free_pool(Block* b) noexcept {
  if (tl_busy == 2 || !__atomic_load_n(&g_heap, __ATOMIC_ACQUIRE)) return false;
  if (tl_busy == 0) {
    tl_busy = 1;
    if (acquire()) {
      forget(reinterpret_cast<uintptr_t>(b));
      release();
      tl_busy = 0;
      serve_pending_dump();
      return false;
    }
    tl_busy = 0;
  }
  keep(reinterpret_cast<uintptr_t>(b));  // a full list leaks the block rather than lose track
  return true;
}

void on_free_big(void* p, void* to) noexcept {
  if (!__atomic_load_n(&g_heap, __ATOMIC_ACQUIRE)) return;  // the tables are published with it
  uintptr_t addr = reinterpret_cast<uintptr_t>(p);
  if (mark_of(addr).load(std::memory_order_relaxed) == 0) return;  // not sampled
  if (tl_busy == 0) {
    tl_busy = 1;
    if (acquire()) {
      Live* e = live_find(addr);
      if (e && to) {  // moved by realloc: the same sample at its new address
        Live moved = *e;
        live_erase(e);
        moved.addr = reinterpret_cast<uintptr_t>(to);
        live_put(moved);
        ++g_totals.live;
        mark_add(moved.addr);
        g_stacks[moved.stack].live_n += moved.weight;
        g_stacks[moved.stack].live_b += moved.weight * double(moved.size);
      } else if (e) {
        live_erase(e);
      }
      release();
      tl_busy = 0;
      return;
    }
    tl_busy = 0;
  }
  keep(addr | 1);  // the entry goes at the next lock holder (before any new sample lands)
}

void init() noexcept {
  if (!options().prof) return;
  g_stacks = static_cast<Stack*>(os::map(sizeof(Stack) * kStacks));
  g_stack_index = static_cast<uint32_t*>(os::map(sizeof(uint32_t) * kStacks));
  g_live = static_cast<Live*>(os::map(sizeof(Live) << kLiveMinBits));
  g_marks = static_cast<std::atomic<uint32_t>*>(os::map(sizeof(std::atomic<uint32_t>) << kMarkBits));
  Heap* heap = g_stacks && g_stack_index && g_live && g_marks ? heap_new_detached() : nullptr;
  if (!heap) {
    write_note("heap profiler: no memory for its tables; profiling is off");
    return;
  }
  dl_iterate_phdr(find_self, reinterpret_cast<void*>(&sampled_alloc));
  Capture warm;
  tl_busy = 1;
  capture(warm);  // the unwinder's first call, outside every lock
  tl_busy = 0;
  if (options().prof_signal) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(options().prof_signal, &sa, nullptr);
  }
  // Published last, with release: whoever reads g_heap with acquire sees the tables.
  __atomic_store_n(&g_heap, heap, __ATOMIC_RELEASE);
  __atomic_store_n(&g_on, true, __ATOMIC_RELEASE);
  __atomic_store_n(&g_direct_limit, size_t{0}, __ATOMIC_RELEASE);  // from now on every allocation is counted
}

void at_exit() noexcept {
  if (!g_on) return;
  __atomic_store_n(&g_direct_limit, kDirectMax, __ATOMIC_RELAXED);  // what the exit handlers still allocate is not counted
  dump(nullptr);
  if (options().prof_leak) leak_report();
}

// Lock order: g_lock before every allocator lock (a sample allocates under it).
void fork_prepare() noexcept {
  if (g_on) g_lock.lock();
}
void fork_parent() noexcept {
  if (g_on) g_lock.unlock();
}
void fork_child() noexcept {
  g_lock.reset();
  tl_busy = 0;
}

// With g_lock held by the caller or not: writers take it themselves.
bool lock_for_writer() {
  if (tl_busy) return false;
  tl_busy = 1;
  if (!acquire()) {
    tl_busy = 0;
    return false;
  }
  return true;
}
void unlock_for_writer() {
  release();
  tl_busy = 0;
}

}  // namespace prof
}  // namespace pm
