// operator new calls the new-handler until it succeeds or there is none, then throws
// std::bad_alloc; the nothrow forms do the same and return nullptr instead of throwing.
#include <cstdint>
#include <new>

#include "api_libc_heap.hpp"

using namespace pmtest;

namespace {

int g_handler_calls = 0;

// Counts its calls; the third one removes itself, so the next failure throws.
void counting_handler() {
  if (++g_handler_calls == 3) std::set_new_handler(nullptr);
}

struct HandlerThrew : std::bad_alloc {};
void throwing_handler() {
  ++g_handler_calls;
  throw HandlerThrew();
}

const size_t kImpossible = SIZE_MAX / 2;  // no heap can serve it
constexpr std::align_val_t kAlign{256};

class ApiNewHandler : public testing::Test {
 protected:
  void SetUp() override { g_handler_calls = 0; }
  void TearDown() override { std::set_new_handler(nullptr); }

  // `allocate` must throw std::bad_alloc after the handler ran exactly three times.
  template <class F>
  void expect_three_calls_then_bad_alloc(F allocate) {
    g_handler_calls = 0;
    std::set_new_handler(counting_handler);
    bool threw = false;
    try {
      void* volatile p = allocate();
      ADD_FAILURE() << "impossible allocation succeeded: " << p;
    } catch (const std::bad_alloc&) {
      threw = true;
    }
    EXPECT_TRUE(threw);
    EXPECT_EQ(g_handler_calls, 3);
  }

  // The nothrow forms are "as if" the throwing ones: same handler calls, then nullptr.
  template <class F>
  void expect_three_calls_then_null(F allocate) {
    g_handler_calls = 0;
    std::set_new_handler(counting_handler);
    void* p = allocate();
    EXPECT_EQ(p, nullptr);
    EXPECT_EQ(g_handler_calls, 3);
  }
};

}  // namespace

TEST_F(ApiNewHandler, NewCallsHandlerThenThrows) {
  expect_three_calls_then_bad_alloc([] { return ::operator new(opaque(kImpossible)); });
}
TEST_F(ApiNewHandler, ArrayNewCallsHandlerThenThrows) {
  expect_three_calls_then_bad_alloc([] { return ::operator new[](opaque(kImpossible)); });
}
TEST_F(ApiNewHandler, AlignedNewCallsHandlerThenThrows) {
  expect_three_calls_then_bad_alloc(
      [] { return ::operator new(opaque(kImpossible), kAlign); });
}
TEST_F(ApiNewHandler, AlignedArrayNewCallsHandlerThenThrows) {
  expect_three_calls_then_bad_alloc(
      [] { return ::operator new[](opaque(kImpossible), kAlign); });
}
TEST_F(ApiNewHandler, NothrowNewCallsHandlerThenReturnsNull) {
  expect_three_calls_then_null(
      [] { return ::operator new(opaque(kImpossible), std::nothrow); });
}
TEST_F(ApiNewHandler, NothrowArrayNewCallsHandlerThenReturnsNull) {
  expect_three_calls_then_null(
      [] { return ::operator new[](opaque(kImpossible), std::nothrow); });
}
TEST_F(ApiNewHandler, AlignedNothrowNewCallsHandlerThenReturnsNull) {
  expect_three_calls_then_null(
      [] { return ::operator new(opaque(kImpossible), kAlign, std::nothrow); });
}
TEST_F(ApiNewHandler, AlignedNothrowArrayNewCallsHandlerThenReturnsNull) {
  expect_three_calls_then_null(
      [] { return ::operator new[](opaque(kImpossible), kAlign, std::nothrow); });
}

// Without a handler: bad_alloc at once; nothrow gives nullptr.
TEST_F(ApiNewHandler, NoHandlerThrowsAtOnce) {
  std::set_new_handler(nullptr);
  EXPECT_THROW((void)::operator new(opaque(kImpossible)), std::bad_alloc);
  EXPECT_THROW((void)::operator new[](opaque(kImpossible), kAlign), std::bad_alloc);
  EXPECT_EQ(::operator new(opaque(kImpossible), std::nothrow), nullptr);
  EXPECT_EQ(::operator new[](opaque(kImpossible), kAlign, std::nothrow), nullptr);
  char* arr = new (std::nothrow) char[opaque(kImpossible)];
  EXPECT_EQ(opaque(arr), nullptr);  // escapes, so the new-expression cannot be elided
}

// An exception thrown by the handler propagates out of operator new unchanged.
TEST_F(ApiNewHandler, HandlerExceptionPropagates) {
  std::set_new_handler(throwing_handler);
  EXPECT_THROW((void)::operator new(opaque(kImpossible)), HandlerThrew);
  EXPECT_EQ(g_handler_calls, 1);
  // The nothrow form turns it into nullptr.
  EXPECT_EQ(::operator new(opaque(kImpossible), std::nothrow), nullptr);
  EXPECT_EQ(g_handler_calls, 2);
}
