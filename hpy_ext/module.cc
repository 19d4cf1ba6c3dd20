/*
 * module.cc -- the `_ffi` module: its globals and its functions.
 *
 * The Python package (tvm_ffi_hpy/) is thin: it loads this module, hands it
 * its Python-level hooks once, by name (kHooks below, set_hooks), and builds
 * the public API from the functions below.
 */
#include <array>
#include <cstring>

#include "ext.h"
#include "shim.h"

namespace tvm_ffi_hpy_ext {

HPyGlobal g_ObjectType;
HPyGlobal g_FunctionType;
HPyGlobal g_FieldAccessorType;
HPyGlobal g_class_table;
HPyGlobal g_class_factory;
HPyGlobal g_factory_types;
HPyGlobal g_opaque_keepers[kOpaqueChunks];
HPyGlobal g_error_classes;
HPyGlobal g_trampoline;
HPyGlobal g_trampoline_n[kFixedArityTrampolines];
HPyGlobal g_CallbackError;
HPyGlobal g_RValueRef;
HPyGlobal g_ShapeClass;
HPyGlobal g_protocol_value;
HPyGlobal g_plain_types;
HPyGlobal g_protocol_types;
HPyGlobal g_plain_flag_name;
HPyGlobal g_last_plain_type;
HPyGlobal g_opaque_ptr_to_py;
HPyGlobal g_dtype_from_fields;
HPyGlobal g_int_to_words;
HPyGlobal g_int_from_words;
HPyGlobal g_device_from_fields;
HPyGlobal g_KeeperType;
HPyGlobal g_keepers;
HPyGlobal g_slab_keepers[kGlobalSlabs];
HPyGlobal g_reraise;
HPyGlobal g_raise_with_backtrace;
HPyGlobal g_backtrace_of;
HPyGlobal g_TypeInfoClass;
HPyGlobal g_TypeFieldClass;
HPyGlobal g_TypeMethodClass;

// ---------------------------------------------------------------------------
// Hooks: the Python-level pieces the extension calls, installed once at import
// by name (tvm_ffi_hpy/core.py, _HOOKS -> set_hooks).  This table is the whole
// list; each global holds None until set_hooks runs (the three dicts: an
// empty dict, so that their readers need no test).  What the extension
// assumes of each one is written next to its name.
// ---------------------------------------------------------------------------
struct Hook {
  const char* name;
  HPyGlobal* slot;
};
static const Hook kHooks[] = {
    // callable(type_index) -> the class for a type met without one (object_type.cc)
    {"class_factory", &g_class_factory},
    // callable(f, *args) -> f(*args), or a CallbackError instance whose .exc is
    // what f raised (callbacks.cc); trampoline_N is the same for exactly N
    // arguments (no *args tuple: a callback with few arguments is the common
    // case, and the tuple was about a third of the trampoline's cost)
    {"trampoline", &g_trampoline},
    {"trampoline_0", &g_trampoline_n[0]},
    {"trampoline_1", &g_trampoline_n[1]},
    {"trampoline_2", &g_trampoline_n[2]},
    {"trampoline_3", &g_trampoline_n[3]},
    {"CallbackError", &g_CallbackError},
    // callable(exc): raises exc from Python code, keeping its traceback (errors.cc)
    {"reraise", &g_reraise},
    // callable(exc, backtrace_text): raises exc with the core's frames added (errors.cc)
    {"raise_with_backtrace", &g_raise_with_backtrace},
    // callable(exc) -> str: the backtrace of exc in the core's format (errors.cc)
    {"backtrace_of", &g_backtrace_of},
    // the class returned by Object._move(); its instances carry .obj (convert.cc)
    {"RValueRef", &g_RValueRef},
    // class(tuple of ints) -> the Python value of an ffi.Shape (convert.cc)
    {"Shape", &g_ShapeClass},
    // callable(obj) -> (kind, value): how an object no direct conversion takes
    // crosses (conversion_protocols.py: 0 as itself, 1 as `value`, 2 as the
    // opaque pointer `value`, 3 as the data type (code, bits, lanes), 4 as
    // the device (type, index)) (convert.cc)
    {"protocol_value", &g_protocol_value},
    // dict: exact types for which protocol_value answered "as itself"; looked
    // up before calling it (convert.cc)
    {"plain_types", &g_plain_types},
    // dict: exact types for which it answers something else (one of the
    // protocols applies); they skip the plain flag below (convert.cc)
    {"protocol_types", &g_protocol_types},
    // callable(int or None) -> the Python value of a kTVMFFIOpaquePtr (convert.cc)
    {"opaque_ptr_to_py", &g_opaque_ptr_to_py},
    // callable((code, bits, lanes, name)) -> the Python value of a kTVMFFIDataType;
    // callable((type, index)) -> that of a kTVMFFIDevice (convert.cc)
    {"dtype_from_fields", &g_dtype_from_fields},
    {"device_from_fields", &g_device_from_fields},
    // callable(int) -> bytes: an int beyond int64 as kTVMFFIBigInt words;
    // callable(bytes) -> int: back (convert.cc, c_api.h "Big integers")
    {"int_to_words", &g_int_to_words},
    {"int_from_words", &g_int_from_words},
    // dict: error kind (str) -> exception class (errors.cc)
    {"error_classes", &g_error_classes},
    // classes called with keywords by type_info() below
    {"TypeInfo", &g_TypeInfoClass},
    {"TypeField", &g_TypeFieldClass},
    {"TypeMethod", &g_TypeMethodClass},
};
static constexpr size_t kNumHooks = sizeof(kHooks) / sizeof(kHooks[0]);

// The hooks that are dicts: they hold an empty dict before set_hooks, and
// set_hooks takes only a dict for them.
static bool is_dict_hook(const HPyGlobal* slot) {
  return slot == &g_error_classes || slot == &g_plain_types || slot == &g_protocol_types;
}

static bool utf8_arg(HPyContext* ctx, HPy h, TVMFFIByteArray* out) {
  HPy_ssize_t size;
  const char* data = utf8_from_unicode(ctx, h, &size);
  if (!data) return false;
  *out = TVMFFIByteArray{data, static_cast<size_t>(size)};
  return true;
}

// ---------------------------------------------------------------------------
// Global functions
// ---------------------------------------------------------------------------
HPyDef_METH(get_global_func, "get_global_func", HPyFunc_O,
            .doc = "get_global_func(name) -> Function, or None when no such function exists.")
static HPy get_global_func_impl(HPyContext* ctx, HPy, HPy name) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  InflightScope scope(ctx);
  TVMFFIByteArray ba;
  if (!utf8_arg(ctx, name, &ba)) return HPy_NULL;
  TVMFFIObjectHandle f = nullptr;
  if (TVMFFIFunctionGetGlobal(&ba, &f) != 0) return raise_from_core(ctx);
  if (!f) return HPy_Dup(ctx, ctx->h_None);
  return wrap_object(ctx, static_cast<TVMFFIObject*>(f), true);
}

HPyDef_METH(set_global_func, "set_global_func", HPyFunc_VARARGS,
            .doc = "set_global_func(name, f, override): register a Function or a callable.")
static HPy set_global_func_impl(HPyContext* ctx, HPy, const HPy* args, size_t nargs) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  InflightScope scope(ctx);
  if (!check_nargs(ctx, "set_global_func", nargs, 3)) return HPy_NULL;
  TVMFFIByteArray name;
  if (!utf8_arg(ctx, args[0], &name)) return HPy_NULL;
  int override_ = HPy_IsTrue(ctx, args[2]);
  if (override_ < 0) return HPy_NULL;
  TVMFFIAny f;
  if (py_to_any_owned(ctx, args[1], &f) < 0) return HPy_NULL;
  if (f.type_index != kTVMFFIFunction) {
    any_release(&f);
    HPyErr_SetString(ctx, ctx->h_TypeError, "a global function must be a Function or a callable");
    return HPy_NULL;
  }
  int rc = TVMFFIFunctionSetGlobal(&name, f.v_obj, override_);
  any_release(&f);
  if (rc != 0) return raise_from_core(ctx);
  return HPy_Dup(ctx, ctx->h_None);
}

HPyDef_METH(remove_global_func, "remove_global_func", HPyFunc_O,
            .doc = "remove_global_func(name) -> True when the function existed.")
static HPy remove_global_func_impl(HPyContext* ctx, HPy, HPy name) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  InflightScope scope(ctx);
  TVMFFIByteArray ba;
  if (!utf8_arg(ctx, name, &ba)) return HPy_NULL;
  int removed = 0;
  if (TVMFFIFunctionRemoveGlobal(&ba, &removed) != 0) return raise_from_core(ctx);
  return HPyBool_FromBool(ctx, removed != 0);
}

HPyDef_METH(list_global_func_names, "list_global_func_names", HPyFunc_NOARGS,
            .doc = "The names of every registered global function, sorted.")
static HPy list_global_func_names_impl(HPyContext* ctx, HPy) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  InflightScope scope(ctx);
  TVMFFIAny names;
  names.type_index = kTVMFFINone;
  if (TVMFFIFunctionListGlobalNames(&names) != 0) return raise_from_core(ctx);
  const TVMFFISeqCell* cell = TVMFFISeqGetCellPtr(names.v_obj);
  HPyListBuilder lb = HPyListBuilder_New(ctx, static_cast<HPy_ssize_t>(cell->size));
  for (int64_t i = 0; i < cell->size; ++i) {
    HPy item = any_view_to_py(ctx, &cell->data[i]);
    if (HPy_IsNull(item)) {
      HPyListBuilder_Cancel(ctx, lb);
      any_release(&names);
      return HPy_NULL;
    }
    HPyListBuilder_Set(ctx, lb, static_cast<HPy_ssize_t>(i), item);
    HPy_Close(ctx, item);
  }
  any_release(&names);
  return HPyListBuilder_Build(ctx, lb);
}

// ---------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------
HPyDef_METH(convert, "convert", HPyFunc_O,
            .doc = "convert(value): the value as the core sees it (lists become Array, "
                   "dicts Map, callables Function, other objects stay themselves).")
static HPy convert_impl(HPyContext* ctx, HPy, HPy value) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  InflightScope scope(ctx);
  maybe_drain_released(ctx);
  TVMFFIAny owned;
  if (py_to_any_owned(ctx, value, &owned) < 0) return HPy_NULL;
  return any_owned_to_py(ctx, &owned);
}

/* An Array or a List (the same TVMFFISeqCell at offset 24), else TypeError. */
static TVMFFIObject* seq_handle_of(HPyContext* ctx, HPy h) {
  TVMFFIObject* obj = object_handle(ctx, h);
  if (obj && obj->type_index != kTVMFFIArray && obj->type_index != kTVMFFIList) {
    raise_format(ctx, ctx->h_TypeError, "expected an Array or a List");
    return nullptr;
  }
  return obj;
}

HPyDef_METH(array_size, "array_size", HPyFunc_O, .doc = "Number of items of an Array or a List.")
static HPy array_size_impl(HPyContext* ctx, HPy, HPy arr) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  TVMFFIObject* obj = seq_handle_of(ctx, arr);
  if (!obj) return HPy_NULL;
  return int_to_py(ctx, TVMFFISeqGetCellPtr(obj)->size);
}

HPyDef_METH(array_getitem, "array_getitem", HPyFunc_VARARGS,
            .doc = "array_getitem(seq, i): item i of an Array or a List (negative i counts "
                   "from the end).")
static HPy array_getitem_impl(HPyContext* ctx, HPy, const HPy* args, size_t nargs) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  InflightScope scope(ctx);
  if (!check_nargs(ctx, "array_getitem", nargs, 2)) return HPy_NULL;
  TVMFFIObject* obj = seq_handle_of(ctx, args[0]);
  if (!obj) return HPy_NULL;
  int64_t i = HPyLong_AsInt64_t(ctx, args[1]);
  if (i == -1 && HPyErr_Occurred(ctx)) return HPy_NULL;
  // A List's cell is read afresh here: no mutation can run in between.
  const TVMFFISeqCell* cell = TVMFFISeqGetCellPtr(obj);
  if (i < 0) i += cell->size;
  if (i < 0 || i >= cell->size) {
    HPyErr_SetString(ctx, ctx->h_IndexError, obj->type_index == kTVMFFIList
                                                 ? "List index out of range"
                                                 : "Array index out of range");
    return HPy_NULL;
  }
  return any_view_to_py(ctx, &cell->data[i]);
}

HPyDef_METH(error_info, "error_info", HPyFunc_O,
            .doc = "error_info(err) -> (kind, message, backtrace) of a core Error object.")
static HPy error_info_impl(HPyContext* ctx, HPy, HPy err) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  TVMFFIObject* obj = object_handle_of(ctx, err, kTVMFFIError, "an Error object");
  if (!obj) return HPy_NULL;
  const TVMFFIErrorCell* cell = TVMFFIErrorGetCellPtr(obj);
  HPy items[3] = {py_str(ctx, cell->kind), py_str(ctx, cell->message),
                  py_str(ctx, cell->backtrace)};
  HPy res = HPy_NULL;
  if (!HPy_IsNull(items[0]) && !HPy_IsNull(items[1]) && !HPy_IsNull(items[2])) {
    res = HPyTuple_FromArray(ctx, items, 3);
  }
  for (HPy h : items) close_h(ctx, h);
  return res;
}

// ---------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------
HPyDef_METH(make_type_def, "make_type", HPyFunc_VARARGS,
            .doc = "make_type(name, base[, fields[, metaclass]]) -> a new wrapper class deriving "
                   "from base; fields (FieldAccessor objects) become getset descriptors of the "
                   "class; metaclass (a subclass of type) is its class.")
static HPy make_type_def_impl(HPyContext* ctx, HPy self, const HPy* args, size_t nargs) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  return make_type(ctx, self, args, nargs);
}

// The class registry: g_class_table (type index -> class, or None) is the one
// map from core types to Python classes.  It is owned by this module: written
// by register_class only (the package calls it when it builds a class), read
// by class_for_type_index (object_type.cc) when an object is wrapped and by
// registered_class.  (g_factory_types is not a registry of types: it is the
// set of classes make_type made, which Object_new accepts.)
static int32_t known_type_index(HPyContext* ctx, HPy h) {
  int32_t index = HPyLong_AsInt32_t(ctx, h);
  if (index == -1 && HPyErr_Occurred(ctx)) return -1;
  if (index < 0 || TVMFFIGetTypeInfo(index) == nullptr) {
    raise_format(ctx, ctx->h_ValueError, "no core type has index %d", index);
    return -1;
  }
  return index;
}

HPyDef_METH(register_class, "register_class", HPyFunc_VARARGS,
            .doc = "register_class(type_index, cls): wrap objects of that type in cls "
                   "(a subclass of Object), or forget the type's class (None).")
static HPy register_class_impl(HPyContext* ctx, HPy, const HPy* args, size_t nargs) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  if (!check_nargs(ctx, "register_class", nargs, 2)) return HPy_NULL;
  int32_t index = known_type_index(ctx, args[0]);
  if (index < 0) return HPy_NULL;
  if (!HPy_Is(ctx, args[1], ctx->h_None)) {
    HPy object_type = HPyGlobal_Load(ctx, g_ObjectType);
    int ok = HPy_TypeCheck(ctx, args[1], ctx->h_TypeType) ? type_is_subtype(ctx, args[1], object_type)
                                                          : 0;
    HPy_Close(ctx, object_type);
    if (ok < 0) return HPy_NULL;
    if (!ok) {
      return raise_format(ctx, ctx->h_TypeError,
                          "register_class: a subclass of tvm_ffi_hpy.Object, or None");
    }
  }
  HPy table = HPyGlobal_Load(ctx, g_class_table);
  int rc = 0;
  while (rc == 0 && HPy_Length(ctx, table) <= index) rc = HPyList_Append(ctx, table, ctx->h_None);
  if (rc == 0) rc = HPy_SetItem_i(ctx, table, index, args[1]);
  HPy_Close(ctx, table);
  if (rc < 0) return HPy_NULL;
  return HPy_Dup(ctx, ctx->h_None);
}

static HPy make_field_accessor(HPyContext* ctx, const TVMFFITypeInfo* owner,
                               const TVMFFIFieldInfo* field) {
  HPy type = HPyGlobal_Load(ctx, g_FieldAccessorType);
  FieldAccessorPayload* p;
  HPy acc = HPy_New(ctx, type, &p);
  HPy_Close(ctx, type);
  if (!HPy_IsNull(acc)) {
    p->info = field;
    p->owner = owner;
  }
  return acc;
}

// Keyword arguments for one of the TypeInfo/TypeField/TypeMethod hooks, made
// one by one: after the first failure nothing more is made (making a value may
// call Python code, which must not run with an error pending).
class KeywordArgs {
 public:
  explicit KeywordArgs(HPyContext* ctx) : ctx_(ctx) {}
  KeywordArgs(const KeywordArgs&) = delete;
  KeywordArgs& operator=(const KeywordArgs&) = delete;
  ~KeywordArgs() {
    for (size_t i = 0; i < n_; ++i) close_h(ctx_, values_[i]);
  }

  template <typename Make>
  KeywordArgs& add(const char* name, Make make) {
    HPy value = failed_ ? HPy_NULL : make();
    failed_ = HPy_IsNull(value);
    if (!failed_) {
      names_[n_] = name;
      values_[n_++] = value;
    }
    return *this;
  }

  // hook(**arguments), or HPy_NULL with the first failure's error set.
  HPy call(HPyGlobal hook) {
    if (failed_) return HPy_NULL;
    HPy callable = HPyGlobal_Load(ctx_, hook);
    HPy res = call_keywords(ctx_, callable, names_, values_, n_);  // closes the values
    HPy_Close(ctx_, callable);
    n_ = 0;
    return res;
  }

 private:
  static constexpr size_t kMax = 12;
  HPyContext* ctx_;
  const char* names_[kMax];
  HPy values_[kMax];
  size_t n_ = 0;
  bool failed_ = false;
};

// The JSON text of a metadata entry ("{}" when empty); the classes parse it.
static HPy metadata_text(HPyContext* ctx, const TVMFFIByteArray& text) {
  return py_str(ctx, text.size == 0 ? TVMFFIByteArray{"{}", 2} : text);
}

// A list of make(i) for i in [0, n); HPy_NULL (error set) at the first failure.
template <typename Make>
static HPy list_of(HPyContext* ctx, int32_t n, Make make) {
  HPyListBuilder builder = HPyListBuilder_New(ctx, n);
  for (int32_t i = 0; i < n; ++i) {
    HPy item = make(i);
    if (HPy_IsNull(item)) {
      HPyListBuilder_Cancel(ctx, builder);
      return HPy_NULL;
    }
    HPyListBuilder_Set(ctx, builder, i, item);
    HPy_Close(ctx, item);
  }
  return HPyListBuilder_Build(ctx, builder);
}

static HPy type_field(HPyContext* ctx, const TVMFFITypeInfo* info, const TVMFFIFieldInfo* f) {
  bool has_default = (f->flags & kTVMFFIFieldFlagBitMaskHasDefault) != 0;
  bool writable = (f->flags & kTVMFFIFieldFlagBitMaskWritable) != 0;
  return KeywordArgs(ctx)
      .add("name", [&] { return py_str(ctx, f->name); })
      .add("doc", [&] { return py_str(ctx, f->doc); })
      .add("size", [&] { return int_to_py(ctx, f->size); })
      .add("offset", [&] { return int_to_py(ctx, f->offset); })
      .add("frozen", [&] { return HPyBool_FromBool(ctx, !writable); })
      .add("metadata", [&] { return metadata_text(ctx, f->metadata); })
      .add("accessor", [&] { return make_field_accessor(ctx, info, f); })
      .add("flags", [&] { return int_to_py(ctx, f->flags); })
      .add("has_default", [&] { return HPyBool_FromBool(ctx, has_default); })
      .add("default", [&] {
        return has_default ? any_view_to_py(ctx, &f->default_value) : HPy_Dup(ctx, ctx->h_None);
      })
      .add("static_type_index", [&] { return HPyLong_FromInt32_t(ctx, f->field_static_type_index); })
      .call(g_TypeFieldClass);
}

static HPy type_method(HPyContext* ctx, const TVMFFIMethodInfo* m) {
  bool is_static = (m->flags & kTVMFFIFieldFlagBitMaskIsStaticMethod) != 0;
  return KeywordArgs(ctx)
      .add("name", [&] { return py_str(ctx, m->name); })
      .add("doc", [&] { return py_str(ctx, m->doc); })
      .add("func", [&] { return any_view_to_py(ctx, &m->method); })
      .add("metadata", [&] { return metadata_text(ctx, m->metadata); })
      .add("is_static", [&] { return HPyBool_FromBool(ctx, is_static); })
      .add("flags", [&] { return int_to_py(ctx, m->flags); })
      .call(g_TypeMethodClass);
}

// TypeInfo(...) of `info`; its parent's is made the same way (up to Object).
static HPy make_type_info(HPyContext* ctx, const TVMFFITypeInfo* info) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  const TVMFFITypeMetadata* meta = info->metadata;
  int32_t depth = info->type_depth;
  return KeywordArgs(ctx)
      .add("type_cls", [&] { return HPy_Dup(ctx, ctx->h_None); })  // set by the package
      .add("type_index", [&] { return HPyLong_FromInt32_t(ctx, info->type_index); })
      .add("type_key", [&] { return py_str(ctx, info->type_key); })
      .add("type_ancestors", [&] {
        return list_of(ctx, depth, [&](int32_t d) {
          return HPyLong_FromInt32_t(ctx, info->type_ancestors[d]->type_index);
        });
      })
      .add("fields", [&] {
        return list_of(ctx, info->num_fields,
                       [&](int32_t i) { return type_field(ctx, info, &info->fields[i]); });
      })
      .add("methods", [&] {
        return list_of(ctx, info->num_methods,
                       [&](int32_t i) { return type_method(ctx, &info->methods[i]); });
      })
      .add("parent_type_info", [&] {
        return depth > 0 ? make_type_info(ctx, info->type_ancestors[depth - 1])
                         : HPy_Dup(ctx, ctx->h_None);
      })
      .add("has_creator",
           [&] { return HPyBool_FromBool(ctx, meta != nullptr && meta->creator != nullptr); })
      .add("doc", [&] { return py_str(ctx, meta != nullptr ? meta->doc : TVMFFIByteArray{"", 0}); })
      .call(g_TypeInfoClass);
}

HPyDef_METH(registered_class, "registered_class", HPyFunc_O,
            .doc = "registered_class(type_index) -> the class registered for the type, or "
                   "None (the class factory has not built one yet).")
static HPy registered_class_impl(HPyContext* ctx, HPy, HPy index_h) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  int32_t index = known_type_index(ctx, index_h);
  if (index < 0) return HPy_NULL;
  HPy table = HPyGlobal_Load(ctx, g_class_table);
  HPy cls = index < HPy_Length(ctx, table) ? HPy_GetItem_i(ctx, table, index)
                                          : HPy_Dup(ctx, ctx->h_None);
  HPy_Close(ctx, table);
  return cls;
}

HPyDef_METH(type_info, "type_info", HPyFunc_O,
            .doc = "type_info(index) -> TypeInfo of the core type (tvm_ffi_hpy/type_info.py): "
                   "its key, ancestors, own fields and methods, and its parent's TypeInfo.")
static HPy type_info_impl(HPyContext* ctx, HPy, HPy index_h) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  InflightScope scope(ctx);
  int32_t index = HPyLong_AsInt32_t(ctx, index_h);
  if (index == -1 && HPyErr_Occurred(ctx)) return HPy_NULL;
  const TVMFFITypeInfo* info = index < 0 ? nullptr : TVMFFIGetTypeInfo(index);
  if (!info) return raise_format(ctx, ctx->h_ValueError, "no core type has index %d", index);
  return make_type_info(ctx, info);
}

HPyDef_METH(type_key_to_index, "type_key_to_index", HPyFunc_O,
            .doc = "type_key_to_index(key) -> the core type index (KeyError if unknown).")
static HPy type_key_to_index_impl(HPyContext* ctx, HPy, HPy key) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  TVMFFIByteArray ba;
  if (!utf8_arg(ctx, key, &ba)) return HPy_NULL;
  int32_t index = -1;
  if (TVMFFITypeKeyToIndex(&ba, &index) != 0) return raise_from_core(ctx);
  return HPyLong_FromInt32_t(ctx, index);
}

// ---------------------------------------------------------------------------
// Housekeeping
// ---------------------------------------------------------------------------
HPyDef_METH(live_object_count, "live_object_count", HPyFunc_NOARGS,
            .doc = "Number of core objects alive now.")
static HPy live_object_count_impl(HPyContext* ctx, HPy) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  settle_bindings(ctx);
  maybe_drain_released(ctx);
  return int_to_py(ctx, TVMFFIGetLiveObjectCount());
}

HPyDef_METH(stack_limit_changed_def, "stack_limit_changed", HPyFunc_NOARGS,
            .doc = "The interpreter's recursion limit changed: the stack headroom each "
                   "thread has cached is checked again (shim.h, Stack).")
static HPy stack_limit_changed_def_impl(HPyContext* ctx, HPy) {
  stack_limit_changed();
  return HPy_Dup(ctx, ctx->h_None);
}

HPyDef_METH(drain, "drain", HPyFunc_NOARGS,
            .doc = "Apply pending pin/unpin transitions and release the Python objects "
                   "the core has dropped.")
static HPy drain_impl(HPyContext* ctx, HPy) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  settle_bindings(ctx);
  drain_released(ctx);
  return HPy_Dup(ctx, ctx->h_None);
}

HPyDef_METH(binding_info, "binding_info", HPyFunc_NOARGS,
            .doc = "(bytes of allocation header per object, wrappers pinned now).")
static HPy binding_info_impl(HPyContext* ctx, HPy) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  settle_bindings(ctx);
  HPy items[2] = {int_to_py(ctx, binding_header_bytes()),
                  int_to_py(ctx, pinned_count())};
  HPy res = HPy_IsNull(items[0]) || HPy_IsNull(items[1]) ? HPy_NULL
                                                         : HPyTuple_FromArray(ctx, items, 2);
  for (HPy h : items) close_h(ctx, h);
  return res;
}

HPyDef_METH(serve_callbacks_def, "serve_callbacks", HPyFunc_NOARGS,
            .doc = "Run the callback service in this thread until stop_serving() (started "
                   "by the package in a daemon thread at import).")
static HPy serve_callbacks_def_impl(HPyContext* ctx, HPy) { return serve_callbacks(ctx); }

HPyDef_METH(stop_serving_def, "stop_serving", HPyFunc_NOARGS,
            .doc = "Stop the callback service (at exit).")
static HPy stop_serving_def_impl(HPyContext* ctx, HPy) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  stop_serving();
  return HPy_Dup(ctx, ctx->h_None);
}

HPyDef_METH(hpy_nop, "hpy_nop", HPyFunc_NOARGS,
            .doc = "Does nothing: the floor of a call into this extension (benchmarks).")
static HPy hpy_nop_impl(HPyContext* ctx, HPy) { return HPy_Dup(ctx, ctx->h_None); }

HPyDef_METH(set_hooks, "set_hooks", HPyFunc_O,
            .doc = "set_hooks(hooks: dict): install the Python-level pieces by name, all of "
                   "them, once, at import (hook_names() lists them).")
static HPy set_hooks_impl(HPyContext* ctx, HPy, HPy hooks) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  if (!HPyDict_Check(ctx, hooks)) {
    return raise_format(ctx, ctx->h_TypeError, "set_hooks takes a dict of hooks by name");
  }
  HPy values[kNumHooks];
  size_t got = 0;
  for (; got < kNumHooks; ++got) {
    HPy key = HPyUnicode_FromString(ctx, kHooks[got].name);
    int has = HPy_IsNull(key) ? -1 : HPy_Contains(ctx, hooks, key);
    values[got] = has == 1 ? HPy_GetItem(ctx, hooks, key) : HPy_NULL;
    close_h(ctx, key);
    if (has == 0) raise_format(ctx, ctx->h_KeyError, "set_hooks: hook '%s' missing", kHooks[got].name);
    if (HPy_IsNull(values[got])) break;
    if (is_dict_hook(kHooks[got].slot) && !HPyDict_Check(ctx, values[got])) {
      raise_format(ctx, ctx->h_TypeError, "set_hooks: hook '%s' must be a dict", kHooks[got].name);
      HPy_Close(ctx, values[got]);
      values[got] = HPy_NULL;
      break;
    }
  }
  HPy_ssize_t given = got == kNumHooks ? HPy_Length(ctx, hooks) : -1;
  if (got == kNumHooks && given != static_cast<HPy_ssize_t>(kNumHooks) && given >= 0) {
    raise_format(ctx, ctx->h_KeyError, "set_hooks: %zd hooks given, %zu known (hook_names())",
                 given, kNumHooks);
  }
  bool ok = given == static_cast<HPy_ssize_t>(kNumHooks);
  for (size_t i = 0; i < got; ++i) {
    if (ok) HPyGlobal_Store(ctx, kHooks[i].slot, values[i]);
    HPy_Close(ctx, values[i]);
  }
  return ok ? HPy_Dup(ctx, ctx->h_None) : HPy_NULL;
}

HPyDef_METH(forget_plain_type_def, "forget_plain_type", HPyFunc_O,
            .doc = "forget_plain_type(remember_marked: bool): empty the plain-type cache; "
                   "remember_marked: whether it may hold a class found by its plain mark "
                   "(only when the caller empties it at every garbage collection; "
                   "conversion_protocols.py).")
static HPy forget_plain_type_def_impl(HPyContext* ctx, HPy, HPy remember_marked) {
  int flag = HPy_IsTrue(ctx, remember_marked);
  if (flag < 0) return HPy_NULL;
  forget_plain_type(ctx, flag != 0);
  return HPy_Dup(ctx, ctx->h_None);
}

HPyDef_METH(hook_names, "hook_names", HPyFunc_NOARGS,
            .doc = "The names set_hooks() takes, in the extension's order.")
static HPy hook_names_impl(HPyContext* ctx, HPy) {
  return list_of(ctx, static_cast<int32_t>(kNumHooks),
                 [&](int32_t i) { return HPyUnicode_FromString(ctx, kHooks[i].name); });
}

// ---------------------------------------------------------------------------
// Module
// ---------------------------------------------------------------------------
static int add_type(HPyContext* ctx, HPy module, const char* name, HPyType_Spec* spec,
                    HPy base, HPyGlobal* slot) {
  HPyType_SpecParam params[] = {{HPyType_SpecParam_Base, base},
                                {static_cast<HPyType_SpecParam_Kind>(0), HPy_NULL}};
  HPy type = HPyType_FromSpec(ctx, spec, HPy_IsNull(base) ? nullptr : params);
  if (HPy_IsNull(type)) return -1;
  HPyGlobal_Store(ctx, slot, type);
  int rc = HPy_SetAttr_s(ctx, module, name, type);
  HPy_Close(ctx, type);
  return rc;
}

static int store_new(HPyContext* ctx, HPyGlobal* slot, HPy value) {
  if (HPy_IsNull(value)) return -1;
  HPyGlobal_Store(ctx, slot, value);
  HPy_Close(ctx, value);
  return 0;
}

// The constants of c_api.h the package needs, as module attributes of the
// same names: Python never re-types a number of the C ABI.
#define TVM_FFI_HPY_CONSTANT(name) {#name, static_cast<int64_t>(name)}
static const struct {
  const char* name;
  int64_t value;
} kConstants[] = {
    TVM_FFI_HPY_CONSTANT(kTVMFFIAny),
    TVM_FFI_HPY_CONSTANT(kTVMFFINone),          TVM_FFI_HPY_CONSTANT(kTVMFFIInt),
    TVM_FFI_HPY_CONSTANT(kTVMFFIBool),          TVM_FFI_HPY_CONSTANT(kTVMFFIFloat),
    TVM_FFI_HPY_CONSTANT(kTVMFFIOpaquePtr),     TVM_FFI_HPY_CONSTANT(kTVMFFIDataType),
    TVM_FFI_HPY_CONSTANT(kTVMFFIDevice),        TVM_FFI_HPY_CONSTANT(kTVMFFIRawStr),
    TVM_FFI_HPY_CONSTANT(kTVMFFIByteArrayPtr),  TVM_FFI_HPY_CONSTANT(kTVMFFIObjectRValueRef),
    TVM_FFI_HPY_CONSTANT(kTVMFFISmallStr),      TVM_FFI_HPY_CONSTANT(kTVMFFISmallBytes),
    TVM_FFI_HPY_CONSTANT(kTVMFFIStaticObjectBegin),
    TVM_FFI_HPY_CONSTANT(kTVMFFIObject),        TVM_FFI_HPY_CONSTANT(kTVMFFIStr),
    TVM_FFI_HPY_CONSTANT(kTVMFFIBytes),         TVM_FFI_HPY_CONSTANT(kTVMFFIError),
    TVM_FFI_HPY_CONSTANT(kTVMFFIFunction),      TVM_FFI_HPY_CONSTANT(kTVMFFIShape),
    TVM_FFI_HPY_CONSTANT(kTVMFFITensor),        TVM_FFI_HPY_CONSTANT(kTVMFFIArray),
    TVM_FFI_HPY_CONSTANT(kTVMFFIMap),           TVM_FFI_HPY_CONSTANT(kTVMFFIModule),
    TVM_FFI_HPY_CONSTANT(kTVMFFIOpaquePyObject), TVM_FFI_HPY_CONSTANT(kTVMFFIList),
    TVM_FFI_HPY_CONSTANT(kTVMFFIDict),          TVM_FFI_HPY_CONSTANT(kTVMFFIDynObjectBegin),
    TVM_FFI_HPY_CONSTANT(kTVMFFIFieldFlagBitMaskWritable),
    TVM_FFI_HPY_CONSTANT(kTVMFFIFieldFlagBitMaskHasDefault),
    TVM_FFI_HPY_CONSTANT(kTVMFFIFieldFlagBitMaskIsStaticMethod),
    TVM_FFI_HPY_CONSTANT(kTVMFFIFieldFlagBitMaskSEqHashIgnore),
    TVM_FFI_HPY_CONSTANT(kTVMFFIFieldFlagBitMaskSEqHashDef),
    TVM_FFI_HPY_CONSTANT(kTVMFFIFieldFlagBitMaskDefaultFromFactory),
    TVM_FFI_HPY_CONSTANT(kTVMFFIFieldFlagBitMaskReprOff),
    TVM_FFI_HPY_CONSTANT(kTVMFFIFieldFlagBitMaskCompareOff),
    TVM_FFI_HPY_CONSTANT(kTVMFFIFieldFlagBitMaskHashOff),
    TVM_FFI_HPY_CONSTANT(kTVMFFIFieldFlagBitMaskInitOff),
    TVM_FFI_HPY_CONSTANT(kTVMFFIFieldFlagBitMaskKwOnly),
    TVM_FFI_HPY_CONSTANT(kTVMFFIFieldFlagBitMaskSEqHashDefSimple),
    TVM_FFI_HPY_CONSTANT(kTVMFFIFieldFlagBitMaskPlainValue),
};
#undef TVM_FFI_HPY_CONSTANT

static int add_constants(HPyContext* ctx, HPy module) {
  for (const auto& c : kConstants) {
    HPy value = int_to_py(ctx, c.value);
    int rc = HPy_IsNull(value) ? -1 : HPy_SetAttr_s(ctx, module, c.name, value);
    close_h(ctx, value);
    if (rc < 0) return -1;
  }
  // Which front end reflected fields use here: getset descriptors where their
  // errors reach Python code, properties elsewhere (shim.h, "Getset errors").
  HPy getset = HPyBool_FromBool(ctx, getset_errors_reported());
  int rc = HPy_SetAttr_s(ctx, module, "GETSET_FIELDS", getset);
  HPy_Close(ctx, getset);
  return rc;
}

HPyDef_SLOT(module_exec, HPy_mod_exec)
static int module_exec_impl(HPyContext* ctx, HPy module) {
  if (ensure_stack_headroom(ctx) < 0) return -1;
  if (add_type(ctx, module, "Object", &Object_spec, HPy_NULL, &g_ObjectType) < 0) return -1;
  HPy object_type = HPyGlobal_Load(ctx, g_ObjectType);
  int rc = add_type(ctx, module, "Function", &Function_spec, object_type, &g_FunctionType);
  HPy_Close(ctx, object_type);
  if (rc < 0) return -1;
  if (add_type(ctx, module, "FieldAccessor", &FieldAccessor_spec, HPy_NULL,
               &g_FieldAccessorType) < 0 ||
      add_type(ctx, module, "_Keeper", &Keeper_spec, HPy_NULL, &g_KeeperType) < 0) {
    return -1;
  }
  if (store_new(ctx, &g_class_table, HPyList_New(ctx, 0)) < 0 ||
      store_new(ctx, &g_factory_types, HPyDict_New(ctx)) < 0 ||
      store_new(ctx, &g_error_classes, HPyDict_New(ctx)) < 0 ||
      store_new(ctx, &g_plain_types, HPyDict_New(ctx)) < 0 ||
      store_new(ctx, &g_protocol_types, HPyDict_New(ctx)) < 0 ||
      store_new(ctx, &g_keepers, HPyList_New(ctx, 0)) < 0 ||
      store_new(ctx, &g_plain_flag_name, HPyUnicode_FromString(ctx, kPlainFlagName)) < 0) {
    return -1;
  }
  for (const Hook& hook : kHooks) {
    if (!is_dict_hook(hook.slot)) HPyGlobal_Store(ctx, hook.slot, ctx->h_None);
  }
  forget_plain_type(ctx, false);
  for (HPyGlobal& keeper : g_opaque_keepers) HPyGlobal_Store(ctx, &keeper, ctx->h_None);
  for (HPyGlobal& keeper : g_slab_keepers) HPyGlobal_Store(ctx, &keeper, ctx->h_None);
  if (add_constants(ctx, module) < 0 || convert_init(ctx) < 0) return -1;
  return binding_init(ctx);
}

static HPyDef* module_defines[] = {
    &module_exec,     &get_global_func,   &set_global_func, &remove_global_func,
    &list_global_func_names, &convert,    &array_size,      &array_getitem,
    &error_info,      &make_type_def,     &register_class,  &registered_class, &type_info,
    &type_key_to_index, &live_object_count, &drain,         &hpy_nop,
    &stack_limit_changed_def,
    &set_hooks,       &hook_names,        &forget_plain_type_def, &binding_info,
    &serve_callbacks_def, &stop_serving_def,
    &tensor_from_dlpack, &tensor_to_dlpack, &tensor_info, &error_py_error,
    &function_from_c_entry,
    nullptr};

// Every module global: the named ones, then the keeper arrays, then the
// terminating nullptr (HPyModuleDef.globals).
static constexpr HPyGlobal* kNamedGlobals[] = {
    &g_ObjectType,    &g_FunctionType,  &g_FieldAccessorType, &g_class_table,
    &g_class_factory, &g_factory_types, &g_error_classes,
    &g_trampoline,    &g_trampoline_n[0], &g_trampoline_n[1], &g_trampoline_n[2],
    &g_trampoline_n[3], &g_CallbackError, &g_RValueRef,         &g_ShapeClass,
    &g_KeeperType,    &g_keepers,       &g_reraise,           &g_raise_with_backtrace,
    &g_backtrace_of,  &g_TypeInfoClass, &g_TypeFieldClass,    &g_TypeMethodClass,
    &g_protocol_value, &g_plain_types, &g_protocol_types, &g_plain_flag_name,
    &g_last_plain_type,
    &g_opaque_ptr_to_py, &g_dtype_from_fields,
    &g_device_from_fields, &g_int_to_words, &g_int_from_words};
static constexpr size_t kNamed = sizeof(kNamedGlobals) / sizeof(kNamedGlobals[0]);

using ModuleGlobals = std::array<HPyGlobal*, kNamed + kOpaqueChunks + kGlobalSlabs + 1>;

static constexpr ModuleGlobals all_module_globals() {
  ModuleGlobals all{};
  size_t n = 0;
  for (HPyGlobal* g : kNamedGlobals) all[n++] = g;
  for (HPyGlobal& g : g_opaque_keepers) all[n++] = &g;
  for (HPyGlobal& g : g_slab_keepers) all[n++] = &g;
  all[n] = nullptr;
  return all;
}
static ModuleGlobals module_globals = all_module_globals();

static HPyModuleDef module_def = {
    .doc = "The HPy universal extension of tvm_ffi_hpy (use the tvm_ffi_hpy package).",
    .size = 0,
    .defines = module_defines,
    .globals = module_globals.data(),
};

}  // namespace tvm_ffi_hpy_ext

using tvm_ffi_hpy_ext::module_def;
HPy_MODINIT(_ffi, module_def)
