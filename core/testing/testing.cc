/*
 * The `testing` set: functions and types the frontends' test suites use.
 */
#include <atomic>
#include <exception>
#include <mutex>
#include <new>
#include <thread>
#include <vector>
#include <stdexcept>

#include <tvm_ffi_hpy/ffi.h>

namespace tvm_ffi_hpy {
namespace testing {

// Read-only tensors (imported from a read-only DLPack source) say so in the
// flags of their DLPack export: the C ABI's way, as any library would ask.
static bool IsReadOnly(const Tensor& t) {
  DLManagedTensorVersioned* managed = nullptr;
  if (TVMFFITensorToDLPackVersioned(const_cast<TensorObj*>(t.get()), &managed) != 0) {
    details::ThrowRaised();
  }
  bool read_only = (managed->flags & DLPACK_FLAG_BITMASK_READ_ONLY) != 0;
  managed->deleter(managed);
  return read_only;
}

class TestIntPairObj : public Object {
 public:
  int64_t a;
  int64_t b;
  TestIntPairObj() : a(0), b(0) {}  // gives the type a reflection creator (deserialization)
  TestIntPairObj(int64_t a, int64_t b) : a(a), b(b) {}
  int64_t Sum() const { return a + b; }
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("testing.TestIntPair", TestIntPairObj, Object)
};

class TestObjectBase : public Object {
 public:
  int64_t v_i64 = 10;
  double v_f64 = 10.0;
  String v_str = "hello";
  int64_t AddI64(int64_t x) const { return v_i64 + x; }
  TVM_FFI_HPY_DECLARE_OBJECT_INFO("testing.TestObjectBase", TestObjectBase, Object)
};

class TestObjectDerived : public TestObjectBase {
 public:
  Map v_map;
  Array v_array;
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("testing.TestObjectDerived", TestObjectDerived,
                                        TestObjectBase)
};

/* Fields typed by an object class (their schemas name testing.TestObjectBase). */
class TestObjectPtrHolderObj : public Object {
 public:
  ObjectPtr<TestObjectBase> value;
  std::optional<ObjectPtr<TestObjectBase>> optional_value;
  // Not final: a py_class may derive from it (a native parent).
  TVM_FFI_HPY_DECLARE_OBJECT_INFO("testing.TestObjectPtrHolder", TestObjectPtrHolderObj, Object)
};

class TestHolderObj : public Object {
 public:
  Any value;
  TestHolderObj() = default;
  explicit TestHolderObj(Any v) : value(std::move(v)) {}
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("testing.TestHolder", TestHolderObj, Object)
};

[[noreturn]] void RaiseStd(const std::string& which) {
  if (which == "bad_alloc") throw std::bad_alloc();
  if (which == "out_of_range") throw std::out_of_range("out_of_range from testing");
  if (which == "invalid_argument") throw std::invalid_argument("invalid_argument from testing");
  if (which == "runtime_error") throw std::runtime_error("runtime_error from testing");
  if (which == "unknown") throw 42;
  throw Error("ValueError", "unknown exception name `" + which + "`");
}

// Visit every element of a CPU tensor of float32/float64/int32/int64 as a
// double: fn(double* value) may change the value, written back when `write`.
template <typename Fn>
void ForEachElement(const Tensor& t, bool write, Fn fn) {
  const DLTensor& dl = t.dl();
  if (dl.device.device_type != kDLCPU) TVM_FFI_HPY_THROW(ValueError) << "expected a CPU tensor";
  if (dl.dtype.lanes != 1 || (dl.dtype.code != kDLFloat && dl.dtype.code != kDLInt) ||
      (dl.dtype.bits != 32 && dl.dtype.bits != 64)) {
    TVM_FFI_HPY_THROW(TypeError) << "expected float32/float64/int32/int64, got "
                                 << DataTypeToString(dl.dtype);
  }
  int64_t n = t.numel();
  std::vector<int64_t> index(size_t(dl.ndim), 0);
  char* base = static_cast<char*>(dl.data) + dl.byte_offset;
  size_t elem = DataTypeBytes(dl.dtype);
  for (int64_t k = 0; k < n; ++k) {
    int64_t offset = 0;
    for (int32_t d = 0; d < dl.ndim; ++d) offset += index[size_t(d)] * dl.strides[d];
    char* p = base + offset * int64_t(elem);
    double v;
    if (dl.dtype.code == kDLFloat) {
      v = dl.dtype.bits == 32 ? double(*reinterpret_cast<float*>(p)) : *reinterpret_cast<double*>(p);
    } else {
      v = dl.dtype.bits == 32 ? double(*reinterpret_cast<int32_t*>(p))
                              : double(*reinterpret_cast<int64_t*>(p));
    }
    fn(&v);
    if (write) {
      if (dl.dtype.code == kDLFloat && dl.dtype.bits == 32) *reinterpret_cast<float*>(p) = float(v);
      if (dl.dtype.code == kDLFloat && dl.dtype.bits == 64) *reinterpret_cast<double*>(p) = v;
      if (dl.dtype.code == kDLInt && dl.dtype.bits == 32) *reinterpret_cast<int32_t*>(p) = int32_t(v);
      if (dl.dtype.code == kDLInt && dl.dtype.bits == 64) *reinterpret_cast<int64_t*>(p) = int64_t(v);
    }
    for (int32_t d = dl.ndim - 1; d >= 0; --d) {  // next index, last dimension fastest
      if (++index[size_t(d)] < dl.shape[d]) break;
      index[size_t(d)] = 0;
    }
  }
}

/* x + 1 as a bare C safe-call function (Function.__from_extern_c__), and
 * its MLIR packed form (a = {&self, &args, &num_args, &rv, &ret_code}). */
extern "C" int TestingAddOneSafeCall(void*, const TVMFFIAny* args, int32_t num_args,
                                     TVMFFIAny* rv) {
  if (num_args != 1 || args[0].type_index != kTVMFFIInt) {
    TVMFFIErrorSetRaisedFromCStr("TypeError", "add_one expects one int");
    return -1;
  }
  rv->type_index = kTVMFFIInt;
  rv->zero_padding = 0;
  rv->v_int64 = args[0].v_int64 + 1;
  return 0;
}

extern "C" void TestingAddOneMLIRPacked(void** a) {
  *static_cast<int*>(a[4]) = TestingAddOneSafeCall(
      nullptr, *static_cast<const TVMFFIAny**>(a[1]), *static_cast<int32_t*>(a[2]),
      *static_cast<TVMFFIAny**>(a[3]));
}

/* Raises `kind: message` with a backtrace frame naming this function (the
 * error's backtrace names where it was thrown). */
[[noreturn]] void TestRaiseError(const String& kind, const String& message) {
  std::string kind_text(kind.view());
  details::ErrorThrower{} &
      details::ErrorBuilder(kind_text.c_str(), __FILE__, __LINE__, __func__) << message.view();
}

TVM_FFI_HPY_STATIC_INIT_BLOCK() {
  // Field and method docs as apache tvm-ffi's testing types have them (its tests read them).
  namespace refl = ::tvm_ffi_hpy::refl;
  refl::ObjectDef<TestIntPairObj>("A pair of ints (constructor only).")
      .def(refl::init<TestIntPairObj, int64_t, int64_t>())
      .def_ro("a", &TestIntPairObj::a, "Field `a`")
      .def_ro("b", &TestIntPairObj::b, "Field `b`")
      .def("sum", &TestIntPairObj::Sum, "a + b")
      .ref();  // "__ffi_convert__", as apache tvm-ffi's TestIntPair has

  refl::ObjectDef<TestObjectBase>()
      .def_rw("v_i64", &TestObjectBase::v_i64, refl::Default(int64_t(10)), "i64 field")
      .def_ro("v_f64", &TestObjectBase::v_f64, refl::Default(10.0))  // read-only, no doc
      .def_rw("v_str", &TestObjectBase::v_str, refl::Default("hello"))  // no doc
      .def("add_i64", &TestObjectBase::AddI64, "add_i64 method");  // v_i64 + x

  // v_map and v_array have no defaults: ffi.MakeObjectFromPackedArgs needs both.
  refl::ObjectDef<TestObjectDerived>()
      .def_rw("v_map", &TestObjectDerived::v_map, "a map (required)")
      .def_rw("v_array", &TestObjectDerived::v_array, "an array (required)");

  refl::ObjectDef<TestObjectPtrHolderObj>()
      .def_rw("value", &TestObjectPtrHolderObj::value)
      .def_rw("optional_value", &TestObjectPtrHolderObj::optional_value,
              refl::Default(std::optional<ObjectPtr<TestObjectBase>>()));

  refl::ObjectDef<TestHolderObj>()
      .def(refl::init<TestHolderObj, Any>())
      .def_rw("value", &TestHolderObj::value, refl::Default(Any()), "any value");

  refl::GlobalDef()
      .def("testing.nop", []() {})
      .def("testing.echo", [](Any x) { return x; })
      .def("testing.get_add_one_c_symbol",
           []() { return reinterpret_cast<int64_t>(&TestingAddOneSafeCall); })
      .def("testing.get_mlir_add_one_c_symbol",
           []() { return reinterpret_cast<int64_t>(&TestingAddOneMLIRPacked); })
      .def("testing.big_int_add", [](BigInt a, BigInt b) { return a + b; })
      .def("testing.big_int_sub", [](BigInt a, BigInt b) { return a - b; })
      .def("testing.big_int_less", [](BigInt a, BigInt b) { return a < b; })
      .def("testing.TestIntPairSum", [](ObjectPtr<TestIntPairObj> p) { return p->Sum(); })
      .def("testing.add_one",
           [](int64_t x) {
             int64_t y;
             if (__builtin_add_overflow(x, int64_t(1), &y)) {
               TVM_FFI_HPY_THROW(OverflowError) << "testing.add_one(" << x << ") overflows int64";
             }
             return y;
           })
      .def_packed("testing.apply",
                  [](const AnyView* args, int32_t num_args, Any* rv) {
                    if (num_args < 1) {
                      TVM_FFI_HPY_THROW(TypeError) << "testing.apply expects (f, *args)";
                    }
                    Function f = args[0].cast<Function>();
                    f.CallPacked(args + 1, num_args - 1, rv);
                  })
      .def_packed("testing.object_use_count",
                  [](const AnyView* args, int32_t num_args, Any* rv) {
                    if (num_args != 1 || args[0].object() == nullptr) {
                      TVM_FFI_HPY_THROW(TypeError)
                          << "testing.object_use_count expects one object argument";
                    }
                    *rv = int64_t(args[0].object()->use_count());
                  })
      .def("testing.test_raise_error", &TestRaiseError)
      .def("testing.test_raise_with_cause",  // kind: message, raised from cause_kind: ...
           [](const String& kind, const String& message, const String& cause_kind,
              const String& cause_message) {
             throw Error(kind, message, Error(cause_kind, cause_message));
           })
      .def("testing.test_raise_std", [](const std::string& which) { RaiseStd(which); })
      .def("testing.live_object_count", []() { return TVMFFIGetLiveObjectCount(); })
      .def("testing.make_array_of",
           [](int64_t n, Any x) {
             if (n < 0) TVM_FFI_HPY_THROW(ValueError) << "n must be >= 0, got " << n;
             ObjectPtr<ArrayObj> arr = ArrayObj::Empty(n);
             for (int64_t i = 0; i < n; ++i) arr->PushBackUnchecked(x);
             return Array(std::move(arr));
           })
      .def("testing.tensor_sum",
           [](const Tensor& t) {
             double total = 0;
             ForEachElement(t, false, [&](double* v) { total += *v; });
             return total;
           })
      // Containers holding the tensor given (apache tvm-ffi's testing names):
      // a tensor made from a Python producer comes back as that producer.
      .def("testing.make_array_with_tensor", [](Tensor t) { return Array{t}; })
      .def("testing.make_array_with_mixed",
           [](Tensor t, int64_t i) { return Array{t, i, String("hello")}; })
      .def("testing.make_nested_array_with_tensor",
           [](Tensor t) { return Array{Array{t, int64_t(42)}, t}; })
      .def("testing.make_list_with_tensor", [](Tensor t, int64_t i) { return List{t, i}; })
      .def("testing.make_map_with_tensor",
           [](Tensor t) {
             return Map{{String("tensor"), t}, {String("value"), int64_t(42)},
                        {String("name"), String("test")}};
           })
      .def("testing.make_dict_with_tensor",
           [](Tensor t) { return Dict{{String("tensor"), t}, {String("value"), int64_t(42)}}; })
      .def("testing.make_nested_map_with_tensor",
           [](Tensor a, Tensor b) {
             return Map{{String("array"), Array{a, b}},
                        {String("map"), Map{{String("t"), a}}},
                        {String("scalar"), int64_t(99)}};
           })
      .def("testing.make_empty_array_with_tensor_input", [](Tensor) { return Array{}; })
      .def("testing.optional_tensor_view_has_value",  // None, or a borrowed tensor
           [](std::optional<TensorView> t) { return t.has_value(); })
      .def("testing.tensor_fill",  // element k (row-major order) becomes start + k
           [](const Tensor& t, double start) {
             if (IsReadOnly(t)) {
               TVM_FFI_HPY_THROW(ValueError) << "tensor is read-only";
             }
             double k = 0;
             ForEachElement(t, true, [&](double* v) { *v = start + k++; });
           })
      .def("testing.call_n", [](const Function& f, int64_t n) {
        for (int64_t i = 0; i < n; ++i) f();
      })
      .def("testing.call_from_threads",
           // f(thread, i) from `threads` new C++ threads, `calls` times each;
           // returns the sum of the (int) results, or raises the first error.
           [](const Function& f, int64_t threads, int64_t calls) -> int64_t {
             if (threads < 0 || calls < 0) TVM_FFI_HPY_THROW(ValueError) << "counts must be >= 0";
             std::atomic<int64_t> total{0};
             std::mutex mu;
             std::exception_ptr first_error;
             std::vector<std::thread> pool;
             for (int64_t t = 0; t < threads; ++t) {
               pool.emplace_back([&, t] {
                 try {
                   for (int64_t i = 0; i < calls; ++i) total += f(t, i).cast<int64_t>();
                 } catch (...) {
                   std::lock_guard<std::mutex> lock(mu);
                   if (!first_error) first_error = std::current_exception();
                 }
               });
             }
             for (std::thread& th : pool) th.join();
             if (first_error) std::rethrow_exception(first_error);
             return total.load();
           });
}

}  // namespace testing
}  // namespace tvm_ffi_hpy
