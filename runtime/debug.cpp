#include "debug.hpp"

#include <stdlib.h>

#include "error.hpp"

namespace pm {

void assert_fail(const char* cond, const char* file, int line) {
  char num[24];
  write_stderr("poolmalloc: internal check failed: ");
  write_stderr(cond);
  write_stderr(" at ");
  write_stderr(file);
  write_stderr(":");
  write_stderr(format_dec(num, static_cast<unsigned long>(line)));
  write_stderr("\n");
  abort();
}

}  // namespace pm
