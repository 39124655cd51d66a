// The heap profile and the leak report. The profile is the legacy text format of the
// gperftools heap profiler, which google-pprof reads:
//
//   heap profile:   <inuse n>: <inuse bytes> [<alloc n>: <alloc bytes>] @ heapprofile
//   <inuse n>: <inuse bytes> [<alloc n>: <alloc bytes>] @ 0xleaf 0xcaller ...
//   ...
//   MAPPED_LIBRARIES:
//   <a copy of /proc/self/maps>
//
// The figures are already unbiased (each sample weighted by 1/p, see prof.cpp), so the
// header says "heapprofile", the kind pprof takes as it is, without rescaling. pprof takes
// one off every address but the first (return addresses to call sites): the leaf is a
// return address too, so it is written one lower. The maps let pprof place the addresses
// of position-independent programs and of preloaded libraries.
//
// Written with open/write/read/close only (a signal handler may call dump) into a buffer
// that g_lock guards.
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "error.hpp"
#include "options.hpp"
#include "poolmalloc.h"
#include "prof_internal.hpp"

namespace pm::prof {

namespace {

struct Out {
  int fd;
  bool ok;
  size_t n;
  char buf[16384];

  void flush() {
    size_t done = 0;
    while (ok && done < n) {
      ssize_t w = write(fd, buf + done, n - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) ok = false;
      else done += size_t(w);
    }
    n = 0;
  }
  void put(const char* s, size_t len) {
    while (len) {
      if (n == sizeof buf) flush();
      size_t k = sizeof buf - n < len ? sizeof buf - n : len;
      memcpy(buf + n, s, k);
      n += k;
      s += k;
      len -= k;
    }
  }
  void put(const char* s) { put(s, strlen(s)); }
  void dec(uint64_t v, unsigned width = 0) {
    char tmp[24];
    const char* d = format_dec(tmp, v);
    for (size_t l = strlen(d); l < width; ++l) put(" ", 1);
    put(d);
  }
  void hex(uint64_t v) {
    char tmp[24];
    put(format_hex(tmp, v));
  }
};

Out g_out;  // under g_lock
unsigned g_dumps = 0;

uint64_t rounded(double v) { return v < 0.5 ? 0 : uint64_t(v + 0.5); }

// The prof_file name, %p replaced by the pid, then ".<n>" when n > 0.
void expand_name(char* out, size_t cap, unsigned n) {
  const char* f = options().prof_file;
  size_t len = options().prof_file_len, o = 0;
  char tmp[24];
  for (size_t i = 0; i < len && o + 24 < cap; ++i) {
    if (f[i] == '%' && i + 1 < len && f[i + 1] == 'p') {
      const char* d = format_dec(tmp, unsigned(getpid()));
      size_t l = strlen(d);
      memcpy(out + o, d, l);
      o += l;
      ++i;
    } else {
      out[o++] = f[i];
    }
  }
  if (n) {
    out[o++] = '.';
    const char* d = format_dec(tmp, n);
    size_t l = strlen(d);
    memcpy(out + o, d, l);
    o += l;
  }
  out[o] = 0;
}

bool shown_stack(const Stack& s) { return s.hash != 0 && rounded(s.alloc_n) > 0; }

void copy_maps(Out& out) {
  int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  out.flush();
  for (;;) {
    ssize_t r = read(fd, out.buf, sizeof out.buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    out.n = size_t(r);
    out.flush();
  }
  close(fd);
}

// With g_lock held.
int write_profile(const char* path) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  Out& out = g_out;
  out.fd = fd;
  out.ok = true;
  out.n = 0;
  uint64_t tn = 0, tb = 0, an = 0, ab = 0;
  for (unsigned i = 0; i < g_totals.stacks; ++i) {
    const Stack& s = g_stacks[i];
    if (!shown_stack(s)) continue;
    tn += rounded(s.live_n);
    tb += rounded(s.live_b);
    an += rounded(s.alloc_n);
    ab += rounded(s.alloc_b);
  }
  out.put("heap profile: ");
  out.dec(tn, 6);
  out.put(": ");
  out.dec(tb, 8);
  out.put(" [");
  out.dec(an, 6);
  out.put(": ");
  out.dec(ab, 8);
  out.put("] @ heapprofile\n");
  for (unsigned i = 0; i < g_totals.stacks; ++i) {
    const Stack& s = g_stacks[i];
    if (!shown_stack(s)) continue;
    out.dec(rounded(s.live_n), 6);
    out.put(": ");
    out.dec(rounded(s.live_b), 8);
    out.put(" [");
    out.dec(rounded(s.alloc_n), 6);
    out.put(": ");
    out.dec(rounded(s.alloc_b), 8);
    out.put("] @");
    for (unsigned f = 0; f < s.depth; ++f) {
      out.put(" ");
      out.hex(f == 0 ? s.frames[0] - 1 : s.frames[f]);
    }
    out.put("\n");
  }
  out.put("\nMAPPED_LIBRARIES:\n");
  copy_maps(out);
  out.flush();
  bool ok = out.ok;
  int saved = errno;
  if (close(fd) != 0 && ok) return -1;
  if (!ok) {
    errno = saved ? saved : EIO;
    return -1;
  }
  return 0;
}

void err(const char* s) { write_stderr(s); }
void err_dec(uint64_t v) {
  char tmp[24];
  write_stderr(format_dec(tmp, v));
}

}  // namespace

void write_note(const char* text) noexcept {
  err("poolmalloc: ");
  err(text);
  err("\n");
}

int dump(const char* path) noexcept {
  if (!__atomic_load_n(&g_on, __ATOMIC_ACQUIRE)) {
    errno = EINVAL;
    return -1;
  }
  if (!lock_for_writer()) {
    errno = EAGAIN;
    return -1;
  }
  char name[4096];
  if (!path) {
    expand_name(name, sizeof name, 0);
    path = name;
  }
  int rc = write_profile(path);
  int saved = errno;
  unlock_for_writer();
  errno = saved;
  return rc;
}

void dump_numbered() noexcept {
  if (!__atomic_load_n(&g_on, __ATOMIC_ACQUIRE) || !lock_for_writer()) return;
  char name[4096];
  expand_name(name, sizeof name, ++g_dumps);
  write_profile(name);
  unlock_for_writer();
}

void leak_report() noexcept {
  if (!lock_for_writer()) return;
  double bytes = 0, blocks = 0;
  unsigned sites = 0;
  for (unsigned i = 0; i < g_totals.stacks; ++i) {
    Stack& s = g_stacks[i];
    s.shown = 0;
    if (s.hash == 0 || rounded(s.live_b) == 0) continue;
    bytes += s.live_b;
    blocks += s.live_n;
    ++sites;
  }
  err("poolmalloc: heap profiler (pid ");
  err_dec(unsigned(getpid()));
  err("): ");
  if (sites == 0) {
    err("no sampled block is still live at exit\n");
    unlock_for_writer();
    return;
  }
  err_dec(sites);
  err(sites == 1 ? " allocation site still holds about " : " allocation sites still hold about ");
  err_dec(rounded(bytes));
  err(" bytes in ");
  err_dec(rounded(blocks));
  err(" blocks at exit, biggest first:\n");
  constexpr unsigned kShown = 20;
  for (unsigned k = 0; k < kShown && k < sites; ++k) {
    Stack* best = nullptr;
    for (unsigned i = 0; i < g_totals.stacks; ++i) {
      Stack& s = g_stacks[i];
      if (s.hash == 0 || s.shown || rounded(s.live_b) == 0) continue;
      if (!best || s.live_b > best->live_b) best = &s;
    }
    if (!best) break;
    best->shown = 1;
    err("poolmalloc:   ");
    err_dec(rounded(best->live_b));
    err(" bytes in ");
    err_dec(rounded(best->live_n));
    err(" blocks (");
    err_dec(rounded(100 * best->live_b / bytes));
    err("%) at");
    char tmp[24];
    for (unsigned f = 0; f < best->depth && f < 8; ++f) {
      err(" ");
      err(format_hex(tmp, best->frames[f] - (f == 0 ? 1 : 0)));
    }
    err("\n");
  }
  if (sites > kShown) {
    err("poolmalloc:   ... and ");
    err_dec(sites - kShown);
    err(" more sites\n");
  }
  char exe[4096], name[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  exe[n > 0 ? n : 0] = 0;
  expand_name(name, sizeof name, 0);
  unlock_for_writer();
  err("poolmalloc: with function names: google-pprof --text --inuse_space ");
  err(n > 0 ? exe : "PROGRAM");
  err(" ");
  err(name);
  err("\n");
}

}  // namespace pm::prof

extern "C" PM_API int pm_prof_dump(const char* path) noexcept { return pm::prof::dump(path); }
