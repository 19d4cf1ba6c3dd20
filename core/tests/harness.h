/*
 * A tiny test harness: TEST(group, name) registers a test; CHECK* record a
 * failure and keep going; an exception escaping a test fails it.
 *   core_tests            runs every group
 *   core_tests <group>    runs one group (one ctest entry per group)
 */
#ifndef TVM_FFI_HPY_TESTS_HARNESS_H_
#define TVM_FFI_HPY_TESTS_HARNESS_H_

#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace harness {

struct TestCase {
  const char* group;
  const char* name;
  void (*fn)();
};

std::vector<TestCase>& Registry();
bool Register(const char* group, const char* name, void (*fn)());
void Fail(const std::string& what, const char* file, int line);
int& CheckCount();

template <typename A, typename B>
void CheckEq(const A& a, const B& b, const char* ea, const char* eb, const char* file, int line) {
  ++CheckCount();
  if (!(a == b)) {
    std::ostringstream os;
    os << "CHECK_EQ(" << ea << ", " << eb << ") failed: " << a << " vs " << b;
    Fail(os.str(), file, line);
  }
}

}  // namespace harness

#define TEST(group, name)                                                               \
  static void test_##group##_##name();                                                  \
  [[maybe_unused]] static const bool registered_##group##_##name =                      \
      ::harness::Register(#group, #name, &test_##group##_##name);                       \
  static void test_##group##_##name()

#define CHECK(cond)                                                 \
  do {                                                              \
    ++::harness::CheckCount();                                      \
    if (!(cond)) ::harness::Fail("CHECK(" #cond ") failed", __FILE__, __LINE__); \
  } while (0)

#define CHECK_EQ(a, b) ::harness::CheckEq((a), (b), #a, #b, __FILE__, __LINE__)

/* Runs `stmt`, expects a tvm_ffi_hpy::Error of `want_kind` whose message
 * contains `want_substr`. */
#define CHECK_THROWS(stmt, want_kind, want_substr)                                                   \
  do {                                                                                     \
    ++::harness::CheckCount();                                                             \
    bool thrown_ = false;                                                                  \
    try {                                                                                  \
      stmt;                                                                                \
    } catch (const ::tvm_ffi_hpy::Error& e_) {                                             \
      thrown_ = true;                                                                      \
      if (e_.kind() != (want_kind) ||                                                   \
          e_.message().find(want_substr) == std::string_view::npos) {    \
        ::harness::Fail(std::string("unexpected error from `" #stmt "`: ") + e_.what(),    \
                        __FILE__, __LINE__);                                               \
      }                                                                                    \
    }                                                                                      \
    if (!thrown_) ::harness::Fail("`" #stmt "` did not throw", __FILE__, __LINE__);        \
  } while (0)

#endif  // TVM_FFI_HPY_TESTS_HARNESS_H_
