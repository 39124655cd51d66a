#include "error.hpp"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.hpp"

namespace pm {

void write_stderr(const char* s) {
  int saved = errno;
  size_t n = strlen(s);
  while (n > 0) {
    ssize_t w = write(2, s, n);
    if (w <= 0) break;
    s += w;
    n -= size_t(w);
  }
  errno = saved;
}

char* format_hex(char* buf, unsigned long v) {
  static const char digits[] = "0123456789abcdef";
  char tmp[16];
  int n = 0;
  do {
    tmp[n++] = digits[v & 15];
    v >>= 4;
  } while (v);
  buf[0] = '0';
  buf[1] = 'x';
  for (int i = 0; i < n; ++i) buf[2 + i] = tmp[n - 1 - i];
  buf[2 + n] = 0;
  return buf;
}

char* format_dec(char* buf, unsigned long v) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = char('0' + v % 10);
    v /= 10;
  } while (v);
  for (int i = 0; i < n; ++i) buf[i] = tmp[n - 1 - i];
  buf[n] = 0;
  return buf;
}

void verbose_note(const char* what, unsigned long value) {
  char dec[24];
  write_stderr("poolmalloc: ");
  write_stderr(what);
  write_stderr(" ");
  write_stderr(format_dec(dec, value));
  write_stderr("\n");
}

void report_misuse(Misuse what, const void* ptr, const char* where) {
  const char* text = "heap misuse";
  switch (what) {
    case Misuse::kDoubleFree: text = "double free"; break;
    case Misuse::kInvalidPointer: text = "invalid pointer (not allocated by poolmalloc)"; break;
    case Misuse::kUnalignedPointer: text = "unaligned pointer (not the start of a block)"; break;
    case Misuse::kSizeMismatch: text = "size does not match the block"; break;
    case Misuse::kNewDeleteMismatch: text = "delete/delete[] does not match new/new[]"; break;
    case Misuse::kOverflow: text = "heap overflow (canary after the block overwritten)"; break;
    case Misuse::kWriteAfterFree: text = "write after free (freed block modified)"; break;
    case Misuse::kCorruptLink: text = "free list corrupted (write after free or overflow)"; break;
  }
  char hex[24];
  write_stderr("poolmalloc: ");
  write_stderr(where);
  write_stderr("(): ");
  write_stderr(text);
  write_stderr(": ");
  write_stderr(format_hex(hex, reinterpret_cast<unsigned long>(ptr)));
  write_stderr("\n");
  if (options().misuse_abort || what == Misuse::kCorruptLink) abort();
}

void fatal(const char* message) {
  write_stderr("poolmalloc: fatal: ");
  write_stderr(message);
  write_stderr("\n");
  abort();
}

}  // namespace pm
