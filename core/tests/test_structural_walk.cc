/* ffi.StructuralWalk / StructuralVisit / StructuralMap / StructuralMutate
 * driven from C++ (callbacks are C++ Functions): orders, skip and
 * interrupt, copy on write, in place through an RValueRef root, var
 * remapping through reflected fields, errors. */
#include <vector>

#include "test_util.h"

using namespace tvm_ffi_hpy;

namespace {

class WVarObj : public Object {
 public:
  int64_t value;
  explicit WVarObj(int64_t v) : value(v) {}
  WVarObj(const WVarObj&) = default;
  static constexpr TVMFFISEqHashKind _type_s_eq_hash_kind = kTVMFFISEqHashKindFreeVar;
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("test.walk.Var", WVarObj, Object)
};

class WFuncObj : public Object {
 public:
  Any params;
  Any body;
  WFuncObj(Any p, Any b) : params(std::move(p)), body(std::move(b)) {}
  WFuncObj(const WFuncObj&) = default;
  static constexpr TVMFFISEqHashKind _type_s_eq_hash_kind = kTVMFFISEqHashKindTreeNode;
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("test.walk.Func", WFuncObj, Object)
};

void Register() {
  static bool done = [] {
    refl::ObjectDef<WVarObj>(refl::init(false)).def_ro("value", &WVarObj::value);
    refl::ObjectDef<WFuncObj>(refl::init(false))
        .def_ro("params", &WFuncObj::params, refl::s_eq_hash::Def())
        .def_ro("body", &WFuncObj::body);
    return true;
  }();
  (void)done;
}

Any I(int64_t v) { return Any(v); }

/* [(type_index, fn)] */
Array Links(int32_t type_index, Function fn) {
  return Array({Any(Array({Any(int64_t(type_index)), Any(std::move(fn))}))});
}

}  // namespace

TEST(structural_walk, orders_skip_and_interrupt) {
  Function walk = Function::GetGlobalRequired("ffi.StructuralWalk");
  Any root = Array({Any(Array({I(1), I(2)})), Any(Map({{Any(String("k")), I(3)}}))});
  std::vector<int64_t> seen;
  Function on_int = Function::FromTyped([&](int64_t v) { seen.push_back(v); });
  CHECK(walk(root, Links(kTVMFFIInt, on_int), Array(), int64_t(0)).is_none());
  CHECK(seen == std::vector<int64_t>({1, 2, 3}));

  std::vector<int64_t> sizes;
  Function skip_pairs = Function::FromTyped([&](Array a) -> Any {
    sizes.push_back(a.size());
    return a.size() == 2 && sizes.size() > 1 ? I(1) : Any();
  });
  walk(root, Links(kTVMFFIArray, skip_pairs), Array(), int64_t(0));
  CHECK(sizes == std::vector<int64_t>({2, 2}));

  Function make = Function::GetGlobalRequired("ffi.VisitInterrupt");
  Function stop = Function::FromTyped([&](int64_t v) -> Any { return v == 2 ? make(v) : Any(); });
  Any hit = walk(root, Links(kTVMFFIInt, stop), Array(), int64_t(1));
  CHECK(hit.object() != nullptr);
  CHECK(std::string(hit.type_name()) == "ffi.VisitInterrupt");
  CHECK_THROWS(walk(root, Links(kTVMFFIInt, on_int), Array(), int64_t(5)), "ValueError", "order");
  CHECK_THROWS(walk(root, Array({I(1)}), Array(), int64_t(0)), "TypeError", "callback entry");
}

TEST(structural_walk, map_copies_on_write_and_in_place) {
  Function map = Function::GetGlobalRequired("ffi.StructuralMap");
  Function plus_one = Function::FromTyped([](int64_t v) { return v + 1; });
  Function same = Function::FromTyped([](int64_t v) { return v; });
  Array shared({I(1), Any(Array({I(2)})), Any(String("untouched"))});
  Any out = map(shared, Links(kTVMFFIInt, same), Array(), int64_t(1));
  CHECK(out.object() == shared.get());
  out = map(shared, Links(kTVMFFIInt, plus_one), Array(), int64_t(1));
  Array got = out.cast<Array>();
  CHECK(got.get() != shared.get());
  CHECK_EQ(got[0].cast<int64_t>(), int64_t(2));
  CHECK_EQ(shared[0].cast<int64_t>(), int64_t(1));
  CHECK_EQ(got[1].cast<Array>()[0].cast<int64_t>(), int64_t(3));
  CHECK(got[2].object() == shared[2].object());

  // Handed over and held by nobody else: the same Array comes back, updated.
  Array owned({I(1), Any(Array({I(2)}))});
  const Object* address = owned.get();
  const Object* inner = owned[1].object();
  out = map(RValueRef<Array>(std::move(owned)), Links(kTVMFFIInt, plus_one), Array(), int64_t(1));
  got = out.cast<Array>();
  CHECK(got.get() == address);
  CHECK(got[1].object() == inner);
  CHECK_EQ(got[1].cast<Array>()[0].cast<int64_t>(), int64_t(3));
}

TEST(structural_walk, map_remaps_defined_vars) {
  Register();
  Function map = Function::GetGlobalRequired("ffi.StructuralMap");
  Function plus_one = Function::FromTyped([](int64_t v) { return v + 1; });
  Any x = Any(ObjectRef(make_object<WVarObj>(1)));
  Any free_var = Any(ObjectRef(make_object<WVarObj>(5)));
  Any fn = Any(ObjectRef(make_object<WFuncObj>(Array({x}), Array({x, free_var}))));
  Any out = map(fn, Links(kTVMFFIInt, plus_one), Array(), int64_t(1));
  const WFuncObj* f = out.cast<ObjectRef>().as<WFuncObj>();
  CHECK(f != nullptr && out.object() != fn.object());
  const Object* new_x = f->params.cast<Array>()[0].object();
  CHECK(new_x != x.object());
  CHECK_EQ(static_cast<const WVarObj*>(new_x)->value, int64_t(2));
  CHECK(f->body.cast<Array>()[0].object() == new_x);         // a use follows its definition
  CHECK(f->body.cast<Array>()[1].object() == free_var.object());  // a free var stays
}

TEST(structural_walk, visit_mutate_and_errors) {
  Function visit = Function::GetGlobalRequired("ffi.StructuralVisit");
  Function visit_child = Function::GetGlobalRequired("ffi.StructuralVisitorVisit");
  Any kept;
  std::vector<int64_t> seen;
  Function on_array = Function::FromTyped([&](Array a, ObjectRef visitor) -> Any {
    kept = Any(visitor);
    return visit_child(visitor, a[a.size() - 1]);  // the last item only
  });
  Function on_int = Function::FromTyped([&](int64_t v, ObjectRef) { seen.push_back(v); });
  Array links({Any(Array({Any(int64_t(kTVMFFIArray)), Any(on_array)})),
               Any(Array({Any(int64_t(kTVMFFIInt)), Any(on_int)}))});
  CHECK(visit(Array({I(1), I(2)}), links).is_none());
  CHECK(seen == std::vector<int64_t>({2}));
  CHECK_THROWS(visit_child(kept, I(1)), "RuntimeError", "finished");

  Function mutate = Function::GetGlobalRequired("ffi.StructuralMutate");
  Function fail = Function::FromTyped([](int64_t, ObjectRef) -> int64_t {
    throw Error("ValueError", "no ints here");
  });
  Array entry({Any(Array({Any(int64_t(kTVMFFIInt)), Any(fail), Any(false)}))});
  CHECK_THROWS(mutate(Array({I(1)}), entry), "ValueError", "no ints here");
  CHECK_THROWS(mutate(Array({I(1)}), Links(kTVMFFIInt, fail)), "TypeError", "callback entry");
}
