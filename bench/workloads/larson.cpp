// Server-like churn (the larson pattern): each thread owns a table of live blocks and
// repeatedly frees a random one and allocates a new one of random size. When a thread has
// done its share it exits and a new thread takes over its table, so blocks outlive the
// thread that allocated them and are freed by a later thread.
// Parameters: threads, slots (per thread), min, max (bytes), ops (per thread generation),
// gens (generations), sized=0|1 (operator delete with the size, C++14 sized delete).
#include <new>
#include <thread>
#include <vector>

#include "workload.hpp"

namespace {

struct Table {
  std::vector<void*> ptrs;
  std::vector<uint32_t> sizes;
  wl::Rng rng{0};
};

struct Params {
  long slots, min, max, ops;
  bool sized;
};

void release(void* p, uint32_t size, bool sized) {
  if (sized)
    ::operator delete(p, size);
  else
    ::operator delete(p);
}

// One generation of work on a table this thread did not create.
void churn(Table* t, const Params& prm) {
  for (long i = 0; i < prm.ops; ++i) {
    const size_t k = t->rng.next() % t->ptrs.size();
    release(t->ptrs[k], t->sizes[k], prm.sized);
    const uint32_t size = static_cast<uint32_t>(t->rng.range(prm.min, prm.max));
    char* p = static_cast<char*>(::operator new(size));
    p[0] = static_cast<char>(i);  // the server writes what it allocates
    p[size - 1] = 1;
    t->ptrs[k] = p;
    t->sizes[k] = size;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const long threads = wl::arg(argc, argv, "threads", 4);
  const long gens = wl::arg(argc, argv, "gens", 10);
  const Params prm{wl::arg(argc, argv, "slots", 1000), wl::arg(argc, argv, "min", 16),
                   wl::arg(argc, argv, "max", 512), wl::arg(argc, argv, "ops", 20000),
                   wl::arg(argc, argv, "sized", 0) != 0};

  std::vector<Table> tables(static_cast<size_t>(threads));
  for (long t = 0; t < threads; ++t) {  // the main thread fills every table first
    Table& tb = tables[static_cast<size_t>(t)];
    tb.rng = wl::Rng(static_cast<uint64_t>(t) + 1);
    for (long i = 0; i < prm.slots; ++i) {
      const uint32_t size = static_cast<uint32_t>(tb.rng.range(prm.min, prm.max));
      tb.ptrs.push_back(::operator new(size));
      tb.sizes.push_back(size);
    }
  }
  // Each generation is a fresh set of threads working on the tables the last one left.
  for (long g = 0; g < gens; ++g) {
    std::vector<std::thread> pool;
    for (long t = 0; t < threads; ++t) pool.emplace_back(churn, &tables[static_cast<size_t>(t)], prm);
    for (auto& th : pool) th.join();
  }
  for (auto& tb : tables)
    for (size_t i = 0; i < tb.ptrs.size(); ++i) release(tb.ptrs[i], tb.sizes[i], prm.sized);
  wl::metric("ops", static_cast<double>(threads * gens * prm.ops), "pairs");
  return 0;
}
