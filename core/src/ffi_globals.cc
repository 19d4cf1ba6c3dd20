/*
 * The ffi.* global functions the frontends call: container constructors and
 * accessors, and object creation by reflection.
 */
#include <memory>
#include <vector>

#include "internal.h"

namespace tvm_ffi_hpy {
namespace {


const TVMFFITypeInfo* ResolveType(const AnyView& key_or_index) {
  int32_t index = -1;
  if (key_or_index.type_index() == kTVMFFIInt) {
    index = int32_t(key_or_index.raw().v_int64);
  } else if (std::optional<String> key = key_or_index.as<String>()) {
    TVMFFIByteArray k = details::ToByteArray(key->view());
    if (TVMFFITypeKeyToIndex(&k, &index) != 0) details::ThrowRaised();
  } else {
    TVM_FFI_HPY_THROW(TypeError) << "ffi.MakeObjectFromPackedArgs: the first argument must be a "
                                    "type key (str) or a type index (int), got `"
                                 << key_or_index.type_name() << "`";
  }
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(index);
  if (info == nullptr) TVM_FFI_HPY_THROW(KeyError) << "unknown type index " << index;
  return info;
}

/* (type_key_or_index, name0, value0, name1, value1, ...) -> new object. */
void MakeObjectFromPackedArgs(const AnyView* args, int32_t num_args, Any* rv) {
  if (num_args < 1) {
    TVM_FFI_HPY_THROW(TypeError) << "ffi.MakeObjectFromPackedArgs expects a type key or index";
  }
  const TVMFFITypeInfo* info = ResolveType(args[0]);
  std::string_view type_key = details::ToStringView(info->type_key);
  if ((num_args - 1) % 2 != 0) {
    TVM_FFI_HPY_THROW(ValueError) << "ffi.MakeObjectFromPackedArgs expects name/value pairs "
                                     "after the type, got an odd number of arguments";
  }
  if (info->metadata == nullptr || info->metadata->creator == nullptr) {
    TVM_FFI_HPY_THROW(TypeError) << "Type `" << type_key
                                 << "` has no reflection creator (it is not default-constructible "
                                    "or not registered with refl::ObjectDef)";
  }
  std::vector<const TVMFFIFieldInfo*> fields = AllFields(info);
  std::vector<const TVMFFIFieldInfo*> targets;
  std::vector<bool> given(fields.size(), false);
  for (int32_t k = 1; k < num_args; k += 2) {
    std::optional<String> name = args[k].as<String>();
    if (!name.has_value()) {
      TVM_FFI_HPY_THROW(TypeError) << "field names must be str, got `" << args[k].type_name()
                                   << "`";
    }
    size_t found = fields.size();
    for (size_t i = fields.size(); i-- > 0;) {  // the most derived field wins
      if (details::ToStringView(fields[i]->name) == name->view()) {
        found = i;
        break;
      }
    }
    if (found == fields.size()) {
      TVM_FFI_HPY_THROW(TypeError) << "Type `" << type_key << "` has no field named `"
                                   << name->view() << "`";
    }
    given[found] = true;
    targets.push_back(fields[found]);
  }
  for (size_t i = 0; i < fields.size(); ++i) {
    if (!given[i] && !(fields[i]->flags & kTVMFFIFieldFlagBitMaskHasDefault)) {
      TVM_FFI_HPY_THROW(TypeError) << "missing required field `"
                                   << details::ToStringView(fields[i]->name)
                                   << "` when creating `" << type_key << "`";
    }
  }
  TVMFFIObjectHandle handle = nullptr;
  if (info->metadata->creator(&handle) != 0) details::ThrowRaised();
  ObjectPtr<Object> obj = ObjectPtr<Object>::Steal(details::ObjectUnsafe::FromHeader(handle));
  for (size_t t = 0; t < targets.size(); ++t) {
    const TVMFFIFieldInfo* f = targets[t];
    const TVMFFIAny& value = args[2 + 2 * t].raw();
    if (f->setter(reinterpret_cast<char*>(obj.get()) + f->offset, &value) != 0) {
      TVMFFIObjectHandle err = nullptr;
      TVMFFIErrorMoveFromRaised(&err);
      Error inner(ObjectRef(ObjectPtr<Object>::Steal(details::ObjectUnsafe::FromHeader(err))));
      throw Error(inner.kind(), "Cannot set field `" + std::string(details::ToStringView(f->name)) +
                                    "` of `" + std::string(type_key) +
                                    "`: " + std::string(inner.message()));
    }
  }
  *rv = Any(ObjectRef(std::move(obj)));
}

/* The value equality of ffi.ListContains: same kind of value (a string
 * equals a string of the same content, whatever its form), then AnyEqual;
 * objects by identity.  1 is not 1.0 nor True, as in apache tvm-ffi. */
bool SameValue(const TVMFFIAny* a, const TVMFFIAny* b) noexcept {
  bool a_str = details::IsStrIndex(a->type_index), b_str = details::IsStrIndex(b->type_index);
  bool a_bytes = details::IsBytesIndex(a->type_index);
  bool b_bytes = details::IsBytesIndex(b->type_index);
  if (a_str != b_str || a_bytes != b_bytes) return false;
  if (!a_str && !a_bytes && a->type_index != b->type_index) return false;
  return details::AnyEqual(a, b);
}

/* ffi.MapForwardIterFunctor / ffi.DictForwardIterFunctor: f(0) is the current
 * key, f(1) its value, f(2) steps on and says whether an entry is left.  The
 * functor holds the container; a position past the end (after a Dict
 * shrank) raises IndexError. */
template <typename Ref>
Function ForwardIterFunctor(Ref m) {
  auto pos = std::make_shared<size_t>(0);
  return Function::FromTyped(
      [m = std::move(m), pos](int64_t what) -> Any {
        if (what == 2) {
          ++*pos;
          return *pos < m.size();
        }
        if (*pos >= m.size()) TVM_FFI_HPY_THROW(IndexError) << "iterator out of range";
        const auto& entry = m.begin()[*pos];
        if (what == 0) return entry.first;
        if (what == 1) return entry.second;
        TVM_FFI_HPY_THROW(ValueError) << "unknown iterator command " << what;
      },
      "ffi.ForwardIterFunctor");
}

template <typename Ref>
Array FlatItems(const Ref& m) {
  ObjectPtr<ArrayObj> items = ArrayObj::Empty(int64_t(m.size()) * 2);
  for (const auto& kv : m) {
    items->PushBackUnchecked(kv.first);
    items->PushBackUnchecked(kv.second);
  }
  return Array(std::move(items));
}

/* Python-style index normalisation is the frontend's job: these take
 * positions in range and raise IndexError otherwise. */
/* The List and Dict functions take exactly a List / a Dict (ObjectPtr: no
 * conversion from the twin, which would mutate a temporary copy). */
using LP = ObjectPtr<ListObj>;
using DP = ObjectPtr<DictObj>;

void RegisterListAndDict() {
  refl::GlobalDef()
      .def_packed("ffi.List",
                  [](const AnyView* args, int32_t num_args, Any* rv) {
                    List lst;
                    lst.reserve(num_args);
                    for (int32_t i = 0; i < num_args; ++i) lst.push_back(Any(args[i]));
                    *rv = std::move(lst);
                  })
      .def("ffi.ListSize", [](LP l) -> int64_t { return l->size(); })
      .def("ffi.ListGetItem", [](LP l, int64_t i) -> Any { return l->at(i); })
      .def("ffi.ListSetItem", [](LP l, int64_t i, Any v) { l->Set(i, std::move(v)); })
      .def("ffi.ListContains",
           [](LP l, AnyView v) -> bool {
             for (const Any& item : *l) {
               if (SameValue(&item.raw(), &v.raw())) return true;
             }
             return false;
           })
      .def("ffi.ListAppend", [](LP l, Any v) { l->PushBack(std::move(v)); })
      .def("ffi.ListInsert", [](LP l, int64_t i, Any v) { l->Insert(i, std::move(v)); })
      .def("ffi.ListPop", [](LP l, int64_t i) -> Any { return l->Pop(i); })
      .def("ffi.ListErase", [](LP l, int64_t i) { l->Pop(i); })
      .def("ffi.ListEraseRange",
           [](LP l, int64_t first, int64_t last) { l->EraseRange(first, last); })
      // (list, first, last, items): items is a List or an Array, and may be `list` itself.
      .def("ffi.ListReplaceSlice",
           [](LP l, int64_t first, int64_t last, AnyView items) {
             ListObj* target = l.get();
             const Object* src = items.object();
             if (items.type_index() == kTVMFFIList) {
               const ListObj* seq = static_cast<const ListObj*>(src);
               target->ReplaceRange(first, last, seq->begin(), seq->size());
             } else if (items.type_index() == kTVMFFIArray) {
               const ArrayObj* seq = static_cast<const ArrayObj*>(src);
               target->ReplaceRange(first, last, seq->begin(), seq->size());
             } else {
               TVM_FFI_HPY_THROW(TypeError)
                   << "ffi.ListReplaceSlice expects a List or an Array of items, got `"
                   << items.type_name() << "`";
             }
           })
      .def("ffi.ListReverse", [](LP l) { l->Reverse(); })
      .def("ffi.ListClear", [](LP l) { l->Clear(); })
      .def("ffi.ListReserve", [](LP l, int64_t n) { l->Reserve(n); })
      .def_packed("ffi.Dict",
                  [](const AnyView* args, int32_t num_args, Any* rv) {
                    if (num_args % 2 != 0) {
                      TVM_FFI_HPY_THROW(ValueError)
                          << "ffi.Dict expects an even number of arguments (key, value pairs), got "
                          << num_args;
                    }
                    Dict d;
                    for (int32_t i = 0; i < num_args; i += 2) d.Set(args[i], Any(args[i + 1]));
                    *rv = std::move(d);
                  })
      .def("ffi.DictSize", [](DP d) -> int64_t { return int64_t(d->size()); })
      .def("ffi.DictGetItem", [](DP d, AnyView key) -> Any { return Dict(d).at(key); })
      .def("ffi.DictSetItem", [](DP d, AnyView key, Any v) { d->Set(key, std::move(v)); })
      .def("ffi.DictCount", [](DP d, AnyView key) -> int64_t { return Dict(d).count(key); })
      .def("ffi.DictErase", [](DP d, AnyView key) { d->Erase(key); })
      .def("ffi.DictClear", [](DP d) { d->Clear(); })
      .def("ffi.DictItems", [](DP d) -> Array { return FlatItems(Dict(d)); })
      .def("ffi.DictForwardIterFunctor", [](DP d) { return ForwardIterFunctor(Dict(d)); })
      .def("ffi.MapForwardIterFunctor", [](const Map& m) { return ForwardIterFunctor(m); });
}

}  // namespace

TVM_FFI_HPY_STATIC_INIT_BLOCK() {
  RegisterListAndDict();
  refl::GlobalDef()
      .def_packed("ffi.Array",
                  [](const AnyView* args, int32_t num_args, Any* rv) {
                    ObjectPtr<ArrayObj> arr = ArrayObj::Empty(num_args);
                    for (int32_t i = 0; i < num_args; ++i) arr->PushBackUnchecked(Any(args[i]));
                    *rv = Array(std::move(arr));
                  })
      .def("ffi.ArrayGetItem", [](const Array& arr, int64_t i) -> Any { return arr.at(i); })
      .def("ffi.ArraySize", [](const Array& arr) -> int64_t { return arr.size(); })
      .def_packed("ffi.Map",
                  [](const AnyView* args, int32_t num_args, Any* rv) {
                    if (num_args % 2 != 0) {
                      TVM_FFI_HPY_THROW(ValueError)
                          << "ffi.Map expects an even number of arguments (key, value pairs), got "
                          << num_args;
                    }
                    ObjectPtr<MapObj> m = make_object<MapObj>();
                    for (int32_t i = 0; i < num_args; i += 2) m->Set(args[i], Any(args[i + 1]));
                    *rv = Map(std::move(m));
                  })
      .def("ffi.MapSize", [](const Map& m) -> int64_t { return int64_t(m.size()); })
      .def("ffi.MapGetItem", [](const Map& m, AnyView key) -> Any { return m.at(key); })
      .def("ffi.MapCount", [](const Map& m, AnyView key) -> int64_t { return m.count(key); })
      .def("ffi.MapItems",
           [](const Map& m) -> Array { return FlatItems(m); })
      .def_packed("ffi.Shape",
                  [](const AnyView* args, int32_t num_args, Any* rv) {
                    std::vector<int64_t> dims(static_cast<size_t>(num_args));
                    for (int32_t i = 0; i < num_args; ++i) {
                      TVMFFIObject* taken = nullptr;  // an int64_t never takes an object
                      dims[size_t(i)] =
                          details::CastArg<int64_t>(args, i, "ffi.Shape", nullptr, &taken);
                    }
                    *rv = Shape(dims);
                  })
      .def_packed("ffi.MakeObjectFromPackedArgs", &MakeObjectFromPackedArgs)
      // A method of a type registered at run time (tvm_ffi_hpy.typed_method).
      .def("ffi.TypeRegisterMethod",
           [](int64_t type_index, const String& name, const Function& func, bool is_static,
              const String& doc) {
             TVMFFIMethodInfo info{};
             info.name = details::ToByteArray(name.view());
             info.doc = details::ToByteArray(doc.view());
             info.metadata = details::ToByteArray("");
             info.flags = is_static ? kTVMFFIFieldFlagBitMaskIsStaticMethod : 0;
             info.method = AnyView(func).raw();
             if (TVMFFITypeRegisterMethod(int32_t(type_index), &info) != 0) {
               details::ThrowRaised();
             }
           })
      // A Function over a C safe call: calls safe_call(self, args, n, result);
      // deleter(self) (when not NULL) runs when the Function is freed.  The
      // Python face of TVMFFIFunctionCreate (c_api.h), named as apache tvm-ffi's.
      .def("ffi.FunctionFromExternC",
           [](void* self, void* safe_call, void* deleter) -> Function {
             TVMFFIObjectHandle out = nullptr;
             if (TVMFFIFunctionCreate(self, reinterpret_cast<TVMFFISafeCallType>(safe_call),
                                      reinterpret_cast<void (*)(void*)>(deleter), &out) != 0) {
               details::ThrowRaised();
             }
             return Function(ObjectPtr<FunctionObj>::Steal(
                 static_cast<FunctionObj*>(details::ObjectUnsafe::FromHeader(out))));
           })
      // The metadata JSON kept with a global function ("" when none).
      .def("ffi.GetGlobalFuncMetadata",
           [](const String& name) -> String {
             TVMFFIByteArray n = details::ToByteArray(name.view());
             TVMFFIAny out;
             if (TVMFFIFunctionGetGlobalMetadata(&n, &out) != 0) details::ThrowRaised();
             return Any::FromRawOwned(out).cast<String>();
           })
      // A new ffi.Error object (not raised): Python's Error(kind, message, backtrace).
      .def("ffi.ErrorCreate",
           [](const String& kind, const String& message, const String& backtrace) -> ObjectRef {
             return Error(kind.view(), message.view(), backtrace.view()).object();
           })
      .def("ffi.GetTypeKeyOfIndex", [](int64_t index) -> String {
        const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(int32_t(index));
        if (info == nullptr) TVM_FFI_HPY_THROW(KeyError) << "unknown type index " << index;
        return String(details::ToStringView(info->type_key));
      });
}

}  // namespace tvm_ffi_hpy
