// In the style of rpmalloc's benchmark (rptest): each thread keeps a large live set of
// blocks of random size (16 B .. 16 KiB, log-uniform, so most are small) and replaces
// them at random for a fixed number of loops. A share of the blocks a thread would free is
// handed to the next thread instead, which frees them (cross-thread frees). Fixed work,
// timed as a whole. Each block carries a tag that is checked before it is freed.
// Parameters: threads, live (blocks per thread), ops (replacements per loop), loops,
// cross (percent of frees handed over), batch (blocks per hand-over), min, max (bytes).
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "workload.hpp"

namespace {

struct Inbox {
  std::mutex m;
  std::vector<void*> items;
};

struct Params {
  long threads, live, ops, loops, cross, batch, min, max;
};

size_t random_size(wl::Rng& rng, const Params& p) {
  // log-uniform: a power of two between min and max, then uniform within it
  const int lo = 63 - __builtin_clzll(static_cast<unsigned long long>(p.min));
  const int hi = 63 - __builtin_clzll(static_cast<unsigned long long>(p.max));
  const int e = lo + static_cast<int>(rng.next() % static_cast<uint64_t>(hi - lo + 1));
  size_t s = (size_t{1} << e) + rng.next() % (size_t{1} << e);
  if (s < static_cast<size_t>(p.min)) s = static_cast<size_t>(p.min);
  if (s > static_cast<size_t>(p.max)) s = static_cast<size_t>(p.max);
  return s;
}

void* make(size_t size, uint64_t tag) {
  auto* p = static_cast<uint64_t*>(std::malloc(size));
  if (p == nullptr) wl::oom("rptest");
  p[0] = tag | size;  // the tag in the top byte, the size below it
  static_cast<char*>(static_cast<void*>(p))[size - 1] = 7;
  return p;
}

void check_free(void* v) {
  auto* p = static_cast<uint64_t*>(v);
  const size_t size = p[0] & ((uint64_t{1} << 56) - 1);
  if ((p[0] >> 56) != 0xA5 || size < 16 || static_cast<char*>(v)[size - 1] != 7) {
    std::fprintf(stderr, "rptest: block %p corrupted\n", v);
    std::exit(3);
  }
  std::free(v);
}

void drain(Inbox& in, std::vector<void*>& scratch) {
  {
    std::lock_guard<std::mutex> g(in.m);
    scratch.swap(in.items);
  }
  for (void* p : scratch) check_free(p);
  scratch.clear();
}

void worker(long id, const Params& p, std::vector<Inbox>* boxes) {
  wl::Rng rng(static_cast<uint64_t>(id) + 101);
  const uint64_t tag = 0xA5ull << 56;
  std::vector<void*> live(static_cast<size_t>(p.live));
  for (auto& b : live) b = make(random_size(rng, p), tag);
  std::vector<void*> out, scratch;
  out.reserve(static_cast<size_t>(p.batch));
  Inbox& next = (*boxes)[static_cast<size_t>((id + 1) % p.threads)];
  Inbox& mine = (*boxes)[static_cast<size_t>(id)];
  for (long l = 0; l < p.loops; ++l) {
    for (long i = 0; i < p.ops; ++i) {
      void*& slot = live[rng.next() % live.size()];
      if (p.threads > 1 && static_cast<long>(rng.next() % 100) < p.cross) {
        out.push_back(slot);
        if (static_cast<long>(out.size()) >= p.batch) {
          std::lock_guard<std::mutex> g(next.m);
          next.items.insert(next.items.end(), out.begin(), out.end());
          out.clear();
        }
      } else {
        check_free(slot);
      }
      slot = make(random_size(rng, p), tag);
    }
    drain(mine, scratch);
  }
  for (void* b : out) check_free(b);
  for (void* b : live) check_free(b);
}

}  // namespace

int main(int argc, char** argv) {
  const Params p{wl::arg(argc, argv, "threads", 2), wl::arg(argc, argv, "live", 16384),
                 wl::arg(argc, argv, "ops", 100000), wl::arg(argc, argv, "loops", 20),
                 wl::arg(argc, argv, "cross", 10), wl::arg(argc, argv, "batch", 64),
                 wl::arg(argc, argv, "min", 16), wl::arg(argc, argv, "max", 16384)};
  if (p.threads < 1 || p.live < 1 || p.min < 16 || p.max < p.min || p.batch < 1) {
    std::fprintf(stderr, "rptest: bad parameters\n");
    return 1;
  }
  std::vector<Inbox> boxes(static_cast<size_t>(p.threads));
  std::vector<std::thread> pool;
  for (long t = 0; t < p.threads; ++t) pool.emplace_back(worker, t, std::cref(p), &boxes);
  for (auto& th : pool) th.join();
  std::vector<void*> scratch;
  for (auto& b : boxes) drain(b, scratch);  // what was handed over after the last drain
  wl::metric("ops", static_cast<double>(p.threads * p.loops * p.ops), "replacements");
  return 0;
}
