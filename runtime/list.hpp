// The one intrusive doubly linked list of the runtime. Every queue of metadata (page queues,
// dirty pages, segments with free slots, large-arena bins, backend bins and age list, the
// registries) is a List over link fields of the element itself, so no list ever allocates.
// An element may sit on several lists at once through different link fields.
//
// Invariants (PM_ASSERT in debug builds): first == nullptr iff last == nullptr; first has no
// prev and last has no next; an element being pushed is on no list of that link pair.
#pragma once
#include "debug.hpp"

namespace pm {

template <class T, T* T::*Next = &T::next, T* T::*Prev = &T::prev>
struct List {
  T* first = nullptr;
  T* last = nullptr;

  bool empty() const { return first == nullptr; }

  void push_front(T* x) {
    PM_ASSERT(x->*Prev == nullptr && x != first);
    x->*Prev = nullptr;
    x->*Next = first;
    if (first) first->*Prev = x;
    else last = x;
    first = x;
  }

  void push_back(T* x) {
    PM_ASSERT(x != last);
    x->*Next = nullptr;
    x->*Prev = last;
    if (last) last->*Next = x;
    else first = x;
    last = x;
  }

  void remove(T* x) {
    PM_ASSERT(x->*Prev ? x->*Prev->*Next == x : first == x);
    PM_ASSERT(x->*Next ? x->*Next->*Prev == x : last == x);
    if (x->*Prev) x->*Prev->*Next = x->*Next;
    else first = x->*Next;
    if (x->*Next) x->*Next->*Prev = x->*Prev;
    else last = x->*Prev;
    x->*Next = x->*Prev = nullptr;
  }
};

}  // namespace pm
