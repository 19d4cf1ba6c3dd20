/*
 * hpy_costs.c -- what single HPy API calls cost on the interpreter that
 * loads this module: the price list behind the call paths of tvm_ffi_hpy.
 *
 * run(kind, obj, n) performs operation `kind` n times inside one C call and
 * returns nothing useful; bench/hpy_costs/run.py times it against kind 0
 * (the empty loop) and divides.  The same universal binary is timed on
 * CPython and on PyPy.  Python-level call shapes (a module function, a type's
 * tp_call, a getset, a member) are timed from Python loops instead.
 */
#include <stdint.h>

#include "hpy.h"

typedef struct {
  long x;
  HPyField f;
} Payload;
HPyType_HELPERS(Payload)

static HPyGlobal g_base;  // Base: an HPy type; Derived: made from it by spec

HPyDef_SLOT(Payload_new, HPy_tp_new)
static HPy Payload_new_impl(HPyContext *ctx, HPy type, const HPy *args, HPy_ssize_t n, HPy kw) {
  Payload *p;
  HPy h = HPy_New(ctx, type, &p);
  if (HPy_IsNull(h)) return h;
  p->x = 1;
  HPyField_Store(ctx, h, &p->f, ctx->h_None);
  return h;
}

HPyDef_SLOT(Payload_traverse, HPy_tp_traverse)
static int Payload_traverse_impl(void *self, HPyFunc_visitproc visit, void *arg) {
  HPy_VISIT(&((Payload *)self)->f);
  return 0;
}

// Call shapes timed from Python.
HPyDef_SLOT(Payload_call, HPy_tp_call)
static HPy Payload_call_impl(HPyContext *ctx, HPy self, const HPy *args, size_t n, HPy kw) {
  return HPy_Dup(ctx, n ? args[0] : ctx->h_None);
}

HPyDef_GET(Payload_x, "x")
static HPy Payload_x_get(HPyContext *ctx, HPy self, void *closure) {
  return HPyLong_FromLong(ctx, Payload_AsStruct(ctx, self)->x);
}

HPyDef_MEMBER(Payload_member_x, "member_x", HPyMember_LONG, offsetof(Payload, x))

HPyDef_METH(Payload_method, "method", HPyFunc_NOARGS)
static HPy Payload_method_impl(HPyContext *ctx, HPy self) { return HPy_Dup(ctx, ctx->h_None); }

static HPyDef *Payload_defines[] = {&Payload_new, &Payload_traverse, &Payload_call, &Payload_x,
                                    &Payload_member_x, &Payload_method, NULL};
static HPyType_Spec Base_spec = {
    .name = "hpy_costs.Base",
    .basicsize = sizeof(Payload),
    .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE | HPy_TPFLAGS_HAVE_GC,
    .defines = Payload_defines,
};
static HPyType_Spec Derived_spec = {
    .name = "hpy_costs.Derived",
    .basicsize = sizeof(Payload),
    .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE | HPy_TPFLAGS_HAVE_GC,
    .defines = Payload_defines,
};

HPyDef_METH(noargs, "noargs", HPyFunc_NOARGS)
static HPy noargs_impl(HPyContext *ctx, HPy self) { return HPy_Dup(ctx, ctx->h_None); }

HPyDef_METH(one_arg, "one_arg", HPyFunc_O)
static HPy one_arg_impl(HPyContext *ctx, HPy self, HPy arg) { return HPy_Dup(ctx, arg); }

// The operations, each n times; `o` is an instance of Derived unless noted.
HPyDef_METH(run, "run", HPyFunc_VARARGS)
static HPy run_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs) {
  if (nargs != 3) {
    HPyErr_SetString(ctx, ctx->h_TypeError, "run(kind, obj, n)");
    return HPy_NULL;
  }
  long kind = HPyLong_AsLong(ctx, args[0]);
  HPy o = args[1];
  long n = HPyLong_AsLong(ctx, args[2]);
  if (HPyErr_Occurred(ctx)) return HPy_NULL;
  HPy base = HPyGlobal_Load(ctx, g_base);
  long acc = 0;
  for (long i = 0; i < n; i++) {
    switch (kind) {
      case 0: break;
      case 1: acc += HPy_Is(ctx, o, ctx->h_None); break;
      case 2: acc += HPy_TypeCheck(ctx, o, base); break;
      case 3: acc += HPy_TypeCheck(ctx, o, ctx->h_LongType); break;
      case 4: acc += Payload_AsStruct(ctx, o)->x; break;
      case 5: HPy_Close(ctx, HPy_Dup(ctx, o)); break;
      case 6: HPy_Close(ctx, HPyGlobal_Load(ctx, g_base)); break;
      case 7: {
        Payload *p = Payload_AsStruct(ctx, o);
        HPy_Close(ctx, HPyField_Load(ctx, o, p->f));
        break;
      }
      case 8: HPy_Close(ctx, HPyLong_FromInt64_t(ctx, i)); break;
      case 9: acc += (long)HPyLong_AsInt64_t(ctx, o); break;
      case 10: {
        HPy t = HPy_Type(ctx, o);
        acc += HPy_Is(ctx, t, base);
        HPy_Close(ctx, t);
        break;
      }
      case 11: HPy_Close(ctx, HPy_GetItem_i(ctx, o, 0)); break;
    }
  }
  HPy_Close(ctx, base);
  if (HPyErr_Occurred(ctx)) return HPy_NULL;
  return HPyLong_FromLong(ctx, acc);
}

static int add_type(HPyContext *ctx, HPy module, const char *name, HPyType_Spec *spec, HPy base) {
  HPyType_SpecParam params[] = {{HPyType_SpecParam_Base, base}, {(HPyType_SpecParam_Kind)0}};
  HPy t = HPyType_FromSpec(ctx, spec, HPy_IsNull(base) ? NULL : params);
  if (HPy_IsNull(t)) return -1;
  if (HPy_IsNull(base)) HPyGlobal_Store(ctx, &g_base, t);
  int rc = HPy_SetAttr_s(ctx, module, name, t);
  HPy_Close(ctx, t);
  return rc;
}

HPyDef_SLOT(module_exec, HPy_mod_exec)
static int module_exec_impl(HPyContext *ctx, HPy module) {
  if (add_type(ctx, module, "Base", &Base_spec, HPy_NULL) < 0) return -1;
  HPy base = HPyGlobal_Load(ctx, g_base);
  int rc = add_type(ctx, module, "Derived", &Derived_spec, base);
  HPy_Close(ctx, base);
  return rc;
}

static HPyGlobal *module_globals[] = {&g_base, NULL};
static HPyDef *module_defines[] = {&module_exec, &noargs, &one_arg, &run, NULL};
static HPyModuleDef module_def = {.defines = module_defines, .globals = module_globals};
HPy_MODINIT(hpy_costs, module_def)
