/*
 * Modules: shared libraries loaded at run time.
 *
 *   ffi.ModuleLoadFromFile(path) -> ffi.Module
 *   ffi.ModuleGetFunction(module, name) -> Function, or None
 *
 * Loading dlopens the file with RTLD_NOW | RTLD_LOCAL.  The library links the
 * core by soname (libtvm_ffi_hpy_core.so), so the dynamic loader reuses the
 * core already in the process: its static-init blocks register global
 * functions and types into the same registries, and its objects use the
 * allocator installed there.
 *
 * Lifetime: a loaded library is never unloaded (no dlclose), even when every
 * Module object for it has died.  Objects, functions, type registrations and
 * field getters created by the library point into its code and may outlive
 * any Module object; unloading would leave them dangling.  Loading the same
 * file again returns a new Module object for the same handle (dlopen counts
 * the references; the library's static initialisers do not run again).
 *
 * An exported function `name` is the C symbol __tvm_ffi_<name> with the
 * TVMFFISafeCallType signature (module.h: TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC);
 * ModuleGetFunction wraps it in a Function (TVMFFIFunctionCreate, handle NULL).
 */
#include <dlfcn.h>

#include "internal.h"

namespace tvm_ffi_hpy {
namespace {

class ModuleObj : public Object {
 public:
  String path;   // as given to ModuleLoadFromFile
  void* handle;  // from dlopen; never closed (see above)

  ModuleObj(String path, void* handle) : path(std::move(path)), handle(handle) {}

  /* The exported function `name`, or nullopt. */
  std::optional<Function> GetFunction(std::string_view name) const {
    std::string symbol = TVM_FFI_HPY_EXPORT_SYMBOL_PREFIX;
    symbol += name;
    void* address = dlsym(handle, symbol.c_str());
    if (address == nullptr) return std::nullopt;
    TVMFFIObjectHandle f = nullptr;
    if (TVMFFIFunctionCreate(nullptr, reinterpret_cast<TVMFFISafeCallType>(address), nullptr,
                             &f) != 0) {
      details::ThrowRaised();
    }
    return Function(ObjectPtr<FunctionObj>::Steal(
        static_cast<FunctionObj*>(details::ObjectUnsafe::FromHeader(f))));
  }

  TVM_FFI_HPY_DECLARE_STATIC_OBJECT_INFO("ffi.Module", ModuleObj, Object, kTVMFFIModule, false)
};

ObjectPtr<ModuleObj> LoadFromFile(const String& path) {
  if (path.size() == 0) TVM_FFI_HPY_THROW(ValueError) << "ffi.ModuleLoadFromFile: empty path";
  if (std::strlen(path.c_str()) != path.size()) {
    TVM_FFI_HPY_THROW(ValueError) << "ffi.ModuleLoadFromFile: the path contains a NUL byte";
  }
  dlerror();  // clear a stale message
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    TVM_FFI_HPY_THROW(OSError) << "cannot load module `" << path.view()
                               << "`: " << (why ? why : "unknown dlopen error");
  }
  return make_object<ModuleObj>(path, handle);
}

TVM_FFI_HPY_STATIC_INIT_BLOCK() {
  namespace refl = ::tvm_ffi_hpy::refl;
  refl::ObjectDef<ModuleObj>("A loaded shared library (never unloaded).")
      .def_ro("path", &ModuleObj::path, "the path it was loaded from")
      .def("get_function",
           [](ObjectPtr<ModuleObj> self, const String& name) -> Any {
             std::optional<Function> f = self->GetFunction(name.view());
             return f.has_value() ? Any(*std::move(f)) : Any();
           },
           "the exported function `name`, or None");
  refl::GlobalDef()
      .def("ffi.ModuleLoadFromFile", [](const String& path) { return LoadFromFile(path); })
      .def("ffi.ModuleGetFunction",
           [](ObjectPtr<ModuleObj> module, const String& name) -> Any {
             std::optional<Function> f = module->GetFunction(name.view());
             return f.has_value() ? Any(*std::move(f)) : Any();
           });
}

}  // namespace
}  // namespace tvm_ffi_hpy
