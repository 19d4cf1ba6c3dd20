/* Enum types declared in C++ (tvm_ffi_hpy/enum.h). */
#include <tvm_ffi_hpy/enum.h>
#include <tvm_ffi_hpy/structural.h>

#include "test_util.h"

using namespace tvm_ffi_hpy;

namespace {

class SizeObj : public IntEnumObj {
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("test.Size", SizeObj, IntEnumObj)
};
class Size : public IntEnum {
 public:
  TVM_FFI_HPY_DEFINE_OBJECT_REF_METHODS(Size, IntEnum, SizeObj)
};

class SuitObj : public EnumObj {
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("test.Suit", SuitObj, EnumObj)
};

Any Call(const char* name, std::initializer_list<AnyView> args) {
  Function f = Function::GetGlobalRequired(name);
  std::vector<AnyView> v(args);
  Any rv;
  f.CallPacked(v.data(), int32_t(v.size()), &rv);
  return rv;
}

}  // namespace

TEST(enums, variants_and_indexes) {
  Enum small = EnumDef<SizeObj>("small", 8);
  Enum large = EnumDef<SizeObj>("large", 64).set_attr("bytes", int64_t(64 * 4));
  CHECK_EQ(small->int_index(), 8);
  CHECK(large->str_index() == "large");
  CHECK(Enum::Get<SizeObj>(AnyView(int64_t(64))).same_as(large));
  CHECK(Enum::Get<SizeObj>(AnyView(String("small"))).same_as(small));
  // Plain enums number their variants in order.
  Enum hearts = EnumDef<SuitObj>("hearts");
  Enum spades = EnumDef<SuitObj>("spades");
  CHECK_EQ(hearts->int_index(), 0);
  CHECK_EQ(spades->int_index(), 1);
  CHECK_THROWS(EnumDef<SuitObj>("hearts"), "ValueError", "already has a variant");
  CHECK_THROWS(Enum::Get<SuitObj>(AnyView(String("clubs"))), "ValueError",
               "no variant with index \"clubs\"");
  // An index converts where the enum type is expected.
  Size from_int = AnyView(int64_t(8)).cast<Size>();
  CHECK(from_int.same_as(small));
  CHECK(AnyView(String("large")).cast<Size>().same_as(large));
  CHECK_THROWS(AnyView(int64_t(9)).cast<Size>(), "TypeError", "has no such variant");
  CHECK_THROWS(AnyView(1.5).cast<Size>(), "TypeError", "Cannot convert from type `float`");
}

TEST(enums, serialization_structural_and_copy) {
  Enum a = Enum::Get<SizeObj>(AnyView(int64_t(8)));
  String text = Call("ffi.ToJSONGraphString", {AnyView(Array({a, a})), AnyView()}).cast<String>();
  CHECK(test_util::Contains(std::string(text.view()), "\"data\":8"));
  Array back = Call("ffi.FromJSONGraphString", {AnyView(text)}).cast<Array>();
  CHECK(back[0].cast<ObjectRef>().same_as(a));
  CHECK(Call("ffi.DeepCopy", {AnyView(a)}).cast<ObjectRef>().same_as(a));
  Enum b = Enum::Get<SizeObj>(AnyView(int64_t(64)));
  CHECK(Call("ffi.RecursiveEq", {AnyView(a), AnyView(a)}).cast<bool>());
  CHECK(!Call("ffi.RecursiveEq", {AnyView(a), AnyView(b)}).cast<bool>());
  CHECK(Call("ffi.RecursiveLt", {AnyView(a), AnyView(b)}).cast<bool>());
  // The state: entries in order, both indexes, the attribute column.
  Any state = Call("ffi.GetTypeAttr", {AnyView(int64_t(SizeObj::RuntimeTypeIndex())),
                                       AnyView(String("__ffi_enum__"))});
  CHECK(!state.is_none());
}
