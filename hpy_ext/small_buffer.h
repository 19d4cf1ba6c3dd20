/*
 * small_buffer.h -- a fixed-size array that lives on the stack when small.
 *
 * The per-call buffers of the hot paths (argument views, item handles,
 * callback arguments) hold a handful of elements: up to kInline of them stay
 * in the object itself, larger sizes take one heap block.
 */
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

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

// A stack of trivially copyable values: the first kInline on the C stack,
// then one heap block that doubles.  Elements are addressed by index (a push
// may move them); the container conversion keeps its frames, item handles and
// views in three of these.
template <typename T, size_t kInline>
class PodStack {
 public:
  PodStack() = default;
  ~PodStack() { std::free(heap_); }
  PodStack(const PodStack&) = delete;
  PodStack& operator=(const PodStack&) = delete;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](size_t i) { return data()[i]; }
  T* data() { return heap_ ? heap_ : inline_; }
  T& top() { return data()[size_ - 1]; }
  // Append n copies of `fill`; the index of the first one.  Aborts only when
  // out of memory, like the call path's other buffers.
  size_t push(size_t n, const T& fill) {
    if (size_ + n > capacity_) grow(size_ + n);
    T* d = data();
    for (size_t i = 0; i < n; ++i) d[size_ + i] = fill;
    size_ += n;
    return size_ - n;
  }
  void truncate(size_t n) { size_ = n; }

 private:
  void grow(size_t need) {
    size_t cap = capacity_ * 2;
    while (cap < need) cap *= 2;
    T* grown = static_cast<T*>(std::malloc(sizeof(T) * cap));
    if (!grown) std::abort();
    std::memcpy(static_cast<void*>(grown), data(), sizeof(T) * size_);
    std::free(heap_);
    heap_ = grown;
    capacity_ = cap;
  }

  T inline_[kInline];
  T* heap_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = kInline;
};

}  // namespace tvm_ffi_hpy_ext
