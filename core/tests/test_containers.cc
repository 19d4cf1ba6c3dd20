/* Array, Map, Shape and their ffi.* functions. */
#include "test_util.h"

using namespace tvm_ffi_hpy;

TEST(containers, array) {
  Array a{Any(1), Any("two"), Any(3.0)};
  CHECK_EQ(a.size(), int64_t(3));
  const TVMFFISeqCell* seq = TVMFFISeqGetCellPtr(details::HeaderOf(a.get()));
  CHECK_EQ(seq->size, int64_t(3));
  CHECK(seq->capacity >= 3);
  CHECK(reinterpret_cast<const char*>(seq->data) == reinterpret_cast<const char*>(a.get()) + 48);
  CHECK_EQ(seq->data[0].v_int64, int64_t(1));
  CHECK(a[1].cast<String>() == "two");
  CHECK_THROWS(a[3], "IndexError", "Array index out of range");
  CHECK_THROWS(a.at(-1), "IndexError", "Array index out of range");

  // Copy on write: a shared array is never changed under its other owner.
  Array b = a;
  b.push_back(Any(4));
  CHECK_EQ(a.size(), int64_t(3));
  CHECK_EQ(b.size(), int64_t(4));
  CHECK(!a.same_as(b));
  const ArrayObj* before = b.get();
  b.Set(0, Any(100));
  CHECK(b.get() == before);  // unique: in place
  CHECK_EQ(b[0].cast<int64_t>(), int64_t(100));
  CHECK_EQ(a[0].cast<int64_t>(), int64_t(1));
  for (int i = 0; i < 20; ++i) b.push_back(Any(i));
  CHECK_EQ(b.size(), int64_t(24));
  CHECK_EQ(b[23].cast<int64_t>(), int64_t(19));
  int64_t count = 0;
  for (const Any& v : b) count += v.type_index() == kTVMFFIInt ? 1 : 0;
  CHECK_EQ(count, int64_t(22));  // 100, 4 and 0..19
}

TEST(containers, array_globals) {
  Function make = Function::GetGlobalRequired("ffi.Array");
  Function get = Function::GetGlobalRequired("ffi.ArrayGetItem");
  Function size = Function::GetGlobalRequired("ffi.ArraySize");
  Any arr = make(1, "a long string value", Array());
  CHECK_EQ(size(arr).cast<int64_t>(), int64_t(3));
  CHECK(get(arr, 1).cast<String>() == "a long string value");
  CHECK_THROWS(get(arr, 3), "IndexError", "Array index out of range");
  CHECK_THROWS(get(arr, -1), "IndexError", "Array index out of range");
  CHECK_THROWS(size(1), "TypeError", "expected `ffi.Array` but got `int`");
  CHECK_EQ(make().cast<Array>().size(), int64_t(0));
}

TEST(containers, map) {
  Map m;
  m.Set("small", 1);
  m.Set(42, "int key");
  m.Set(nullptr, "none key");
  m.Set(std::string("a key longer than seven"), 2);
  CHECK_EQ(m.size(), size_t(4));
  // Numbers by value: 42 == 42.0 == int 42; True == 1.
  CHECK(m.at(42.0).cast<String>() == "int key");
  m.Set(1, "one");
  CHECK(m.at(true).cast<String>() == "one");
  CHECK_EQ(m.count(2.5), int64_t(0));
  // Strings by content: a Str object and a small string with the same text
  // are the same key, and so are raw views.
  TVMFFIAny short_obj{};
  details::SetObject(&short_obj, details::MakeByteObject<StringObj>("small", 5).release());
  Any short_str = Any::FromRawOwned(short_obj);
  CHECK_EQ(short_str.type_index(), int32_t(kTVMFFIStr));
  CHECK_EQ(m.at(short_str).cast<int64_t>(), int64_t(1));
  CHECK_EQ(m.at(AnyView("a key longer than seven")).cast<int64_t>(), int64_t(2));
  CHECK_EQ(m.count(Bytes("small", 5)), int64_t(0));  // bytes are not str
  CHECK(m.at(nullptr).cast<String>() == "none key");
  // Objects by identity.
  Array k1, k2;
  m.Set(k1, "k1");
  CHECK_EQ(m.count(k1), int64_t(1));
  CHECK_EQ(m.count(k2), int64_t(0));
  CHECK_THROWS(m.at("missing"), "KeyError", "'missing'");
  // Insertion order, replacement in place, erase.
  std::vector<std::string> order;
  for (const auto& kv : m) order.push_back(details::AnyRepr(&kv.first.raw()));
  CHECK_EQ(order[0], std::string("'small'"));
  CHECK_EQ(order[1], std::string("42"));
  CHECK_EQ(order[2], std::string("None"));
  Map shared = m;
  CHECK(m.erase(42));
  CHECK_EQ(m.count(42), int64_t(0));
  CHECK_EQ(shared.count(42), int64_t(1));  // copy on write
  CHECK(m.at("small").cast<int64_t>() == 1);
  CHECK(m.begin()[1].first.is_none());
}

TEST(containers, map_globals) {
  Function make = Function::GetGlobalRequired("ffi.Map");
  Function size = Function::GetGlobalRequired("ffi.MapSize");
  Function get = Function::GetGlobalRequired("ffi.MapGetItem");
  Function count = Function::GetGlobalRequired("ffi.MapCount");
  Function items = Function::GetGlobalRequired("ffi.MapItems");
  Any m = make("a", 1, "b", 2, "a", 3);
  CHECK_EQ(size(m).cast<int64_t>(), int64_t(2));
  CHECK_EQ(get(m, "a").cast<int64_t>(), int64_t(3));
  CHECK_EQ(count(m, "b").cast<int64_t>(), int64_t(1));
  CHECK_EQ(count(m, "z").cast<int64_t>(), int64_t(0));
  CHECK_THROWS(get(m, "zzz"), "KeyError", "'zzz'");
  CHECK_THROWS(make(1, 2, 3), "ValueError", "even number");
  Array kv = items(m).cast<Array>();
  CHECK_EQ(kv.size(), int64_t(4));
  CHECK(kv[0].cast<String>() == "a");
  CHECK_EQ(kv[1].cast<int64_t>(), int64_t(3));
  CHECK(kv[2].cast<String>() == "b");
  CHECK_EQ(kv[3].cast<int64_t>(), int64_t(2));
  CHECK_EQ(make().cast<Map>().size(), size_t(0));
}

TEST(containers, shape) {
  Shape s{2, 3, 4};
  CHECK_EQ(s.size(), size_t(3));
  CHECK_EQ(s.numel(), int64_t(24));
  const TVMFFIShapeCell* cell = TVMFFIShapeGetCellPtr(details::HeaderOf(s.get()));
  CHECK_EQ(cell->size, size_t(3));
  CHECK_EQ(cell->data[2], int64_t(4));
  CHECK(reinterpret_cast<const char*>(cell->data) == reinterpret_cast<const char*>(s.get()) + 40);
  CHECK_THROWS(s.at(3), "IndexError", "Shape index out of range");
  Function make = Function::GetGlobalRequired("ffi.Shape");
  Shape t = make(5, 6).cast<Shape>();
  CHECK_EQ(t.size(), size_t(2));
  CHECK_EQ(t[1], int64_t(6));
  CHECK_THROWS(make(1, "x"), "TypeError", "argument #1 when calling `ffi.Shape`");
  CHECK_EQ(make().cast<Shape>().size(), size_t(0));
  Function key_of = Function::GetGlobalRequired("ffi.GetTypeKeyOfIndex");
  CHECK(key_of(int64_t(kTVMFFIShape)).cast<String>() == "ffi.Shape");
  CHECK_THROWS(key_of(99999), "KeyError", "99999");
}
