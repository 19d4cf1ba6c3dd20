/* The type registry and reflection. */
#include "test_util.h"

using namespace tvm_ffi_hpy;
using test_util::Contains;

namespace {

class AnimalObj : public Object {
 public:
  int64_t legs = 4;
  TVM_FFI_HPY_DECLARE_OBJECT_INFO("test.Animal", AnimalObj, Object)
};
class DogObj : public AnimalObj {
 public:
  String name = "rex";
  TVM_FFI_HPY_DECLARE_OBJECT_INFO("test.Dog", DogObj, AnimalObj)
};
class PuppyObj : public DogObj {
 public:
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("test.Puppy", PuppyObj, DogObj)
};

int32_t KeyToIndex(const char* key) {
  TVMFFIByteArray k{key, std::strlen(key)};
  int32_t index = -7;
  if (TVMFFITypeKeyToIndex(&k, &index) != 0) return -1;
  return index;
}

const TVMFFIFieldInfo* FindField(const TVMFFITypeInfo* info, const char* name) {
  for (int32_t i = 0; i < info->num_fields; ++i) {
    if (details::ToStringView(info->fields[i].name) == name) return &info->fields[i];
  }
  return nullptr;
}
const TVMFFIMethodInfo* FindMethod(const TVMFFITypeInfo* info, const char* name) {
  for (int32_t i = 0; i < info->num_methods; ++i) {
    if (details::ToStringView(info->methods[i].name) == name) return &info->methods[i];
  }
  return nullptr;
}

}  // namespace

TEST(types, builtins) {
  const char* keys[] = {"ffi.Object", "ffi.String", "ffi.Bytes",  "ffi.Error",
                        "ffi.Function", "ffi.Shape", "ffi.Tensor", "ffi.Array",
                        "ffi.Map",    "ffi.Module", "ffi.OpaquePyObject", "ffi.List",
                        "ffi.Dict"};
  for (int32_t i = 0; i < 13; ++i) {
    CHECK_EQ(KeyToIndex(keys[i]), 64 + i);
    const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(64 + i);
    CHECK(info != nullptr && details::ToStringView(info->type_key) == keys[i]);
    CHECK_EQ(info->type_depth, i == 0 ? 0 : 1);
    if (i > 0) CHECK(info->type_ancestors[0]->type_index == kTVMFFIObject);
  }
  CHECK(TVMFFIGetTypeInfo(kTVMFFIInt) != nullptr);
  CHECK(TVMFFIGetTypeInfo(100) == nullptr);
  CHECK(TVMFFIGetTypeInfo(-5) == nullptr);
  CHECK(TVMFFIGetTypeInfo(1 << 30) == nullptr);
}

TEST(types, get_or_alloc_is_idempotent) {
  TVMFFIByteArray key{"test.Idem", 9};
  int32_t a = TVMFFITypeGetOrAllocIndex(&key, -1, 1, 0, 1, kTVMFFIObject);
  int32_t b = TVMFFITypeGetOrAllocIndex(&key, -1, 1, 0, 1, kTVMFFIObject);
  CHECK(a >= kTVMFFIDynObjectBegin);
  CHECK_EQ(a, b);
  CHECK_EQ(KeyToIndex("test.Idem"), a);
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(a);
  CHECK(info == TVMFFIGetTypeInfo(a));  // stable pointer
  // A taken static index is refused.
  TVMFFIByteArray other{"test.Clash", 10};
  CHECK_EQ(TVMFFITypeGetOrAllocIndex(&other, kTVMFFIArray, 1, 0, 0, kTVMFFIObject), -1);
  TVMFFIObjectHandle err = nullptr;
  TVMFFIErrorMoveFromRaised(&err);
  CHECK(err != nullptr);
  TVMFFIObjectDecRef(err);
  // Unknown keys: KeyError naming the key, -1.
  TVMFFIByteArray missing{"test.Missing", 12};
  int32_t out = 0;
  CHECK_EQ(TVMFFITypeKeyToIndex(&missing, &out), -1);
  CHECK_EQ(out, -1);
  TVMFFIErrorMoveFromRaised(&err);
  const TVMFFIErrorCell* cell = TVMFFIErrorGetCellPtr(err);
  CHECK(details::ToStringView(cell->kind) == "KeyError");
  CHECK(Contains(std::string(details::ToStringView(cell->message)), "test.Missing"));
  TVMFFIObjectDecRef(err);
}

TEST(types, ancestors_and_isinstance) {
  const TVMFFITypeInfo* puppy = TVMFFIGetTypeInfo(PuppyObj::RuntimeTypeIndex());
  CHECK_EQ(puppy->type_depth, 3);
  CHECK_EQ(puppy->type_ancestors[0]->type_index, int32_t(kTVMFFIObject));
  CHECK_EQ(puppy->type_ancestors[1]->type_index, AnimalObj::RuntimeTypeIndex());
  CHECK_EQ(puppy->type_ancestors[2]->type_index, DogObj::RuntimeTypeIndex());
  ObjectPtr<PuppyObj> p = make_object<PuppyObj>();
  ObjectPtr<DogObj> d = make_object<DogObj>();
  CHECK(IsInstance<AnimalObj>(p.get()));
  CHECK(IsInstance<DogObj>(p.get()));
  CHECK(IsInstance<PuppyObj>(p.get()));
  CHECK(IsInstance<Object>(p.get()));
  CHECK(!IsInstance<PuppyObj>(d.get()));
  CHECK(!IsInstance<ArrayObj>(d.get()));
  CHECK(!IsInstance<DogObj>(Array().get()));
  Any any_puppy = p;
  CHECK(any_puppy.as<ObjectPtr<AnimalObj>>().has_value());
  CHECK(!Any(d).as<ObjectPtr<PuppyObj>>().has_value());
}

TEST(reflection, fields_and_defaults) {
  int32_t tindex = KeyToIndex("testing.TestObjectBase");
  CHECK(tindex >= kTVMFFIDynObjectBegin);
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(tindex);
  CHECK_EQ(info->num_fields, 3);
  const TVMFFIFieldInfo* v_i64 = FindField(info, "v_i64");
  const TVMFFIFieldInfo* v_f64 = FindField(info, "v_f64");
  const TVMFFIFieldInfo* v_str = FindField(info, "v_str");
  CHECK(v_i64 && v_f64 && v_str);
  CHECK(v_i64->flags & kTVMFFIFieldFlagBitMaskWritable);
  CHECK(!(v_f64->flags & kTVMFFIFieldFlagBitMaskWritable));
  CHECK(v_f64->flags & kTVMFFIFieldFlagBitMaskHasDefault);
  CHECK_EQ(v_i64->default_value.v_int64, int64_t(10));
  CHECK_EQ(v_f64->default_value.type_index, int32_t(kTVMFFIFloat));
  CHECK_EQ(v_f64->default_value.v_float64, 10.0);
  CHECK_EQ(test_util::StrOf(v_str->default_value), std::string("hello"));
  CHECK_EQ(v_i64->field_static_type_index, int32_t(kTVMFFIInt));
  CHECK_EQ(v_str->field_static_type_index, int32_t(kTVMFFIStr));
  CHECK(details::ToStringView(v_i64->doc) == "i64 field");
  CHECK(info->metadata != nullptr && info->metadata->creator != nullptr);

  // Create through the creator, then read and write through getter/setter.
  TVMFFIObjectHandle obj = nullptr;
  CHECK_EQ(info->metadata->creator(&obj), 0);
  char* base = static_cast<char*>(obj);
  TVMFFIAny v = test_util::None();
  CHECK_EQ(v_i64->getter(base + v_i64->offset, &v), 0);
  CHECK_EQ(v.v_int64, int64_t(10));
  TVMFFIAny seven = test_util::Int(7);
  CHECK_EQ(v_i64->setter(base + v_i64->offset, &seven), 0);
  CHECK_EQ(v_i64->getter(base + v_i64->offset, &v), 0);
  CHECK_EQ(v.v_int64, int64_t(7));
  TVMFFIAny text = test_util::RawStr("a string value longer than 7");
  CHECK_EQ(v_str->setter(base + v_str->offset, &text), 0);
  CHECK_EQ(v_str->getter(base + v_str->offset, &v), 0);
  CHECK_EQ(test_util::StrOf(v), std::string("a string value longer than 7"));
  Any::FromRawOwned(v);
  // A read-only field still has a setter (used by reflection creation).
  TVMFFIAny f = test_util::Float(1.5);
  CHECK_EQ(v_f64->setter(base + v_f64->offset, &f), 0);
  CHECK_EQ(v_i64->setter(base + v_i64->offset, &text), -1);
  TVMFFIObjectHandle err = nullptr;
  TVMFFIErrorMoveFromRaised(&err);
  CHECK(details::ToStringView(TVMFFIErrorGetCellPtr(err)->message) ==
        "Cannot convert from type `str` to `int`");
  TVMFFIObjectDecRef(err);

  // Derived: own fields only, parent's through the ancestors.
  const TVMFFITypeInfo* derived = TVMFFIGetTypeInfo(KeyToIndex("testing.TestObjectDerived"));
  CHECK_EQ(derived->num_fields, 2);
  CHECK(derived->type_ancestors[1] == info);
  CHECK(FindField(derived, "v_map") != nullptr);
  CHECK(!(FindField(derived, "v_map")->flags & kTVMFFIFieldFlagBitMaskHasDefault));
  CHECK_EQ(FindField(derived, "v_array")->field_static_type_index, int32_t(kTVMFFIArray));
  TVMFFIObjectDecRef(obj);
}

TEST(reflection, methods) {
  const TVMFFITypeInfo* pair = TVMFFIGetTypeInfo(KeyToIndex("testing.TestIntPair"));
  const TVMFFIMethodInfo* init = FindMethod(pair, "__ffi_init__");
  CHECK(init != nullptr && (init->flags & kTVMFFIFieldFlagBitMaskIsStaticMethod));
  CHECK(pair->metadata != nullptr && pair->metadata->creator != nullptr);  // default-constructible
  const TVMFFITypeInfo* noncopy = TVMFFIGetTypeInfo(KeyToIndex("testing.TestNonCopyable"));
  CHECK(noncopy->metadata != nullptr && noncopy->metadata->creator == nullptr);
  Function ctor = AnyView::FromRaw(init->method).cast<Function>();
  Any obj = ctor(3, 4);
  CHECK_EQ(obj.type_index(), pair->type_index);
  const TVMFFIMethodInfo* sum = FindMethod(pair, "sum");
  CHECK(sum != nullptr && !(sum->flags & kTVMFFIFieldFlagBitMaskIsStaticMethod));
  CHECK_EQ(AnyView::FromRaw(sum->method).cast<Function>()(obj).cast<int64_t>(), int64_t(7));
  CHECK_THROWS(AnyView::FromRaw(sum->method).cast<Function>()(1), "TypeError",
               "Expected `testing.TestIntPair` but got `int`");
  const TVMFFIFieldInfo* a = FindField(pair, "a");
  CHECK(a != nullptr && !(a->flags & kTVMFFIFieldFlagBitMaskWritable));
  TVMFFIAny v;
  CHECK_EQ(a->getter(reinterpret_cast<char*>(obj.raw().v_obj) + a->offset, &v), 0);
  CHECK_EQ(v.v_int64, int64_t(3));

  const TVMFFITypeInfo* base = TVMFFIGetTypeInfo(KeyToIndex("testing.TestObjectBase"));
  const TVMFFIMethodInfo* add = FindMethod(base, "add_i64");
  TVMFFIObjectHandle created = nullptr;
  CHECK_EQ(base->metadata->creator(&created), 0);
  Any self = Any::FromRawOwned(test_util::ObjView(created));
  CHECK_EQ(AnyView::FromRaw(add->method).cast<Function>()(self, 5).cast<int64_t>(), int64_t(15));

  // Fields/methods registered later are visible through the same info pointer.
  refl::ObjectDef<AnimalObj>().def_rw("legs", &AnimalObj::legs, int64_t(4));
  const TVMFFITypeInfo* animal = TVMFFIGetTypeInfo(AnimalObj::RuntimeTypeIndex());
  CHECK_EQ(animal->num_fields, 1);
  refl::ObjectDef<AnimalObj>().def("legs_plus", [](ObjectPtr<AnimalObj> self, int64_t x) {
    return self->legs + x;
  });
  CHECK_EQ(animal->num_methods, 1);
  CHECK(animal == TVMFFIGetTypeInfo(AnimalObj::RuntimeTypeIndex()));
  refl::ObjectDef<DogObj>().def_ro("name", &DogObj::name, refl::Default("rex"));
  const TVMFFITypeInfo* dog = TVMFFIGetTypeInfo(DogObj::RuntimeTypeIndex());
  CHECK_EQ(FindField(dog, "name")->offset, int64_t(32));
}

TEST(reflection, make_object_from_packed_args) {
  Function make = Function::GetGlobalRequired("ffi.MakeObjectFromPackedArgs");
  Any base = make("testing.TestObjectBase", "v_i64", 5, "v_f64", 2.5);
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(base.type_index());
  CHECK(details::ToStringView(info->type_key) == "testing.TestObjectBase");
  TVMFFIAny v;
  char* obj = reinterpret_cast<char*>(base.raw().v_obj);
  FindField(info, "v_i64")->getter(obj + FindField(info, "v_i64")->offset, &v);
  CHECK_EQ(v.v_int64, int64_t(5));
  FindField(info, "v_f64")->getter(obj + FindField(info, "v_f64")->offset, &v);
  CHECK_EQ(v.v_float64, 2.5);  // read-only, yet set at creation
  FindField(info, "v_str")->getter(obj + FindField(info, "v_str")->offset, &v);
  CHECK_EQ(test_util::StrOf(v), std::string("hello"));  // default applied
  Any::FromRawOwned(v);

  Any by_index = make(int64_t(info->type_index));
  CHECK_EQ(by_index.type_index(), info->type_index);

  CHECK_THROWS(make("testing.TestObjectBase", "nope", 1), "TypeError", "no field named `nope`");
  CHECK_THROWS(make("testing.TestObjectBase", "v_i64"), "ValueError", "odd");
  CHECK_THROWS(make("testing.TestObjectBase", "v_i64", "x"), "TypeError",
               "Cannot set field `v_i64` of `testing.TestObjectBase`: Cannot convert from type "
               "`str` to `int`");
  CHECK_THROWS(make("testing.TestObjectDerived", "v_map", Map()), "TypeError",
               "missing required field `v_array`");
  CHECK_THROWS(make("testing.TestNonCopyable", "value", 1), "TypeError", "no reflection creator");
  CHECK_THROWS(make("no.such.Type"), "KeyError", "no.such.Type");
  Any derived = make("testing.TestObjectDerived", "v_map", Map{{Any("k"), Any(1)}}, "v_array",
                     Array{Any(1)}, "v_i64", 3);
  const TVMFFITypeInfo* dinfo = TVMFFIGetTypeInfo(derived.type_index());
  obj = reinterpret_cast<char*>(derived.raw().v_obj);
  const TVMFFIFieldInfo* vmap = FindField(dinfo, "v_map");
  vmap->getter(obj + vmap->offset, &v);
  Any m = Any::FromRawOwned(v);
  CHECK_EQ(m.cast<Map>().at("k").cast<int64_t>(), int64_t(1));
  FindField(info, "v_i64")->getter(obj + FindField(info, "v_i64")->offset, &v);
  CHECK_EQ(v.v_int64, int64_t(3));

  Any holder = make("testing.TestHolder");
  const TVMFFITypeInfo* hinfo = TVMFFIGetTypeInfo(holder.type_index());
  const TVMFFIFieldInfo* value = FindField(hinfo, "value");
  CHECK_EQ(value->field_static_type_index, int32_t(kTVMFFIAny));
  CHECK(value->flags & kTVMFFIFieldFlagBitMaskHasDefault);
  CHECK_EQ(value->default_value.type_index, int32_t(kTVMFFINone));
}

TEST(reflection, plain_value_flag) {
  int32_t tindex = KeyToIndex("testing.TestPlainFields");
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(tindex);
  auto plain = [&](const char* name) {
    const TVMFFIFieldInfo* f = FindField(info, name);
    CHECK(f != nullptr);
    return f != nullptr && (f->flags & kTVMFFIFieldFlagBitMaskPlainValue) != 0;
  };
  for (const char* name : {"i8", "flag", "i16", "i32", "i64", "f32", "f64", "ro_i64"}) {
    CHECK(plain(name));
  }
  CHECK(!plain("u32"));    // unsigned: a signed read would differ
  CHECK(!plain("maybe"));  // std::optional: kTVMFFIInt, but not an int in place
  CHECK_EQ(FindField(info, "i32")->size, int64_t(4));
  CHECK_EQ(FindField(info, "maybe")->field_static_type_index, int32_t(kTVMFFIInt));
  CHECK(!(FindField(TVMFFIGetTypeInfo(KeyToIndex("testing.TestObjectBase")), "v_str")->flags &
          kTVMFFIFieldFlagBitMaskPlainValue));
  // An Any field is a TVMFFIAny in place: PlainValue's Any case.
  const TVMFFIFieldInfo* any_field = FindField(TVMFFIGetTypeInfo(KeyToIndex("testing.TestHolder")), "value");
  CHECK(any_field != nullptr && (any_field->flags & kTVMFFIFieldFlagBitMaskPlainValue));
  CHECK(any_field != nullptr && any_field->size == int64_t(sizeof(TVMFFIAny)));

  // The registry refuses the flag on a kind or size frontends cannot read.
  TVMFFIFieldInfo bad = *FindField(info, "maybe");
  bad.name = details::ToByteArray("bad_plain");
  bad.flags |= kTVMFFIFieldFlagBitMaskPlainValue;
  CHECK_EQ(TVMFFITypeRegisterField(tindex, &bad), -1);
  TVMFFIObjectHandle err = nullptr;
  TVMFFIErrorMoveFromRaised(&err);
  CHECK(err != nullptr);
  if (err != nullptr) {
    const TVMFFIErrorCell* cell = TVMFFIErrorGetCellPtr(err);
    CHECK_EQ(std::string(cell->kind.data, cell->kind.size), std::string("ValueError"));
    CHECK(test_util::Contains(std::string(cell->message.data, cell->message.size),
                              "flagged PlainValue"));
    TVMFFIObjectDecRef(err);
  }
  CHECK(FindField(info, "bad_plain") == nullptr);
}
