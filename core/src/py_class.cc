/*
 * Object types defined at run time by a frontend (tvm_ffi_hpy.dataclasses.py_class).
 *
 * Layout of an instance, allocated through the installed allocator like
 * every object:
 *
 *   offset 0    TVMFFIObject header (type_index = the run-time type)
 *   offset 24   int64 number of slots
 *   offset 32   TVMFFIAny slot[0], slot[1], ...   (owned values)
 *
 * A subtype's slots extend its parent's, so an inherited field keeps its
 * offset in every subtype.  Each field is reflected like a C++ field (name,
 * offset, Any getter/setter; writable unless the class is frozen), so the
 * frontends need nothing special to read or write it.
 *
 *   ffi.DefinePyClass(type_key, parent_index, field_names: Array, frozen,
 *                     field_flags: Array) -> type index
 *   ffi.NewPyClassObject(type_index, *values)  -> object, one value per slot
 *
 * The same in two steps (apache tvm-ffi's low-level API: the type first, its
 * fields once their annotations are resolved):
 *
 *   ffi.DefinePyClassType(type_key, parent_index) -> type index, fields pending
 *   ffi.DefinePyClassFields(type_index, names: Array, flags: Array[int],
 *                           metadata: Array[str])   (once per type)
 *
 * `flags` are kTVMFFIFieldFlagBitMask* bits as they are to be reported
 * (Writable, InitOff, KwOnly, ...; HasDefault is dropped: the defaults live
 * with the frontend), `metadata` JSON text per field ("" for none).  A type
 * whose fields are pending has no instances and no subtypes.
 *
 * NewPyClassInstance (internal.h) makes an instance whose slots are all None,
 * for the core's own makers of objects by reflection (serialization.cc).
 *
 * field_flags of DefinePyClass: empty, or one int per field, ORed into the
 * field's flags (only ReprOff, CompareOff, HashOff, InitOff, KwOnly are
 * taken).  Every type gets "__ffi_shallow_copy__" (a new object with the
 * same slot values) so that copy.copy and ffi.DeepCopy work on it like on a
 * C++ type.
 */
#include <deque>
#include <mutex>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

#include "internal.h"

namespace tvm_ffi_hpy {
namespace {

class PyClassObj : public Object {
 public:
  explicit PyClassObj(int64_t n) : num_slots(n) {
    for (int64_t i = 0; i < n; ++i) new (&slots()[i]) TVMFFIAny{kTVMFFINone, {0}, {0}};
  }
  ~PyClassObj() {
    for (int64_t i = 0; i < num_slots; ++i) {
      TVMFFIAny& v = slots()[i];
      if (v.type_index >= kTVMFFIStaticObjectBegin && v.v_obj) TVMFFIObjectDecRef(v.v_obj);
    }
  }
  TVMFFIAny* slots() { return reinterpret_cast<TVMFFIAny*>(this + 1); }

  int64_t num_slots;

  TVM_FFI_HPY_DECLARE_OBJECT_INFO("ffi.PyClassObject", PyClassObj, Object)
};
static_assert(sizeof(PyClassObj) == 32, "slots start at offset 32");

constexpr int64_t kFirstSlotOffset = 32;

int GetSlot(void* field, TVMFFIAny* result) {
  return TVMFFIAnyViewToOwnedAny(static_cast<const TVMFFIAny*>(field), result);
}

int SetSlot(void* field, const TVMFFIAny* value) {
  TVMFFIAny owned;
  if (TVMFFIAnyViewToOwnedAny(value, &owned) != 0) return -1;
  TVMFFIAny* slot = static_cast<TVMFFIAny*>(field);
  TVMFFIAny old = *slot;
  *slot = owned;
  if (old.type_index >= kTVMFFIStaticObjectBegin && old.v_obj) TVMFFIObjectDecRef(old.v_obj);
  return 0;
}

/* type index -> number of slots of its instances (its parent's and its own);
 * g_pending: types whose fields are not registered yet (not in g_num_slots).
 * Both guarded by g_mutex. */
std::mutex g_mutex;
std::unordered_map<int32_t, int64_t> g_num_slots;
std::unordered_map<int32_t, int32_t> g_pending;  // type index -> parent index

int64_t NumSlots(int32_t type_index) {
  std::lock_guard<std::mutex> lock(g_mutex);
  auto it = g_num_slots.find(type_index);
  return it == g_num_slots.end() ? -1 : it->second;
}

/* The flags a frontend may set on a py_class field. */
constexpr int64_t kSettableFieldFlags =
    kTVMFFIFieldFlagBitMaskReprOff | kTVMFFIFieldFlagBitMaskCompareOff |
    kTVMFFIFieldFlagBitMaskHashOff | kTVMFFIFieldFlagBitMaskInitOff | kTVMFFIFieldFlagBitMaskKwOnly;

Any ShallowCopy(const ObjectRef& self);

/* One function serves every py_class type (made with the core, so defining
 * a class makes no new object). */
const Function& ShallowCopyFunction() {
  static Function* f = new Function(Function::FromTyped(&ShallowCopy, "py_class.__ffi_shallow_copy__"));
  return *f;
}

int64_t ParentSlots(const String& type_key, int64_t parent_index) {
  if (parent_index == kTVMFFIObject) return 0;
  int64_t parent_slots = NumSlots(int32_t(parent_index));
  if (parent_slots < 0) {
    TVM_FFI_HPY_THROW(TypeError) << "ffi.DefinePyClass: the parent of `" << type_key.view()
                                 << "` must be ffi.Object or a class defined by DefinePyClass"
                                 << " whose fields are registered";
  }
  return parent_slots;
}

int32_t AllocType(const String& type_key, int64_t parent_index) {
  TVMFFIByteArray key = details::ToByteArray(type_key.view());
  int32_t existing = -1;
  if (TVMFFITypeKeyToIndex(&key, &existing) == 0) {
    TVM_FFI_HPY_THROW(ValueError) << "type key `" << type_key.view() << "` is already registered";
  }
  TVMFFIObjectHandle ignored = nullptr;
  TVMFFIErrorMoveFromRaised(&ignored);  // the lookup's KeyError
  if (ignored) TVMFFIObjectDecRef(ignored);
  int32_t index = TVMFFITypeGetOrAllocIndex(&key, -1, 0, 0, 1, int32_t(parent_index));
  if (index < 0) details::ThrowRaised();
  return index;
}

// Registers the fields and publishes the slot count (the type becomes usable).
void AddFields(int32_t index, int64_t parent_slots, const Array& field_names,
               const std::vector<int64_t>& flags, const std::vector<std::string>& metadata) {
  int64_t n = field_names.size();
  for (int64_t i = 0; i < n; ++i) {
    std::optional<String> name = field_names[i].as<String>();
    if (!name) TVM_FFI_HPY_THROW(TypeError) << "ffi.DefinePyClass: field names must be str";
    TVMFFIFieldInfo info{};
    info.name = details::ToByteArray(name->view());
    info.doc = TVMFFIByteArray{"", 0};
    info.metadata = TVMFFIByteArray{metadata[i].data(), metadata[i].size()};
    info.flags = flags[i] & ~int64_t(kTVMFFIFieldFlagBitMaskHasDefault);
    info.size = sizeof(TVMFFIAny);
    info.alignment = alignof(TVMFFIAny);
    info.offset = kFirstSlotOffset + int64_t(sizeof(TVMFFIAny)) * (parent_slots + i);
    info.getter = &GetSlot;
    info.setter = &SetSlot;
    info.default_value = TVMFFIAny{kTVMFFINone, {0}, {0}};
    info.field_static_type_index = kTVMFFIAny;
    if (TVMFFITypeRegisterField(index, &info) != 0) details::ThrowRaised();
  }
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_pending.erase(index);
    g_num_slots[index] = parent_slots + n;
  }
  TVMFFIByteArray attr = details::ToByteArray("__ffi_shallow_copy__");
  if (TVMFFITypeRegisterAttr(index, &attr, &AnyView(ShallowCopyFunction()).raw()) != 0) {
    details::ThrowRaised();
  }
}

int64_t DefinePyClass(const String& type_key, int64_t parent_index, const Array& field_names,
                      bool frozen, const Array& field_flags) {
  int64_t n = field_names.size();
  if (field_flags.size() != 0 && field_flags.size() != n) {
    TVM_FFI_HPY_THROW(ValueError) << "ffi.DefinePyClass: " << field_flags.size()
                                  << " field flags for " << n << " fields";
  }
  std::vector<int64_t> flags(size_t(n), frozen ? 0 : kTVMFFIFieldFlagBitMaskWritable);
  for (int64_t i = 0; i < field_flags.size(); ++i) {
    std::optional<int64_t> word = field_flags[i].as<int64_t>();
    if (!word) TVM_FFI_HPY_THROW(TypeError) << "ffi.DefinePyClass: field flags must be int";
    flags[size_t(i)] |= *word & kSettableFieldFlags;
  }
  int64_t parent_slots = ParentSlots(type_key, parent_index);
  int32_t index = AllocType(type_key, parent_index);
  AddFields(index, parent_slots, field_names, flags, std::vector<std::string>(size_t(n)));
  return index;
}

int64_t DefinePyClassType(const String& type_key, int64_t parent_index) {
  ParentSlots(type_key, parent_index);
  int32_t index = AllocType(type_key, parent_index);
  std::lock_guard<std::mutex> lock(g_mutex);
  g_pending[index] = int32_t(parent_index);
  return index;
}

void DefinePyClassFields(int64_t type_index, const Array& field_names, const Array& flags,
                         const Array& metadata) {
  int32_t parent_index;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    auto it = g_pending.find(int32_t(type_index));
    if (it == g_pending.end()) {
      TVM_FFI_HPY_THROW(ValueError) << "ffi.DefinePyClassFields: type index " << type_index
                                    << " is not a py_class type whose fields are pending";
    }
    parent_index = it->second;
  }
  int64_t n = field_names.size();
  if (flags.size() != n || metadata.size() != n) {
    TVM_FFI_HPY_THROW(ValueError) << "ffi.DefinePyClassFields: one flag word and one metadata "
                                     "text per field";
  }
  std::vector<int64_t> flag_words;
  std::vector<std::string> texts;
  for (int64_t i = 0; i < n; ++i) {
    std::optional<int64_t> word = flags[i].as<int64_t>();
    std::optional<String> text = metadata[i].as<String>();
    if (!word || !text) {
      TVM_FFI_HPY_THROW(TypeError) << "ffi.DefinePyClassFields: flags are ints, metadata str";
    }
    flag_words.push_back(*word);
    texts.emplace_back(text->view());
  }
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(int32_t(type_index));
  String key(details::ToStringView(info->type_key));
  AddFields(int32_t(type_index), ParentSlots(key, parent_index), field_names, flag_words, texts);
}

/* A new object of the same py_class type holding the same slot values. */
Any ShallowCopy(const ObjectRef& self) {
  const Object* src = self.get();
  int64_t n = src == nullptr ? -1 : NumSlots(src->type_index());
  if (n < 0) TVM_FFI_HPY_THROW(TypeError) << "__ffi_shallow_copy__: not a py_class object";
  const PyClassObj* from = static_cast<const PyClassObj*>(src);
  ObjectPtr<PyClassObj> obj = make_inplace_array_object<PyClassObj, TVMFFIAny>(size_t(n), n);
  details::HeaderOf(obj.get())->type_index = src->type_index();
  for (int64_t i = 0; i < n; ++i) {
    if (SetSlot(&obj->slots()[i], &const_cast<PyClassObj*>(from)->slots()[i]) != 0) {
      details::ThrowRaised();
    }
  }
  return Any(ObjectRef(std::move(obj)));
}

void NewPyClassObject(const AnyView* args, int32_t num_args, Any* rv) {
  if (num_args < 1 || args[0].type_index() != kTVMFFIInt) {
    TVM_FFI_HPY_THROW(TypeError) << "ffi.NewPyClassObject(type_index, *values)";
  }
  *rv = Any(MakeSlotObject(int32_t(args[0].raw().v_int64), args + 1, num_args - 1));
}

}  // namespace

bool IsPyClassType(int32_t type_index) { return NumSlots(type_index) >= 0; }

int32_t DefineSlotType(const String& type_key, int32_t parent_index,
                       const std::vector<std::string>& field_names, bool frozen) {
  Array names;
  for (const std::string& name : field_names) names.push_back(String(name));
  return int32_t(DefinePyClass(type_key, parent_index, names, frozen, Array()));
}

void AdoptSlotType(int32_t type_index) {
  if (NumSlots(type_index) >= 0) return;  // done before
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(type_index);
  if (info == nullptr || info->type_depth == 0) {
    TVM_FFI_HPY_THROW(TypeError) << "type index " << type_index << " has no parent to extend";
  }
  int32_t parent_index = info->type_ancestors[info->type_depth - 1]->type_index;
  String key(details::ToStringView(info->type_key));
  if (info->num_fields != 0) {
    TVM_FFI_HPY_THROW(TypeError) << "`" << key.view() << "` has C++ fields: it cannot take "
                                 << "the slot layout of its parent";
  }
  AddFields(type_index, ParentSlots(key, parent_index), Array(), {}, {});
}

ObjectRef MakeSlotObject(int32_t type_index, const AnyView* values, int64_t num_values) {
  int64_t n = NumSlots(type_index);
  if (n < 0) TVM_FFI_HPY_THROW(KeyError) << "type index " << type_index << " is not a slot type";
  if (num_values != n) {
    TVM_FFI_HPY_THROW(TypeError) << "`"
                                 << details::ToStringView(TVMFFIGetTypeInfo(type_index)->type_key)
                                 << "` takes " << n << " field values, got " << num_values;
  }
  ObjectPtr<PyClassObj> obj = make_inplace_array_object<PyClassObj, TVMFFIAny>(size_t(n), n);
  details::HeaderOf(obj.get())->type_index = type_index;
  for (int64_t i = 0; i < n; ++i) {
    if (SetSlot(&obj->slots()[i], &values[i].raw()) != 0) details::ThrowRaised();
  }
  return ObjectRef(std::move(obj));
}

ObjectPtr<Object> NewPyClassInstance(int32_t type_index) {
  int64_t n = NumSlots(type_index);
  if (n < 0) return ObjectPtr<Object>();
  ObjectPtr<PyClassObj> obj = make_inplace_array_object<PyClassObj, TVMFFIAny>(size_t(n), n);
  details::HeaderOf(obj.get())->type_index = type_index;
  return ObjectPtr<Object>(std::move(obj));
}

TVM_FFI_HPY_STATIC_INIT_BLOCK() {
  ShallowCopyFunction();
  refl::GlobalDef()
      .def("ffi.DefinePyClass", &DefinePyClass)
      .def("ffi.DefinePyClassType", &DefinePyClassType)
      .def("ffi.DefinePyClassFields", &DefinePyClassFields)
      .def_packed("ffi.NewPyClassObject", &NewPyClassObject);
}

}  // namespace tvm_ffi_hpy
