/*
 * Enum types declared in C++ (tvm_ffi_hpy/enum.h), with apache tvm-ffi's
 * type keys:
 *  - testing.TestEnumVariant: a plain enum whose variants Alpha and Beta are
 *    made here, each with the attribute "code" (10, 20); Python classes bind
 *    to them by name (`Alpha: ClassVar[Variant]`).
 *  - testing.TestCxxIntEnum / testing.TestCxxStrEnum: enum types with no
 *    variant made here; the Python class statements of
 *    tvm_ffi_hpy.testing declare them (low = 10, high = 20; add = "+",
 *    mul = "*").
 *  - testing.TestCxxEnumHolder: an object with one field of each.
 *  - testing.enum_variant_get(name): the TestEnumVariant variant `name`.
 */
#include <tvm_ffi_hpy/enum.h>
#include <tvm_ffi_hpy/ffi.h>

namespace tvm_ffi_hpy {
namespace testing {

class TestEnumVariantObj : public EnumObj {
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("testing.TestEnumVariant", TestEnumVariantObj, EnumObj)
};

class TestCxxIntEnumObj : public IntEnumObj {
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("testing.TestCxxIntEnum", TestCxxIntEnumObj, IntEnumObj)
};

class TestCxxIntEnum : public IntEnum {
 public:
  TVM_FFI_HPY_DEFINE_OBJECT_REF_METHODS(TestCxxIntEnum, IntEnum, TestCxxIntEnumObj)
  TestCxxIntEnum() : IntEnum(details::UnsafeInit{}) {}  // unset until the constructor runs
};

class TestCxxStrEnumObj : public StrEnumObj {
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("testing.TestCxxStrEnum", TestCxxStrEnumObj, StrEnumObj)
};

class TestCxxStrEnum : public StrEnum {
 public:
  TVM_FFI_HPY_DEFINE_OBJECT_REF_METHODS(TestCxxStrEnum, StrEnum, TestCxxStrEnumObj)
  TestCxxStrEnum() : StrEnum(details::UnsafeInit{}) {}
};

class TestCxxEnumHolderObj : public Object {
 public:
  TestCxxIntEnum priority;
  TestCxxStrEnum opcode;
  TVM_FFI_HPY_DECLARE_OBJECT_INFO("testing.TestCxxEnumHolder", TestCxxEnumHolderObj, Object)
};

TVM_FFI_HPY_STATIC_INIT_BLOCK() {
  EnumDef<TestEnumVariantObj>("Alpha").set_attr("code", int64_t(10));
  EnumDef<TestEnumVariantObj>("Beta").set_attr("code", int64_t(20));
  EnumRegisterType<TestCxxIntEnumObj>();
  EnumRegisterType<TestCxxStrEnumObj>();
  refl::ObjectDef<TestCxxEnumHolderObj>()
      .def_rw("priority", &TestCxxEnumHolderObj::priority)
      .def_rw("opcode", &TestCxxEnumHolderObj::opcode);
  refl::GlobalDef().def("testing.enum_variant_get", [](const String& name) {
    return Enum::Get<TestEnumVariantObj>(AnyView(name));
  });
}

}  // namespace testing
}  // namespace tvm_ffi_hpy
