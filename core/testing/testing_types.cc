/*
 * Testing types with apache tvm-ffi's type keys, fields, defaults and flags:
 * what tvm_ffi_hpy.testing.testing's classes stand for.  Most have the
 * constructor generated from reflection (refl::ObjectDef without
 * refl::init<T, ...>), so their field flags (init, kw_only, defaults) shape
 * __ffi_init__.
 */
#include <cstdint>
#include <optional>
#include <string>

#include <tvm_ffi_hpy/ffi.h>
#include <tvm_ffi_hpy/structural.h>

namespace tvm_ffi_hpy {
namespace testing {

class TestFrozenCxxObj : public Object {
 public:
  int64_t value = 0;
  String tag;
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("testing.TestFrozenCxx", TestFrozenCxxObj, Object)
};

class TestNonCopyableObj : public Object {
 public:
  int64_t value;
  explicit TestNonCopyableObj(int64_t v) : value(v) {}
  TestNonCopyableObj(const TestNonCopyableObj&) = delete;
  TestNonCopyableObj& operator=(const TestNonCopyableObj&) = delete;
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("testing.TestNonCopyable", TestNonCopyableObj, Object)
};

/* key/name/third: TestCompare (third left out of comparison) and TestHash
 * (third left out of hashing). */
class TestCompareObj : public Object {
 public:
  int64_t key;
  String name;
  int64_t ignored_field;
  TestCompareObj(int64_t k, String n, int64_t i) : key(k), name(std::move(n)), ignored_field(i) {}
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("testing.TestCompare", TestCompareObj, Object)
};

class TestHashObj : public Object {
 public:
  int64_t key;
  String name;
  int64_t hash_ignored;
  TestHashObj(int64_t k, String n, int64_t h) : key(k), name(std::move(n)), hash_ignored(h) {}
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("testing.TestHash", TestHashObj, Object)
};

/* key/label with hooks that look at `key` only. */
#define TVM_FFI_HPY_TESTING_KEY_LABEL(Name, Key)                                   \
  class Name : public Object {                                                     \
   public:                                                                         \
    int64_t key;                                                                   \
    String label;                                                                  \
    Name(int64_t k, String l) : key(k), label(std::move(l)) {}                     \
    TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO(Key, Name, Object)                       \
  };
TVM_FFI_HPY_TESTING_KEY_LABEL(TestCustomHashObj, "testing.TestCustomHash")
TVM_FFI_HPY_TESTING_KEY_LABEL(TestCustomCompareObj, "testing.TestCustomCompare")
TVM_FFI_HPY_TESTING_KEY_LABEL(TestEqWithoutHashObj, "testing.TestEqWithoutHash")
#undef TVM_FFI_HPY_TESTING_KEY_LABEL

class TestCxxClassBaseObj : public Object {
 public:
  int64_t v_i64 = 0;
  int32_t v_i32 = 0;
  TVM_FFI_HPY_DECLARE_OBJECT_INFO("testing.TestCxxClassBase", TestCxxClassBaseObj, Object)
};

class TestCxxClassDerivedObj : public TestCxxClassBaseObj {
 public:
  double v_f64 = 0;
  float v_f32 = 0;
  TVM_FFI_HPY_DECLARE_OBJECT_INFO("testing.TestCxxClassDerived", TestCxxClassDerivedObj,
                                  TestCxxClassBaseObj)
};

class TestCxxClassDerivedDerivedObj : public TestCxxClassDerivedObj {
 public:
  String v_str;
  bool v_bool = false;
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("testing.TestCxxClassDerivedDerived",
                                        TestCxxClassDerivedDerivedObj, TestCxxClassDerivedObj)
};

// Ours, not apache tvm-ffi's: one field of every kind that
// kTVMFFIFieldFlagBitMaskPlainValue covers, and three of the same static
// kinds that it does not (unsigned, optional, read-only is still plain);
// tests/test_plain_fields.py reads and writes them through both paths.
class TestPlainFieldsObj : public Object {
 public:
  int8_t i8 = 0;
  bool flag = false;
  int16_t i16 = 0;
  int32_t i32 = 0;
  int64_t i64 = 0;
  float f32 = 0;
  double f64 = 0;
  uint32_t u32 = 0;
  std::optional<int64_t> maybe;
  int64_t ro_i64 = 7;
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("testing.TestPlainFields", TestPlainFieldsObj, Object)
};

// A member the registry never sees between two it does: tools that check a
// type's layout against its reflected fields find its bytes uncovered
// (tvm_ffi_hpy/stub/layout.py).
class TestCxxClassHiddenFieldObj : public Object {
 public:
  int64_t v_i64 = 0;
  int64_t hidden = 0;  // deliberately not registered
  int32_t v_i32 = 0;
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("testing.TestCxxClassHiddenField",
                                        TestCxxClassHiddenFieldObj, Object)
};

class TestCxxInitSubsetObj : public Object {
 public:
  int64_t required_field = 0;
  int64_t optional_field = 0;
  String note;
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("testing.TestCxxInitSubset", TestCxxInitSubsetObj, Object)
};

class TestCxxKwOnlyObj : public Object {
 public:
  int64_t x = 0, y = 0, z = 0, w = 0;
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("testing.TestCxxKwOnly", TestCxxKwOnlyObj, Object)
};

class TestCxxAutoInitObj : public Object {
 public:
  int64_t a = 0, b = 0, c = 0, d = 0;
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("testing.TestCxxAutoInit", TestCxxAutoInitObj, Object)
};

class TestCxxAutoInitSimpleObj : public Object {
 public:
  int64_t x = 0, y = 0;
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("testing.TestCxxAutoInitSimple", TestCxxAutoInitSimpleObj,
                                        Object)
};

class TestCxxAutoInitAllInitOffObj : public Object {
 public:
  int64_t x = 0, y = 0;
  int64_t z = 1234;  // no default and not a parameter: keeps what the creator left
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("testing.TestCxxAutoInitAllInitOff",
                                        TestCxxAutoInitAllInitOffObj, Object)
};

class TestCxxAutoInitKwOnlyDefaultsObj : public Object {
 public:
  int64_t p_required = 0, p_default = 0, k_required = 0, k_default = 0, hidden = 0;
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("testing.TestCxxAutoInitKwOnlyDefaults",
                                        TestCxxAutoInitKwOnlyDefaultsObj, Object)
};

class TestCxxNoAutoInitObj : public Object {
 public:
  int64_t x = 0, y = 0;
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("testing.TestCxxNoAutoInit", TestCxxNoAutoInitObj, Object)
};

class TestCxxAutoInitParentObj : public Object {
 public:
  int64_t parent_required = 0, parent_default = 0;
  TVM_FFI_HPY_DECLARE_OBJECT_INFO("testing.TestCxxAutoInitParent", TestCxxAutoInitParentObj,
                                  Object)
};

class TestCxxAutoInitChildObj : public TestCxxAutoInitParentObj {
 public:
  int64_t child_required = 0, child_kw_only = 0;
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("testing.TestCxxAutoInitChild", TestCxxAutoInitChildObj,
                                        TestCxxAutoInitParentObj)
};

/* An Any field and an ObjectRef field (deep copy through both). */
class TestDeepCopyEdgesObj : public Object {
 public:
  Any v_any;
  ObjectRef v_obj;
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("testing.TestDeepCopyEdges", TestDeepCopyEdgesObj, Object)
};

/* Types no Python class is registered for (make_unregistered_object): a base
 * with v1 and get_v1_plus_one, a final child with v2 and get_v2_plus_two, as
 * apache tvm-ffi's testing types (the classes built for them inherit). */
class TestUnregisteredBaseObj : public Object {
 public:
  int64_t v1 = 41;
  int64_t GetV1PlusOne() const { return v1 + 1; }
  TVM_FFI_HPY_DECLARE_OBJECT_INFO("testing.TestUnregisteredBaseObject", TestUnregisteredBaseObj,
                                  Object)
};

class TestUnregisteredObj : public TestUnregisteredBaseObj {
 public:
  int64_t v2 = 42;
  int64_t GetV2PlusTwo() const { return v2 + 2; }
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("testing.TestUnregisteredObject", TestUnregisteredObj,
                                        TestUnregisteredBaseObj)
};

/* Fields of many kinds (device and dtype are held as Any here). */
class SchemaAllTypesObj : public Object {
 public:
  bool v_bool = false;
  int64_t v_int = 0;
  double v_float = 0;
  DLDevice v_device{kDLCPU, 0};
  DLDataType v_dtype{kDLFloat, 32, 1};
  String v_string;
  Bytes v_bytes;
  std::optional<int64_t> v_opt_int;
  std::optional<String> v_opt_str;
  ArrayOf<int64_t> v_arr_int;
  ArrayOf<String> v_arr_str;
  MapOf<String, int64_t> v_map_str_int;
  MapOf<String, ArrayOf<int64_t>> v_map_str_arr_int;
  Variant<String, ArrayOf<int64_t>, MapOf<String, int64_t>> v_variant = String("");
  std::optional<ArrayOf<Variant<int64_t, String>>> v_opt_arr_variant;
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("testing.SchemaAllTypes", SchemaAllTypesObj, Object)
};

namespace {
int64_t KeyOf(const ObjectRef& obj) {
  const Object* o = obj.get();
  if (IsInstance<TestCustomHashObj>(o)) return static_cast<const TestCustomHashObj*>(o)->key;
  if (IsInstance<TestCustomCompareObj>(o)) return static_cast<const TestCustomCompareObj*>(o)->key;
  if (IsInstance<TestEqWithoutHashObj>(o)) return static_cast<const TestEqWithoutHashObj*>(o)->key;
  TVM_FFI_HPY_THROW(TypeError) << "expected a testing key/label object";
}
}  // namespace

TVM_FFI_HPY_STATIC_INIT_BLOCK() {
  namespace refl = ::tvm_ffi_hpy::refl;
  refl::ObjectDef<TestFrozenCxxObj>()
      .def_rw("value", &TestFrozenCxxObj::value)
      .def_rw("tag", &TestFrozenCxxObj::tag);

  refl::ObjectDef<TestNonCopyableObj>()
      .def(refl::init<TestNonCopyableObj, int64_t>())
      .def_ro("value", &TestNonCopyableObj::value);

  refl::ObjectDef<TestCompareObj>()
      .def(refl::init<TestCompareObj, int64_t, String, int64_t>())
      .def_ro("key", &TestCompareObj::key)
      .def_ro("name", &TestCompareObj::name)
      .def_ro("ignored_field", &TestCompareObj::ignored_field, refl::compare(false));

  refl::ObjectDef<TestHashObj>()
      .def(refl::init<TestHashObj, int64_t, String, int64_t>())
      .def_ro("key", &TestHashObj::key)
      .def_ro("name", &TestHashObj::name)
      .def_ro("hash_ignored", &TestHashObj::hash_ignored, refl::hash(false));

  // Hooks with apache tvm-ffi's shapes: hash(self, fn_hash), eq(self, other,
  // fn_eq), compare(self, other, fn_cmp); each looks at `key` only.
  Function hash_key = Function::FromTyped(
      [](ObjectRef self, Function fn_hash) { return fn_hash(KeyOf(self)).cast<int64_t>(); },
      "testing.key_hash");
  Function eq_key = Function::FromTyped(
      [](ObjectRef self, ObjectRef other, Function fn_eq) {
        return fn_eq(KeyOf(self), KeyOf(other)).cast<bool>();
      },
      "testing.key_eq");
  Function compare_key = Function::FromTyped(
      [](ObjectRef self, ObjectRef other, Function fn_cmp) {
        return fn_cmp(KeyOf(self), KeyOf(other)).cast<int64_t>();
      },
      "testing.key_compare");

  refl::ObjectDef<TestCustomHashObj>()
      .def(refl::init<TestCustomHashObj, int64_t, String>())
      .def_ro("key", &TestCustomHashObj::key)
      .def_ro("label", &TestCustomHashObj::label)
      .attr("__ffi_hash__", hash_key);
  refl::ObjectDef<TestCustomCompareObj>()
      .def(refl::init<TestCustomCompareObj, int64_t, String>())
      .def_ro("key", &TestCustomCompareObj::key)
      .def_ro("label", &TestCustomCompareObj::label)
      .attr("__ffi_hash__", hash_key)
      .attr("__ffi_eq__", eq_key)
      .attr("__ffi_compare__", compare_key);
  refl::ObjectDef<TestEqWithoutHashObj>()
      .def(refl::init<TestEqWithoutHashObj, int64_t, String>())
      .def_ro("key", &TestEqWithoutHashObj::key)
      .def_ro("label", &TestEqWithoutHashObj::label)
      .attr("__ffi_eq__", eq_key);

  refl::ObjectDef<TestCxxClassBaseObj>()
      .def_rw("v_i64", &TestCxxClassBaseObj::v_i64, refl::repr(false))
      .def_rw("v_i32", &TestCxxClassBaseObj::v_i32, refl::repr(false));
  refl::ObjectDef<TestCxxClassDerivedObj>()
      .def_rw("v_f64", &TestCxxClassDerivedObj::v_f64)
      .def_rw("v_f32", &TestCxxClassDerivedObj::v_f32, refl::default_value(8.0f));
  refl::ObjectDef<TestCxxClassDerivedDerivedObj>()
      .def_rw("v_str", &TestCxxClassDerivedDerivedObj::v_str, refl::default_value("default"))
      .def_rw("v_bool", &TestCxxClassDerivedDerivedObj::v_bool);
  refl::ObjectDef<TestPlainFieldsObj>()
      .def_rw("i8", &TestPlainFieldsObj::i8, refl::default_value(int8_t(0)))
      .def_rw("flag", &TestPlainFieldsObj::flag, refl::default_value(false))
      .def_rw("i16", &TestPlainFieldsObj::i16, refl::default_value(int16_t(0)))
      .def_rw("i32", &TestPlainFieldsObj::i32, refl::default_value(int32_t(0)))
      .def_rw("i64", &TestPlainFieldsObj::i64, refl::default_value(int64_t(0)))
      .def_rw("f32", &TestPlainFieldsObj::f32, refl::default_value(0.0f))
      .def_rw("f64", &TestPlainFieldsObj::f64, refl::default_value(0.0))
      .def_rw("u32", &TestPlainFieldsObj::u32, refl::default_value(uint32_t(0)))
      .def_rw("maybe", &TestPlainFieldsObj::maybe, refl::default_value(std::optional<int64_t>()))
      .def_ro("ro_i64", &TestPlainFieldsObj::ro_i64, refl::default_value(int64_t(7)));
  refl::ObjectDef<TestCxxClassHiddenFieldObj>()
      .def_rw("v_i64", &TestCxxClassHiddenFieldObj::v_i64)
      .def_rw("v_i32", &TestCxxClassHiddenFieldObj::v_i32);

  refl::ObjectDef<TestCxxInitSubsetObj>()
      .def_rw("required_field", &TestCxxInitSubsetObj::required_field)
      .def_rw("optional_field", &TestCxxInitSubsetObj::optional_field, refl::init(false),
              refl::default_value(int64_t(-1)))
      .def_rw("note", &TestCxxInitSubsetObj::note, refl::init(false),
              refl::default_value("default"));

  refl::ObjectDef<TestCxxKwOnlyObj>()
      .def_rw("x", &TestCxxKwOnlyObj::x, refl::kw_only(true))
      .def_rw("y", &TestCxxKwOnlyObj::y, refl::kw_only(true))
      .def_rw("z", &TestCxxKwOnlyObj::z, refl::kw_only(true))
      .def_rw("w", &TestCxxKwOnlyObj::w, refl::kw_only(true), refl::default_value(int64_t(100)));

  refl::ObjectDef<TestCxxAutoInitObj>()
      .def_rw("a", &TestCxxAutoInitObj::a)
      .def_rw("b", &TestCxxAutoInitObj::b, refl::init(false), refl::default_value(int64_t(42)))
      .def_rw("c", &TestCxxAutoInitObj::c, refl::kw_only(true))
      .def_rw("d", &TestCxxAutoInitObj::d, refl::default_value(int64_t(99)));

  refl::ObjectDef<TestCxxAutoInitSimpleObj>()
      .def_rw("x", &TestCxxAutoInitSimpleObj::x)
      .def_rw("y", &TestCxxAutoInitSimpleObj::y);

  refl::ObjectDef<TestCxxAutoInitAllInitOffObj>()
      .def_rw("x", &TestCxxAutoInitAllInitOffObj::x, refl::init(false),
              refl::default_value(int64_t(7)))
      .def_rw("y", &TestCxxAutoInitAllInitOffObj::y, refl::init(false),
              refl::default_value(int64_t(9)))
      .def_rw("z", &TestCxxAutoInitAllInitOffObj::z, refl::init(false));

  refl::ObjectDef<TestCxxAutoInitKwOnlyDefaultsObj>()
      .def_rw("p_required", &TestCxxAutoInitKwOnlyDefaultsObj::p_required)
      .def_rw("p_default", &TestCxxAutoInitKwOnlyDefaultsObj::p_default,
              refl::default_value(int64_t(11)))
      .def_rw("k_required", &TestCxxAutoInitKwOnlyDefaultsObj::k_required, refl::kw_only(true))
      .def_rw("k_default", &TestCxxAutoInitKwOnlyDefaultsObj::k_default, refl::kw_only(true),
              refl::default_value(int64_t(22)))
      .def_rw("hidden", &TestCxxAutoInitKwOnlyDefaultsObj::hidden, refl::init(false),
              refl::default_value(int64_t(33)));

  refl::ObjectDef<TestCxxNoAutoInitObj>(refl::init(false))
      .def_rw("x", &TestCxxNoAutoInitObj::x)
      .def_rw("y", &TestCxxNoAutoInitObj::y);

  refl::ObjectDef<TestCxxAutoInitParentObj>()
      .def_rw("parent_required", &TestCxxAutoInitParentObj::parent_required)
      .def_rw("parent_default", &TestCxxAutoInitParentObj::parent_default,
              refl::default_value(int64_t(5)));
  refl::ObjectDef<TestCxxAutoInitChildObj>()
      .def_rw("child_required", &TestCxxAutoInitChildObj::child_required)
      .def_rw("child_kw_only", &TestCxxAutoInitChildObj::child_kw_only, refl::kw_only(true));

  refl::ObjectDef<TestDeepCopyEdgesObj>()
      .def_rw("v_any", &TestDeepCopyEdgesObj::v_any)
      .def_rw("v_obj", &TestDeepCopyEdgesObj::v_obj);

  refl::ObjectDef<TestUnregisteredBaseObj>()
      .def_ro("v1", &TestUnregisteredBaseObj::v1)
      .def("get_v1_plus_one", &TestUnregisteredBaseObj::GetV1PlusOne,
           "Get (v1 + 1) from TestUnregisteredBaseObject");
  refl::ObjectDef<TestUnregisteredObj>()
      .def_ro("v2", &TestUnregisteredObj::v2)
      .def("get_v2_plus_two", &TestUnregisteredObj::GetV2PlusTwo,
           "Get (v2 + 2) from TestUnregisteredObject");

  const refl::Metadata kHelloMetadata{{"bool_attr", true}, {"int_attr", 1}, {"str_attr", "hello"}};
  using S = SchemaAllTypesObj;
  refl::ObjectDef<S>()
      .def_rw("v_bool", &S::v_bool, "bool field", kHelloMetadata)
      .def_rw("v_int", &S::v_int, refl::default_value(int64_t(0)), "int field")
      .def_rw("v_float", &S::v_float, refl::default_value(0.0), "float field")
      .def_rw("v_device", &S::v_device, "device field")
      .def_rw("v_dtype", &S::v_dtype, "dtype field")
      .def_rw("v_string", &S::v_string, refl::default_value("s"), "string field")
      .def_rw("v_bytes", &S::v_bytes, "bytes field")
      .def_rw("v_opt_int", &S::v_opt_int, "optional int")
      .def_rw("v_opt_str", &S::v_opt_str, "optional str")
      .def_rw("v_arr_int", &S::v_arr_int, "array<int>")
      .def_rw("v_arr_str", &S::v_arr_str, "array<str>")
      .def_rw("v_map_str_int", &S::v_map_str_int, "map<str,int>")
      .def_rw("v_map_str_arr_int", &S::v_map_str_arr_int, "map<str,array<int>>")
      .def_rw("v_variant", &S::v_variant, "variant<str,array<int>,map<str,int>>")
      .def_rw("v_opt_arr_variant", &S::v_opt_arr_variant, "optional<array<variant<int,str>>>")
      .def("add_int", [](ObjectPtr<S> self, int64_t x) { return self->v_int + x; },
           kHelloMetadata)
      .def("append_int",
           [](ObjectPtr<S>, ArrayOf<int64_t> arr, int64_t x) {
             arr.push_back(x);
             return arr;
           })
      .def("maybe_concat",
           [](ObjectPtr<S>, std::optional<String> a,
              std::optional<String> b) -> std::optional<String> {
             if (!a.has_value() && !b.has_value()) return std::nullopt;
             return String(std::string(a ? a->view() : "") + std::string(b ? b->view() : ""));
           })
      .def("merge_map",
           [](ObjectPtr<S>, MapOf<String, ArrayOf<int64_t>> a,
              MapOf<String, ArrayOf<int64_t>> b) {
             Map out = a.container();
             for (auto kv : b.container()) out.Set(kv.first, kv.second);
             return MapOf<String, ArrayOf<int64_t>>(out);
           })
      .def_static("make_with", [](int64_t i, double f, String s) {
        ObjectPtr<S> obj = make_object<S>();
        obj->v_int = i;
        obj->v_float = f;
        obj->v_string = std::move(s);
        return obj;
      });

  // One function per kind of type schema (upstream test_metadata.py reads
  // them back); each returns its argument.
  using ArrI = ArrayOf<int64_t>;
  using MapSAI = MapOf<String, ArrI>;
  using Cb = TypedFunction<void(int64_t, double, Function)>;
  refl::GlobalDef()
      .def("testing.schema_id_int", [](int64_t x) { return x; }, kHelloMetadata)
      .def("testing.schema_id_float", [](double x) { return x; })
      .def("testing.schema_id_bool", [](bool x) { return x; })
      .def("testing.schema_id_device", [](DLDevice x) { return x; })
      .def("testing.schema_id_dtype", [](DLDataType x) { return x; })
      .def("testing.schema_id_string", [](String x) { return x; })
      .def("testing.schema_id_bytes", [](Bytes x) { return x; })
      .def("testing.schema_id_func", [](Function x) { return x; })
      .def("testing.schema_id_func_typed", [](Cb x) { return x; })
      .def("testing.schema_id_any", [](Any x) { return x; })
      .def("testing.schema_id_object", [](ObjectRef x) { return x; })
      .def("testing.schema_id_dltensor", [](Tensor x) { return x; })
      .def("testing.schema_id_tensor", [](Tensor x) { return x; })
      .def("testing.schema_tensor_view_input", [](Tensor) {})
      .def("testing.schema_id_opt_int", [](std::optional<int64_t> x) { return x; })
      .def("testing.schema_id_opt_str", [](std::optional<String> x) { return x; })
      .def("testing.schema_id_opt_obj", [](std::optional<ObjectRef> x) { return x; })
      .def("testing.schema_id_arr_int", [](ArrI x) { return x; })
      .def("testing.schema_id_arr_str", [](ArrayOf<String> x) { return x; })
      .def("testing.schema_id_arr_obj", [](ArrayOf<ObjectRef> x) { return x; })
      .def("testing.schema_id_arr", [](ArrayOf<Any> x) { return x; })
      .def("testing.schema_id_map_str_int", [](MapOf<String, int64_t> x) { return x; })
      .def("testing.schema_id_map_str_str", [](MapOf<String, String> x) { return x; })
      .def("testing.schema_id_map_str_obj", [](MapOf<String, ObjectRef> x) { return x; })
      .def("testing.schema_id_map", [](MapOf<Any, Any> x) { return x; })
      .def("testing.schema_id_list_int", [](ListOf<int64_t> x) { return x; })
      .def("testing.schema_id_list_str", [](ListOf<String> x) { return x; })
      .def("testing.schema_id_dict_str_int", [](DictOf<String, int64_t> x) { return x; })
      .def("testing.schema_id_dict_str_str", [](DictOf<String, String> x) { return x; })
      .def("testing.schema_id_variant_int_str", [](Variant<int64_t, String> x) { return x; })
      .def_packed("testing.schema_packed",
                  [](const AnyView* args, int32_t n, Any* rv) { *rv = n > 0 ? Any(args[0]) : Any(); })
      .def("testing.schema_arr_map_opt",
           [](ArrayOf<std::optional<int64_t>>, MapSAI m, std::optional<String>) {
             return m;
           })
      .def("testing.schema_variant_mix", [](Variant<int64_t, String, ArrI> x) { return x; })
      .def("testing.schema_no_args", []() { return int64_t(1); })
      .def("testing.schema_no_return", [](int64_t) {})
      .def("testing.schema_no_args_no_return", []() {});

  // The C++ API of tvm_ffi_hpy/structural.h, as a user library sees it.
  refl::GlobalDef().def("testing.structural_via_cpp", [](AnyView a, AnyView b) {
    return Array{RecursiveEq(a, b), RecursiveHash(a) == RecursiveHash(b), String(ReprPrint(a)),
                 DeepCopy(a), int64_t(RecursiveEq(a, b) ? 0 : RecursiveCompare(a, b))};
  });

  refl::GlobalDef().def("testing.make_unregistered_object",
                        []() { return ObjectRef(make_object<TestUnregisteredObj>()); });
}

}  // namespace testing
}  // namespace tvm_ffi_hpy
