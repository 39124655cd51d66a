// Reports of heap misuse and fatal conditions: a clear line on stderr, then abort.
#pragma once
#include <cstddef>

namespace pm {

enum class Misuse {
  kDoubleFree,
  kInvalidPointer,
  kUnalignedPointer,
  kSizeMismatch,
  kNewDeleteMismatch,  // delete of new[], delete[] of new
  kOverflow,           // the canary or the record after a block was overwritten
  kWriteAfterFree,     // a freed block changed while it was free
  kCorruptLink,        // a free-list link points outside its page: never safe to go on
};

// One line on stderr naming the misuse, the call and the address, then abort. With
// abort_on_misuse=0 it prints and returns, and the caller leaves the block alone (leaks it),
// except for kCorruptLink, which always aborts.
void report_misuse(Misuse what, const void* ptr, const char* where);
[[noreturn]] void fatal(const char* message);
// Write a NUL-terminated string to stderr without stdio or allocation.
void write_stderr(const char* s);
// One diagnostic line when the verbose option is on: "poolmalloc: <what> <value>".
void verbose_note(const char* what, unsigned long value);
// Formats v in hex into buf (at least 19 bytes); returns buf.
char* format_hex(char* buf, unsigned long v);
// Formats v in decimal into buf (at least 21 bytes); returns buf.
char* format_dec(char* buf, unsigned long v);

}  // namespace pm
