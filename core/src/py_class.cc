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
 * A class deriving from a C++ class T (a "native parent": any registered C++
 * object type whose refl::ObjectDef published T's in-place constructors, the
 * type attribute "__ffi_in_place_ops__" of c_api.h) has instead
 *
 *   offset 0    a T, built by T's own constructor (its field defaults
 *               applied), so T's C++ methods and reflected fields work on it
 *   offset A    TVMFFIAny slot[0], slot[1], ...   (A = sizeof(T) rounded up
 *               to 8; owned values)
 *
 * and is allocated through the installed allocator in one block, its header's
 * deleter ours (NativeDeleter: slots released, then ~T(), then the block
 * freed; it finds the slot count and ~T through the type index).  Its
 * reflected fields are T's (and T's C++ ancestors'), found through the
 * ancestors, then the slots.  Every class deriving from it, at any depth,
 * has the same T part and extends the slots.  A native parent must be a
 * type allocated at run time (index >= kTVMFFIDynObjectBegin: the core's own
 * containers, strings, functions ... are refused) whose fields and methods
 * are registered with ObjectDef; a C++ class that is final or not default
 * constructible has no in-place constructor and is refused, with a
 * TypeError, like any other parent that is not ffi.Object or a py_class.
 * The slots never reuse T's tail padding (apache tvm-ffi packs fields there,
 * as a C++ subclass would): members T does not reflect may sit in what the
 * reflected fields leave free, and only sizeof(T) is known for certain.
 *
 * A subtype's slots extend its parent's, so an inherited field keeps its
 * offset in every subtype.  Each field is reflected like a C++ field (name,
 * offset, Any getter/setter; writable unless the class is frozen), so the
 * frontends need nothing special to read or write it.
 *
 *   ffi.DefinePyClass(type_key, parent_index, field_names: Array, frozen,
 *                     field_flags: Array) -> type index
 *   ffi.NewPyClassObject(type_index, *values)  -> object, one value per field:
 *       first the native parent's reflected C++ fields (its ancestors' first,
 *       each type's in registration order; none without a native parent),
 *       written with their setters, then one per slot
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
 * same slot values, and a native parent's part copied by T's copy
 * constructor: TypeError when T has none) so that copy.copy and ffi.DeepCopy
 * work on it like on a C++ type.
 */
#include <atomic>
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

/* The instance layout of one py_class type.  Made once per type, never
 * freed nor changed after it is published (types live for the process), so
 * instances point to it and readers need no lock once they hold it.
 *   num_slots   the slots of an instance: its parent's and its own
 *   first_slot  byte offset of slot[0]: 32 without a native parent
 *   native      the native parent's in-place constructors, or null
 *   native_index  that native parent's type index (-1 without one) */
struct Layout {
  int64_t num_slots;
  int64_t first_slot;
  const TVMFFIInPlaceOps* native;
  int32_t native_index;
};

/* layouts: type index -> its Layout (types whose fields are registered),
 *   read without a lock (FindLayout runs in every construction and in
 *   every destruction of a native-parent instance): chunks of kLayoutChunk
 *   entries, a chunk allocated when its first type registers and never
 *   freed, an entry written once (null -> its Layout), both under mutex and
 *   published with release stores; readers load with acquire.  The Layouts
 *   themselves are immutable.
 * pending: types whose fields are not registered yet, with the layout
 *   their parent gives them (num_slots: the parent's); under mutex. */
constexpr int32_t kLayoutChunk = 1024;
constexpr int32_t kLayoutChunks = 4096;  // type indices below 4,194,304
struct LayoutChunk {
  std::atomic<const Layout*> entry[kLayoutChunk] = {};
};
struct Registry {
  std::mutex mutex;
  std::atomic<LayoutChunk*> layouts[kLayoutChunks] = {};
  std::unordered_map<int32_t, Layout> pending;
};
/* Never destroyed: a deleter may look a layout up while the process exits,
 * after the static destructors ran. */
Registry& Reg() {
  static Registry* reg = new Registry();
  return *reg;
}

const Layout* FindLayout(int32_t type_index) {
  if (type_index < 0 || type_index >= kLayoutChunk * kLayoutChunks) return nullptr;
  LayoutChunk* chunk = Reg().layouts[type_index / kLayoutChunk].load(std::memory_order_acquire);
  return chunk == nullptr ? nullptr
                          : chunk->entry[type_index % kLayoutChunk].load(std::memory_order_acquire);
}

/* Publish the layout of `type_index` (under Reg().mutex). */
void PublishLayout(int32_t type_index, const Layout* layout) {
  if (type_index < 0 || type_index >= kLayoutChunk * kLayoutChunks) {
    TVM_FFI_HPY_THROW(RuntimeError) << "py_class: type index " << type_index
                                    << " is beyond the layout table";
  }
  std::atomic<LayoutChunk*>& slot = Reg().layouts[type_index / kLayoutChunk];
  LayoutChunk* chunk = slot.load(std::memory_order_relaxed);
  if (chunk == nullptr) {
    chunk = new LayoutChunk();
    slot.store(chunk, std::memory_order_release);
  }
  chunk->entry[type_index % kLayoutChunk].store(layout, std::memory_order_release);
}

/* The in-place constructors registered for exactly `type_index` (not an
 * ancestor's: a C++ subclass without its own would get the wrong size). */
const TVMFFIInPlaceOps* InPlaceOps(int32_t type_index) {
  TVMFFIByteArray name = details::ToByteArray("__ffi_in_place_ops__");
  const TVMFFITypeAttrColumn* column = TVMFFIGetTypeAttrColumn(&name);
  if (column == nullptr || type_index < column->begin_index ||
      type_index >= column->begin_index + column->size) {
    return nullptr;
  }
  const TVMFFIAny& v = column->data[type_index - column->begin_index];
  if (v.type_index != kTVMFFIOpaquePtr || v.v_ptr == nullptr) return nullptr;
  const TVMFFIInPlaceOps* ops = static_cast<const TVMFFIInPlaceOps*>(v.v_ptr);
  if (ops->version != 1 || ops->size < int32_t(sizeof(TVMFFIObject)) ||
      ops->construct == nullptr || ops->destroy == nullptr) {
    return nullptr;
  }
  return ops;
}

void ReleaseSlots(TVMFFIAny* slots, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    TVMFFIAny& v = slots[i];
    if (v.type_index >= kTVMFFIStaticObjectBegin && v.v_obj) TVMFFIObjectDecRef(v.v_obj);
  }
}

TVMFFIAny* SlotsOf(const Object* obj, const Layout& layout) {
  return reinterpret_cast<TVMFFIAny*>(reinterpret_cast<char*>(const_cast<Object*>(obj)) +
                                      layout.first_slot);
}

/* The deleter of a native-parent instance: its slots, then its C++ part. */
void NativeDeleter(void* self, int flags) {
  if (flags & kTVMFFIObjectDeleterFlagBitMaskStrong) {
    TVMFFIObject* header = static_cast<TVMFFIObject*>(self);
    if (!details::BeginDestroy(header, flags)) return;  // queued
    const Layout* layout = FindLayout(header->type_index);  // set before the object lived
    ReleaseSlots(SlotsOf(details::ObjectUnsafe::FromHeader(header), *layout),
                 layout->num_slots);
    layout->native->destroy(self);
    details::LiveObjectCountAdd(-1);
    details::EndDestroy();
  }
  if (flags & kTVMFFIObjectDeleterFlagBitMaskWeak) details::FreeObjectSpace(self);
}

/* A native-parent instance of `type_index`: its C++ part default-built
 * (copy != null: copied from `copy`'s), every slot None. */
ObjectPtr<Object> NewNativeInstance(int32_t type_index, const Layout& layout,
                                    const Object* copy = nullptr) {
  size_t bytes = size_t(layout.first_slot) + sizeof(TVMFFIAny) * size_t(layout.num_slots);
  void* mem = details::AllocObjectSpace(bytes);
  int rc = copy == nullptr ? layout.native->construct(mem)
                           : layout.native->copy(mem, copy);
  if (rc != 0) {
    details::FreeObjectSpace(mem);
    details::ThrowRaised();
  }
  TVMFFIAny* slots = reinterpret_cast<TVMFFIAny*>(static_cast<char*>(mem) + layout.first_slot);
  for (int64_t i = 0; i < layout.num_slots; ++i) slots[i] = TVMFFIAny{kTVMFFINone, {0}, {0}};
  TVMFFIObject* header = static_cast<TVMFFIObject*>(mem);
  header->type_index = type_index;
  header->deleter = &NativeDeleter;
  details::LiveObjectCountAdd(1);
  return ObjectPtr<Object>::Steal(details::ObjectUnsafe::FromHeader(header));
}

/* An instance with every slot None (and the native part default-built). */
ObjectPtr<Object> NewInstance(int32_t type_index, const Layout& layout) {
  if (layout.native != nullptr) return NewNativeInstance(type_index, layout);
  int64_t n = layout.num_slots;
  ObjectPtr<PyClassObj> obj = make_inplace_array_object<PyClassObj, TVMFFIAny>(size_t(n), n);
  details::HeaderOf(obj.get())->type_index = type_index;
  return ObjectPtr<Object>(std::move(obj));
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

/* The layout a new subtype of `parent_index` starts from (num_slots: the
 * parent's).  TypeError for a parent that cannot be derived from. */
Layout ParentLayout(const String& type_key, int64_t parent_index) {
  if (parent_index == kTVMFFIObject) return Layout{0, kFirstSlotOffset, nullptr, -1};
  if (const Layout* layout = FindLayout(int32_t(parent_index))) return *layout;
  const TVMFFITypeInfo* info =
      parent_index >= 0 && parent_index <= INT32_MAX ? TVMFFIGetTypeInfo(int32_t(parent_index))
                                                     : nullptr;
  const TVMFFIInPlaceOps* ops = parent_index >= kTVMFFIDynObjectBegin && info != nullptr
                                    ? InPlaceOps(int32_t(parent_index))
                                    : nullptr;
  bool pending;
  {
    std::lock_guard<std::mutex> lock(Reg().mutex);
    pending = Reg().pending.count(int32_t(parent_index)) != 0;
  }
  if (ops == nullptr || pending) {
    std::string why;
    if (info == nullptr) {
      why = "(type index " + std::to_string(parent_index) + ") is not a registered type";
    } else if (pending) {
      why = "(`" + std::string(details::ToStringView(info->type_key)) +
            "`) must be a class defined by DefinePyClass whose fields are registered "
            "(these are pending)";
    } else {
      why = "(`" + std::string(details::ToStringView(info->type_key)) +
            "`) must be ffi.Object, a class defined by DefinePyClass, or a C++ class "
            "registered with refl::ObjectDef that is default-constructible and not final "
            "(the core's own types, such as containers, cannot be derived from)";
    }
    TVM_FFI_HPY_THROW(TypeError) << "ffi.DefinePyClass: the parent of `" << type_key.view()
                                 << "` " << why;
  }
  int64_t first = (int64_t(ops->size) + 7) / 8 * 8;
  return Layout{0, first, ops, int32_t(parent_index)};
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

// Registers the fields and publishes the layout (the type becomes usable).
void AddFields(int32_t index, const Layout& parent, const Array& field_names,
               const std::vector<int64_t>& flags, const std::vector<std::string>& metadata) {
  int64_t n = field_names.size();
  for (int64_t i = 0; i < n; ++i) {
    std::optional<String> name = field_names[i].as<String>();
    if (!name) TVM_FFI_HPY_THROW(TypeError) << "ffi.DefinePyClass: field names must be str";
    TVMFFIFieldInfo info{};
    info.name = details::ToByteArray(name->view());
    info.doc = TVMFFIByteArray{"", 0};
    info.metadata = TVMFFIByteArray{metadata[i].data(), metadata[i].size()};
    // Slots hold an Any in place (GetSlot/SetSlot): PlainValue's Any case.
    info.flags = (flags[i] & ~int64_t(kTVMFFIFieldFlagBitMaskHasDefault)) |
                 kTVMFFIFieldFlagBitMaskPlainValue;
    info.size = sizeof(TVMFFIAny);
    info.alignment = alignof(TVMFFIAny);
    info.offset = parent.first_slot + int64_t(sizeof(TVMFFIAny)) * (parent.num_slots + i);
    info.getter = &GetSlot;
    info.setter = &SetSlot;
    info.default_value = TVMFFIAny{kTVMFFINone, {0}, {0}};
    info.field_static_type_index = kTVMFFIAny;
    if (TVMFFITypeRegisterField(index, &info) != 0) details::ThrowRaised();
  }
  Layout* layout = new Layout(parent);
  layout->num_slots = parent.num_slots + n;
  {
    std::lock_guard<std::mutex> lock(Reg().mutex);
    Reg().pending.erase(index);
    PublishLayout(index, layout);
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
  Layout parent = ParentLayout(type_key, parent_index);
  int32_t index = AllocType(type_key, parent_index);
  AddFields(index, parent, field_names, flags, std::vector<std::string>(size_t(n)));
  return index;
}

int64_t DefinePyClassType(const String& type_key, int64_t parent_index) {
  Layout parent = ParentLayout(type_key, parent_index);
  int32_t index = AllocType(type_key, parent_index);
  std::lock_guard<std::mutex> lock(Reg().mutex);
  Reg().pending[index] = parent;
  return index;
}

void DefinePyClassFields(int64_t type_index, const Array& field_names, const Array& flags,
                         const Array& metadata) {
  Layout parent;
  {
    std::lock_guard<std::mutex> lock(Reg().mutex);
    auto it = Reg().pending.find(int32_t(type_index));
    if (it == Reg().pending.end()) {
      TVM_FFI_HPY_THROW(ValueError) << "ffi.DefinePyClassFields: type index " << type_index
                                    << " is not a py_class type whose fields are pending";
    }
    parent = it->second;
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
  AddFields(int32_t(type_index), parent, field_names, flag_words, texts);
}

/* A new object of the same py_class type holding the same slot values (and
 * a copy of the native part, by its C++ copy constructor). */
Any ShallowCopy(const ObjectRef& self) {
  const Object* src = self.get();
  const Layout* layout = src == nullptr ? nullptr : FindLayout(src->type_index());
  if (layout == nullptr) TVM_FFI_HPY_THROW(TypeError) << "__ffi_shallow_copy__: not a py_class object";
  ObjectPtr<Object> obj;
  if (layout->native != nullptr) {
    if (layout->native->copy == nullptr) {
      TVM_FFI_HPY_THROW(TypeError)
          << "__ffi_shallow_copy__: the C++ class `"
          << details::ToStringView(TVMFFIGetTypeInfo(layout->native_index)->type_key)
          << "` that `" << src->type_key() << "` derives from cannot be copied";
    }
    obj = NewNativeInstance(src->type_index(), *layout, src);
  } else {
    obj = NewInstance(src->type_index(), *layout);
  }
  TVMFFIAny* from = SlotsOf(src, *layout);
  TVMFFIAny* to = SlotsOf(obj.get(), *layout);
  for (int64_t i = 0; i < layout->num_slots; ++i) {
    if (SetSlot(&to[i], &from[i]) != 0) details::ThrowRaised();
  }
  return Any(ObjectRef(std::move(obj)));
}

/* The reflected fields of a native parent and its C++ ancestors, outermost
 * first (the values NewPyClassObject takes before the slots'). */
std::vector<const TVMFFIFieldInfo*> NativeFields(int32_t native_index) {
  std::vector<const TVMFFIFieldInfo*> out;
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(native_index);
  for (int32_t d = 0; d <= info->type_depth; ++d) {
    const TVMFFITypeInfo* t = d < info->type_depth ? info->type_ancestors[d] : info;
    for (int32_t i = 0; i < t->num_fields; ++i) out.push_back(&t->fields[i]);
  }
  return out;
}

void NewPyClassObject(const AnyView* args, int32_t num_args, Any* rv) {
  if (num_args < 1 || args[0].type_index() != kTVMFFIInt) {
    TVM_FFI_HPY_THROW(TypeError) << "ffi.NewPyClassObject(type_index, *values)";
  }
  *rv = Any(MakeSlotObject(int32_t(args[0].raw().v_int64), args + 1, num_args - 1));
}

}  // namespace

bool IsPyClassType(int32_t type_index) { return FindLayout(type_index) != nullptr; }

int32_t DefineSlotType(const String& type_key, int32_t parent_index,
                       const std::vector<std::string>& field_names, bool frozen) {
  Array names;
  for (const std::string& name : field_names) names.push_back(String(name));
  return int32_t(DefinePyClass(type_key, parent_index, names, frozen, Array()));
}

void AdoptSlotType(int32_t type_index) {
  if (FindLayout(type_index) != nullptr) return;  // done before
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
  if (parent_index != kTVMFFIObject && FindLayout(parent_index) == nullptr) {
    TVM_FFI_HPY_THROW(TypeError) << "`" << key.view() << "`: its parent is not a slot type";
  }
  AddFields(type_index, ParentLayout(key, parent_index), Array(), {}, {});
}

ObjectRef MakeSlotObject(int32_t type_index, const AnyView* values, int64_t num_values) {
  const Layout* layout = FindLayout(type_index);
  if (layout == nullptr) {
    TVM_FFI_HPY_THROW(KeyError) << "type index " << type_index << " is not a slot type";
  }
  std::vector<const TVMFFIFieldInfo*> native;
  if (layout->native != nullptr) native = NativeFields(layout->native_index);
  int64_t n = int64_t(native.size()) + layout->num_slots;
  if (num_values != n) {
    TVM_FFI_HPY_THROW(TypeError) << "`"
                                 << details::ToStringView(TVMFFIGetTypeInfo(type_index)->type_key)
                                 << "` takes " << n << " field values, got " << num_values;
  }
  ObjectPtr<Object> obj = NewInstance(type_index, *layout);
  char* base = reinterpret_cast<char*>(obj.get());
  for (size_t i = 0; i < native.size(); ++i) {
    const TVMFFIFieldInfo* f = native[i];
    if (f->setter(base + f->offset, &values[i].raw()) != 0) {
      Error inner = details::TakeRaised();
      throw Error(inner.kind(), "Cannot set field `" + std::string(details::ToStringView(f->name)) +
                                    "` of `" + std::string(obj->type_key()) +
                                    "`: " + std::string(inner.message()));
    }
  }
  TVMFFIAny* slots = SlotsOf(obj.get(), *layout);
  for (int64_t i = 0; i < layout->num_slots; ++i) {
    if (SetSlot(&slots[i], &values[size_t(i) + native.size()].raw()) != 0) details::ThrowRaised();
  }
  return ObjectRef(std::move(obj));
}

ObjectPtr<Object> NewPyClassInstance(int32_t type_index) {
  const Layout* layout = FindLayout(type_index);
  if (layout == nullptr) return ObjectPtr<Object>();
  return NewInstance(type_index, *layout);
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
