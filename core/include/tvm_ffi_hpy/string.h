/*
 * tvm_ffi_hpy/string.h -- String and Bytes.
 *
 * Both are values, not references: a String holds exactly what an Any would
 * hold for it, i.e. up to 7 bytes inline (kTVMFFISmallStr, NUL-terminated in
 * v_bytes, small_str_len = length) or an owned ffi.String object whose
 * TVMFFIByteArray (offset 24) points at NUL-terminated characters stored in
 * the same allocation, right after the cell.  Bytes is the same with
 * kTVMFFISmallBytes / ffi.Bytes.
 */
#ifndef TVM_FFI_HPY_STRING_H_
#define TVM_FFI_HPY_STRING_H_

#include <tvm_ffi_hpy/any.h>

#include <ostream>

namespace tvm_ffi_hpy {

constexpr size_t kMaxSmallBytes = 7;

class StringObj : public Object {
 public:
  /* ABI: data points at this + 1; data[size] == '\0'. */
  TVMFFIByteArray bytes;
  TVM_FFI_HPY_DECLARE_STATIC_OBJECT_INFO("ffi.String", StringObj, Object, kTVMFFIStr, true)
};

class BytesObj : public Object {
 public:
  /* ABI: data points at this + 1; data[size] == '\0'. */
  TVMFFIByteArray bytes;
  TVM_FFI_HPY_DECLARE_STATIC_OBJECT_INFO("ffi.Bytes", BytesObj, Object, kTVMFFIBytes, true)
};

namespace details {

template <typename Obj>
ObjectPtr<Obj> MakeByteObject(const char* data, size_t size) {
  ObjectPtr<Obj> obj = make_inplace_array_object<Obj, char>(size + 1);
  char* chars = reinterpret_cast<char*>(obj.get() + 1);
  if (size != 0) std::memcpy(chars, data, size);
  chars[size] = '\0';
  obj->bytes = TVMFFIByteArray{chars, size};
  return obj;
}

/* *out becomes an owned string/bytes value: small when it fits. */
template <int32_t kSmallIndex, typename Obj>
void MakeByteValue(const char* data, size_t size, TVMFFIAny* out) {
  if (size <= kMaxSmallBytes) {
    out->type_index = kSmallIndex;
    out->small_str_len = static_cast<uint32_t>(size);
    out->v_int64 = 0;  // also the terminating NUL
    if (size != 0) std::memcpy(out->v_bytes, data, size);
  } else {
    SetObject(out, MakeByteObject<Obj>(data, size).release());
  }
}

/* Data and size of any string or bytes value (views included). */
TVM_FFI_HPY_INLINE bool GetByteContent(const TVMFFIAny* v, std::string_view* out) noexcept {
  switch (v->type_index) {
    case kTVMFFISmallStr:
    case kTVMFFISmallBytes:
      *out = std::string_view(v->v_bytes, v->small_str_len);
      return true;
    case kTVMFFIStr:
    case kTVMFFIBytes:
      *out = ToStringView(*TVMFFIBytesGetByteArrayPtr(v->v_obj));
      return true;
    case kTVMFFIRawStr:
      *out = std::string_view(v->v_c_str);
      return true;
    case kTVMFFIByteArrayPtr: {
      const TVMFFIByteArray* b = static_cast<const TVMFFIByteArray*>(v->v_ptr);
      *out = ToStringView(*b);
      return true;
    }
    default:
      return false;
  }
}
TVM_FFI_HPY_INLINE bool IsStrIndex(int32_t i) noexcept {
  return i == kTVMFFISmallStr || i == kTVMFFIStr || i == kTVMFFIRawStr;
}
TVM_FFI_HPY_INLINE bool IsBytesIndex(int32_t i) noexcept {
  return i == kTVMFFISmallBytes || i == kTVMFFIBytes || i == kTVMFFIByteArrayPtr;
}

/* Shared body of String and Bytes. */
template <int32_t kSmallIndex, typename Obj>
class ByteValue {
 public:
  ByteValue() noexcept { MakeEmpty(); }
  ByteValue(const char* data, size_t size) { MakeByteValue<kSmallIndex, Obj>(data, size, &data_); }
  ByteValue(const ByteValue& other) noexcept : data_(other.data_) { IncRefIfObject(data_); }
  ByteValue(ByteValue&& other) noexcept : data_(other.data_) { other.MakeEmpty(); }
  ByteValue& operator=(ByteValue other) noexcept {
    std::swap(data_, other.data_);
    return *this;
  }
  ~ByteValue() {
    if (data_.type_index != kSmallIndex) DecRef(data_.v_obj);
  }

  const char* data() const noexcept {
    return data_.type_index == kSmallIndex ? data_.v_bytes : Cell()->data;
  }
  size_t size() const noexcept {
    return data_.type_index == kSmallIndex ? data_.small_str_len : Cell()->size;
  }
  bool empty() const noexcept { return size() == 0; }
  /* NUL-terminated; valid while *this lives. */
  const char* c_str() const noexcept { return data(); }
  std::string_view view() const noexcept { return std::string_view(data(), size()); }
  std::string str() const { return std::string(data(), size()); }
  operator std::string_view() const noexcept { return view(); }  // NOLINT

  friend bool operator==(const ByteValue& a, const ByteValue& b) noexcept {
    return a.view() == b.view();
  }
  friend bool operator!=(const ByteValue& a, const ByteValue& b) noexcept { return !(a == b); }
  friend bool operator<(const ByteValue& a, const ByteValue& b) noexcept {
    return a.view() < b.view();
  }
  bool operator==(std::string_view s) const noexcept { return view() == s; }
  bool operator!=(std::string_view s) const noexcept { return view() != s; }
  bool operator==(const char* s) const noexcept { return view() == s; }
  bool operator!=(const char* s) const noexcept { return view() != s; }

  const TVMFFIAny& raw() const noexcept { return data_; }
  /* Gives the owned raw value away; *this becomes empty. */
  TVMFFIAny release() noexcept {
    TVMFFIAny out = data_;
    MakeEmpty();
    return out;
  }
  /* Adopts an owned raw value of the right kind (kSmallIndex or Obj). */
  ByteValue(const TVMFFIAny& owned, UnsafeInit) noexcept : data_(owned) {}

 private:
  void MakeEmpty() noexcept {
    data_.type_index = kSmallIndex;
    data_.small_str_len = 0;
    data_.v_int64 = 0;
  }
  const TVMFFIByteArray* Cell() const noexcept { return TVMFFIBytesGetByteArrayPtr(data_.v_obj); }

  /* kSmallIndex (bytes inline in v_bytes, NUL-terminated) or an owned Obj. */
  TVMFFIAny data_;
};

}  // namespace details

class String : public details::ByteValue<kTVMFFISmallStr, StringObj> {
  using Base = details::ByteValue<kTVMFFISmallStr, StringObj>;

 public:
  String() noexcept = default;
  String(const char* s) : Base(s, std::strlen(s)) {}               // NOLINT
  String(const char* s, size_t n) : Base(s, n) {}
  String(std::string_view s) : Base(s.data(), s.size()) {}        // NOLINT
  String(const std::string& s) : Base(s.data(), s.size()) {}      // NOLINT
  using Base::operator==;
  using Base::operator!=;
  String(const TVMFFIAny& owned, details::UnsafeInit tag) noexcept : Base(owned, tag) {}
};

class Bytes : public details::ByteValue<kTVMFFISmallBytes, BytesObj> {
  using Base = details::ByteValue<kTVMFFISmallBytes, BytesObj>;

 public:
  Bytes() noexcept = default;
  Bytes(const char* s, size_t n) : Base(s, n) {}
  explicit Bytes(std::string_view s) : Base(s.data(), s.size()) {}
  using Base::operator==;
  using Base::operator!=;
  Bytes(const TVMFFIAny& owned, details::UnsafeInit tag) noexcept : Base(owned, tag) {}
};

inline std::ostream& operator<<(std::ostream& os, const String& s) { return os << s.view(); }

/* ---------------------------------------------------------------------- */
/* TypeTraits                                                              */
/* ---------------------------------------------------------------------- */
namespace details {
template <typename V, int32_t kSmall, int32_t kObj, int32_t kView>
struct ByteValueTraits {
  static constexpr bool enabled = true;
  static void ToView(const V& v, TVMFFIAny* out) noexcept { *out = v.raw(); }
  static void ToOwned(V v, TVMFFIAny* out) noexcept { *out = v.release(); }
  static std::optional<V> TryFrom(const TVMFFIAny* v) {
    if (v->type_index == kSmall || v->type_index == kObj) {
      IncRefIfObject(*v);
      return V(*v, UnsafeInit{});
    }
    if (v->type_index == kView) {
      std::string_view content;
      GetByteContent(v, &content);
      return V(content.data(), content.size());
    }
    return std::nullopt;
  }
  static int32_t FieldTypeIndex() noexcept { return kObj; }
};
}  // namespace details

template <>
struct TypeTraits<String>
    : details::ByteValueTraits<String, kTVMFFISmallStr, kTVMFFIStr, kTVMFFIRawStr> {
  static std::string TypeName() { return "str"; }
};

template <>
struct TypeTraits<Bytes>
    : details::ByteValueTraits<Bytes, kTVMFFISmallBytes, kTVMFFIBytes, kTVMFFIByteArrayPtr> {
  static std::string TypeName() { return "bytes"; }
};

template <>
struct TypeTraits<std::string> {
  static constexpr bool enabled = true;
  /* A view of a std::string is a kTVMFFIRawStr (up to the first NUL). */
  static void ToView(const std::string& v, TVMFFIAny* out) noexcept {
    out->type_index = kTVMFFIRawStr;
    out->zero_padding = 0;
    out->v_c_str = v.c_str();
  }
  static void ToOwned(const std::string& v, TVMFFIAny* out) {
    details::MakeByteValue<kTVMFFISmallStr, StringObj>(v.data(), v.size(), out);
  }
  static std::optional<std::string> TryFrom(const TVMFFIAny* v) {
    std::string_view content;
    if (details::IsStrIndex(v->type_index) && details::GetByteContent(v, &content)) {
      return std::string(content);
    }
    return std::nullopt;
  }
  static std::string TypeName() { return "str"; }
  static int32_t FieldTypeIndex() noexcept { return kTVMFFIStr; }
};

/* const char*: for views and arguments; a converted value borrows from the
 * value it was read from. */
template <>
struct TypeTraits<const char*> {
  static constexpr bool enabled = true;
  static void ToView(const char* v, TVMFFIAny* out) noexcept {
    out->type_index = kTVMFFIRawStr;
    out->zero_padding = 0;
    out->v_c_str = v;
  }
  static void ToOwned(const char* v, TVMFFIAny* out) {
    details::MakeByteValue<kTVMFFISmallStr, StringObj>(v, std::strlen(v), out);
  }
  static std::optional<const char*> TryFrom(const TVMFFIAny* v) noexcept {
    std::string_view content;
    if (details::IsStrIndex(v->type_index) && details::GetByteContent(v, &content)) {
      return content.data();
    }
    return std::nullopt;
  }
  static std::string TypeName() { return "str"; }
  static int32_t FieldTypeIndex() noexcept { return kTVMFFIStr; }
};

/* TVMFFIByteArray*: a view of bytes (kTVMFFIByteArrayPtr), for arguments
 * such as f(&byte_array); Python receives bytes. */
template <typename BA>
struct ByteArrayPtrTraits {
  static constexpr bool enabled = true;
  static void ToView(BA v, TVMFFIAny* out) noexcept {
    out->type_index = kTVMFFIByteArrayPtr;
    out->zero_padding = 0;
    out->v_ptr = const_cast<TVMFFIByteArray*>(v);
  }
  static void ToOwned(BA v, TVMFFIAny* out) {
    details::MakeByteValue<kTVMFFISmallBytes, BytesObj>(v->data, v->size, out);
  }
  static std::optional<BA> TryFrom(const TVMFFIAny* v) noexcept {
    if (v->type_index == kTVMFFIByteArrayPtr) return static_cast<BA>(v->v_ptr);
    return std::nullopt;
  }
  static std::string TypeName() { return "bytes"; }
  static int32_t FieldTypeIndex() noexcept { return kTVMFFIBytes; }
};
template <>
struct TypeTraits<TVMFFIByteArray*> : ByteArrayPtrTraits<TVMFFIByteArray*> {};
template <>
struct TypeTraits<const TVMFFIByteArray*> : ByteArrayPtrTraits<const TVMFFIByteArray*> {};

}  // namespace tvm_ffi_hpy

#endif  // TVM_FFI_HPY_STRING_H_
