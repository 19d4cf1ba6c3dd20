/* Functions (typed, packed, C), calls, errors and their kinds, the global registry. */
#include <stdexcept>

#include "test_util.h"

using namespace tvm_ffi_hpy;

namespace {

int g_c_deleted = 0;
void CDeleter(void* self) { g_c_deleted += *static_cast<int*>(self); }

/* A C function: returns args[0] * self (int) or raises ValueError. */
int CMultiply(void* self, const TVMFFIAny* args, int32_t num_args, TVMFFIAny* result) {
  if (num_args != 1 || args[0].type_index != kTVMFFIInt) {
    TVMFFIErrorSetRaisedFromCStr("ValueError", "CMultiply wants one int");
    return -1;
  }
  result->type_index = kTVMFFIInt;
  result->v_int64 = args[0].v_int64 * *static_cast<int*>(self);
  return 0;
}

/* A C function that calls the function given as args[0] and passes its
 * failure on untouched. */
int CForward(void*, const TVMFFIAny* args, int32_t num_args, TVMFFIAny* result) {
  return TVMFFIFunctionCall(args[0].v_obj, const_cast<TVMFFIAny*>(args + 1), num_args - 1,
                            result);
}

std::string KindOfFailure(const Function& f) {
  TVMFFIAny result = test_util::None();
  int rc = TVMFFIFunctionCall(details::HeaderOf(f.get()), nullptr, 0, &result);
  if (rc == 0) return "<no error>";
  TVMFFIObjectHandle err = nullptr;
  TVMFFIErrorMoveFromRaised(&err);
  Error e(ObjectRef(ObjectPtr<Object>::Steal(details::ObjectUnsafe::FromHeader(err))));
  return std::string(e.kind()) + ": " + std::string(e.message());
}

}  // namespace

TEST(function, typed) {
  Function add = Function::FromTyped([](int64_t a, int64_t b) { return a + b; }, "add");
  CHECK_EQ(add(1, 2).cast<int64_t>(), int64_t(3));
  CHECK_EQ(add(true, 2).cast<int64_t>(), int64_t(3));
  CHECK_THROWS(add(1, 2, 3), "TypeError",
               "Mismatched number of arguments when calling: `add(0: int, 1: int) -> int`. "
               "Expected 2 but got 3 arguments");
  CHECK_THROWS(add(1, "x"), "TypeError",
               "Mismatched type on argument #1 when calling: `add(0: int, 1: int) -> int`. "
               "Expected `int` but got `str`");
  Function concat = Function::FromTyped(
      [](const String& a, std::string b) { return a.str() + b; }, "concat");
  CHECK(concat("ab", std::string("cdefghij")).cast<String>() == "abcdefghij");
  Function nothing = Function::FromTyped([]() {});
  CHECK(nothing().is_none());
  Function arr_size = Function::FromTyped([](Array a) { return a.size(); }, "size");
  CHECK_EQ(arr_size(Array{Any(1), Any(2)}).cast<int64_t>(), int64_t(2));
  CHECK_THROWS(arr_size(Map()), "TypeError", "Expected `ffi.Array` but got `ffi.Map`");
}

TEST(function, packed_and_c) {
  Function sum = Function::FromPacked([](const AnyView* args, int32_t n, Any* rv) {
    int64_t s = 0;
    for (int32_t i = 0; i < n; ++i) s += args[i].cast<int64_t>();
    *rv = s;
  });
  CHECK_EQ(sum(1, 2, 3, 4).cast<int64_t>(), int64_t(10));
  CHECK(sum.get()->cell.cpp_call != nullptr);

  // A C function called from C++ (no cpp_call: goes through safe_call).
  static int factor = 3;
  g_c_deleted = 0;
  TVMFFIObjectHandle h = nullptr;
  CHECK_EQ(TVMFFIFunctionCreate(&factor, &CMultiply, &CDeleter, &h), 0);
  {
    Function f(ObjectPtr<FunctionObj>::Steal(
        static_cast<FunctionObj*>(details::ObjectUnsafe::FromHeader(h))));
    CHECK(f.get()->cell.cpp_call == nullptr);
    CHECK_EQ(f(5).cast<int64_t>(), int64_t(15));
    CHECK_THROWS(f("no"), "ValueError", "CMultiply wants one int");
  }
  CHECK_EQ(g_c_deleted, 3);
}

TEST(error, kinds_from_cpp_exceptions) {
  auto thrower = [](auto make) {
    return Function::FromTyped([make]() { make(); });
  };
  CHECK_EQ(KindOfFailure(thrower([] { throw Error("KeyError", "k"); })), std::string("KeyError: k"));
  CHECK_EQ(KindOfFailure(thrower([] { throw std::bad_alloc(); })).rfind("MemoryError", 0),
           size_t(0));
  CHECK_EQ(KindOfFailure(thrower([] { throw std::out_of_range("oor"); })),
           std::string("IndexError: oor"));
  CHECK_EQ(KindOfFailure(thrower([] { throw std::invalid_argument("inv"); })),
           std::string("ValueError: inv"));
  CHECK_EQ(KindOfFailure(thrower([] { throw std::runtime_error("rt"); })),
           std::string("RuntimeError: rt"));
  CHECK_EQ(KindOfFailure(thrower([] { throw 1; })),
           std::string("RuntimeError: unknown C++ exception of type int"));
  CHECK_EQ(KindOfFailure(thrower([] { throw "text"; })), std::string("RuntimeError: text"));
  CHECK_EQ(KindOfFailure(thrower([] { throw std::string("str"); })),
           std::string("RuntimeError: str"));
  CHECK_EQ(KindOfFailure(thrower([] {
             try {
               throw std::out_of_range("in");
             } catch (...) {
               std::throw_with_nested(std::runtime_error("out"));
             }
           })),
           std::string("RuntimeError: out (caused by: in)"));
  CHECK_EQ(KindOfFailure(thrower([] { TVM_FFI_HPY_THROW(AttributeError) << "no attr " << 5; })),
           std::string("AttributeError: no attr 5"));
}

TEST(error, throw_macro_and_backtrace) {
  try {
    TVM_FFI_HPY_THROW(ValueError) << "bad " << 42;
    CHECK(false);
  } catch (const Error& e) {
    CHECK(e.kind() == "ValueError");
    CHECK(e.message() == "bad 42");
    CHECK(std::string(e.what()) == "ValueError: bad 42");
    CHECK(e.backtrace().find("test_function.cc") != std::string_view::npos);
    // update_backtrace appends / replaces
    TVMFFIByteArray more{"more\n", 5};
    TVMFFIErrorGetCellPtr(e.raw())->update_backtrace(e.raw(), &more,
                                                     kTVMFFIBacktraceUpdateModeAppend);
    CHECK(e.backtrace().size() > 5 && e.backtrace().substr(e.backtrace().size() - 5) == "more\n");
    TVMFFIErrorGetCellPtr(e.raw())->update_backtrace(e.raw(), &more,
                                                     kTVMFFIBacktraceUpdateModeReplace);
    CHECK(e.backtrace() == "more\n");
  }
  int x = 0;
  CHECK_THROWS(TVM_FFI_HPY_CHECK(x > 0, ValueError) << "x must be positive", "ValueError",
               "x must be positive");
}

TEST(error, slot) {
  TVMFFIObjectHandle err = reinterpret_cast<TVMFFIObjectHandle>(1);
  TVMFFIErrorMoveFromRaised(&err);
  CHECK(err == nullptr);
  TVMFFIErrorSetRaisedFromCStr("TypeError", "first");
  TVMFFIErrorSetRaisedFromCStr("KeyError", "second");  // replaces (and frees) the first
  TVMFFIErrorMoveFromRaised(&err);
  CHECK(err != nullptr);
  CHECK(test_util::StrOf(test_util::None()) == "<not a string>");
  const TVMFFIErrorCell* cell = TVMFFIErrorGetCellPtr(err);
  CHECK(std::string(cell->kind.data, cell->kind.size) == "KeyError");
  TVMFFIObjectHandle again = nullptr;
  TVMFFIErrorMoveFromRaised(&again);
  CHECK(again == nullptr);
  // SetRaised takes its own reference.
  TVMFFIErrorSetRaised(err);
  CHECK_EQ(static_cast<TVMFFIObject*>(err)->combined_ref_count & 0xffffffffu, uint64_t(2));
  TVMFFIErrorMoveFromRaised(&again);
  CHECK(again == err);
  TVMFFIObjectDecRef(again);
  TVMFFIObjectDecRef(err);
}

TEST(error, nested_with_payload) {
  // inner (C++) raises with a payload; a C function forwards the failure;
  // the C++ caller gets the very same error object back.
  Array marker{Any(7)};
  Function inner = Function::FromTyped([marker]() {
    Error e("LookupError", "deep failure");
    e.set_payload(marker);
    throw e;
  });
  TVMFFIObjectHandle h = nullptr;
  CHECK_EQ(TVMFFIFunctionCreate(nullptr, &CForward, nullptr, &h), 0);
  Function forward(ObjectPtr<FunctionObj>::Steal(
      static_cast<FunctionObj*>(details::ObjectUnsafe::FromHeader(h))));
  Function outer = Function::FromTyped([forward, inner]() { return forward(inner); });
  bool caught = false;
  try {
    outer();
  } catch (const Error& e) {
    caught = true;
    CHECK(e.kind() == "LookupError");
    CHECK(e.message() == "deep failure");
    Any payload = e.payload();
    CHECK(payload.cast<Array>().same_as(marker));
  }
  CHECK(caught);
  // Through the C ABI only.
  TVMFFIObjectHandle err = nullptr;
  TVMFFIByteArray k{"E", 1}, m{"M", 1};
  CHECK_EQ(TVMFFIErrorCreate(&k, &m, nullptr, &err), 0);
  TVMFFIAny p = test_util::None();
  CHECK_EQ(TVMFFIErrorGetPayload(err, &p), 0);
  CHECK_EQ(p.type_index, int32_t(kTVMFFINone));
  TVMFFIAny raw = test_util::RawStr("payload text!");
  CHECK_EQ(TVMFFIErrorSetPayload(err, &raw), 0);
  CHECK_EQ(TVMFFIErrorGetPayload(err, &p), 0);
  CHECK_EQ(test_util::StrOf(p), std::string("payload text!"));
  CHECK_EQ(p.type_index, int32_t(kTVMFFIStr));  // the view was made owned
  TVMFFIAny i = test_util::Int(3);
  CHECK_EQ(TVMFFIErrorSetPayload(err, &i), 0);
  CHECK_EQ(TVMFFIErrorGetPayload(err, &p), 0);
  CHECK_EQ(p.v_int64, int64_t(3));
  TVMFFIObjectDecRef(err);
  // Payload on something that is not an error.
  CHECK_EQ(TVMFFIErrorSetPayload(details::HeaderOf(marker.get()), &i), -1);
  TVMFFIObjectHandle e2 = nullptr;
  TVMFFIErrorMoveFromRaised(&e2);
  CHECK(e2 != nullptr);
  TVMFFIObjectDecRef(e2);
}

TEST(registry, set_get_list_remove) {
  Function f = Function::FromTyped([](int64_t x) { return x * 2; }, "test.double");
  CHECK(!Function::GetGlobal("test.double").has_value());
  Function::SetGlobal("test.double", f);
  std::optional<Function> got = Function::GetGlobal("test.double");
  CHECK(got.has_value() && got->same_as(f));
  CHECK_EQ((*got)(21).cast<int64_t>(), int64_t(42));
  CHECK_THROWS(Function::SetGlobal("test.double", f), "ValueError", "test.double");
  Function g = Function::FromTyped([](int64_t x) { return x * 3; });
  Function::SetGlobal("test.double", g, /*allow_override=*/true);
  CHECK_EQ(Function::GetGlobalRequired("test.double")(2).cast<int64_t>(), int64_t(6));

  TVMFFIAny names = test_util::None();
  CHECK_EQ(TVMFFIFunctionListGlobalNames(&names), 0);
  Any owned = Any::FromRawOwned(names);
  Array list = owned.cast<Array>();
  CHECK(list.size() > 10);
  bool sorted = true, has_nop = false, has_double = false;
  for (int64_t i = 0; i < list.size(); ++i) {
    String s = list[i].cast<String>();
    if (i > 0 && !(list[i - 1].cast<String>() < s)) sorted = false;
    has_nop |= s == "testing.nop";
    has_double |= s == "test.double";
  }
  CHECK(sorted && has_nop && has_double);

  CHECK(Function::RemoveGlobal("test.double"));
  CHECK(!Function::RemoveGlobal("test.double"));
  CHECK(!Function::GetGlobal("test.double").has_value());
  CHECK_THROWS(Function::GetGlobalRequired("test.double"), "ValueError", "test.double");
  // C ABI: a missing name gives NULL and status 0; a non-function is a TypeError.
  TVMFFIByteArray n{"no.such.function", 16};
  TVMFFIObjectHandle out = reinterpret_cast<TVMFFIObjectHandle>(1);
  CHECK_EQ(TVMFFIFunctionGetGlobal(&n, &out), 0);
  CHECK(out == nullptr);
  Array not_fn;
  CHECK_EQ(TVMFFIFunctionSetGlobal(&n, details::HeaderOf(not_fn.get()), 0), -1);
  TVMFFIObjectHandle err = nullptr;
  TVMFFIErrorMoveFromRaised(&err);
  CHECK(err != nullptr && std::string(TVMFFIErrorGetCellPtr(err)->kind.data) == "TypeError");
  TVMFFIObjectDecRef(err);
}

TEST(error, cause_chain_and_extra_context) {
  Error cause("KeyError", "the root");
  Error err("ValueError", "on top", cause);
  CHECK(err.cause().has_value());
  CHECK(err.cause()->kind() == "KeyError");
  CHECK(err.cause()->raw() == cause.raw());
  CHECK(!cause.cause().has_value());
  // Through the C ABI: the cell owns its own references (upstream layout).
  TVMFFIByteArray k{"TypeError", 9}, m{"outer", 5}, b{"", 0};
  Array context({Any(int64_t(1))});
  TVMFFIObjectHandle h = nullptr;
  int64_t before = context.get()->use_count();
  CHECK_EQ(TVMFFIErrorCreateWithCauseAndExtraContext(&k, &m, &b, err.raw(),
                                                     details::HeaderOf(context.get()), &h),
           0);
  const TVMFFIErrorCell* cell = TVMFFIErrorGetCellPtr(h);
  CHECK(cell->cause_chain == err.raw());
  CHECK(cell->extra_context == details::HeaderOf(context.get()));
  CHECK_EQ(context.get()->use_count(), before + 1);
  TVMFFIObjectDecRef(h);
  CHECK_EQ(context.get()->use_count(), before);
  // A cause must be an Error.
  CHECK_EQ(TVMFFIErrorCreateWithCauseAndExtraContext(&k, &m, &b, details::HeaderOf(context.get()),
                                                     nullptr, &h),
           -1);
  TVMFFIObjectHandle raised = nullptr;
  TVMFFIErrorMoveFromRaised(&raised);
  CHECK(Error(ObjectRef(ObjectPtr<Object>::Steal(details::ObjectUnsafe::FromHeader(raised))))
            .message() == "the cause of an error must be an Error");
  // Message parts.
  const char* parts[] = {"a", nullptr, "b", "c"};
  TVMFFIErrorSetRaisedFromCStrParts("IndexError", parts, 4);
  TVMFFIErrorMoveFromRaised(&raised);
  Error parted(ObjectRef(ObjectPtr<Object>::Steal(details::ObjectUnsafe::FromHeader(raised))));
  CHECK(parted.kind() == "IndexError");
  CHECK(parted.message() == "abc");
}

TEST(function, rvalue_ref_arguments) {
  // A callee that takes the object over (an owned Any from the view steals
  // it) leaves nothing for the RValueRef to release; one that only looks
  // leaves it, and the RValueRef releases it.  Either way the count is back.
  Function take = Function::FromPacked([](const AnyView* args, int32_t, Any* rv) {
    Any owned(args[0]);
    *rv = int64_t(owned.type_index());
  });
  Function look = Function::FromPacked([](const AnyView* args, int32_t, Any* rv) {
    *rv = int64_t(args[0].type_index());
  });
  Array arr{Any(1), Any(2)};
  uint32_t before = arr.use_count();
  for (const Function* f : {&take, &look}) {
    Array moved = arr;
    CHECK_EQ(arr.use_count(), before + 1);
    Any kind = (*f)(RValueRef(std::move(moved)));
    CHECK(!moved.defined());  // emptied when the RValueRef was made
    CHECK_EQ(arr.use_count(), before);
    CHECK_EQ(kind.cast<int64_t>(),
             int64_t(f == &take ? kTVMFFIArray : kTVMFFIObjectRValueRef));
  }
  // A typed callee converts the object it is given and takes it.
  Function size = Function::FromTyped([](Array a) { return int64_t(a.size()); }, "size");
  {
    Array moved = arr;
    CHECK_EQ(size(RValueRef(std::move(moved))).cast<int64_t>(), int64_t(2));
    CHECK_EQ(arr.use_count(), before);
  }
  // A typed callee that only views the object (AnyView) empties the slot
  // too, but the object lives until the call is over: the view stays valid
  // for the whole callee, and nothing is released twice.
  Function view_then_copy = Function::FromTyped(
      [before](AnyView v) {
        const Object* obj = v.object();
        CHECK(obj != nullptr);
        CHECK_EQ(uint32_t(obj->use_count()), before + 1);  // arr's and the taken one
        Array copy = v.cast<Array>();         // a reference of its own
        return int64_t(copy.size());
      },
      "view_then_copy");
  {
    Array moved = arr;
    CHECK_EQ(view_then_copy(RValueRef(std::move(moved))).cast<int64_t>(), int64_t(2));
    CHECK(!moved.defined());
    CHECK_EQ(arr.use_count(), before);
  }
  // A slot emptied already: ValueError, not a crash.
  TVMFFIObject* empty = nullptr;
  TVMFFIAny arg;
  arg.type_index = kTVMFFIObjectRValueRef;
  arg.zero_padding = 0;
  arg.v_ptr = &empty;
  TVMFFIAny result = test_util::None();
  CHECK_EQ(TVMFFIFunctionCall(details::HeaderOf(size.get()), &arg, 1, &result), -1);
  TVMFFIObjectHandle err = nullptr;
  TVMFFIErrorMoveFromRaised(&err);
  Error e(ObjectRef(ObjectPtr<Object>::Steal(details::ObjectUnsafe::FromHeader(err))));
  CHECK(std::string(e.kind()) == "ValueError");
  CHECK(std::string(e.message()).find("moved out already") != std::string::npos);
  // A failing callee: the object is released all the same.
  Function fail = Function::FromTyped([](Array) -> int64_t {
    TVM_FFI_HPY_THROW(ValueError) << "no";
  });
  Array moved = arr;
  CHECK_THROWS(fail(RValueRef(std::move(moved))), "ValueError", "no");
  CHECK_EQ(arr.use_count(), before);
}
