/* ffi.StructuralEqual / StructuralHash / GetFirstStructuralMismatch with C++
 * types that declare their kind (_type_s_eq_hash_kind) and field roles
 * (refl::s_eq_hash). */
#include <tvm_ffi_hpy/access_path.h>

#include "test_util.h"

using namespace tvm_ffi_hpy;

namespace {

class SVarObj : public Object {
 public:
  String name;
  explicit SVarObj(String n) : name(std::move(n)) {}
  static constexpr TVMFFISEqHashKind _type_s_eq_hash_kind = kTVMFFISEqHashKindFreeVar;
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("test.seq.Var", SVarObj, Object)
};

class SFuncObj : public Object {
 public:
  Any params;
  Any body;
  String comment;
  SFuncObj(Any p, Any b, String c) : params(std::move(p)), body(std::move(b)), comment(std::move(c)) {}
  static constexpr TVMFFISEqHashKind _type_s_eq_hash_kind = kTVMFFISEqHashKindTreeNode;
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("test.seq.Func", SFuncObj, Object)
};

class SNodeObj : public Object {
 public:
  int64_t value;
  explicit SNodeObj(int64_t v) : value(v) {}
  static constexpr TVMFFISEqHashKind _type_s_eq_hash_kind = kTVMFFISEqHashKindDAGNode;
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("test.seq.Node", SNodeObj, Object)
};

class SPlainObj : public Object {  // no kind: unsupported
 public:
  int64_t value = 0;
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("test.seq.Plain", SPlainObj, Object)
};

void Register() {
  static bool done = [] {
    refl::ObjectDef<SVarObj>(refl::init(false))
        .def_ro("name", &SVarObj::name, refl::s_eq_hash::Ignore());
    refl::ObjectDef<SFuncObj>(refl::init(false))
        .def_ro("params", &SFuncObj::params, refl::s_eq_hash::Def())
        .def_ro("body", &SFuncObj::body)
        .def_ro("comment", &SFuncObj::comment, refl::s_eq_hash::Ignore());
    refl::ObjectDef<SNodeObj>(refl::init(false)).def_ro("value", &SNodeObj::value);
    refl::ObjectDef<SPlainObj>().def_ro("value", &SPlainObj::value);
    return true;
  }();
  (void)done;
}

Any Var(const char* name) { return Any(ObjectRef(make_object<SVarObj>(String(name)))); }
Any Func(Any params, Any body, const char* comment = "") {
  return Any(ObjectRef(make_object<SFuncObj>(std::move(params), std::move(body), String(comment))));
}
Any Node(int64_t v) { return Any(ObjectRef(make_object<SNodeObj>(v))); }

bool Eq(const Any& a, const Any& b, bool map_free_vars = false) {
  static Function f = Function::GetGlobalRequired("ffi.StructuralEqual");
  return f(a, b, map_free_vars, false).cast<bool>();
}
int64_t Hash(const Any& v, bool map_free_vars = false) {
  static Function f = Function::GetGlobalRequired("ffi.StructuralHash");
  return f(v, map_free_vars, false).cast<int64_t>();
}

}  // namespace

TEST(structural_eq, declared_kinds_reach_metadata) {
  Register();
  const TVMFFITypeInfo* var = TVMFFIGetTypeInfo(SVarObj::RuntimeTypeIndex());
  CHECK(var->metadata != nullptr);
  CHECK_EQ(int(var->metadata->structural_eq_hash_kind), int(kTVMFFISEqHashKindFreeVar));
  const TVMFFITypeInfo* plain = TVMFFIGetTypeInfo(SPlainObj::RuntimeTypeIndex());
  CHECK_EQ(int(plain->metadata->structural_eq_hash_kind), int(kTVMFFISEqHashKindUnsupported));
  CHECK(var->fields[0].flags & kTVMFFIFieldFlagBitMaskSEqHashIgnore);
}

TEST(structural_eq, alpha_equivalence_and_hash) {
  Register();
  Any x = Var("x"), y = Var("y"), a = Var("a"), b = Var("b");
  Any f1 = Func(Array({x, y}), Array({x, y}), "one");
  Any f2 = Func(Array({a, b}), Array({a, b}), "two");
  CHECK(Eq(f1, f2));
  CHECK_EQ(Hash(f1), Hash(f2));
  CHECK(!Eq(f1, Func(Array({a, b}), Array({b, a}))));
  CHECK(!Eq(x, y));
  CHECK(Eq(x, y, true));
  CHECK(Hash(x) != Hash(y));
  CHECK_EQ(Hash(x, true), Hash(y, true));
}

TEST(structural_eq, dag_sharing) {
  Register();
  Any p = Node(1), q = Node(1), r = Node(1), s = Node(1);
  CHECK(Eq(Array({p, p}), Array({q, q})));
  CHECK(!Eq(Array({p, p}), Array({r, s})));
  CHECK(!Eq(Array({r, s}), Array({p, p})));
  CHECK(Hash(Array({p, p})) != Hash(Array({r, s})));
}

TEST(structural_eq, unsupported_and_values) {
  Register();
  Any plain = Any(ObjectRef(make_object<SPlainObj>()));
  CHECK_THROWS(Eq(plain, plain), "TypeError", "test.seq.Plain");
  CHECK_THROWS(Hash(plain), "TypeError", "structural_eq_hash_kind");
  CHECK(Eq(Any(std::nan("")), Any(std::nan("1"))));
  CHECK(!Eq(Any(0.0), Any(-0.0)));
  CHECK(!Eq(Any(int64_t(1)), Any(1.0)));
  CHECK(Eq(Any(String("a long string, not a small one")),
           Any(String("a long string, not a small one"))));
}

TEST(structural_eq, first_mismatch_paths) {
  Register();
  Function first = Function::GetGlobalRequired("ffi.GetFirstStructuralMismatch");
  CHECK(first(Array({Any(int64_t(1))}), Array({Any(int64_t(1))}), false, false).is_none());
  Any x = Var("x"), y = Var("y");
  Any got = first(Func(Array({x}), Array({x, Any(int64_t(1))})),
                  Func(Array({y}), Array({y, Any(int64_t(2))})), false, false);
  Array pair = got.cast<Array>();
  CHECK_EQ(pair.size(), int64_t(2));
  std::vector<AccessStep> steps = pair[0].cast<AccessPath>().ToSteps();
  CHECK_EQ(steps.size(), size_t(2));
  CHECK_EQ(steps[0]->kind, int64_t(AccessKind::kAttr));
  CHECK(steps[0]->key.cast<String>().view() == "body");
  CHECK_EQ(steps[1]->kind, int64_t(AccessKind::kArrayItem));
  CHECK_EQ(steps[1]->key.cast<int64_t>(), int64_t(1));
  CHECK(pair[0].cast<AccessPath>().PathEqual(pair[1].cast<AccessPath>()));
}

TEST(structural_eq, set_kind_checks_its_arguments) {
  Register();
  Function set = Function::GetGlobalRequired("ffi.TypeSetStructuralEqHashKind");
  CHECK_THROWS(set(int64_t(SPlainObj::RuntimeTypeIndex()), int64_t(6)), "ValueError",
               "kind must be");
  CHECK_THROWS(set(int64_t(-3), int64_t(1)), "ValueError", "no object type");
}
