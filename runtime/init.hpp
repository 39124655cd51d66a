// Lazy process-wide initialisation and the thread-exit hook.
#pragma once

namespace pm {
struct Heap;

// Idempotent; safe when the first call comes from the dynamic loader or a static
// constructor. Returns false only if the process cannot be set up (no memory).
bool runtime_init();
// Registers the heap so that heap_thread_exit runs when the thread ends.
void runtime_thread_started(Heap* heap);
}  // namespace pm
