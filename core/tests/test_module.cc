/* The module loader: ffi.ModuleLoadFromFile / ffi.ModuleGetFunction on a
 * library built next to the tests (module_lib/), through the C++ layer. */
#include "test_util.h"

#ifndef TVM_FFI_HPY_TEST_MODULE_LIB
#error "TVM_FFI_HPY_TEST_MODULE_LIB (the path of the test library) must be defined"
#endif

using namespace tvm_ffi_hpy;

TEST(module, load_and_call_exported) {
  Function load = Function::GetGlobalRequired("ffi.ModuleLoadFromFile");
  Function get = Function::GetGlobalRequired("ffi.ModuleGetFunction");
  Any mod = load(TVM_FFI_HPY_TEST_MODULE_LIB);
  CHECK_EQ(mod.type_index(), int32_t(kTVMFFIModule));
  Any add_one = get(mod, "add_one");
  CHECK_EQ(add_one.type_index(), int32_t(kTVMFFIFunction));
  CHECK_EQ(add_one.cast<Function>()(41).cast<int64_t>(), int64_t(42));
  // arity and type errors come from the exported wrapper
  CHECK_THROWS(add_one.cast<Function>()(), "TypeError", "`add_one(0: int) -> int`");
  CHECK_THROWS(add_one.cast<Function>()("x"), "TypeError", "Expected `int`");
  CHECK_THROWS(get(mod, "fail").cast<Function>()("boom"), "KeyError", "boom");
  CHECK_EQ(get(mod, "no_such_function").type_index(), int32_t(kTVMFFINone));
  // a second load shares the handle; static init did not run twice
  Any again = load(TVM_FFI_HPY_TEST_MODULE_LIB);
  CHECK(!again.cast<ObjectRef>().same_as(mod.cast<ObjectRef>()));
  CHECK_EQ(get(again, "add_one").cast<Function>()(1).cast<int64_t>(), int64_t(2));
}

TEST(module, static_init_registers_globals) {
  Function::GetGlobalRequired("ffi.ModuleLoadFromFile")(TVM_FFI_HPY_TEST_MODULE_LIB);
  Function f = Function::GetGlobalRequired("test_module_lib.times_two");
  CHECK_EQ(f(21).cast<int64_t>(), int64_t(42));
}

TEST(module, missing_file) {
  Function load = Function::GetGlobalRequired("ffi.ModuleLoadFromFile");
  CHECK_THROWS(load("/nonexistent/libnothing.so"), "OSError", "/nonexistent/libnothing.so");
  CHECK_THROWS(load(""), "ValueError", "empty path");
  CHECK_THROWS(Function::GetGlobalRequired("ffi.ModuleGetFunction")(1, "x"), "TypeError",
               "ffi.Module");
}
