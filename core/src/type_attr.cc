/*
 * Type attributes (named columns indexed by type index) and the constructor
 * generated from reflection: "__ffi_init__" for a type registered with
 * refl::ObjectDef that has a creator and no explicit refl::init.
 *
 * The generated constructor follows the field flags of c_api.h:
 *  - parameters are the fields without InitOff, ancestors' first; positional
 *    ones (no KwOnly) are ordered required first, then those with a default
 *    (stable otherwise);
 *  - keyword arguments come after the KWARGS sentinel ("ffi.GetKwargsObject")
 *    as name/value pairs: f(p0, p1, KWARGS, "name", value, ...);
 *  - fields not given take their default (a factory is called for each new
 *    object); an InitOff field without a default keeps what the creator left;
 *  - errors are TypeErrors with apache tvm-ffi's messages
 *    ("<type>.__ffi_init__() missing required argument: 'x'", ...).
 *
 * Global functions: ffi.GetKwargsObject, ffi.GetTypeAttr(type_index, name)
 * (None when unset), ffi.TypeRegisterAttr(type_index, name, value) (a
 * frontend's hooks, e.g. a py_class's __ffi_eq__; replaces, None unsets),
 * ffi._RegisterFFIInit(type_index) (called by
 * refl::ObjectDef once the type's fields are registered).
 */
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "internal.h"

namespace tvm_ffi_hpy {
namespace {

struct AttrColumn {
  TVMFFITypeAttrColumn column{nullptr, 0, 0};
  std::vector<TVMFFIAny> cells;  // owned values (None when unset)
};

class TypeAttrRegistry {
 public:
  static TypeAttrRegistry& Global() {
    static TypeAttrRegistry* inst = new TypeAttrRegistry();  // never destroyed
    return *inst;
  }

  void Register(int32_t type_index, std::string_view name, const TVMFFIAny& value) {
    if (type_index < 0) TVM_FFI_HPY_THROW(ValueError) << "invalid type index " << type_index;
    std::lock_guard<std::mutex> lock(mu_);
    AttrColumn*& col = columns_[std::string(name)];
    if (col == nullptr) col = new AttrColumn();  // never freed: columns are handed out
    if (size_t(type_index) >= col->cells.size()) {
      col->cells.resize(size_t(type_index) + 1, details::NoneAny());
    }
    TVMFFIAny owned = Any(AnyView::FromRaw(value)).release();
    Any::FromRawOwned(col->cells[size_t(type_index)]);  // drop the previous value
    col->cells[size_t(type_index)] = owned;
    col->column.data = col->cells.data();
    col->column.size = int32_t(col->cells.size());
    col->column.begin_index = 0;
  }

  const TVMFFITypeAttrColumn* Column(std::string_view name) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = columns_.find(std::string(name));
    return it == columns_.end() ? nullptr : &it->second->column;
  }

  Any Get(int32_t type_index, std::string_view name) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = columns_.find(std::string(name));
    if (it == columns_.end() || type_index < 0 ||
        size_t(type_index) >= it->second->cells.size()) {
      return Any();
    }
    return Any(AnyView::FromRaw(it->second->cells[size_t(type_index)]));
  }

 private:
  std::mutex mu_;
  std::unordered_map<std::string, AttrColumn*> columns_;
};

/* The object that marks the start of keyword arguments. */
const ObjectRef& KwargsSentinel() {
  static ObjectRef* sentinel = new ObjectRef(make_object<Object>());  // lives forever
  return *sentinel;
}

/* What the generated constructor knows about one type, computed once. */
struct InitPlan {
  struct Entry {
    const TVMFFIFieldInfo* info;
    bool init;
    bool kw_only;
    bool has_default;
  };
  std::string type_key;
  const TVMFFITypeInfo* type_info = nullptr;
  std::vector<Entry> fields;        // every field, ancestors' first
  std::vector<size_t> positional;   // indices into fields, in parameter order
};

InitPlan MakePlan(int32_t type_index) {
  InitPlan plan;
  plan.type_info = TVMFFIGetTypeInfo(type_index);
  if (plan.type_info == nullptr) TVM_FFI_HPY_THROW(ValueError) << "unknown type index " << type_index;
  plan.type_key = std::string(details::ToStringView(plan.type_info->type_key));
  for (int32_t d = 0; d <= plan.type_info->type_depth; ++d) {
    const TVMFFITypeInfo* t =
        d < plan.type_info->type_depth ? plan.type_info->type_ancestors[d] : plan.type_info;
    for (int32_t i = 0; i < t->num_fields; ++i) {
      const TVMFFIFieldInfo* f = &t->fields[i];
      plan.fields.push_back({f, (f->flags & kTVMFFIFieldFlagBitMaskInitOff) == 0,
                             (f->flags & kTVMFFIFieldFlagBitMaskKwOnly) != 0,
                             (f->flags & kTVMFFIFieldFlagBitMaskHasDefault) != 0});
    }
  }
  for (int pass = 0; pass < 2; ++pass) {  // required positional first, then defaulted
    for (size_t i = 0; i < plan.fields.size(); ++i) {
      const InitPlan::Entry& e = plan.fields[i];
      if (e.init && !e.kw_only && e.has_default == (pass == 1)) plan.positional.push_back(i);
    }
  }
  return plan;
}

std::string_view FieldName(const InitPlan::Entry& e) { return details::ToStringView(e.info->name); }

/* The error raised by a setter, re-raised with the field named. */
[[noreturn]] void RethrowSetterError(const InitPlan& plan, const InitPlan::Entry& e,
                                     const char* what) {
  TVMFFIObjectHandle err = nullptr;
  TVMFFIErrorMoveFromRaised(&err);
  Error inner(ObjectRef(ObjectPtr<Object>::Steal(details::ObjectUnsafe::FromHeader(err))));
  throw Error(inner.kind(), plan.type_key + ".__ffi_init__() " + what + " '" +
                                std::string(FieldName(e)) + "': " + std::string(inner.message()));
}

void SetField(const InitPlan& plan, Object* obj, const InitPlan::Entry& e, const TVMFFIAny& v,
              const char* what) {
  if (e.info->setter(reinterpret_cast<char*>(obj) + e.info->offset, &v) != 0) {
    RethrowSetterError(plan, e, what);
  }
}

void SetFieldToDefault(const InitPlan& plan, Object* obj, const InitPlan::Entry& e) {
  if (e.info->flags & kTVMFFIFieldFlagBitMaskDefaultFromFactory) {
    Any value = AnyView::FromRaw(e.info->default_value).cast<Function>()();
    SetField(plan, obj, e, value.raw(), "default for field");
  } else {
    SetField(plan, obj, e, e.info->default_value, "default for field");
  }
}

void RunInit(const InitPlan& plan, const AnyView* args, int32_t num_args, Any* rv) {
  TVMFFIObjectHandle handle = nullptr;
  if (plan.type_info->metadata->creator(&handle) != 0) details::ThrowRaised();
  ObjectPtr<Object> obj = ObjectPtr<Object>::Steal(details::ObjectUnsafe::FromHeader(handle));
  std::vector<bool> given(plan.fields.size(), false);
  const Object* sentinel = KwargsSentinel().get();
  int32_t num_positional = num_args;
  for (int32_t i = 0; i < num_args; ++i) {
    if (args[i].object() == sentinel) {
      num_positional = i;
      break;
    }
  }
  if (size_t(num_positional) > plan.positional.size()) {
    TVM_FFI_HPY_THROW(TypeError) << plan.type_key << ".__ffi_init__() takes at most "
                                 << plan.positional.size() << " positional argument(s), but "
                                 << num_positional << " were given";
  }
  for (int32_t i = 0; i < num_positional; ++i) {
    size_t fi = plan.positional[size_t(i)];
    SetField(plan, obj.get(), plan.fields[fi], args[i].raw(), "field");
    given[fi] = true;
  }
  if (num_positional < num_args) {
    int32_t first = num_positional + 1;
    if ((num_args - first) % 2 != 0) {
      TVM_FFI_HPY_THROW(TypeError)
          << plan.type_key << ".__ffi_init__() KWARGS requires an even number of key-value "
          << "arguments";
    }
    for (int32_t k = first; k < num_args; k += 2) {
      std::optional<String> key = args[k].as<String>();
      if (!key.has_value()) {
        TVM_FFI_HPY_THROW(TypeError) << plan.type_key << ".__ffi_init__() keywords must be "
                                     << "strings, got `" << args[k].type_name() << "`";
      }
      size_t found = plan.fields.size();
      for (size_t i = plan.fields.size(); i-- > 0;) {  // the most derived field wins
        if (plan.fields[i].init && FieldName(plan.fields[i]) == key->view()) {
          found = i;
          break;
        }
      }
      if (found == plan.fields.size()) {
        TVM_FFI_HPY_THROW(TypeError) << plan.type_key
                                     << ".__ffi_init__() got an unexpected keyword argument '"
                                     << key->view() << "'";
      }
      if (given[found]) {
        TVM_FFI_HPY_THROW(TypeError) << plan.type_key
                                     << ".__ffi_init__() got multiple values for argument '"
                                     << key->view() << "'";
      }
      SetField(plan, obj.get(), plan.fields[found], args[k + 1].raw(), "field");
      given[found] = true;
    }
  }
  for (size_t i = 0; i < plan.fields.size(); ++i) {
    if (given[i]) continue;
    const InitPlan::Entry& e = plan.fields[i];
    if (e.has_default) {
      SetFieldToDefault(plan, obj.get(), e);
    } else if (e.init) {
      TVM_FFI_HPY_THROW(TypeError) << plan.type_key << ".__ffi_init__() missing required "
                                   << (e.kw_only ? "keyword-only argument" : "argument")
                                   << ": '" << FieldName(e) << "'";
    }
  }
  *rv = Any(ObjectRef(std::move(obj)));
}

void RegisterFFIInit(int32_t type_index) {
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(type_index);
  if (info == nullptr || info->metadata == nullptr || info->metadata->creator == nullptr) {
    TVM_FFI_HPY_THROW(TypeError) << "ffi._RegisterFFIInit: type " << type_index
                                 << " has no reflection creator";
  }
  auto plan = std::make_shared<InitPlan>(MakePlan(type_index));
  Function init = Function::FromPacked(
      [plan](const AnyView* args, int32_t num_args, Any* rv) { RunInit(*plan, args, num_args, rv); });
  TypeAttrRegistry::Global().Register(type_index, "__ffi_init__", AnyView(init).raw());
}

}  // namespace

TVM_FFI_HPY_STATIC_INIT_BLOCK() {
  refl::GlobalDef()
      .def("ffi.GetKwargsObject", []() { return KwargsSentinel(); })
      .def("ffi.GetTypeAttr",
           [](int64_t type_index, const String& name) {
             return TypeAttrRegistry::Global().Get(int32_t(type_index), name.view());
           })
      .def("ffi.TypeRegisterAttr",
           [](int64_t type_index, const String& name, AnyView value) {
             if (TVMFFIGetTypeInfo(int32_t(type_index)) == nullptr) {
               TVM_FFI_HPY_THROW(ValueError) << "ffi.TypeRegisterAttr: unknown type index "
                                             << type_index;
             }
             TypeAttrRegistry::Global().Register(int32_t(type_index), name.view(), value.raw());
           })
      .def("ffi._RegisterFFIInit", [](int64_t type_index) { RegisterFFIInit(int32_t(type_index)); });
}

}  // namespace tvm_ffi_hpy

extern "C" {

int TVMFFITypeRegisterAttr(int32_t type_index, const TVMFFIByteArray* attr_name,
                           const TVMFFIAny* attr_value) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  tvm_ffi_hpy::TypeAttrRegistry::Global().Register(
      type_index, tvm_ffi_hpy::details::ToStringView(*attr_name), *attr_value);
  TVM_FFI_HPY_SAFE_CALL_END();
}

const TVMFFITypeAttrColumn* TVMFFIGetTypeAttrColumn(const TVMFFIByteArray* attr_name) {
  try {
    return tvm_ffi_hpy::TypeAttrRegistry::Global().Column(
        tvm_ffi_hpy::details::ToStringView(*attr_name));
  } catch (...) {
    return nullptr;
  }
}

}  // extern "C"
