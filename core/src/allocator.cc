/*
 * The allocator registry: which TVMFFICustomAllocator makes new objects.
 *
 * Invariant: Current() is never NULL; it starts (and returns, after
 * TVMFFISetCustomAllocator(NULL)) at the builtin allocator below.  Objects do
 * not remember the registry, only the delete_space of their own header.
 */
#include <tvm_ffi_hpy/c_api.h>

#include <atomic>
#include <cstdlib>

namespace tvm_ffi_hpy {
namespace {

void DefaultDeleteSpace(TVMFFICustomAllocHeader* header) { std::free(header); }

/* [ TVMFFICustomAllocHeader | object (size bytes, zeroed) ]; malloc's 16-byte
 * alignment plus the 8-byte header leaves the object 8-aligned. */
void* DefaultAllocate(void* /*ctx*/, size_t size) {
  void* block = std::calloc(1, sizeof(TVMFFICustomAllocHeader) + size);
  if (block == nullptr) return nullptr;
  auto* header = static_cast<TVMFFICustomAllocHeader*>(block);
  header->delete_space = &DefaultDeleteSpace;
  return header + 1;
}

constexpr TVMFFICustomAllocator kDefaultAllocator = {nullptr, &DefaultAllocate};

class AllocatorRegistry {
 public:
  /* Function-local: usable from any static initialiser. */
  static AllocatorRegistry& Global() {
    static AllocatorRegistry registry;
    return registry;
  }
  const TVMFFICustomAllocator* Current() const noexcept {
    return current_.load(std::memory_order_acquire);
  }
  void Install(const TVMFFICustomAllocator* alloc) noexcept {
    current_.store(alloc != nullptr ? alloc : &kDefaultAllocator, std::memory_order_release);
  }

 private:
  AllocatorRegistry() : current_(&kDefaultAllocator) {}
  std::atomic<const TVMFFICustomAllocator*> current_;
};

}  // namespace
}  // namespace tvm_ffi_hpy

extern "C" {

const TVMFFICustomAllocator* TVMFFIGetCustomAllocator(void) {
  return tvm_ffi_hpy::AllocatorRegistry::Global().Current();
}

int TVMFFISetCustomAllocator(const TVMFFICustomAllocator* alloc) {
  tvm_ffi_hpy::AllocatorRegistry::Global().Install(alloc);
  return 0;
}

}  // extern "C"
