/*
 * Structural equality, ordering and hashing of values (apache tvm-ffi's
 * ffi.RecursiveEq / RecursiveLt / RecursiveLe / RecursiveGt / RecursiveGe /
 * RecursiveHash; C++: tvm_ffi_hpy/structural.h).
 *
 * Rules (the same for every entry point):
 *  - Values of different kinds are unequal; ordering them is a TypeError,
 *    except None, which orders before everything.  int, bool and float are
 *    three kinds (1 != True != 1.0); every form of a string (raw, small,
 *    object) is one kind, and so is every form of bytes.
 *  - float: -0.0 == 0.0; NaN equals NaN (any payload); ordering a NaN is a
 *    TypeError.  Strings and bytes order by unsigned bytes.
 *  - Enum variants are singletons: two variant objects are never equal
 *    (a copy made with copy.copy is another object); they order by int
 *    index and hash by type and int index.
 *  - Objects: the same object is equal to itself.  Objects of different
 *    types are unequal (ordering them: TypeError).  Shape, and the
 *    sequences (container_access.h), compare item by item, a prefix first.
 *    Maps are equal when they have the same keys (each key found in the
 *    other map and structurally equal to it) with equal values; ordering
 *    two maps is 0 when they are equal, else a TypeError.
 *  - Other objects: the type's hook if it has one (type attributes,
 *    inherited from the nearest ancestor): __ffi_eq__(self, other, fn_eq)
 *    for equality, else __ffi_compare__(self, other, fn_cmp) == 0;
 *    __ffi_compare__ for ordering.  Otherwise the reflected fields,
 *    ancestors' first, except those flagged CompareOff.  A type without
 *    fields (Function, Tensor, ...) has all its objects equal.
 *  - Cycles: a pair (lhs, rhs) met again inside its own comparison is equal
 *    for equality, and a ValueError for ordering.
 *  - Hash: consistent with equality (RecursiveEq(a, b) implies equal
 *    hashes): typed by kind (hash(1) != hash(1.0) != hash(True)), maps
 *    hashed independently of order, __ffi_hash__(self, fn_hash) when the
 *    type has it.  A type with __ffi_eq__ or __ffi_compare__ but no
 *    __ffi_hash__ is a ValueError; fields flagged HashOff or CompareOff are
 *    left out.  An object met again inside its own hash contributes a
 *    constant; a shared object is hashed once per walk.
 */
#include <cmath>
#include <cstring>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <tvm_ffi_hpy/structural.h>

#include "enum_internal.h"
#include "structural_internal.h"

namespace tvm_ffi_hpy {
namespace structural {
namespace {

enum class Kind { kNone, kInt, kBool, kFloat, kStr, kBytes, kDataType, kDevice, kPtr, kObject };

Kind KindOf(int32_t t) {
  switch (t) {
    case kTVMFFINone: return Kind::kNone;
    case kTVMFFIInt: return Kind::kInt;
    case kTVMFFIBool: return Kind::kBool;
    case kTVMFFIFloat: return Kind::kFloat;
    case kTVMFFIDataType: return Kind::kDataType;
    case kTVMFFIDevice: return Kind::kDevice;
    default: break;
  }
  if (details::IsStrIndex(t)) return Kind::kStr;
  if (details::IsBytesIndex(t)) return Kind::kBytes;
  if (t >= kTVMFFIStaticObjectBegin) return Kind::kObject;
  return Kind::kPtr;  // opaque pointers, DLTensor*
}

/* An rvalue reference (x._move() as an argument) is looked at as its object. */
TVMFFIAny Normalize(const TVMFFIAny& v) {
  if (v.type_index != kTVMFFIObjectRValueRef) return v;
  TVMFFIObject* obj = *static_cast<TVMFFIObject**>(v.v_ptr);
  TVMFFIAny out = details::NoneAny();
  if (obj != nullptr) {
    out.type_index = obj->type_index;
    out.v_obj = obj;
  }
  return out;
}

std::string_view Content(const TVMFFIAny& v) {
  std::string_view s;
  details::GetByteContent(&v, &s);
  return s;
}

template <typename T>
int Sign(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

const Object* ObjOf(const TVMFFIAny& v) { return details::ObjectUnsafe::FromHeader(v.v_obj); }

struct PairHash {
  size_t operator()(const std::pair<const Object*, const Object*>& p) const noexcept {
    return std::hash<const void*>()(p.first) * 31 + std::hash<const void*>()(p.second);
  }
};

/* ---------------------------------------------------------------------- */
/* Equality and ordering                                                  */
/* ---------------------------------------------------------------------- */
class Comparer {
 public:
  explicit Comparer(bool eq_only) : eq_only_(eq_only) {}

  /* Equality mode: 0 when equal, 1 otherwise (never throws for a mismatch).
   * Ordering mode: -1, 0, 1. */
  int Compare(const TVMFFIAny& raw_a, const TVMFFIAny& raw_b) {
    TVMFFIAny a = Normalize(raw_a), b = Normalize(raw_b);
    Kind ka = KindOf(a.type_index), kb = KindOf(b.type_index);
    if (ka != kb) {
      if (eq_only_) return 1;
      if (ka == Kind::kNone) return -1;
      if (kb == Kind::kNone) return 1;
      Mismatch(a, b);
    }
    switch (ka) {
      case Kind::kNone: return 0;
      case Kind::kInt:
      case Kind::kBool: return Ne(Sign(a.v_int64, b.v_int64));
      case Kind::kFloat: return Floats(a.v_float64, b.v_float64);
      case Kind::kStr:
      case Kind::kBytes: {
        int c = Content(a).compare(Content(b));
        return Ne(c < 0 ? -1 : (c > 0 ? 1 : 0));
      }
      case Kind::kDataType: {
        const DLDataType &x = a.v_dtype, &y = b.v_dtype;
        int c = Sign(x.code, y.code);
        if (c == 0) c = Sign(x.bits, y.bits);
        if (c == 0) c = Sign(x.lanes, y.lanes);
        return Ne(c);
      }
      case Kind::kDevice: {
        int c = Sign(int(a.v_device.device_type), int(b.v_device.device_type));
        if (c == 0) c = Sign(a.v_device.device_id, b.v_device.device_id);
        return Ne(c);
      }
      case Kind::kPtr:
        if (a.type_index != b.type_index) {
          if (eq_only_) return 1;
          Mismatch(a, b);
        }
        return Ne(Sign(reinterpret_cast<uintptr_t>(a.v_ptr), reinterpret_cast<uintptr_t>(b.v_ptr)));
      case Kind::kObject: return Objects(a, b);
    }
    return 1;
  }

  bool eq_only() const { return eq_only_; }

 private:
  int Ne(int c) const { return eq_only_ ? (c != 0) : c; }

  int Floats(double x, double y) {
    if (std::isnan(x) || std::isnan(y)) {
      if (eq_only_) return (std::isnan(x) && std::isnan(y)) ? 0 : 1;
      TVM_FFI_HPY_THROW(TypeError) << "Cannot order NaN values";
    }
    return Ne(Sign(x, y));
  }

  [[noreturn]] void Mismatch(const TVMFFIAny& a, const TVMFFIAny& b) {
    TVM_FFI_HPY_THROW(TypeError) << "Cannot compare values of different types: "
                                 << details::TypeIndexName(a.type_index) << " vs "
                                 << details::TypeIndexName(b.type_index);
  }

  int Objects(const TVMFFIAny& a, const TVMFFIAny& b) {
    const Object* x = ObjOf(a);
    const Object* y = ObjOf(b);
    if (x == y) return 0;
    int32_t t = x->type_index();
    if (t != y->type_index()) {
      if (eq_only_) return 1;
      Mismatch(a, b);
    }
    if (EnumKindOf(t) >= 0) {  // variants are singletons: two objects are two variants
      if (eq_only_) return 1;
      return Sign(EnumIntIndex(x), EnumIntIndex(y));
    }
    if (t == kTVMFFIShape) {
      const TVMFFIShapeCell* p = TVMFFIShapeGetCellPtr(details::HeaderOf(x));
      const TVMFFIShapeCell* q = TVMFFIShapeGetCellPtr(details::HeaderOf(y));
      for (size_t i = 0; i < p->size && i < q->size; ++i) {
        if (p->data[i] != q->data[i]) return Ne(Sign(p->data[i], q->data[i]));
      }
      return Ne(Sign(p->size, q->size));
    }
    std::pair<const Object*, const Object*> key(x, y);
    if (active_.count(key)) {
      if (eq_only_) return 0;  // a cycle compared with a cycle of the same shape
      TVM_FFI_HPY_THROW(ValueError) << "RecursiveCompare: cyclic reference detected in ordering";
    }
    DepthGuard depth(&depth_);
    active_.insert(key);
    struct Leave {
      Comparer* self;
      std::pair<const Object*, const Object*> key;
      ~Leave() { self->active_.erase(key); }
    } leave{this, key};
    if (IsSeqIndex(t)) {
      SeqView p = GetSeq(x), q = GetSeq(y);
      if (eq_only_ && p.size != q.size) return 1;
      for (int64_t i = 0; i < p.size && i < q.size; ++i) {
        int c = Compare(p.data[i], q.data[i]);
        if (c != 0) return c;
      }
      return Ne(Sign(p.size, q.size));
    }
    if (IsMapIndex(t)) return Maps(x, y);
    return Reflected(a, b, t);
  }

  int Maps(const Object* x, const Object* y) {
    return VisitMap(x, [&](const auto& mx) {
      return VisitMap(y, [&](const auto& my) {
        bool equal = mx.size() == my.size();
        for (auto it = mx.begin(); equal && it != mx.end(); ++it) {
          const Any* other = my.Find(it->first.view());
          if (other == nullptr) {
            equal = false;
            break;
          }
          // The key found must be the same key structurally (1 finds 1.0).
          if (Compare(it->first.raw(), FoundKey(my, other)) != 0 ||
              Compare(it->second.raw(), other->raw()) != 0) {
            equal = false;
          }
        }
        if (equal) return 0;
        if (eq_only_) return 1;
        TVM_FFI_HPY_THROW(TypeError) << "Cannot order Map/Dict values";
      });
    });
  }

  /* The key of the entry whose value Find returned: entries are (key,
   * value) pairs of two Anys, the key first. */
  template <typename M>
  static const TVMFFIAny& FoundKey(const M&, const Any* value) {
    using E = std::remove_cv_t<std::remove_reference_t<decltype(*std::declval<M>().begin())>>;
    static_assert(sizeof(E) == 2 * sizeof(Any), "map entries are (key, value) pairs of Any");
    return reinterpret_cast<const Any*>(value)[-1].raw();
  }

  int Reflected(const TVMFFIAny& a, const TVMFFIAny& b, int32_t t) {
    if (eq_only_) {
      Any eq = FindHook(t, "__ffi_eq__");
      if (!eq.is_none()) return CallHook(eq, a, b, "fn_eq", true) ? 0 : 1;
    }
    Any cmp = FindHook(t, "__ffi_compare__");
    if (!cmp.is_none()) {
      int64_t c = CallHook(cmp, a, b, "fn_cmp", false);
      return Ne(c < 0 ? -1 : (c > 0 ? 1 : 0));
    }
    int result = 0;
    const Object* x = ObjOf(a);
    const Object* y = ObjOf(b);
    ForEachField(t, [&](const TVMFFIFieldInfo& f) {
      if (result != 0 || (f.flags & kTVMFFIFieldFlagBitMaskCompareOff)) return;
      Any u = ReadField(x, f);
      Any v = ReadField(y, f);
      result = Compare(u.raw(), v.raw());
    });
    return result;
  }

  /* hook(self, other, fn): fn(x, y) continues this walk (bool for fn_eq,
   * -1/0/1 for fn_cmp). */
  int64_t CallHook(const Any& hook, const TVMFFIAny& a, const TVMFFIAny& b, const char* name,
                   bool is_eq_hook) {
    std::optional<Function> f = hook.as<Function>();
    if (!f.has_value()) {
      TVM_FFI_HPY_THROW(TypeError) << "the " << (is_eq_hook ? "__ffi_eq__" : "__ffi_compare__")
                                   << " hook of " << TypeKeyOf(a.type_index)
                                   << " is not a function";
    }
    HookScope<Comparer> scope(this);
    std::shared_ptr<Comparer*> cell = scope.cell;
    bool eq = is_eq_hook;  // fn_eq answers a bool, fn_cmp an int
    Function fn = Function::FromPacked([cell, name, eq](const AnyView* args, int32_t n, Any* rv) {
      if (n != 2) TVM_FFI_HPY_THROW(TypeError) << name << " takes 2 arguments, got " << n;
      Comparer* self = HookScope<Comparer>::Get(cell, name);
      int c = self->Compare(args[0].raw(), args[1].raw());
      if (eq) {
        *rv = Any(c == 0);
      } else {
        *rv = Any(int64_t(c));
      }
    });
    Any r = (*f)(AnyView::FromRaw(a), AnyView::FromRaw(b), fn);
    if (is_eq_hook) {
      std::optional<bool> v = r.as<bool>();
      if (!v) TVM_FFI_HPY_THROW(TypeError) << "__ffi_eq__ must return a bool, got " << r.type_name();
      return *v;
    }
    std::optional<int64_t> v = r.as<int64_t>();
    if (!v) {
      TVM_FFI_HPY_THROW(TypeError) << "__ffi_compare__ must return an int, got " << r.type_name();
    }
    return *v;  // the caller takes its sign (equality mode: 0 or not)
  }

  bool eq_only_;
  int depth_ = 0;
  std::unordered_set<std::pair<const Object*, const Object*>, PairHash> active_;
};

/* ---------------------------------------------------------------------- */
/* Hashing                                                                 */
/* ---------------------------------------------------------------------- */
class Hasher {
 public:
  uint64_t Hash(const TVMFFIAny& raw) {
    TVMFFIAny v = Normalize(raw);
    Kind k = KindOf(v.type_index);
    uint64_t tag = uint64_t(k) * 0x100000001b3ULL + 0x84222325ULL;
    switch (k) {
      case Kind::kNone: return Fmix(tag);
      case Kind::kInt:
      case Kind::kBool: return Combine(tag, uint64_t(v.v_int64));
      case Kind::kFloat: {
        double d = v.v_float64;
        if (std::isnan(d)) return Combine(tag, 0x7ff8000000000000ULL);
        if (d == 0) d = 0;  // -0.0 hashes as 0.0
        uint64_t bits;
        std::memcpy(&bits, &d, sizeof(bits));
        return Combine(tag, bits);
      }
      case Kind::kStr:
      case Kind::kBytes: return Combine(tag, std::hash<std::string_view>()(Content(v)));
      case Kind::kDataType:
        return Combine(tag, uint64_t(v.v_dtype.code) << 24 | uint64_t(v.v_dtype.bits) << 16 |
                                v.v_dtype.lanes);
      case Kind::kDevice:
        return Combine(tag, uint64_t(uint32_t(v.v_device.device_type)) << 32 |
                                uint32_t(v.v_device.device_id));
      case Kind::kPtr: return Combine(tag, uint64_t(reinterpret_cast<uintptr_t>(v.v_ptr)));
      case Kind::kObject: return HashObject(v);
    }
    return tag;
  }

 private:
  uint64_t HashObject(const TVMFFIAny& v) {
    const Object* x = ObjOf(v);
    int32_t t = x->type_index();
    const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(t);
    uint64_t h = Fmix(info != nullptr ? info->type_key_hash : uint64_t(t));
    if (EnumKindOf(t) >= 0) return Combine(h, uint64_t(EnumIntIndex(x)));
    if (t == kTVMFFIShape) {
      const TVMFFIShapeCell* p = TVMFFIShapeGetCellPtr(details::HeaderOf(x));
      h = Combine(h, p->size);
      for (size_t i = 0; i < p->size; ++i) h = Combine(h, uint64_t(p->data[i]));
      return h;
    }
    auto memo = memo_.find(x);
    if (memo != memo_.end()) return memo->second;
    if (active_.count(x)) {
      ++cuts_;  // a cycle: what the object contributes here does not depend on it
      return Combine(h, 0xc1c1e5ULL);
    }
    DepthGuard depth(&depth_);
    active_.insert(x);
    struct Leave {
      Hasher* self;
      const Object* x;
      ~Leave() { self->active_.erase(x); }
    } leave{this, x};
    int cuts_before = cuts_;
    if (IsSeqIndex(t)) {
      SeqView s = GetSeq(x);
      h = Combine(h, uint64_t(s.size));
      for (int64_t i = 0; i < s.size; ++i) h = Combine(h, Hash(s.data[i]));
    } else if (IsMapIndex(t)) {
      h = VisitMap(x, [&](const auto& m) {
        uint64_t sum = 0;  // order independent
        for (auto it = m.begin(); it != m.end(); ++it) {
          sum += Combine(Hash(it->first.raw()), Hash(it->second.raw()));
        }
        return Combine(Combine(h, uint64_t(m.size())), sum);
      });
    } else {
      h = Reflected(v, t, h);
    }
    if (cuts_ == cuts_before) {  // the same wherever the object is met again
      memo_[x] = h;
      alive_.push_back(Any(AnyView::FromRaw(v)));  // its address stays its own
    }
    return h;
  }

  uint64_t Reflected(const TVMFFIAny& v, int32_t t, uint64_t h) {
    Any hook = FindHook(t, "__ffi_hash__");
    if (!hook.is_none()) {
      std::optional<Function> f = hook.as<Function>();
      if (!f) TVM_FFI_HPY_THROW(TypeError) << "the __ffi_hash__ hook of " << TypeKeyOf(t)
                                           << " is not a function";
      HookScope<Hasher> scope(this);
      std::shared_ptr<Hasher*> cell = scope.cell;
      Function fn = Function::FromPacked([cell](const AnyView* args, int32_t n, Any* rv) {
        if (n != 1) TVM_FFI_HPY_THROW(TypeError) << "fn_hash takes 1 argument, got " << n;
        *rv = Any(int64_t(HookScope<Hasher>::Get(cell, "fn_hash")->Hash(args[0].raw())));
      });
      Any r = (*f)(AnyView::FromRaw(v), fn);
      std::optional<int64_t> value = r.as<int64_t>();
      if (!value) {
        TVM_FFI_HPY_THROW(TypeError) << "__ffi_hash__ must return an int, got " << r.type_name();
      }
      return Combine(h, uint64_t(*value));
    }
    if (!FindHook(t, "__ffi_eq__").is_none() || !FindHook(t, "__ffi_compare__").is_none()) {
      TVM_FFI_HPY_THROW(ValueError)
          << "RecursiveHash: type '" << TypeKeyOf(t)
          << "' defines __ffi_eq__ or __ffi_compare__ but not __ffi_hash__; add a __ffi_hash__ "
          << "hook so that RecursiveEq(a, b) implies RecursiveHash(a) == RecursiveHash(b)";
    }
    const Object* x = ObjOf(v);
    ForEachField(t, [&](const TVMFFIFieldInfo& f) {
      if (f.flags & (kTVMFFIFieldFlagBitMaskHashOff | kTVMFFIFieldFlagBitMaskCompareOff)) return;
      Any value = ReadField(x, f);
      h = Combine(h, Hash(value.raw()));
    });
    return h;
  }

  int depth_ = 0;
  int cuts_ = 0;
  std::unordered_set<const Object*> active_;
  /* Invariant: every object in memo_ is kept alive by alive_ until the walk
   * ends (a hook may make and drop objects: an address must not be reused
   * by another object while it is a key). */
  std::unordered_map<const Object*, uint64_t> memo_;
  std::vector<Any> alive_;
};

}  // namespace
}  // namespace structural

bool RecursiveEqImpl(const AnyView& a, const AnyView& b) {
  return structural::Comparer(true).Compare(a.raw(), b.raw()) == 0;
}
int RecursiveCompareImpl(const AnyView& a, const AnyView& b) {
  return structural::Comparer(false).Compare(a.raw(), b.raw());
}
int64_t RecursiveHashImpl(const AnyView& v) {
  return int64_t(structural::Hasher().Hash(v.raw()));
}

TVM_FFI_HPY_STATIC_INIT_BLOCK() {
  refl::GlobalDef()
      .def("ffi.RecursiveEq", [](AnyView a, AnyView b) { return RecursiveEqImpl(a, b); })
      .def("ffi.RecursiveLt", [](AnyView a, AnyView b) { return RecursiveCompareImpl(a, b) < 0; })
      .def("ffi.RecursiveLe", [](AnyView a, AnyView b) { return RecursiveCompareImpl(a, b) <= 0; })
      .def("ffi.RecursiveGt", [](AnyView a, AnyView b) { return RecursiveCompareImpl(a, b) > 0; })
      .def("ffi.RecursiveGe", [](AnyView a, AnyView b) { return RecursiveCompareImpl(a, b) >= 0; })
      .def("ffi.RecursiveCompare",
           [](AnyView a, AnyView b) { return int64_t(RecursiveCompareImpl(a, b)); })
      .def("ffi.RecursiveHash", [](AnyView v) { return RecursiveHashImpl(v); });
}

}  // namespace tvm_ffi_hpy
