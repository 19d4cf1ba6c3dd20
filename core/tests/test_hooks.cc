/* The reference-count transition hook and run-time (py_class) types. */
#include <cstdlib>
#include <vector>

#include "test_util.h"

using namespace tvm_ffi_hpy;

namespace {

std::vector<std::pair<TVMFFIObject*, uint32_t>> g_events;

void HookedDeleteSpace(TVMFFICustomAllocHeader* header) {
  std::free(reinterpret_cast<char*>(header) - 8);
}

void* HookedAllocate(void*, size_t size) {
  char* block = static_cast<char*>(std::calloc(1, 16 + size));
  auto* header = reinterpret_cast<TVMFFICustomAllocHeader*>(block + 8);
  header->delete_space = &HookedDeleteSpace;
  return header + 1;
}

const TVMFFICustomAllocator kHooked = {nullptr, &HookedAllocate};

void Record(TVMFFIObject* obj, uint32_t new_strong) { g_events.emplace_back(obj, new_strong); }

struct HookScope {
  HookScope() {
    g_events.clear();
    TVMFFISetCustomAllocator(&kHooked);
    TVMFFISetRefTransitionHook(&HookedDeleteSpace, &Record);
  }
  ~HookScope() {
    TVMFFISetRefTransitionHook(nullptr, nullptr);
    TVMFFISetCustomAllocator(nullptr);
  }
};

}  // namespace

TEST(hooks, transitions_one_two_one) {
  HookScope scope;
  Array arr({Any(int64_t(1))});
  TVMFFIObject* h = details::HeaderOf(arr.get());
  CHECK_EQ(g_events.size(), size_t(0));
  {
    Array copy = arr;  // 1 -> 2
    CHECK_EQ(g_events.size(), size_t(1));
    CHECK(g_events[0].first == h);
    CHECK_EQ(g_events[0].second, uint32_t(2));
    Array third = arr;  // 2 -> 3: not reported
    CHECK_EQ(g_events.size(), size_t(1));
  }  // 3 -> 2 (not reported), 2 -> 1 (reported)
  CHECK_EQ(g_events.size(), size_t(2));
  CHECK_EQ(g_events[1].second, uint32_t(1));
  TVMFFIObjectIncRef(h);  // through the C ABI too
  TVMFFIObjectDecRef(h);
  CHECK_EQ(g_events.size(), size_t(4));
}

TEST(hooks, other_allocators_not_reported) {
  Array before({Any(int64_t(1))});  // made with the default allocator
  HookScope scope;
  Array copy = before;
  CHECK_EQ(g_events.size(), size_t(0));
}

TEST(hooks, removed_hook_is_silent) {
  HookScope scope;
  Array arr({Any(int64_t(1))});
  TVMFFISetRefTransitionHook(nullptr, nullptr);
  Array copy = arr;
  CHECK_EQ(g_events.size(), size_t(0));
}

TEST(py_class, define_and_create) {
  Function define = Function::GetGlobalRequired("ffi.DefinePyClass");
  Function make = Function::GetGlobalRequired("ffi.NewPyClassObject");
  int64_t base = define(String("core_test.PyBase"), int64_t(kTVMFFIObject),
                        Array({Any(String("a")), Any(String("b"))}), false, Array())
                     .cast<int64_t>();
  int64_t derived = define(String("core_test.PyDerived"), base, Array({Any(String("c"))}), true,
                           Array({Any(int64_t(kTVMFFIFieldFlagBitMaskReprOff))}))
                        .cast<int64_t>();
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(int32_t(derived));
  CHECK_EQ(info->type_depth, int32_t(2));
  CHECK_EQ(info->num_fields, int32_t(1));
  CHECK_EQ(info->fields[0].offset, int64_t(32 + 2 * 16));
  CHECK_EQ(info->fields[0].flags & kTVMFFIFieldFlagBitMaskWritable, int64_t(0));
  CHECK(info->fields[0].flags & kTVMFFIFieldFlagBitMaskReprOff);
  Any obj = make(derived, int64_t(1), String("two"), Array({Any(int64_t(3))}));
  ObjectRef ref = obj.cast<ObjectRef>();
  CHECK_EQ(details::HeaderOf(ref.get())->type_index, int32_t(derived));
  const TVMFFIFieldInfo& b = TVMFFIGetTypeInfo(int32_t(base))->fields[1];
  TVMFFIAny out{};
  CHECK_EQ(b.getter(const_cast<char*>(reinterpret_cast<const char*>(ref.get())) + b.offset, &out), 0);
  Any got = Any::FromRawOwned(out);
  CHECK(got.cast<String>().view() == "two");
  CHECK_THROWS(make(derived, int64_t(1)), "TypeError", "takes 3 field values");
  CHECK_THROWS(define(String("core_test.PyBase"), int64_t(kTVMFFIObject), Array(), false, Array()),
               "ValueError", "already registered");
}
