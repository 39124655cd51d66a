// The statistics report. Formatting goes into a small buffer on the stack that is flushed to
// a file descriptor (write(2)) or a FILE: no allocation, so it can run at exit from any
// thread, and under LD_PRELOAD even after stdio has been torn down.
#include "report.hpp"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "error.hpp"
#include "options.hpp"
#include "poolmalloc_stats.h"
#include "stats.hpp"

namespace pm {

namespace {
class Out {
 public:
  explicit Out(int fd) : fd_(fd), file_(nullptr) {}
  explicit Out(FILE* f) : fd_(-1), file_(f) {}
  ~Out() { flush(); }
  Out(const Out&) = delete;
  Out& operator=(const Out&) = delete;

  void put(const char* s) {
    while (*s) {
      if (n_ == sizeof buf_) flush();
      buf_[n_++] = *s++;
    }
  }
  // v in decimal, right-aligned in `width` columns.
  void dec(size_t v, int width = 0) {
    char s[24];
    format_dec(s, v);
    for (int i = int(strlen(s)); i < width; ++i) put(" ");
    put(s);
  }
  // "key":value for JSON, with a leading comma unless first.
  void field(const char* key, size_t v, bool first = false) {
    if (!first) put(",");
    put("\"");
    put(key);
    put("\":");
    dec(v);
  }
  // A text line: label, the figure right-aligned, a short note.
  void row(const char* label, size_t v, const char* note) {
    put("  ");
    put(label);
    for (size_t i = strlen(label); i < 10; ++i) put(" ");
    dec(v, 16);
    put("  ");
    put(note);
    put("\n");
  }
  bool ok() const { return err_ == 0; }
  int err() const { return err_; }

  void flush() {
    if (n_ == 0) return;
    if (err_) {  // a closed or full descriptor: drop the rest
      n_ = 0;
      return;
    }
    if (file_) {
      if (fwrite(buf_, 1, n_, file_) != n_ && !err_) err_ = EIO;
    } else {
      size_t done = 0;
      while (done < n_) {
        ssize_t w = write(fd_, buf_ + done, n_ - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
          if (!err_) err_ = w < 0 ? errno : EIO;
          break;
        }
        done += size_t(w);
      }
    }
    n_ = 0;
  }

 private:
  int fd_;
  FILE* file_;
  size_t n_ = 0;
  int err_ = 0;
  char buf_[512];
};

void report_text(Out& o, const pm_stats_t& s) {
  o.put("poolmalloc statistics (bytes unless noted)\n");
  o.row("allocated", s.allocated, "in live blocks (pool block, large span, huge mapping)");
  o.row("active", s.active, "in pages and spans holding live blocks");
  o.row("resident", s.resident, "estimate: mapped less free memory known not resident");
  o.row("mapped", s.mapped, "address space mapped");
  o.row("purged", s.purged, "given back to the system so far (cumulative)");
  o.row("peak", s.peak, "highest allocated seen by a statistics call");
  o.put("  pool:  ");
  o.dec(s.pool_blocks);
  o.put(" blocks, ");
  o.dec(s.pool_allocated);
  o.put(" bytes, ");
  o.dec(s.pool_pages);
  o.put(" pages, ");
  o.dec(s.pool_free_pages);
  o.put(" free pages, ");
  o.dec(s.pool_segments);
  o.put(" segments\n  large: ");
  o.dec(s.large_blocks);
  o.put(" blocks, ");
  o.dec(s.large_allocated);
  o.put(" bytes, ");
  o.dec(s.large_free);
  o.put(" free, ");
  o.dec(s.large_mapped);
  o.put(" mapped, ");
  o.dec(s.large_segments);
  o.put(" segments\n  huge:  ");
  o.dec(s.huge_blocks);
  o.put(" blocks, ");
  o.dec(s.huge_allocated);
  o.put(" bytes, ");
  o.dec(s.huge_cached);
  o.put(" cached\n  heaps: ");
  o.dec(s.heaps);
  o.put(" (");
  o.dec(s.threads);
  o.put(" threads, ");
  o.dec(s.orphaned_heaps);
  o.put(" orphaned)\n");
  o.put("  class  block size        blocks           bytes   pages   fill%\n");
  for (unsigned c = 0; c < s.nclasses; ++c) {
    const pm_class_stats& k = s.classes[c];
    if (k.pages == 0 && k.blocks == 0) continue;
    o.dec(c, 7);
    o.dec(k.block_size, 12);
    o.dec(k.blocks, 14);
    o.dec(k.bytes, 16);
    o.dec(k.pages, 8);
    o.dec(k.capacity ? k.blocks * 100 / k.capacity : 0, 8);
    o.put("\n");
  }
}

void report_json(Out& o, const pm_stats_t& s) {
  o.put("{");
  o.field("allocated", s.allocated, true);
  o.field("active", s.active);
  o.field("resident", s.resident);
  o.field("mapped", s.mapped);
  o.field("purged", s.purged);
  o.field("peak", s.peak);
  o.field("segments", s.segments);
  o.put(",\"pool\":{");
  o.field("allocated", s.pool_allocated, true);
  o.field("blocks", s.pool_blocks);
  o.field("pages", s.pool_pages);
  o.field("free_pages", s.pool_free_pages);
  o.field("segments", s.pool_segments);
  o.put("},\"large\":{");
  o.field("allocated", s.large_allocated, true);
  o.field("blocks", s.large_blocks);
  o.field("free", s.large_free);
  o.field("mapped", s.large_mapped);
  o.field("segments", s.large_segments);
  o.put("},\"huge\":{");
  o.field("allocated", s.huge_allocated, true);
  o.field("blocks", s.huge_blocks);
  o.field("cached", s.huge_cached);
  o.put("},\"heaps\":{");
  o.field("total", s.heaps, true);
  o.field("threads", s.threads);
  o.field("orphaned", s.orphaned_heaps);
  o.put("},\"classes\":[");
  bool first = true;
  for (unsigned c = 0; c < s.nclasses; ++c) {
    const pm_class_stats& k = s.classes[c];
    if (k.pages == 0 && k.blocks == 0) continue;
    o.put(first ? "{" : ",{");
    first = false;
    o.field("class", c, true);
    o.field("block_size", k.block_size);
    o.field("blocks", k.blocks);
    o.field("bytes", k.bytes);
    o.field("pages", k.pages);
    o.field("capacity", k.capacity);
    o.put("}");
  }
  o.put("]}\n");
}

void report(Out& o, bool json) {
  NoCancel no_cancel;  // noexcept entry points: see stats.hpp
  pm_stats_t s;
  stats_collect(&s);
  if (json) report_json(o, s);
  else report_text(o, s);
  o.flush();
}
}  // namespace

int stats_report_fd(int fd, bool json) {
  Out o(fd);
  report(o, json);
  if (o.ok()) return 0;
  errno = o.err();
  return -1;
}

void stats_report_file(FILE* out, bool json) {
  Out o(out);
  report(o, json);
}

void stats_print_at_exit() {
  int saved = errno;
  stats_report_fd(2, options().stats_json);
  errno = saved;
}

}  // namespace pm

extern "C" {

PM_STATS_API void pm_stats_print(FILE* out, int json) noexcept {
  pm::stats_report_file(out ? out : stderr, json != 0);
}

PM_STATS_API int pm_stats_write(int fd, int json) noexcept { return pm::stats_report_fd(fd, json != 0); }

}  // extern "C"
