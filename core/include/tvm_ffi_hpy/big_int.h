/*
 * tvm_ffi_hpy/big_int.h -- integers of any size (kTVMFFIBigInt, c_api.h
 * "Big integers").
 *
 * BigInt is a value: the normalized two's-complement words of the number
 * (least significant first).  It takes any integer value (an int or a BigInt
 * object) and crosses back as an int when the number fits int64, else as a
 * BigInt object; Python sees a plain int either way.
 */
#ifndef TVM_FFI_HPY_BIG_INT_H_
#define TVM_FFI_HPY_BIG_INT_H_

#include <tvm_ffi_hpy/any.h>
#include <tvm_ffi_hpy/error.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace tvm_ffi_hpy {

class BigIntObj : public Object {
 public:
  /* ABI (offset 24): the word count, then the words right after this struct. */
  size_t num_words;
  explicit BigIntObj(size_t n) noexcept : num_words(n) {}
  const int64_t* words() const noexcept { return reinterpret_cast<const int64_t*>(this + 1); }
  int64_t* words() noexcept { return reinterpret_cast<int64_t*>(this + 1); }
  TVM_FFI_HPY_DECLARE_STATIC_OBJECT_INFO("ffi.BigInt", BigIntObj, Object, kTVMFFIBigInt, false)
};
static_assert(sizeof(BigIntObj) == 32, "BigInt words start at offset 32");

class BigInt;
/* Declared before BigInt: its operators must not instantiate the primary. */
template <>
struct TypeTraits<BigInt> {
  static constexpr bool enabled = true;
  static void ToView(const BigInt& v, TVMFFIAny* out) noexcept;
  static void ToOwned(const BigInt& v, TVMFFIAny* out) noexcept;
  static std::optional<BigInt> TryFrom(const TVMFFIAny* v);
  static std::string TypeName() { return "ffi.BigInt"; }
  static int32_t FieldTypeIndex() noexcept { return kTVMFFIAny; }
};

/* An integer of any size: holds the value as it crosses (an int, or a
 * BigInt object when it does not fit int64), so passing one never copies. */
class BigInt {
 public:
  BigInt(int64_t v = 0) : value_(v) {}  // NOLINT(*-explicit-*)
  /* From two's-complement words, least significant first (any length). */
  static BigInt FromWords(const std::vector<int64_t>& words) {
    TVMFFIByteArray bytes{reinterpret_cast<const char*>(words.data()),
                          words.size() * sizeof(int64_t)};
    TVMFFIAny out;
    if (TVMFFIBigIntFromByteArray(&bytes, &out) != 0) details::ThrowRaised();
    return BigInt(Any::FromRawOwned(out));
  }
  /* The value `v` (an int or a BigInt object) holds; nullopt otherwise. */
  static std::optional<BigInt> From(const TVMFFIAny* v) {
    if (v->type_index != kTVMFFIInt && v->type_index != kTVMFFIBigInt) return std::nullopt;
    return BigInt(Any(AnyView::FromRaw(*v)));
  }

  const Any& value() const noexcept { return value_; }
  bool fits_int64() const noexcept { return value_.type_index() == kTVMFFIInt; }
  /* The normalized words (one for an int64). */
  std::vector<int64_t> words() const {
    TVMFFIByteArray bytes = TVMFFIBigIntGetContentByteArray(&value_.raw());
    const int64_t* w = reinterpret_cast<const int64_t*>(bytes.data);
    return std::vector<int64_t>(w, w + bytes.size / sizeof(int64_t));
  }
  bool is_negative() const { return words().back() < 0; }

  friend BigInt operator+(const BigInt& a, const BigInt& b) {
    std::vector<int64_t> x = a.words(), y = b.words();
    size_t n = std::max(x.size(), y.size()) + 1;
    std::vector<int64_t> out(n);
    uint64_t carry = 0;
    for (size_t i = 0; i < n; ++i) {
      uint64_t s = uint64_t(Word(x, i)) + uint64_t(Word(y, i));
      uint64_t c1 = s < uint64_t(Word(x, i));
      uint64_t t = s + carry;
      carry = c1 + (t < s);
      out[i] = int64_t(t);
    }
    return FromWords(out);
  }
  BigInt operator-() const {
    std::vector<int64_t> w = words();
    std::vector<int64_t> inverted(w.size() + 1);
    for (size_t i = 0; i < inverted.size(); ++i) inverted[i] = ~Word(w, i);
    return FromWords(inverted) + BigInt(1);
  }
  friend BigInt operator-(const BigInt& a, const BigInt& b) { return a + (-b); }
  friend bool operator==(const BigInt& a, const BigInt& b) { return a.words() == b.words(); }
  friend bool operator!=(const BigInt& a, const BigInt& b) { return !(a == b); }
  friend bool operator<(const BigInt& a, const BigInt& b) { return (a - b).is_negative(); }

 private:
  explicit BigInt(Any value) : value_(std::move(value)) {}
  /* Word i of `w`, sign-extended past its end. */
  static int64_t Word(const std::vector<int64_t>& w, size_t i) noexcept {
    return i < w.size() ? w[i] : (w.back() < 0 ? -1 : 0);
  }
  Any value_;  // kTVMFFIInt or a kTVMFFIBigInt object
};

inline void TypeTraits<BigInt>::ToView(const BigInt& v, TVMFFIAny* out) noexcept {
  *out = v.value().raw();
}
inline void TypeTraits<BigInt>::ToOwned(const BigInt& v, TVMFFIAny* out) noexcept {
  *out = Any(v.value()).release();
}
inline std::optional<BigInt> TypeTraits<BigInt>::TryFrom(const TVMFFIAny* v) {
  return BigInt::From(v);
}

}  // namespace tvm_ffi_hpy
#endif  // TVM_FFI_HPY_BIG_INT_H_
