/*
 * object_type.cc -- the Object wrapper, the class factory, field accessors.
 *
 * Classes.  Python code never subclasses an HPy type the plain way: HPy's
 * payload, traverse and destroy go wrong for such subclasses (see
 * docs/design.md).  Every class whose instances wrap core objects is made by
 * make_type, through HPyType_FromSpec with its parent as the base, and each
 * spec repeats basicsize, tp_new and tp_destroy.  tp_destroy is idempotent,
 * since CPython may run it once per level of the hierarchy.  The Python
 * package copies the class body of `@register_object` classes onto the type
 * make_type returns; a class statement that is not registered gets a
 * __new__ that refuses to build instances (tvm_ffi_hpy/registry.py), and
 * Object_new refuses any class that make_type did not make.
 *
 * g_class_table maps a core type index to the class of its wrappers; a type
 * met for the first time gets its class from the Python class factory
 * (g_class_factory), which builds it from the core's reflection data.
 */
#include <cstdlib>
#include <cstring>

#include "ext.h"
#include "small_buffer.h"
#include "shim.h"

namespace tvm_ffi_hpy_ext {

// ---------------------------------------------------------------------------
// Wrapping
// ---------------------------------------------------------------------------
HPy class_for_type_index(HPyContext* ctx, int32_t type_index) {
  HPy table = HPyGlobal_Load(ctx, g_class_table);
  HPy cls = HPy_NULL;
  if (type_index >= 0 && type_index < HPy_Length(ctx, table)) {
    cls = HPy_GetItem_i(ctx, table, type_index);
    if (!HPy_IsNull(cls) && HPy_Is(ctx, cls, ctx->h_None)) {
      HPy_Close(ctx, cls);
      cls = HPy_NULL;
    }
  }
  HPy_Close(ctx, table);
  if (!HPy_IsNull(cls)) return cls;
  HPy factory = HPyGlobal_Load(ctx, g_class_factory);
  HPy index = HPyLong_FromInt32_t(ctx, type_index);
  cls = HPy_IsNull(index) ? HPy_NULL : call_positional(ctx, factory, &index, 1);
  close_h(ctx, index);
  HPy_Close(ctx, factory);
  return cls;
}

void raise_moved_out(HPyContext* ctx) {
  HPyErr_SetString(ctx, ctx->h_ValueError,
                   "this object was moved out (_move()) and can no longer be used");
}

TVMFFIObject* object_handle(HPyContext* ctx, HPy h) {
  HPy object_type = HPyGlobal_Load(ctx, g_ObjectType);
  int ok = HPy_TypeCheck(ctx, h, object_type);
  HPy_Close(ctx, object_type);
  if (!ok) {
    HPyErr_SetString(ctx, ctx->h_TypeError, "expected a tvm_ffi_hpy.Object");
    return nullptr;
  }
  return live_handle(ctx, ObjectPayload_AsStruct(ctx, h));
}

TVMFFIObject* object_handle_of(HPyContext* ctx, HPy h, int32_t type_index, const char* what) {
  TVMFFIObject* obj = object_handle(ctx, h);
  if (obj && obj->type_index != type_index) {
    raise_format(ctx, ctx->h_TypeError, "expected %s", what);
    return nullptr;
  }
  return obj;
}

// ---------------------------------------------------------------------------
// The Object type
// ---------------------------------------------------------------------------
// Shared by every spec of the hierarchy (make_type repeats them).
HPyDef_SLOT(Object_new, HPy_tp_new)
static HPy Object_new_impl(HPyContext* ctx, HPy cls, const HPy*, HPy_ssize_t, HPy) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  HPy object_type = HPyGlobal_Load(ctx, g_ObjectType);
  int allowed = HPy_Is(ctx, cls, object_type);
  HPy_Close(ctx, object_type);
  if (!allowed) {
    HPy made = HPyGlobal_Load(ctx, g_factory_types);
    allowed = HPy_Contains(ctx, made, cls);
    HPy_Close(ctx, made);
    if (allowed < 0) return HPy_NULL;
  }
  if (!allowed) {
    HPyErr_SetString(ctx, ctx->h_TypeError,
                     "this subclass of tvm_ffi_hpy.Object was not registered: decorate it "
                     "with @tvm_ffi_hpy.register_object(type_key)");
    return HPy_NULL;
  }
  ObjectPayload* p;
  HPy h = HPy_New(ctx, cls, &p);
  if (!HPy_IsNull(h)) p->handle = nullptr;
  return h;
}

HPyDef_SLOT(Object_destroy, HPy_tp_destroy)
static void Object_destroy_impl(void* data) {
  // No HPy context here: touch core memory only.  Idempotent on purpose.
  auto* p = static_cast<ObjectPayload*>(data);
  TVMFFIObject* obj = p->handle;
  p->handle = nullptr;
  if (obj) {
    wrapper_destroyed(obj);
    TVMFFIObjectDecRef(obj);
  }
}

// The finalizer runs with a context, when Python drops the wrapper (CPython:
// at once; PyPy: at the collection that finds it unreachable), before
// tp_destroy.  It releases the core object there and then what that released
// in turn (release_dropped): Python objects the core held, wrappers only C++
// kept pinned.  Otherwise these would wait for the next call into the
// extension.  A wrapper that a __del__ elsewhere brings back to life after
// this is empty, like one moved out.
HPyDef_SLOT(Object_finalize, HPy_tp_finalize)
static void Object_finalize_impl(HPyContext* ctx, HPy self) {
  ObjectPayload* p = ObjectPayload_AsStruct(ctx, self);
  TVMFFIObject* obj = p->handle;
  if (!obj) return;
  p->handle = nullptr;
  wrapper_destroyed(obj);
  TVMFFIObjectDecRef(obj);
  // Never disturb an exception on its way (a frame's locals dropped while
  // it unwinds), nor start Python code with the stack nearly full: the next
  // call into the extension releases the rest then.
  if (HPyErr_Occurred(ctx)) return;
  if (ensure_stack_headroom(ctx) < 0) {
    HPyErr_Clear(ctx);
    return;
  }
  release_dropped(ctx);
}

HPyDef_SLOT(Object_hash, HPy_tp_hash)
static HPy_hash_t Object_hash_impl(HPyContext* ctx, HPy self) {
  if (ensure_stack_headroom(ctx) < 0) return -1;
  auto bits = reinterpret_cast<uintptr_t>(ObjectPayload_AsStruct(ctx, self)->handle);
  HPy_hash_t h = static_cast<HPy_hash_t>(bits >> 3);
  return h == -1 ? -2 : h;
}

HPyDef_SLOT(Object_richcompare, HPy_tp_richcompare)
static HPy Object_richcompare_impl(HPyContext* ctx, HPy self, HPy other, HPy_RichCmpOp op) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  HPy object_type = HPyGlobal_Load(ctx, g_ObjectType);
  int comparable = HPy_TypeCheck(ctx, other, object_type);
  HPy_Close(ctx, object_type);
  if (!comparable || (op != HPy_EQ && op != HPy_NE)) {
    return HPy_Dup(ctx, ctx->h_NotImplemented);
  }
  bool same = ObjectPayload_AsStruct(ctx, self)->handle == ObjectPayload_AsStruct(ctx, other)->handle;
  return HPyBool_FromBool(ctx, op == HPy_EQ ? same : !same);
}

HPyDef_METH(Object_chandle, "__chandle__", HPyFunc_NOARGS,
            .doc = "The address of the core object (0 once moved out).")
static HPy Object_chandle_impl(HPyContext* ctx, HPy self) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  return HPyLong_FromUInt64_t(
      ctx, reinterpret_cast<uint64_t>(ObjectPayload_AsStruct(ctx, self)->handle));
}

// The same address as a read-only member: a plain memory read on every
// interpreter (PyPy's JIT sees through it), for the Python-level fast paths
// of plain fields (tvm_ffi_hpy/field_property.py).
HPyDef_MEMBER(Object_address, "__tvm_ffi_address__", HPyMember_HPYSSIZET,
              offsetof(ObjectPayload, handle), .readonly = 1,
              .doc = "The address of the core object (0 once moved out).")

HPyDef_METH(Object_same_as, "same_as", HPyFunc_O,
            .doc = "True when both wrappers refer to the same core object.")
static HPy Object_same_as_impl(HPyContext* ctx, HPy self, HPy other) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  HPy object_type = HPyGlobal_Load(ctx, g_ObjectType);
  int is_object = HPy_TypeCheck(ctx, other, object_type);
  HPy_Close(ctx, object_type);
  if (!is_object) return HPy_Dup(ctx, ctx->h_False);
  TVMFFIObject* a = ObjectPayload_AsStruct(ctx, self)->handle;
  return HPyBool_FromBool(ctx, a != nullptr && a == ObjectPayload_AsStruct(ctx, other)->handle);
}

HPyDef_METH(Object_type_index, "_type_index", HPyFunc_NOARGS,
            .doc = "The core type index of the object.")
static HPy Object_type_index_impl(HPyContext* ctx, HPy self) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  TVMFFIObject* obj = object_handle(ctx, self);
  if (!obj) return HPy_NULL;
  return HPyLong_FromInt32_t(ctx, obj->type_index);
}

// Make the wrapper `self` (made by __new__, holding nothing) hold the object
// that the core Function `ctor_h` returns for `args`.
static HPy init_by_constructor(HPyContext* ctx, HPy self, HPy ctor_h, const HPy* args,
                               size_t nargs) {
  TVMFFIObject* ctor = object_handle(ctx, ctor_h);
  if (!ctor) return HPy_NULL;
  if (ctor->type_index != kTVMFFIFunction) {
    HPyErr_SetString(ctx, ctx->h_TypeError, "the constructor must be a tvm_ffi_hpy.Function");
    return HPy_NULL;
  }
  InflightScope scope(ctx);
  TVMFFIAny result;
  if (call_function_raw(ctx, ctor, args, nargs, false, &result) < 0) return HPy_NULL;
  if (result.type_index < kTVMFFIStaticObjectBegin || !result.v_obj) {
    any_release(&result);
    HPyErr_SetString(ctx, ctx->h_TypeError, "the constructor did not return an object");
    return HPy_NULL;
  }
  // The wrapper must be of the object's class (classes are made per type
  // index, see class_for_type_index), and the object must not have a wrapper
  // already: one wrapper per object.
  HPy natural = class_for_type_index(ctx, result.v_obj->type_index);
  HPy self_type = HPy_Type(ctx, self);
  int suits = HPy_IsNull(natural) ? -1 : HPy_Is(ctx, self_type, natural) ? 1 : 0;
  const char* problem = suits == 0 ? "the constructor returned an object of another type"
                        : has_live_wrapper(result.v_obj)
                            ? "the constructor returned an object that already has a wrapper"
                            : nullptr;
  if (suits > 0 && problem == nullptr) {
    close_h(ctx, natural);
    HPy_Close(ctx, self_type);
    if (adopt_object(ctx, self, result.v_obj) < 0) return HPy_NULL;
    return HPy_Dup(ctx, ctx->h_None);
  }
  if (suits >= 0) {
    raise_format(ctx, ctx->h_TypeError, "__init_handle_by_constructor__: %s (%s)", problem,
                 type_key_of(result.v_obj->type_index));
  }
  close_h(ctx, natural);
  HPy_Close(ctx, self_type);
  any_release(&result);
  return HPy_NULL;
}

HPyDef_METH(Object_init_by_constructor, "__init_handle_by_constructor__", HPyFunc_VARARGS,
            .doc = "__init_handle_by_constructor__(fconstructor, *args): call the core "
                   "constructor and make this wrapper hold its result.")
static HPy Object_init_by_constructor_impl(HPyContext* ctx, HPy self, const HPy* args,
                                           size_t nargs) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  if (nargs < 1) {
    HPyErr_SetString(ctx, ctx->h_TypeError,
                     "__init_handle_by_constructor__ needs the constructor function");
    return HPy_NULL;
  }
  return init_by_constructor(ctx, self, args[0], args + 1, nargs - 1);
}

// The same with the arguments in one list or tuple: the containers' way.
// HPy's CPython runtime copies the positional arguments of a call into an
// alloca'd array, so a call with about 2**20 of them overflows the C stack
// before the extension runs (docs/design.md, "Limits"); one list argument
// has no such limit.
HPyDef_METH(Object_init_by_constructor_items, "_init_handle_by_constructor_items",
            HPyFunc_VARARGS,
            .doc = "_init_handle_by_constructor_items(fconstructor, items): "
                   "__init_handle_by_constructor__(fconstructor, *items) for a list or tuple "
                   "of any length.")
static HPy Object_init_by_constructor_items_impl(HPyContext* ctx, HPy self, const HPy* args,
                                                 size_t nargs) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  if (nargs != 2 || !(HPyList_Check(ctx, args[1]) || HPyTuple_Check(ctx, args[1]))) {
    HPyErr_SetString(ctx, ctx->h_TypeError,
                     "_init_handle_by_constructor_items(fconstructor, items: list or tuple)");
    return HPy_NULL;
  }
  HPy_ssize_t n = HPy_Length(ctx, args[1]);
  if (n < 0) return HPy_NULL;
  SmallBuffer<HPy> items(static_cast<size_t>(n), HPy_NULL);
  HPy res = HPy_NULL;
  HPy_ssize_t got = 0;
  for (; got < n; ++got) {
    items[got] = HPy_GetItem_i(ctx, args[1], got);
    if (HPy_IsNull(items[got])) break;
  }
  if (got == n) res = init_by_constructor(ctx, self, args[0], items.data(), items.size());
  for (HPy_ssize_t i = 0; i < got; ++i) HPy_Close(ctx, items[i]);
  return res;
}

static HPyDef* Object_defines[] = {&Object_new,     &Object_destroy,   &Object_finalize, &Object_hash,
                                   &Object_richcompare, &Object_chandle, &Object_address, &Object_same_as,
                                   &Object_type_index, &Object_init_by_constructor,
                                   &Object_init_by_constructor_items, nullptr};

HPyType_Spec Object_spec = {
    .name = "tvm_ffi_hpy.core.Object",
    .basicsize = sizeof(ObjectPayload),
    .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
    .builtin_shape = HPyType_BuiltinShape_Object,
    .defines = Object_defines,
    .doc = "The base class of every object of the core.",
};

// ---------------------------------------------------------------------------
// The class factory
// ---------------------------------------------------------------------------
static HPyDef* Subtype_defines[] = {&Object_new, &Object_destroy, &Object_finalize, nullptr};
extern HPyDef Field_getset;  // below: the getset front end of fields

// The defines of a class with getset fields: Subtype_defines, then one getset
// per field (a copy of Field_getset whose closure is the field), then NULL.
// One block, kept as long as the class (classes are never freed, like their
// names): HPy and the interpreters may keep pointers into the spec.  NULL
// with an error set on failure.
struct FieldGetset {
  HPyDef def;
  FieldAccessorPayload field;  // the getset's closure
};
constexpr size_t kSubtypeDefines = sizeof(Subtype_defines) / sizeof(Subtype_defines[0]) - 1;

static HPyDef** make_field_defines(HPyContext* ctx, HPy fields) {
  HPy_ssize_t n = HPy_Length(ctx, fields);
  if (n < 0) return nullptr;
  size_t count = static_cast<size_t>(n);
  size_t slots = kSubtypeDefines + count + 1;
  void* block = std::calloc(1, sizeof(HPyDef*) * slots + sizeof(FieldGetset) * count);
  if (!block) {
    HPyErr_NoMemory(ctx);
    return nullptr;
  }
  auto* defines = static_cast<HPyDef**>(block);
  auto* getsets = reinterpret_cast<FieldGetset*>(defines + slots);
  std::memcpy(defines, Subtype_defines, sizeof(HPyDef*) * kSubtypeDefines);
  HPy accessor_type = HPyGlobal_Load(ctx, g_FieldAccessorType);
  bool ok = true;
  for (size_t i = 0; ok && i < count; ++i) {
    HPy item = HPy_GetItem_i(ctx, fields, static_cast<HPy_ssize_t>(i));
    const FieldAccessorPayload* acc = nullptr;
    if (!HPy_IsNull(item)) {
      if (HPy_TypeCheck(ctx, item, accessor_type)) acc = FieldAccessorPayload_AsStruct(ctx, item);
      HPy_Close(ctx, item);
      if (!acc || !acc->info || !acc->owner) {
        HPyErr_SetString(ctx, ctx->h_TypeError,
                         "make_type: fields are FieldAccessor objects from type_info");
        acc = nullptr;
      }
    }
    if (!acc) {
      ok = false;
      break;
    }
    FieldGetset& g = getsets[i];
    g.field = *acc;
    g.def = Field_getset;
    g.def.getset.name = acc->info->name.data;
    g.def.getset.doc = acc->info->doc.size ? acc->info->doc.data : nullptr;
    g.def.getset.closure = &g.field;
    defines[kSubtypeDefines + i] = &g.def;
  }
  HPy_Close(ctx, accessor_type);
  if (!ok) {
    std::free(block);
    return nullptr;
  }
  return defines;
}

// make_type(name, base[, fields[, metaclass]]) -> a new class whose instances
// wrap core objects; `fields` (FieldAccessor objects) become getset
// descriptors of the class.  The package passes them only where errors raised
// by getset descriptors reach Python (shim.h, "Getset errors").  `metaclass`
// (a subclass of type adding no storage; None: the base's) is the class's
// class, for classes that need class-level behaviour (dataclass enums:
// iterating over the class).
HPy make_type(HPyContext* ctx, HPy, const HPy* args, size_t nargs) {
  if (nargs < 2 || nargs > 4) {
    HPyErr_SetString(ctx, ctx->h_TypeError,
                     "make_type(name, base[, fields[, metaclass]]) takes 2 to 4 arguments");
    return HPy_NULL;
  }
  bool with_fields = nargs >= 3 && !HPy_Is(ctx, args[2], ctx->h_None);
  bool with_metaclass = nargs == 4 && !HPy_Is(ctx, args[3], ctx->h_None);
  if (with_metaclass) {
    int meta_ok = HPy_TypeCheck(ctx, args[3], ctx->h_TypeType)
                      ? type_is_subtype(ctx, args[3], ctx->h_TypeType) : 0;
    if (meta_ok < 0) return HPy_NULL;
    if (!meta_ok) {
      HPyErr_SetString(ctx, ctx->h_TypeError, "make_type: the metaclass must derive from type");
      return HPy_NULL;
    }
  }
  if (with_fields && !HPyTuple_Check(ctx, args[2])) {
    HPyErr_SetString(ctx, ctx->h_TypeError, "make_type: fields is a tuple of FieldAccessor");
    return HPy_NULL;
  }
  // The base must be a class (its __mro__ is read), and PyPy's
  // HPyUnicode_AsUTF8AndSize accepts surrogates (shim.h).
  if (!HPyUnicode_Check(ctx, args[0]) || !HPy_TypeCheck(ctx, args[1], ctx->h_TypeType)) {
    HPyErr_SetString(ctx, ctx->h_TypeError, "make_type(name, base): a str and a class");
    return HPy_NULL;
  }
  HPy_ssize_t size;
  const char* name = utf8_from_unicode(ctx, args[0], &size);
  if (!name) return HPy_NULL;
  HPy object_type = HPyGlobal_Load(ctx, g_ObjectType);
  HPy function_type = HPyGlobal_Load(ctx, g_FunctionType);
  int ok = type_is_subtype(ctx, args[1], object_type);
  int is_function = ok > 0 ? type_is_subtype(ctx, args[1], function_type) : 0;
  HPy_Close(ctx, function_type);
  HPy_Close(ctx, object_type);
  if (ok < 0 || is_function < 0) return HPy_NULL;
  if (!ok) {
    HPyErr_SetString(ctx, ctx->h_TypeError, "make_type: the base must derive from Object");
    return HPy_NULL;
  }
  // HPy (and CPython 3.11) keep pointing at the spec's name: it must live on.
  char* stored_name = static_cast<char*>(std::malloc(static_cast<size_t>(size) + 1));
  if (!stored_name) return HPyErr_NoMemory(ctx);
  std::memcpy(stored_name, name, static_cast<size_t>(size) + 1);
  HPyType_Spec spec = {};
  spec.name = stored_name;
  spec.basicsize = is_function ? static_cast<int>(sizeof(FunctionPayload))
                               : static_cast<int>(sizeof(ObjectPayload));
  spec.flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE;
  spec.builtin_shape = HPyType_BuiltinShape_Object;
  spec.defines = Subtype_defines;
  HPyDef** field_defines = nullptr;
  if (with_fields) {
    field_defines = make_field_defines(ctx, args[2]);
    if (!field_defines) {
      std::free(stored_name);
      return HPy_NULL;
    }
    spec.defines = field_defines;
  }
  HPyType_SpecParam params[] = {{HPyType_SpecParam_Base, args[1]},
                                {static_cast<HPyType_SpecParam_Kind>(0), HPy_NULL},
                                {static_cast<HPyType_SpecParam_Kind>(0), HPy_NULL}};
  if (with_metaclass) params[1] = {HPyType_SpecParam_Metaclass, args[3]};
  HPy type = HPyType_FromSpec(ctx, &spec, params);
  if (HPy_IsNull(type)) {
    std::free(field_defines);
    std::free(stored_name);
    return HPy_NULL;
  }
  HPy made = HPyGlobal_Load(ctx, g_factory_types);
  int rc = HPy_SetItem(ctx, made, type, ctx->h_True);
  HPy_Close(ctx, made);
  if (rc < 0) {
    HPy_Close(ctx, type);
    return HPy_NULL;
  }
  return type;
}

// ---------------------------------------------------------------------------
// Fields.  Two front ends over one read and one write:
//  - getset descriptors of the class itself (make_type's `fields`), where the
//    interpreter reports errors raised by getset functions (shim.h, "Getset
//    errors"): the short path;
//  - elsewhere property(fget=acc, fset=acc) over a FieldAccessor, a callable:
//    acc(obj) reads, acc(obj, v) writes.
// ---------------------------------------------------------------------------
static bool is_instance_of(const TVMFFITypeInfo* info, const TVMFFITypeInfo* owner) {
  if (info == owner) return true;
  return info && info->type_depth > owner->type_depth &&
         info->type_ancestors[owner->type_depth] == owner;
}

// The field of `obj` that `acc` describes, or nullptr with TypeError set.
static void* field_address(HPyContext* ctx, const FieldAccessorPayload* acc, TVMFFIObject* obj) {
  if (obj->type_index != acc->owner->type_index &&  // the common case: no lookup
      !is_instance_of(TVMFFIGetTypeInfo(obj->type_index), acc->owner)) {
    raise_format(ctx, ctx->h_TypeError,
                 "field '%s' of '%s' does not apply to an object of type '%s'",
                 acc->info->name.data, acc->owner->type_key.data, type_key_of(obj->type_index));
    return nullptr;
  }
  return reinterpret_cast<char*>(obj) + acc->info->offset;
}

static HPy field_read(HPyContext* ctx, const FieldAccessorPayload* acc, TVMFFIObject* obj) {
  void* addr = field_address(ctx, acc, obj);
  if (!addr) return HPy_NULL;
  TVMFFIAny result;
  result.type_index = kTVMFFINone;
  result.zero_padding = 0;
  result.v_int64 = 0;
  if (acc->info->getter(addr, &result) != 0) return raise_from_core(ctx);
  // A getter only copies (no reference is dropped): only wrapping an object
  // needs the in-flight scope.
  if (result.type_index < kTVMFFIStaticObjectBegin) return any_owned_to_py(ctx, &result);
  InflightScope scope(ctx);
  return any_owned_to_py(ctx, &result);
}

static int field_write(HPyContext* ctx, const FieldAccessorPayload* acc, TVMFFIObject* obj,
                       HPy value) {
  void* addr = field_address(ctx, acc, obj);
  if (!addr) return -1;
  const TVMFFIFieldInfo* field = acc->info;
  if (!(field->flags & kTVMFFIFieldFlagBitMaskWritable)) {
    raise_format(ctx, ctx->h_AttributeError, "field '%s' of '%s' is read-only",
                 field->name.data, acc->owner->type_key.data);
    return -1;
  }
  if (!field->setter) {
    raise_format(ctx, ctx->h_AttributeError, "field '%s' of '%s' has no setter",
                 field->name.data, acc->owner->type_key.data);
    return -1;
  }
  InflightScope scope(ctx);
  ArgTemps temps(ctx);
  TVMFFIAny view;
  if (py_to_any_view(ctx, value, &view, &temps) < 0) return -1;
  if (field->setter(addr, &view) != 0) {
    raise_from_core(ctx);
    return -1;
  }
  return 0;
}

// The accessor's payload, or nullptr with TypeError set.
static const FieldAccessorPayload* bound_accessor(HPyContext* ctx, HPy self) {
  const FieldAccessorPayload* acc = FieldAccessorPayload_AsStruct(ctx, self);
  if (!acc->info || !acc->owner) {  // FieldAccessor() called from Python: bound to no field
    HPyErr_SetString(ctx, ctx->h_TypeError,
                     "this FieldAccessor is bound to no field (accessors come from type_info)");
    return nullptr;
  }
  return acc;
}

HPyDef_SLOT(FieldAccessor_call, HPy_tp_call)
static HPy FieldAccessor_call_impl(HPyContext* ctx, HPy self, const HPy* args, size_t nargs,
                                   HPy kwnames) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  const FieldAccessorPayload* acc = bound_accessor(ctx, self);
  if (!acc) return HPy_NULL;
  if ((!HPy_IsNull(kwnames) && HPy_Length(ctx, kwnames) > 0) || nargs < 1 || nargs > 2) {
    return raise_format(ctx, ctx->h_TypeError, "field accessor '%s' takes (obj) or (obj, value)",
                        acc->info->name.data);
  }
  TVMFFIObject* obj = object_handle(ctx, args[0]);
  if (!obj) return HPy_NULL;
  if (nargs == 1) return field_read(ctx, acc, obj);
  if (field_write(ctx, acc, obj, args[1]) < 0) return HPy_NULL;
  return HPy_Dup(ctx, ctx->h_None);
}

// The property front end's two entry points: bound methods of the accessor,
// a cheaper call shape than the accessor's own tp_call on both interpreters
// (docs/benchmarks.md).
HPyDef_METH(FieldAccessor_read, "read", HPyFunc_O, .doc = "read(obj): the field's value")
static HPy FieldAccessor_read_impl(HPyContext* ctx, HPy self, HPy arg) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  const FieldAccessorPayload* acc = bound_accessor(ctx, self);
  if (!acc) return HPy_NULL;
  TVMFFIObject* obj = object_handle(ctx, arg);
  if (!obj) return HPy_NULL;
  return field_read(ctx, acc, obj);
}

HPyDef_METH(FieldAccessor_write, "write", HPyFunc_VARARGS,
            .doc = "write(obj, value): store value in the field")
static HPy FieldAccessor_write_impl(HPyContext* ctx, HPy self, const HPy* args, size_t nargs) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  const FieldAccessorPayload* acc = bound_accessor(ctx, self);
  if (!acc) return HPy_NULL;
  if (nargs != 2) {
    return raise_format(ctx, ctx->h_TypeError, "field accessor '%s': write(obj, value)",
                        acc->info->name.data);
  }
  TVMFFIObject* obj = object_handle(ctx, args[0]);
  if (!obj) return HPy_NULL;
  if (field_write(ctx, acc, obj, args[1]) < 0) return HPy_NULL;
  return HPy_Dup(ctx, ctx->h_None);
}

// The getset front end.  `self` is an instance of the class that holds the
// descriptor (the interpreter checks it), so its payload is an ObjectPayload;
// `closure` is the field's FieldAccessorPayload, kept as long as the class.
HPyDef_GETSET(Field_getset, "<field>")
static HPy Field_getset_get(HPyContext* ctx, HPy self, void* closure) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  TVMFFIObject* obj = live_handle(ctx, ObjectPayload_AsStruct(ctx, self));
  if (!obj) return HPy_NULL;
  return field_read(ctx, static_cast<const FieldAccessorPayload*>(closure), obj);
}

static int Field_getset_set(HPyContext* ctx, HPy self, HPy value, void* closure) {
  if (ensure_stack_headroom(ctx) < 0) return -1;
  const auto* acc = static_cast<const FieldAccessorPayload*>(closure);
  if (HPy_IsNull(value)) {
    raise_format(ctx, ctx->h_AttributeError, "field '%s' of '%s' cannot be deleted",
                 acc->info->name.data, acc->owner->type_key.data);
    return -1;
  }
  TVMFFIObject* obj = live_handle(ctx, ObjectPayload_AsStruct(ctx, self));
  if (!obj) return -1;
  return field_write(ctx, acc, obj, value);
}

static HPyDef* FieldAccessor_defines[] = {&FieldAccessor_call, &FieldAccessor_read,
                                         &FieldAccessor_write, nullptr};

HPyType_Spec FieldAccessor_spec = {
    .name = "tvm_ffi_hpy.core.FieldAccessor",
    .basicsize = sizeof(FieldAccessorPayload),
    .flags = HPy_TPFLAGS_DEFAULT,
    .builtin_shape = HPyType_BuiltinShape_Object,
    .defines = FieldAccessor_defines,
    .doc = "Reads (one argument) or writes (two) a reflected field of a core object.",
};

}  // namespace tvm_ffi_hpy_ext
