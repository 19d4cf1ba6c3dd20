/* Reference counts, deleter flags, weak references, live count, allocators. */
#include <cstdlib>
#include <cstring>

#include "test_util.h"

using namespace tvm_ffi_hpy;

namespace {

std::vector<int> g_deleter_flags;
void RecordingDeleter(void*, int flags) { g_deleter_flags.push_back(flags); }

TVMFFIObject FreshRawObject() {
  TVMFFIObject obj{};
  obj.combined_ref_count = details::kFreshRefCount;
  obj.type_index = kTVMFFIObject;
  obj.deleter = &RecordingDeleter;
  return obj;
}

class CounterObj : public Object {
 public:
  static int destroyed;
  int64_t value = 0;
  explicit CounterObj(int64_t v) : value(v) {}
  ~CounterObj() { ++destroyed; }
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("test.Counter", CounterObj, Object)
};
int CounterObj::destroyed = 0;

}  // namespace

TEST(object, deleter_flags) {
  // Unique object: one call with both flags.
  g_deleter_flags.clear();
  TVMFFIObject a = FreshRawObject();
  TVMFFIObjectDecRef(&a);
  CHECK_EQ(g_deleter_flags.size(), size_t(1));
  CHECK_EQ(g_deleter_flags[0], int(kTVMFFIObjectDeleterFlagBitMaskBoth));

  // Two strong references: nothing until the last one goes.
  g_deleter_flags.clear();
  TVMFFIObject b = FreshRawObject();
  TVMFFIObjectIncRef(&b);
  CHECK_EQ(b.combined_ref_count, details::kFreshRefCount + 1);
  TVMFFIObjectDecRef(&b);
  CHECK(g_deleter_flags.empty());
  TVMFFIObjectDecRef(&b);
  CHECK_EQ(g_deleter_flags.size(), size_t(1));

  // A weak reference splits destruction (Strong) from freeing (Weak).
  g_deleter_flags.clear();
  TVMFFIObject c = FreshRawObject();
  details::IncWeak(&c);
  TVMFFIObjectDecRef(&c);
  CHECK_EQ(g_deleter_flags.size(), size_t(1));
  CHECK_EQ(g_deleter_flags[0], int(kTVMFFIObjectDeleterFlagBitMaskStrong));
  details::DecWeak(&c);
  CHECK_EQ(g_deleter_flags.size(), size_t(2));
  CHECK_EQ(g_deleter_flags[1], int(kTVMFFIObjectDeleterFlagBitMaskWeak));
}

TEST(object, object_ptr_counts) {
  CounterObj::destroyed = 0;
  ObjectPtr<CounterObj> p = make_object<CounterObj>(7);
  CHECK_EQ(p.use_count(), 1u);
  CHECK_EQ(p->type_index(), CounterObj::RuntimeTypeIndex());
  CHECK(CounterObj::RuntimeTypeIndex() >= kTVMFFIDynObjectBegin);
  CHECK(p->type_key() == "test.Counter");
  {
    ObjectPtr<CounterObj> q = p;
    CHECK_EQ(p.use_count(), 2u);
    ObjectPtr<Object> base = q;
    CHECK_EQ(p.use_count(), 3u);
  }
  CHECK_EQ(p.use_count(), 1u);
  ObjectRef ref(p);
  CHECK_EQ(ref.use_count(), 2u);
  CHECK(ref.as<CounterObj>() != nullptr);
  CHECK_EQ(ref.as<CounterObj>()->value, int64_t(7));
  CHECK(ref.as<StringObj>() == nullptr);
  p.reset();
  CHECK_EQ(CounterObj::destroyed, 0);
  ref = ObjectRef();
  CHECK_EQ(CounterObj::destroyed, 1);
  // Copying an object's value never copies its header.
  ObjectPtr<CounterObj> x = make_object<CounterObj>(1);
  ObjectPtr<CounterObj> x2 = x;
  ObjectPtr<CounterObj> y = make_object<CounterObj>(*x);
  CHECK_EQ(y.use_count(), 1u);
}

TEST(object, weak_ptr) {
  CounterObj::destroyed = 0;
  ObjectPtr<CounterObj> p = make_object<CounterObj>(3);
  WeakObjectPtr<CounterObj> w(p);
  CHECK_EQ(p->weak_use_count(), 2u);
  CHECK(w.lock().get() == p.get());
  CHECK(!w.expired());
  p.reset();
  CHECK_EQ(CounterObj::destroyed, 1);
  CHECK(w.expired());
  CHECK(w.lock() == nullptr);
  w.reset();  // frees the memory (ASan would notice a leak or double free)
}

TEST(object, live_count) {
  int64_t base = TVMFFIGetLiveObjectCount();
  {
    ObjectPtr<CounterObj> a = make_object<CounterObj>(1);
    String s(std::string(40, 'x'));
    Array arr{Any(1), Any(2)};
    CHECK_EQ(TVMFFIGetLiveObjectCount(), base + 3);
    String small("abc");  // inline: no object
    CHECK_EQ(TVMFFIGetLiveObjectCount(), base + 3);
  }
  CHECK_EQ(TVMFFIGetLiveObjectCount(), base);
}

/* ---------------------------------------------------------------------- */
/* Allocators                                                              */
/* ---------------------------------------------------------------------- */
namespace {

constexpr size_t kExtra = 16;
int g_allocs = 0, g_frees = 0;
const char kMarker[9] = "COUNTING";

void CountingDelete(TVMFFICustomAllocHeader* header) {
  ++g_frees;
  char* block = reinterpret_cast<char*>(header) - kExtra;
  if (std::memcmp(block, kMarker, 8) != 0) std::abort();
  std::free(block);
}

void* CountingAllocate(void* ctx, size_t size) {
  ++*static_cast<int*>(ctx);
  char* block = static_cast<char*>(std::calloc(1, kExtra + sizeof(TVMFFICustomAllocHeader) + size));
  std::memcpy(block, kMarker, 8);
  auto* header = reinterpret_cast<TVMFFICustomAllocHeader*>(block + kExtra);
  header->delete_space = &CountingDelete;
  return header + 1;
}

const TVMFFICustomAllocator kCounting = {&g_allocs, &CountingAllocate};

bool MadeByCounting(const void* obj) {
  auto* header = static_cast<const TVMFFICustomAllocHeader*>(obj) - 1;
  return header->delete_space == &CountingDelete &&
         std::memcmp(reinterpret_cast<const char*>(header) - kExtra, kMarker, 8) == 0 &&
         reinterpret_cast<uintptr_t>(obj) % 8 == 0;
}

int g_opaque_deleted = 0;
void OpaqueDeleter(void*) { ++g_opaque_deleted; }
int NopSafeCall(void*, const TVMFFIAny*, int32_t, TVMFFIAny*) { return 0; }

}  // namespace

TEST(allocator, registry_default) {
  const TVMFFICustomAllocator* def = TVMFFIGetCustomAllocator();
  CHECK(def != nullptr);
  CHECK_EQ(TVMFFISetCustomAllocator(&kCounting), 0);
  CHECK(TVMFFIGetCustomAllocator() == &kCounting);
  CHECK_EQ(TVMFFISetCustomAllocator(nullptr), 0);
  CHECK(TVMFFIGetCustomAllocator() == def);
  // The default allocator's objects carry an 8-byte header with its own delete_space.
  String s(std::string(20, 'y'));
  const void* obj = s.raw().v_obj;
  CHECK((static_cast<const TVMFFICustomAllocHeader*>(obj) - 1)->delete_space != &CountingDelete);
  CHECK(reinterpret_cast<uintptr_t>(obj) % 8 == 0);
}

TEST(allocator, every_kind_goes_through_it) {
  int64_t live_before = TVMFFIGetLiveObjectCount();
  g_allocs = g_frees = 0;
  g_opaque_deleted = 0;
  TVMFFISetCustomAllocator(&kCounting);

  {
    ObjectPtr<CounterObj> object = make_object<CounterObj>(1);
    String str(std::string(30, 's'));
    Bytes bytes(std::string(30, 'b'));
    Array array{Any(1), Any(2.5)};
    Map map{{Any(1), Any(2)}};
    Shape shape{2, 3};
    Function typed = Function::FromTyped([](int64_t x) { return x; });
    TVMFFIObjectHandle cfunc = nullptr, error = nullptr, opaque = nullptr;
    CHECK_EQ(TVMFFIFunctionCreate(nullptr, &NopSafeCall, nullptr, &cfunc), 0);
    TVMFFIByteArray kind{"ValueError", 10}, msg{"m", 1};
    CHECK_EQ(TVMFFIErrorCreate(&kind, &msg, nullptr, &error), 0);
    int dummy = 0;
    CHECK_EQ(TVMFFIObjectCreateOpaque(&dummy, kTVMFFIOpaquePyObject, &OpaqueDeleter, &opaque), 0);
    CHECK_EQ(g_allocs, 10);

    const void* objs[] = {object.get(), str.raw().v_obj, bytes.raw().v_obj, array.get(),
                          map.get(),    shape.get(),     typed.get(),       cfunc,
                          error,        opaque};
    for (const void* o : objs) CHECK(MadeByCounting(o));
    CHECK_EQ(TVMFFIGetLiveObjectCount(), live_before + 10);

    // Back to the default: new objects use it, old ones still free through ours.
    TVMFFISetCustomAllocator(nullptr);
    String later(std::string(30, 'l'));
    CHECK(!MadeByCounting(later.raw().v_obj));
    CHECK_EQ(g_allocs, 10);
    TVMFFIObjectDecRef(cfunc);
    TVMFFIObjectDecRef(error);
    TVMFFIObjectDecRef(opaque);
    CHECK_EQ(g_opaque_deleted, 1);
    CHECK_EQ(g_frees, 3);
  }
  CHECK_EQ(g_frees, 10);
  CHECK_EQ(TVMFFIGetLiveObjectCount(), live_before);
}
