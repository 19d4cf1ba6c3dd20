/* A tiny user library for the module loader's C++ tests (core.module):
 * two exported functions and one global function registered at load. */
#include <tvm_ffi_hpy/ffi.h>

namespace {

int64_t AddOne(int64_t x) { return x + 1; }

TVM_FFI_HPY_STATIC_INIT_BLOCK() {
  ::tvm_ffi_hpy::refl::GlobalDef().def("test_module_lib.times_two",
                                       [](int64_t x) { return 2 * x; });
}

}  // namespace

TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC(add_one, AddOne);
TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC(fail, [](const std::string& message) -> int64_t {
  throw ::tvm_ffi_hpy::Error("KeyError", message);
});
