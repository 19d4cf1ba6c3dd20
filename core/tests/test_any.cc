/* Any / AnyView conversions, small strings, strings and bytes. */
#include <cmath>

#include "test_util.h"

using namespace tvm_ffi_hpy;

TEST(any, plain_values) {
  Any none;
  CHECK(none.is_none());
  Any i = 42;
  CHECK_EQ(i.type_index(), int32_t(kTVMFFIInt));
  CHECK_EQ(i.cast<int64_t>(), int64_t(42));
  CHECK_EQ(i.cast<double>(), 42.0);  // int -> float is allowed
  Any b = true;
  CHECK_EQ(b.type_index(), int32_t(kTVMFFIBool));
  CHECK_EQ(b.cast<int64_t>(), int64_t(1));  // bool -> int is allowed
  CHECK_EQ(b.cast<bool>(), true);
  Any f = 2.5;
  CHECK_EQ(f.type_index(), int32_t(kTVMFFIFloat));
  CHECK(!f.as<int64_t>().has_value());  // float -> int is not
  CHECK_EQ(f.cast<double>(), 2.5);
  std::optional<int64_t> missing = none.cast<std::optional<int64_t>>();
  CHECK(!missing.has_value());
  CHECK_EQ(*i.cast<std::optional<int64_t>>(), int64_t(42));
  CHECK(!Any(String("x")).as<std::optional<int64_t>>().has_value());
  CHECK_EQ(sizeof(Any), size_t(16));
  CHECK_EQ(sizeof(AnyView), size_t(16));
}

TEST(any, cast_errors) {
  Any s = "hello";
  CHECK_THROWS(s.cast<int64_t>(), "TypeError", "Cannot convert from type `str` to `int`");
  CHECK_THROWS(Any(1).cast<String>(), "TypeError", "Cannot convert from type `int` to `str`");
  CHECK_THROWS(Any(1.5).cast<Array>(), "TypeError",
               "Cannot convert from type `float` to `ffi.Array`");
  CHECK_THROWS(Any(Array()).cast<Map>(), "TypeError",
               "Cannot convert from type `ffi.Array` to `ffi.Map`");
  CHECK_THROWS(Any().cast<Function>(), "TypeError", "from type `None`");
}

TEST(any, small_strings) {
  Any s = "abc";
  CHECK_EQ(s.type_index(), int32_t(kTVMFFISmallStr));
  CHECK_EQ(s.raw().small_str_len, 3u);
  CHECK_EQ(std::string(s.raw().v_bytes), std::string("abc"));
  Any seven = "1234567";
  CHECK_EQ(seven.type_index(), int32_t(kTVMFFISmallStr));
  CHECK_EQ(seven.raw().v_bytes[7], '\0');
  Any eight = "12345678";
  CHECK_EQ(eight.type_index(), int32_t(kTVMFFIStr));
  const TVMFFIByteArray* cell = TVMFFIBytesGetByteArrayPtr(eight.raw().v_obj);
  CHECK_EQ(cell->size, size_t(8));
  CHECK_EQ(cell->data[8], '\0');
  // data lives in the same block, right after the cell
  CHECK(cell->data == reinterpret_cast<const char*>(eight.raw().v_obj) + 24 + 16);
  CHECK(eight.cast<String>() == "12345678");
  CHECK_EQ(eight.cast<std::string>(), std::string("12345678"));
  String empty;
  CHECK(empty.empty());
  CHECK_EQ(std::string(empty.c_str()), std::string());

  Any by = Bytes("ab\0cd", 5);
  CHECK_EQ(by.type_index(), int32_t(kTVMFFISmallBytes));
  CHECK_EQ(by.cast<Bytes>().size(), size_t(5));
  CHECK(!by.as<String>().has_value());
  Any big_bytes = Bytes(std::string(10, 'z'));
  CHECK_EQ(big_bytes.type_index(), int32_t(kTVMFFIBytes));
}

TEST(any, view_to_owned) {
  // RawStr and ByteArrayPtr views become owned strings.
  TVMFFIAny raw = test_util::RawStr("a raw string view");
  TVMFFIAny out = test_util::None();
  CHECK_EQ(TVMFFIAnyViewToOwnedAny(&raw, &out), 0);
  CHECK_EQ(out.type_index, int32_t(kTVMFFIStr));
  CHECK_EQ(test_util::StrOf(out), std::string("a raw string view"));
  Any::FromRawOwned(out);
  TVMFFIByteArray ba{"xy", 2};
  TVMFFIAny bview{};
  bview.type_index = kTVMFFIByteArrayPtr;
  bview.v_ptr = &ba;
  CHECK_EQ(TVMFFIAnyViewToOwnedAny(&bview, &out), 0);
  CHECK_EQ(out.type_index, int32_t(kTVMFFISmallBytes));
  CHECK_EQ(out.small_str_len, 2u);

  // Objects get a new reference.
  Array arr{Any(1)};
  TVMFFIAny aview = AnyView(arr).raw();
  CHECK_EQ(TVMFFIAnyViewToOwnedAny(&aview, &out), 0);
  CHECK_EQ(arr.use_count(), 2u);
  Any::FromRawOwned(out);
  CHECK_EQ(arr.use_count(), 1u);

  // ObjectRValueRef steals the object; a second steal fails.
  Array keep{Any(2)};
  TVMFFIObject* slot = details::HeaderOf(keep.get());
  details::IncRef(slot);  // the reference that will be stolen
  TVMFFIAny rref{};
  rref.type_index = kTVMFFIObjectRValueRef;
  rref.v_ptr = &slot;
  Any stolen{AnyView::FromRaw(rref)};
  CHECK(slot == nullptr);
  CHECK_EQ(stolen.type_index(), int32_t(kTVMFFIArray));
  CHECK_EQ(keep.use_count(), 2u);  // keep + stolen: nothing added, nothing lost
  CHECK_THROWS(Any{AnyView::FromRaw(rref)}, "ValueError", "object was moved");

  // Any built from a std::string view copies it.
  std::string text = "longer than seven";
  AnyView v = text;
  CHECK_EQ(v.type_index(), int32_t(kTVMFFIRawStr));
  Any owned = v;
  text[0] = 'X';
  CHECK(owned.cast<String>() == "longer than seven");
}

TEST(any, objects_and_refcounts) {
  Array arr{Any(1), Any(2)};
  {
    Any a = arr;
    CHECK_EQ(arr.use_count(), 2u);
    Any b = a;
    CHECK_EQ(arr.use_count(), 3u);
    Any c = std::move(b);
    CHECK_EQ(arr.use_count(), 3u);
    CHECK(b.is_none());
    AnyView view = a;
    CHECK_EQ(arr.use_count(), 3u);  // views take no reference
    CHECK(view.cast<Array>().same_as(arr));
    CHECK_EQ(arr.use_count(), 3u);
  }
  CHECK_EQ(arr.use_count(), 1u);
  Any n = nullptr;
  CHECK(n.cast<ObjectRef>().defined() == false);  // ObjectRef itself is nullable
}
