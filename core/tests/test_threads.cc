/* A little concurrency: shared references, per-thread error slots, calls and
 * type registration from several threads at once. */
#include <atomic>
#include <thread>

#include "test_util.h"

using namespace tvm_ffi_hpy;

TEST(threads, shared_refs_errors_and_types) {
  Array shared{Any(1), Any("shared string value")};
  Function add_one = Function::GetGlobalRequired("testing.add_one");
  Function raise = Function::GetGlobalRequired("testing.test_raise_error");
  std::atomic<int> bad{0};
  std::atomic<int32_t> first_index{-1};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        Any copy = shared;
        Array again = copy.cast<Array>();
        if (add_one(i).cast<int64_t>() != i + 1) ++bad;
        std::string kind = "Kind" + std::to_string(t);
        try {
          raise(kind, "m");
          ++bad;
        } catch (const Error& e) {
          if (e.kind() != kind) ++bad;  // slots are per thread
        }
      }
      TVMFFIByteArray key{"test.ThreadType", 15};
      int32_t index = TVMFFITypeGetOrAllocIndex(&key, -1, 1, 0, 0, kTVMFFIObject);
      int32_t expected = -1;
      if (!first_index.compare_exchange_strong(expected, index) && expected != index) ++bad;
    });
  }
  for (auto& th : threads) th.join();
  CHECK_EQ(bad.load(), 0);
  CHECK_EQ(shared.use_count(), 1u);
  CHECK(first_index.load() >= kTVMFFIDynObjectBegin);
}

TEST(error, cpp_call_path_maps_std_exceptions) {
  Function f = Function::FromTyped([]() { throw std::out_of_range("oops"); });
  CHECK_THROWS(f(), "IndexError", "oops");
  // The payload sits right after the error cell (ABI the HPy side relies on).
  Error e("ValueError", "with payload");
  e.set_payload(Any(int64_t(77)));
  const TVMFFIAny* slot = reinterpret_cast<const TVMFFIAny*>(
      reinterpret_cast<const char*>(e.raw()) + sizeof(TVMFFIObject) + sizeof(TVMFFIErrorCell));
  CHECK_EQ(slot->type_index, int32_t(kTVMFFIInt));
  CHECK_EQ(slot->v_int64, int64_t(77));
}
