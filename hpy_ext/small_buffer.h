/*
 * small_buffer.h -- a fixed-size array that lives on the stack when small.
 *
 * The per-call buffers of the hot paths (argument views, item handles,
 * callback arguments) hold a handful of elements: up to kInline of them stay
 * in the object itself, larger sizes take one heap block.
 */
#pragma once

#include <cstddef>
#include <memory>

namespace tvm_ffi_hpy_ext {

template <typename T, size_t kInline = 8>
class SmallBuffer {
 public:
  explicit SmallBuffer(size_t n, const T& fill = T()) : size_(n) {
    if (n > kInline) {
      heap_.reset(new T[n]);
      data_ = heap_.get();
    }
    for (size_t i = 0; i < n; ++i) data_[i] = fill;
  }
  SmallBuffer(const SmallBuffer&) = delete;
  SmallBuffer& operator=(const SmallBuffer&) = delete;

  T* data() { return data_; }
  size_t size() const { return size_; }
  T& operator[](size_t i) { return data_[i]; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }

 private:
  T inline_[kInline];
  std::unique_ptr<T[]> heap_;
  T* data_ = inline_;
  size_t size_;
};

}  // namespace tvm_ffi_hpy_ext
