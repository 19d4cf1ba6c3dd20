#include <cstring>
#include <exception>

#include "harness.h"

namespace harness {

std::vector<TestCase>& Registry() {
  static std::vector<TestCase> tests;
  return tests;
}

bool Register(const char* group, const char* name, void (*fn)()) {
  Registry().push_back({group, name, fn});
  return true;
}

static int g_failures = 0;

void Fail(const std::string& what, const char* file, int line) {
  ++g_failures;
  std::cerr << "    FAIL " << file << ":" << line << ": " << what << "\n";
}

int& CheckCount() {
  static int count = 0;
  return count;
}

}  // namespace harness

int main(int argc, char** argv) {
  const char* only = argc > 1 ? argv[1] : nullptr;
  int ran = 0, failed_tests = 0;
  for (const harness::TestCase& t : harness::Registry()) {
    if (only && std::strcmp(only, t.group) != 0) continue;
    ++ran;
    int before = harness::g_failures;
    try {
      t.fn();
    } catch (const std::exception& e) {
      harness::Fail(std::string("uncaught exception: ") + e.what(), t.group, 0);
    } catch (...) {
      harness::Fail("uncaught unknown exception", t.group, 0);
    }
    bool ok = harness::g_failures == before;
    failed_tests += ok ? 0 : 1;
    std::cout << (ok ? "[ OK ] " : "[FAIL] ") << t.group << "." << t.name << "\n";
  }
  std::cout << ran << " tests, " << harness::CheckCount() << " checks, " << failed_tests
            << " failed\n";
  if (ran == 0) {
    std::cerr << "no test in group " << (only ? only : "(all)") << "\n";
    return 2;
  }
  return failed_tests == 0 ? 0 : 1;
}
