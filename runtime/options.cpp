// POOLMALLOC_OPTIONS="key=value,..." and POOLMALLOC_<KEY>=value, parsed without allocating.
// Ignored in setuid/setgid programs. Unknown keys or bad values give one warning line.
#include "options.hpp"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#include "config.hpp"
#include "error.hpp"
#include "policy.hpp"

extern char** environ;

namespace pm {

namespace {
Options g_options = {
    kDefaultDecayMs, true, true, false, false, false, kSegmentSize, 0, 0,
    false, false, 512 * 1024, "poolmalloc.%p.heap", 18, 0,  // heap profiler
    policy::kQuarantineSlots, true,                         // hardened variant
};

struct Key {
  const char* name;
  enum Kind { kBool, kSize, kMs, kThp, kStr, kSignal } kind;
  void* field;
};

const Key kKeys[] = {
    {"decay_ms", Key::kMs, &g_options.decay_ms},
    {"purge", Key::kBool, &g_options.purge},
    {"abort_on_misuse", Key::kBool, &g_options.misuse_abort},
    {"verbose", Key::kBool, &g_options.verbose},
    {"print_stats", Key::kBool, &g_options.print_stats},
    {"stats_json", Key::kBool, &g_options.stats_json},
    {"huge_threshold", Key::kSize, &g_options.huge_threshold},
    {"thp", Key::kThp, &g_options.thp},
    {"reserve_limit", Key::kSize, &g_options.reserve_limit},
    {"prof", Key::kBool, &g_options.prof},
    {"prof_leak", Key::kBool, &g_options.prof_leak},
    {"prof_sample", Key::kSize, &g_options.prof_sample},
    {"prof_file", Key::kStr, &g_options.prof_file},
    {"prof_signal", Key::kSignal, &g_options.prof_signal},
    {"quarantine", Key::kSize, &g_options.quarantine},
    {"zero_on_free", Key::kBool, &g_options.zero_on_free},
};

// A signal by name (SIGUSR2, USR2) or number; 0 when it is none of those.
int parse_signal(const char* s, size_t len) {
  static const struct { const char* name; int number; } kSignals[] = {
      {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"HUP", SIGHUP}, {"PROF", SIGPROF},
      {"URG", SIGURG},   {"WINCH", SIGWINCH}, {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},
  };
  if (len > 3 && !strncasecmp(s, "SIG", 3)) s += 3, len -= 3;
  for (const auto& k : kSignals)
    if (strlen(k.name) == len && !strncasecmp(s, k.name, len)) return k.number;
  int v = 0;
  for (size_t i = 0; i < len; ++i) {
    if (s[i] < '0' || s[i] > '9' || v > 1000) return 0;
    v = v * 10 + (s[i] - '0');
  }
  return v > 0 && v < 65 && v != SIGKILL && v != SIGSTOP ? v : 0;
}

bool parse_size(const char* s, size_t len, size_t* out) {
  if (len == 0) return false;
  size_t v = 0, i = 0;
  for (; i < len && s[i] >= '0' && s[i] <= '9'; ++i) {
    if (v > (SIZE_MAX - 9) / 10) return false;
    v = v * 10 + size_t(s[i] - '0');
  }
  if (i == 0) return false;
  size_t mul = 1;
  if (i < len) {
    char c = s[i] | 0x20;
    if (c == 'k') mul = size_t(1) << 10;
    else if (c == 'm') mul = size_t(1) << 20;
    else if (c == 'g') mul = size_t(1) << 30;
    else return false;
    ++i;
    if (i < len && (s[i] | 0x20) == 'b') ++i;
    if (i != len) return false;
  }
  if (v > SIZE_MAX / mul) return false;
  *out = v * mul;
  return true;
}

bool eq(const char* a, size_t alen, const char* b) { return strlen(b) == alen && !strncasecmp(a, b, alen); }

void warn(const char* what, const char* s, size_t len) {
  char buf[160];
  size_t n = len < 100 ? len : 100;
  memcpy(buf, s, n);
  buf[n] = 0;
  write_stderr("poolmalloc: warning: ");
  write_stderr(what);
  write_stderr(" '");
  write_stderr(buf);
  write_stderr("' ignored\n");
}

void apply(const char* key, size_t klen, const char* val, size_t vlen) {
  for (const Key& k : kKeys) {
    if (!eq(key, klen, k.name)) continue;
    size_t v = 0;
    switch (k.kind) {
      case Key::kBool:
        if (eq(val, vlen, "1") || eq(val, vlen, "true") || eq(val, vlen, "yes") || eq(val, vlen, "on")) {
          *static_cast<bool*>(k.field) = true;
        } else if (eq(val, vlen, "0") || eq(val, vlen, "false") || eq(val, vlen, "no") || eq(val, vlen, "off")) {
          *static_cast<bool*>(k.field) = false;
        } else {
          warn("bad value for option", key, klen + 1 + vlen);
        }
        return;
      case Key::kSize:
      case Key::kMs:
        if (!parse_size(val, vlen, &v)) {
          warn("bad value for option", key, klen + 1 + vlen);
        } else if (k.kind == Key::kMs) {
          *static_cast<uint64_t*>(k.field) = v;
        } else {
          *static_cast<size_t*>(k.field) = v;
        }
        return;
      case Key::kStr:  // the environment outlives us: keep a pointer into it
        if (vlen == 0) {
          warn("bad value for option", key, klen + 1 + vlen);
        } else {
          *static_cast<const char**>(k.field) = val;
          g_options.prof_file_len = vlen;
        }
        return;
      case Key::kSignal:
        if (int sig = parse_signal(val, vlen)) *static_cast<int*>(k.field) = sig;
        else warn("bad value for option", key, klen + 1 + vlen);
        return;
      case Key::kThp:
        if (eq(val, vlen, "default")) *static_cast<int*>(k.field) = 0;
        else if (eq(val, vlen, "never")) *static_cast<int*>(k.field) = 1;
        else if (eq(val, vlen, "madvise") || eq(val, vlen, "always")) *static_cast<int*>(k.field) = 2;
        else warn("bad value for option", key, klen + 1 + vlen);
        return;
    }
  }
  warn("unknown option", key, klen);
}

void parse_list(const char* s) {
  while (*s) {
    const char* end = strchr(s, ',');
    size_t len = end ? size_t(end - s) : strlen(s);
    const char* eqs = static_cast<const char*>(memchr(s, '=', len));
    if (len > 0) {
      if (!eqs) warn("option without value", s, len);
      else apply(s, size_t(eqs - s), eqs + 1, len - size_t(eqs - s) - 1);
    }
    if (!end) break;
    s = end + 1;
  }
}
}  // namespace

const Options& options() { return g_options; }

namespace {
// Applies the POOLMALLOC_* variables: the list first (lists == true), or the per-key ones.
void scan_environment(bool lists) {
  static const char kPrefix[] = "POOLMALLOC_";
  const size_t plen = sizeof(kPrefix) - 1;
  for (char** e = environ; *e; ++e) {
    const char* s = *e;
    if (strncmp(s, kPrefix, plen) != 0) continue;
    const char* eqs = strchr(s, '=');
    if (!eqs) continue;
    const char* key = s + plen;
    size_t klen = size_t(eqs - key);
    bool is_list = eq(key, klen, "OPTIONS");
    if (is_list && lists) parse_list(eqs + 1);
    if (!is_list && !lists) apply(key, klen, eqs + 1, strlen(eqs + 1));
  }
}
}  // namespace

void options_init() {
  if (getauxval(AT_SECURE)) return;  // setuid/setgid: the environment is not trusted
  if (!environ) return;
  scan_environment(true);
  scan_environment(false);  // per-key variables override the list
  if (g_options.huge_threshold < kPoolMax) g_options.huge_threshold = kPoolMax;
  if (g_options.prof_leak || g_options.prof_signal) g_options.prof = true;  // heap profiler
  if (g_options.prof_sample < 1) g_options.prof_sample = 1;
  if (g_options.prof_sample > (size_t{1} << 40)) g_options.prof_sample = size_t{1} << 40;
  if (g_options.quarantine > policy::kQuarantineMax) g_options.quarantine = policy::kQuarantineMax;
  if (g_options.verbose) {
    verbose_note("options: decay_ms", g_options.decay_ms);
    verbose_note("options: purge", g_options.purge);
    verbose_note("options: abort_on_misuse", g_options.misuse_abort);
    verbose_note("options: huge_threshold", g_options.huge_threshold);
    verbose_note("options: thp", unsigned(g_options.thp));
    verbose_note("options: reserve_limit", g_options.reserve_limit);
    verbose_note("options: prof", g_options.prof);
    if (g_options.prof) verbose_note("options: prof_sample", g_options.prof_sample);
    if constexpr (policy::kHardened) {
      verbose_note("options: quarantine", g_options.quarantine);
      verbose_note("options: zero_on_free", g_options.zero_on_free);
    }
  }
}

}  // namespace pm
