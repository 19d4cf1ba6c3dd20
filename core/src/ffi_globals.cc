/*
 * The ffi.* global functions the frontends call: container constructors and
 * accessors, and object creation by reflection.
 */
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

}  // namespace

TVM_FFI_HPY_STATIC_INIT_BLOCK() {
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
           [](const Map& m) -> Array {
             ObjectPtr<ArrayObj> items = ArrayObj::Empty(int64_t(m.size()) * 2);
             for (const auto& kv : m) {
               items->PushBackUnchecked(kv.first);
               items->PushBackUnchecked(kv.second);
             }
             return Array(std::move(items));
           })
      .def_packed("ffi.Shape",
                  [](const AnyView* args, int32_t num_args, Any* rv) {
                    std::vector<int64_t> dims(static_cast<size_t>(num_args));
                    for (int32_t i = 0; i < num_args; ++i) {
                      dims[size_t(i)] = details::CastArg<int64_t>(args, i, "ffi.Shape");
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
