// Thread exit: allocation inside the destructors that run while a thread dies, many short
// threads, and late frees of blocks whose owning thread is gone.
//
// usage: thread_exit [threads=3000]
//
// Each short thread allocates, sets a pthread key whose destructor frees and allocates again
// (re-arming itself for more destructor rounds), and touches a C++ thread_local whose
// destructor uses malloc, new and std::string. Both destructors may run after the allocator
// has retired the thread's heap. A share of every thread's blocks goes to a global list and
// is freed by the main thread and by other threads after the owner exited.
#include "pmtest.h"

#include <pthread.h>

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

namespace {

struct Block { void *p; size_t n; };

std::mutex late_lock;
std::vector<Block> late;            // blocks freed after their thread exited
std::atomic<long> key_dtor_runs{0}, tls_dtor_runs{0}, detached_done{0};
pthread_key_t key;

Block make(size_t n, const char *what)
{
    void *p = malloc(n);
    if (!p) pmt_fail("%s: malloc(%zu) returned NULL", what, n);
    pmt_owned(p, what);
    pmt_fill(p, n);
    return {p, n};
}

void drop(Block b, const char *what)
{
    pmt_check(b.p, b.n, what);
    pmt_owned(b.p, what);
    free(b.p);
}

void keep_for_later(Block b)
{
    std::lock_guard<std::mutex> g(late_lock);
    late.push_back(b);
}

// The key's value: a block that records its destructor round in its size.
struct KeyVal { Block b; int round; };

void key_dtor(void *v)
{
    auto *kv = static_cast<KeyVal *>(v);
    drop(kv->b, "pthread key destructor free");
    key_dtor_runs++;
    // allocate again, both kinds; keep one block for a late free
    char *s = new char[100 + kv->round];
    memset(s, 'k', 100 + kv->round);
    delete[] s;
    keep_for_later(make(24 + 40 * (size_t)kv->round, "pthread key destructor malloc"));
    if (kv->round < 2) {
        // re-arm: glibc runs the destructors again (up to PTHREAD_DESTRUCTOR_ITERATIONS)
        kv->round++;
        kv->b = make(64 << kv->round, "pthread key destructor re-arm");
        pthread_setspecific(key, kv);
    } else {
        pmt_owned(kv, "key value");
        delete kv;
    }
}

// A thread_local whose destructor allocates through every C++ path.
struct TlsObj {
    Block b;
    std::string name;
    TlsObj() : b(make(200, "thread_local constructor")), name(64, 't') {}
    ~TlsObj()
    {
        drop(b, "thread_local destructor free");
        std::vector<std::string> v;
        for (int i = 0; i < 16; i++) v.emplace_back(std::string(40 + i, char('a' + i)));
        for (int i = 0; i < 16; i++)
            if (v[(size_t)i].size() != (size_t)(40 + i) || v[(size_t)i][0] != char('a' + i))
                pmt_fail("thread_local destructor: vector contents lost");
        pmt_owned(v.data(), "thread_local destructor vector");
        keep_for_later(make(3000, "thread_local destructor malloc"));
        tls_dtor_runs++;
    }
};
thread_local TlsObj tls;

void *short_thread(void *arg)
{
    long id = reinterpret_cast<long>(arg);
    uint64_t rng = pmt_seed(7, (uint64_t)id);
    if (tls.name.size() != 64) pmt_fail("thread_local not constructed");
    auto *kv = new KeyVal{make(48, "key value block"), 0};
    pthread_setspecific(key, kv);
    Block mine[8];
    for (auto &m : mine) m = make(1 + (size_t)(pmt_rand(&rng) % 2048), "short thread malloc");
    if (id % 4 == 0) {
        Block big = make(300 << 10, "short thread large malloc");
        keep_for_later(big);
    }
    for (int i = 0; i < 8; i++) {
        if (i % 2) keep_for_later(mine[i]);
        else drop(mine[i], "short thread free");
    }
    return nullptr;
}

void *detached_thread(void *arg)
{
    short_thread(arg);
    // the destructors run after this returns; count completion from a key destructor would be
    // simpler, but a plain counter plus a final wait on both destructor counts does the job
    detached_done++;
    return nullptr;
}

// Free every second late block from a fresh thread, the rest from main.
void *late_freer(void *)
{
    std::lock_guard<std::mutex> g(late_lock);
    for (size_t i = 0; i < late.size(); i += 2) {
        drop(late[i], "late free (other thread)");
        late[i].p = nullptr;
    }
    return nullptr;
}

}  // namespace

int main(int argc, char **argv)
{
    long threads = pmt_arg(argc, argv, 1, 3000);
    pmt_init("thread_exit");
    if (pthread_key_create(&key, key_dtor)) pmt_fail("pthread_key_create failed");

    long detached = 0;
    for (long i = 0; i < threads; i++) {
        pthread_t t;
        if (i % 10 == 9) {
            pthread_attr_t a;
            pthread_attr_init(&a);
            pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
            int e = pthread_create(&t, &a, detached_thread, reinterpret_cast<void *>(i));
            pthread_attr_destroy(&a);
            if (e) pmt_fail("pthread_create (detached): %s", strerror(e));
            detached++;
        } else {
            int e = pthread_create(&t, nullptr, short_thread, reinterpret_cast<void *>(i));
            if (e) pmt_fail("pthread_create: %s", strerror(e));
            pthread_join(t, nullptr);
        }
    }
    // Wait for the detached threads' destructors: each thread runs the key destructor 3 times
    // and the thread_local destructor once. Give up (and fail) after a minute.
    for (int ms = 0; key_dtor_runs.load() < 3 * threads || tls_dtor_runs.load() < threads; ms++) {
        if (ms == 60000)
            pmt_fail("destructors did not all run: %ld of %ld key, %ld of %ld thread_local",
                     key_dtor_runs.load(), 3 * threads, tls_dtor_runs.load(), threads);
        usleep(1000);
    }
    if (detached_done.load() != detached) pmt_fail("detached threads: %ld of %ld done", detached_done.load(), detached);

    pthread_t f;
    pthread_create(&f, nullptr, late_freer, nullptr);
    pthread_join(f, nullptr);
    size_t n = late.size();
    for (size_t i = 1; i < late.size(); i += 2) drop(late[i], "late free (main)");
    late.clear();
    printf("thread_exit: %ld threads (%ld detached), %zu late frees, %ld key and %ld thread_local "
           "destructor runs: OK\n", threads, detached, n, key_dtor_runs.load(), tls_dtor_runs.load());
    return 0;
}
