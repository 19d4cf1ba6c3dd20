/*
 * An example user library: one object type (user_lib.Point), a few
 * functions and one on tensors, written against tvm_ffi_hpy's C++ layer.
 *
 *  - TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC(name, fn) exports `fn` as the C symbol
 *    __tvm_ffi_<name>; Python reaches it as load_module(path).name.
 *  - TVM_FFI_HPY_STATIC_INIT_BLOCK registers the type's fields and methods and
 *    global functions when the library is loaded; Python reaches those
 *    through the registries (get_global_func, the class for "user_lib.Point").
 */
#include <tvm_ffi_hpy/ffi.h>

#include <cmath>
#include <string>

namespace user_lib {

using namespace tvm_ffi_hpy;

/* A point with a label: two writable fields, one read-only, two methods. */
class PointObj : public Object {
 public:
  double x = 0.0;
  double y = 0.0;
  String label = "origin";

  PointObj() = default;
  PointObj(double x, double y, String label) : x(x), y(y), label(std::move(label)) {}

  double Norm() const { return std::sqrt(x * x + y * y); }
  ObjectPtr<PointObj> Translate(double dx, double dy) const {
    return make_object<PointObj>(x + dx, y + dy, label);
  }

  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("user_lib.Point", PointObj, Object)
};

TVM_FFI_HPY_STATIC_INIT_BLOCK() {
  namespace refl = ::tvm_ffi_hpy::refl;
  refl::ObjectDef<PointObj>("A labelled 2-D point.")
      .def(refl::init<PointObj, double, double, String>())  // Point(x, y, label)
      .def_rw("x", &PointObj::x, refl::Default(0.0), "abscissa")
      .def_rw("y", &PointObj::y, refl::Default(0.0), "ordinate")
      .def_ro("label", &PointObj::label, refl::Default("origin"), "a name (read-only)")
      .def("norm", &PointObj::Norm, "distance to the origin")
      .def("translate", &PointObj::Translate, "a new point moved by (dx, dy)");

  refl::GlobalDef()
      .def("user_lib.sum_x",
           [](const Array& points) {
             double total = 0.0;
             for (int64_t i = 0; i < points.size(); ++i) {
               total += points[i].cast<ObjectPtr<PointObj>>()->x;
             }
             return total;
           })
      .def("user_lib.version", []() { return std::string("user_lib 1.0"); });
}

int64_t AddOne(int64_t x) { return x + 1; }

}  // namespace user_lib

// Exported functions: symbols __tvm_ffi_add_one, __tvm_ffi_greet, ...
TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC(add_one, user_lib::AddOne);
TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC(greet, [](const std::string& who) {
  return "hello, " + who + "!";
});
TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC(echo, [](tvm_ffi_hpy::Any x) { return x; });
TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC(make_point, [](double x, double y) {
  return tvm_ffi_hpy::make_object<user_lib::PointObj>(x, y, tvm_ffi_hpy::String("made in C++"));
});
TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC(safe_sqrt, [](double x) {
  TVM_FFI_HPY_CHECK(x >= 0, ValueError) << "safe_sqrt of a negative number: " << x;
  return std::sqrt(x);
});
// A Python callable arrives as a Function.
TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC(apply_twice,
                                  [](const tvm_ffi_hpy::Function& f, tvm_ffi_hpy::Any x) {
                                    return f(f(x));
                                  });
// A tensor from Python (ffi.empty, ffi.from_dlpack(numpy_array), ...) arrives
// as a Tensor that shares its memory: scale it in place.
TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC(scale, [](const tvm_ffi_hpy::Tensor& t, double factor) {
  const DLTensor& dl = t.dl();
  TVM_FFI_HPY_CHECK(dl.device.device_type == kDLCPU && dl.dtype.code == kDLFloat &&
                        dl.dtype.bits == 64 && dl.dtype.lanes == 1,
                    TypeError)
      << "scale expects a float64 CPU tensor, got " << tvm_ffi_hpy::DataTypeToString(dl.dtype);
  TVM_FFI_HPY_CHECK(t.IsContiguous(), ValueError) << "scale expects a contiguous tensor";
  double* data = reinterpret_cast<double*>(static_cast<char*>(dl.data) + dl.byte_offset);
  for (int64_t i = 0; i < t.numel(); ++i) data[i] *= factor;
});
