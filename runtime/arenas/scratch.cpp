// Per-thread scratch arenas: PM_SCRATCH_ARENAS growing bump arenas per thread, in
// initial-exec TLS (zero-initialised, so no constructor runs on first use). A pthread key
// whose destructor gives their chunks back is set the first time a thread uses them.
#include <pthread.h>
#include <string.h>

#include "arenas/common.hpp"

namespace {

constexpr size_t kFirstChunk = 64 * 1024;
constexpr size_t kMaxChunk = 16u << 20;

struct ThreadScratch {
  pm_bump_t arenas[PM_SCRATCH_ARENAS];
  bool ready;
};

thread_local ThreadScratch tl_scratch;

pthread_key_t g_key;
pthread_once_t g_key_once = PTHREAD_ONCE_INIT;
bool g_key_ok = false;

void release_thread(void *arg) {
  auto *ts = static_cast<ThreadScratch *>(arg);
  for (pm_bump_t &b : ts->arenas) pm_bump_destroy(&b);
  ts->ready = false;
}

void make_key() { g_key_ok = pthread_key_create(&g_key, release_thread) == 0; }

ThreadScratch *thread_scratch() {
  ThreadScratch *ts = &tl_scratch;
  if (!ts->ready) {
    pm_bump_options_t opts;
    memset(&opts, 0, sizeof opts);
    opts.grow = 1;
    opts.chunk_size = kFirstChunk;
    opts.max_chunk = kMaxChunk;
    for (pm_bump_t &b : ts->arenas) pm_bump_init(&b, nullptr, 0, &opts);  // no memory yet
    pthread_once(&g_key_once, make_key);
    if (g_key_ok) pthread_setspecific(g_key, ts);
    ts->ready = true;
  }
  return ts;
}

}  // namespace

extern "C" {

PM_API pm_scratch_t pm_scratch_begin(const pm_bump_t *const *conflicts, size_t count) {
  ThreadScratch *ts = thread_scratch();
  for (pm_bump_t &b : ts->arenas) {
    bool taken = false;
    for (size_t i = 0; i < count && !taken; i++) taken = conflicts[i] == &b;
    if (!taken) return pm_scratch_t{&b, pm_bump_mark(&b)};
  }
  return pm_scratch_t{nullptr, pm_bump_mark_t{nullptr, nullptr, 0, 0}};
}

PM_API void pm_scratch_end(pm_scratch_t *scope) {
  if (scope == nullptr || scope->arena == nullptr) return;
  pm_bump_rewind(scope->arena, scope->mark);
  scope->arena = nullptr;
}

}  // extern "C"
