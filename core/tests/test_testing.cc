/* The testing.* functions and types, through the C ABI only. */
#include "test_util.h"

using test_util::CallGlobalC;
using test_util::CallResult;
using test_util::Contains;
using test_util::Int;
using test_util::ObjView;
using test_util::RawStr;

namespace {

int g_calls = 0;
int CountingCall(void*, const TVMFFIAny*, int32_t, TVMFFIAny* result) {
  ++g_calls;
  result->type_index = kTVMFFINone;
  return 0;
}
int RaisingCall(void*, const TVMFFIAny*, int32_t, TVMFFIAny*) {
  TVMFFIErrorSetRaisedFromCStr("ZeroDivisionError", "from C");
  return -1;
}

TVMFFIObjectHandle MakeCFunction(TVMFFISafeCallType call) {
  TVMFFIObjectHandle f = nullptr;
  TVMFFIFunctionCreate(nullptr, call, nullptr, &f);
  return f;
}

uint32_t StrongCount(TVMFFIObjectHandle h) {
  return uint32_t(static_cast<TVMFFIObject*>(h)->combined_ref_count & 0xffffffffu);
}

}  // namespace

TEST(testing, simple_functions) {
  CallResult r = CallGlobalC("testing.nop", {});
  CHECK_EQ(r.status, 0);
  CHECK_EQ(r.value.type_index, int32_t(kTVMFFINone));
  r = CallGlobalC("testing.add_one", {Int(41)});
  CHECK_EQ(r.value.v_int64, int64_t(42));
  r = CallGlobalC("testing.add_one", {RawStr("x")});
  CHECK_EQ(r.status, -1);
  CHECK_EQ(r.kind, std::string("TypeError"));
  CHECK(Contains(r.message, "argument #0 when calling: `testing.add_one(0: int) -> int`"));
  r = CallGlobalC("testing.add_one", {Int(1), Int(2)});
  CHECK(Contains(r.message, "Expected 1 but got 2 arguments"));
  r = CallGlobalC("testing.live_object_count", {});
  CHECK_EQ(r.value.v_int64, TVMFFIGetLiveObjectCount());
  r = CallGlobalC("testing.test_raise_error", {RawStr("KeyError"), RawStr("no such key")});
  CHECK_EQ(r.status, -1);
  CHECK_EQ(r.kind, std::string("KeyError"));
  CHECK_EQ(r.message, std::string("no such key"));
  r = CallGlobalC("testing.test_raise_std", {RawStr("out_of_range")});
  CHECK_EQ(r.kind, std::string("IndexError"));
}

TEST(testing, echo_and_use_count) {
  // An array made through ffi.Array; we hold the only reference.
  CallResult arr = CallGlobalC("ffi.Array", {Int(1), Int(2)});
  CHECK_EQ(arr.status, 0);
  TVMFFIObjectHandle h = arr.value.v_obj;
  CHECK_EQ(StrongCount(h), 1u);
  CallResult uc = CallGlobalC("testing.object_use_count", {ObjView(h)});
  CHECK_EQ(uc.value.v_int64, int64_t(1));  // the call itself adds nothing
  CallResult echoed = CallGlobalC("testing.echo", {ObjView(h)});
  CHECK(echoed.value.v_obj == h);  // same object
  CHECK_EQ(StrongCount(h), 2u);
  echoed.Release();
  CHECK_EQ(StrongCount(h), 1u);
  CallResult s = CallGlobalC("testing.echo", {RawStr("echo me please")});
  CHECK_EQ(s.value.type_index, int32_t(kTVMFFIStr));
  CHECK_EQ(test_util::StrOf(s.value), std::string("echo me please"));
  s.Release();
  CallResult bad = CallGlobalC("testing.object_use_count", {Int(1)});
  CHECK_EQ(bad.kind, std::string("TypeError"));
  arr.Release();
}

TEST(testing, apply_and_call_n) {
  TVMFFIObjectHandle add_one = test_util::GetGlobal("testing.add_one");
  CallResult r = CallGlobalC("testing.apply", {ObjView(add_one), Int(9)});
  CHECK_EQ(r.value.v_int64, int64_t(10));
  r = CallGlobalC("testing.apply", {ObjView(add_one), RawStr("s")});
  CHECK_EQ(r.kind, std::string("TypeError"));
  r = CallGlobalC("testing.apply", {Int(3)});
  CHECK_EQ(r.kind, std::string("TypeError"));
  TVMFFIObjectDecRef(add_one);

  TVMFFIObjectHandle counter = MakeCFunction(&CountingCall);
  g_calls = 0;
  r = CallGlobalC("testing.call_n", {ObjView(counter), Int(5)});
  CHECK_EQ(r.status, 0);
  CHECK_EQ(g_calls, 5);
  TVMFFIObjectDecRef(counter);
  // An error raised in C travels through C++ and back out unchanged.
  TVMFFIObjectHandle raiser = MakeCFunction(&RaisingCall);
  r = CallGlobalC("testing.call_n", {ObjView(raiser), Int(3)});
  CHECK_EQ(r.kind, std::string("ZeroDivisionError"));
  CHECK_EQ(r.message, std::string("from C"));
  r = CallGlobalC("testing.apply", {ObjView(raiser)});
  CHECK_EQ(r.kind, std::string("ZeroDivisionError"));
  TVMFFIObjectDecRef(raiser);
}

TEST(testing, make_array_of) {
  CallResult r = CallGlobalC("testing.make_array_of", {Int(3), RawStr("xyz")});
  CHECK_EQ(r.status, 0);
  const TVMFFISeqCell* seq = TVMFFISeqGetCellPtr(r.value.v_obj);
  CHECK_EQ(seq->size, int64_t(3));
  CHECK_EQ(seq->data[2].type_index, int32_t(kTVMFFISmallStr));
  CHECK_EQ(test_util::StrOf(seq->data[2]), std::string("xyz"));
  // The same object n times.
  CallResult holder_arr = CallGlobalC("ffi.Array", {});
  CallResult r2 = CallGlobalC("testing.make_array_of", {Int(4), ObjView(holder_arr.value.v_obj)});
  CHECK_EQ(StrongCount(holder_arr.value.v_obj), 5u);
  r2.Release();
  CHECK_EQ(StrongCount(holder_arr.value.v_obj), 1u);
  holder_arr.Release();
  r.Release();
  CallResult neg = CallGlobalC("testing.make_array_of", {Int(-1), Int(0)});
  CHECK_EQ(neg.kind, std::string("ValueError"));
}

TEST(testing, reflected_types) {
  TVMFFIByteArray key{"testing.TestIntPair", 19};
  int32_t tindex = -1;
  CHECK_EQ(TVMFFITypeKeyToIndex(&key, &tindex), 0);
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(tindex);
  const TVMFFIMethodInfo* init = nullptr;
  const TVMFFIMethodInfo* sum = nullptr;
  for (int32_t i = 0; i < info->num_methods; ++i) {
    std::string name(info->methods[i].name.data, info->methods[i].name.size);
    if (name == "__ffi_init__") init = &info->methods[i];
    if (name == "sum") sum = &info->methods[i];
  }
  CHECK(init != nullptr && sum != nullptr);
  test_util::CallResult made = test_util::CallC(init->method.v_obj, {Int(20), Int(22)});
  CHECK_EQ(made.status, 0);
  CHECK_EQ(made.value.type_index, tindex);
  test_util::CallResult total = test_util::CallC(sum->method.v_obj, {ObjView(made.value.v_obj)});
  CHECK_EQ(total.value.v_int64, int64_t(42));
  test_util::CallResult bad = test_util::CallC(init->method.v_obj, {Int(1)});
  CHECK_EQ(bad.kind, std::string("TypeError"));
  CHECK(Contains(bad.message, "Expected 2 but got 1 arguments"));
  made.Release();

  // TestHolder keeps any value; identity survives a round trip.
  TVMFFIByteArray hkey{"testing.TestHolder", 18};
  CHECK_EQ(TVMFFITypeKeyToIndex(&hkey, &tindex), 0);
  info = TVMFFIGetTypeInfo(tindex);
  const TVMFFIMethodInfo* hinit = nullptr;
  for (int32_t i = 0; i < info->num_methods; ++i) {
    if (std::string(info->methods[i].name.data, info->methods[i].name.size) == "__ffi_init__") {
      hinit = &info->methods[i];
    }
  }
  CHECK(hinit != nullptr);
  CallResult arr = CallGlobalC("ffi.Array", {});
  test_util::CallResult holder = test_util::CallC(hinit->method.v_obj, {ObjView(arr.value.v_obj)});
  CHECK_EQ(holder.status, 0);
  const TVMFFIFieldInfo* value = &info->fields[0];
  TVMFFIAny got;
  CHECK_EQ(value->getter(reinterpret_cast<char*>(holder.value.v_obj) + value->offset, &got), 0);
  CHECK(got.v_obj == arr.value.v_obj);
  TVMFFIObjectDecRef(got.v_obj);
  holder.Release();
  CHECK_EQ(StrongCount(arr.value.v_obj), 1u);
  arr.Release();
}
