// Producer/consumer (the xmalloc-test pattern): producer threads allocate batches of
// blocks of random small sizes and queue them; consumer threads take batches and free
// every block, so nearly every free happens on a thread other than the allocating one.
// A batch is a linked list threaded through its own blocks: the queue allocates nothing.
// Parameters: producers, consumers, batches (per producer), batch (blocks), min, max,
// depth (most batches queued before producers wait).
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "workload.hpp"

namespace {

struct Block {
  Block* next;
};

struct Queue {
  std::mutex mu;
  std::condition_variable not_empty, not_full;
  std::deque<Block*> batches;  // its own few allocations are noise beside the blocks
  size_t depth = 0;
  long producers_left = 0;
};

void produce(Queue* q, long id, long batches, long batch, long min, long max) {
  wl::Rng rng(static_cast<uint64_t>(id) + 101);
  for (long b = 0; b < batches; ++b) {
    Block* head = nullptr;
    for (long i = 0; i < batch; ++i) {
      const size_t size = rng.range(static_cast<uint64_t>(min), static_cast<uint64_t>(max));
      Block* blk = static_cast<Block*>(std::malloc(size));
      if (blk == nullptr) wl::oom("xmalloc");
      blk->next = head;
      head = blk;
    }
    std::unique_lock<std::mutex> lock(q->mu);
    q->not_full.wait(lock, [q] { return q->batches.size() < q->depth; });
    q->batches.push_back(head);
    q->not_empty.notify_one();
  }
  std::lock_guard<std::mutex> lock(q->mu);
  if (--q->producers_left == 0) q->not_empty.notify_all();
}

void consume(Queue* q, long* freed) {
  for (;;) {
    Block* head;
    {
      std::unique_lock<std::mutex> lock(q->mu);
      q->not_empty.wait(lock, [q] { return !q->batches.empty() || q->producers_left == 0; });
      if (q->batches.empty()) return;
      head = q->batches.front();
      q->batches.pop_front();
      q->not_full.notify_one();
    }
    while (head != nullptr) {
      Block* next = head->next;
      std::free(head);
      head = next;
      ++*freed;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const long producers = wl::arg(argc, argv, "producers", 2);
  const long consumers = wl::arg(argc, argv, "consumers", 2);
  const long batches = wl::arg(argc, argv, "batches", 20000);
  const long batch = wl::arg(argc, argv, "batch", 64);
  const long min = wl::arg(argc, argv, "min", 16), max = wl::arg(argc, argv, "max", 256);
  Queue q;
  q.depth = static_cast<size_t>(wl::arg(argc, argv, "depth", 64));
  q.producers_left = producers;

  std::vector<long> freed(static_cast<size_t>(consumers), 0);
  std::vector<std::thread> pool;
  for (long c = 0; c < consumers; ++c) pool.emplace_back(consume, &q, &freed[static_cast<size_t>(c)]);
  for (long p = 0; p < producers; ++p) pool.emplace_back(produce, &q, p, batches, batch, min, max);
  for (auto& th : pool) th.join();

  long total = 0;
  for (long f : freed) total += f;
  if (total != producers * batches * batch) {
    std::fprintf(stderr, "xmalloc: freed %ld of %ld blocks\n", total, producers * batches * batch);
    return 1;
  }
  wl::metric("blocks", static_cast<double>(total), "blocks");
  return 0;
}
