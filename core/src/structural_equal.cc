/*
 * Structural equality and hashing with free variables and definition
 * regions (apache tvm-ffi's ffi.StructuralEqual / ffi.StructuralHash /
 * ffi.GetFirstStructuralMismatch).  Unlike ffi.RecursiveEq (structural.cc),
 * an object is compared according to its type's structural_eq_hash_kind
 * (TVMFFITypeMetadata), which a type declares (C++: a static member
 * `_type_s_eq_hash_kind`, reflection.h; py_class: structural_eq=...,
 * through ffi.TypeSetStructuralEqHashKind below).
 *
 * Rules:
 *  - Values of different type indices are unequal, except that every form
 *    of a string (raw, small, object) is one, and so is every form of bytes.
 *  - POD values compare by their bits (0.0 != -0.0, 1 != 1.0 != True; a
 *    dtype by code, bits and lanes), except that NaN equals NaN (any
 *    payload).  Big ints by value.
 *  - Array/List item by item; Map/Dict by keys (an lhs key that is a mapped
 *    var or DAG node is looked up as its rhs partner) and values; Shape by
 *    value; Tensor: same object, or same shape and dtype and (unless
 *    skip_tensor_content) the same bytes (CPU and contiguous, else an error).
 *  - Python objects that crossed as opaque objects compare and hash as
 *    ffi.RecursiveEq / ffi.RecursiveHash do (Python's == and hash).
 *  - Enum variants are singletons: equal only to themselves.
 *  - Other objects by the kind of their type:
 *      Unsupported (or no metadata): TypeError, even for one object twice.
 *      UniqueInstance: the same object only.
 *      TreeNode: the fields, ancestors' first; SEqHashIgnore fields skipped.
 *      ConstTreeNode: the same object at once; else as TreeNode.
 *      DAGNode: as TreeNode, and once a pair (l, r) matched, l only ever
 *        matches r and r only l (sharing must correspond).
 *      FreeVar: a pair already mapped must map to each other; otherwise the
 *        fields compare and the pair becomes mapped when l and r are the
 *        same object or when we are inside a definition region.
 *  - Definition regions: a field flagged SEqHashDef opens a pattern region
 *    (everything below it defines); SEqHashDefSimple opens a simple region
 *    (the vars found in it define, but a var's own fields are walked outside
 *    any region).  Inside a pattern region, nothing narrows it.
 *    map_free_vars=True starts the walk inside a pattern region.
 *  - A type attribute "__s_equal__"(lhs, rhs, fn) -> bool replaces the
 *    field walk; fn(l, r, def_region_kind, field_name) -> bool compares two
 *    sub-values (def_region_kind 0 keeps the current region, 1 pattern,
 *    2 simple; field_name names the step of a mismatch path).
 *    "__s_hash__"(self, init_hash, fn) -> int likewise, with
 *    fn(value, init_hash, def_region_kind) -> int.
 *  - Hash agrees with equality: a var hashes by pointer outside a region and
 *    by its definition order inside one (the first definition met is 0,
 *    ...); a DAG node adds the order in which it was first met, so sharing
 *    shows; the hash of an object met again is its first hash (memo).
 *  - Nesting deeper than WalkDepthGuard's limit is a RecursionError.
 */
#include <cmath>
#include <cstddef>
#include <cstring>
#include <unordered_map>
#include <vector>

#include <tvm_ffi_hpy/access_path.h>
#include <tvm_ffi_hpy/big_int.h>
#include <tvm_ffi_hpy/structural.h>
#include <tvm_ffi_hpy/tensor.h>

#include "enum_internal.h"
#include "structural_internal.h"

namespace tvm_ffi_hpy {

bool RecursiveEqImpl(const AnyView& a, const AnyView& b);
int64_t RecursiveHashImpl(const AnyView& v);

namespace structural {
namespace {

enum Region : int { kNoRegion = 0, kPattern = 1, kSimple = 2 };

TVMFFIAny NormalizeRef(const TVMFFIAny& v) {
  if (v.type_index != kTVMFFIObjectRValueRef) return v;
  TVMFFIObject* obj = *static_cast<TVMFFIObject**>(v.v_ptr);
  TVMFFIAny out = details::NoneAny();
  if (obj != nullptr) {
    out.type_index = obj->type_index;
    out.v_obj = obj;
  }
  return out;
}

/* str and bytes in every form are one index each (the object forms'). */
int32_t UnifiedIndex(int32_t t) {
  if (details::IsStrIndex(t)) return kTVMFFIStr;
  if (details::IsBytesIndex(t)) return kTVMFFIBytes;
  return t;
}

std::string_view ContentOf(const TVMFFIAny& v) {
  std::string_view s;
  details::GetByteContent(&v, &s);
  return s;
}

/* A dtype fills 4 of the 8 value bytes; the rest need not be zero. */
uint64_t DTypeBits(const TVMFFIAny& v) {
  return uint64_t(v.v_dtype.code) << 24 | uint64_t(v.v_dtype.bits) << 16 | v.v_dtype.lanes;
}

const Object* AsObj(const TVMFFIAny& v) { return details::ObjectUnsafe::FromHeader(v.v_obj); }

/* The kind of an object type; TypeError when it has none. */
TVMFFISEqHashKind KindOfType(int32_t t) {
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(t);
  const TVMFFITypeMetadata* meta = info != nullptr ? info->metadata : nullptr;
  if (meta == nullptr || meta->structural_eq_hash_kind == kTVMFFISEqHashKindUnsupported) {
    TVM_FFI_HPY_THROW(TypeError) << "type '" << TypeKeyOf(t)
                                 << "' does not support structural equality and hashing (its "
                                 << "structural_eq_hash_kind is not set)";
  }
  return meta->structural_eq_hash_kind;
}

size_t TensorBytes(const DLTensor& t) {
  size_t n = 1;
  for (int32_t i = 0; i < t.ndim; ++i) n *= size_t(t.shape[i]);
  return (n * t.dtype.bits * t.dtype.lanes + 7) / 8;  // sub-byte types are packed
}

void CheckComparableContent(const TensorObj* t) {
  if (t->dl.device.device_type != kDLCPU) {
    TVM_FFI_HPY_THROW(ValueError) << "structural equality/hash of tensor content needs CPU "
                                     "tensors (pass skip_tensor_content=True to compare shape "
                                     "and dtype only)";
  }
  if (!t->IsContiguous()) {
    TVM_FFI_HPY_THROW(ValueError) << "structural equality/hash of tensor content needs "
                                     "contiguous tensors";
  }
}

const char* ContentPtr(const TensorObj* t) {
  return static_cast<const char*>(t->dl.data) + t->dl.byte_offset;
}

Region NestedRegion(Region current, int64_t flags) {
  if (current == kPattern) return kPattern;  // a pattern region is never narrowed
  if (flags & kTVMFFIFieldFlagBitMaskSEqHashDefSimple) return kSimple;
  if (flags & kTVMFFIFieldFlagBitMaskSEqHashDef) return kPattern;
  return current;
}

Region HookRegion(Region current, int64_t asked) {
  if (current == kPattern || asked == kNoRegion) return current;
  if (asked == kPattern || asked == kSimple) return Region(asked);
  TVM_FFI_HPY_THROW(ValueError) << "def_region_kind must be 0, 1 or 2, got " << asked;
}

/* Sets a region for the scope, restores the old one after. */
struct RegionScope {
  Region* slot;
  Region saved;
  RegionScope(Region* s, Region r) : slot(s), saved(*s) { *s = r; }
  ~RegionScope() { *slot = saved; }
};

/* ---------------------------------------------------------------------- */
/* Equality                                                                */
/* ---------------------------------------------------------------------- */
class SEqual {
 public:
  SEqual(bool map_free_vars, bool skip_tensor_content, bool trace)
      : region_(map_free_vars ? kPattern : kNoRegion),
        skip_tensor_content_(skip_tensor_content),
        trace_(trace) {}

  /* On a mismatch with tracing on, lhs_steps_/rhs_steps_ hold the steps to
   * the first differing pair, innermost first. */
  std::vector<AccessStep> lhs_steps_, rhs_steps_;

  bool Eq(const TVMFFIAny& raw_a, const TVMFFIAny& raw_b) {
    TVMFFIAny a = NormalizeRef(raw_a), b = NormalizeRef(raw_b);
    int32_t t = UnifiedIndex(a.type_index);
    if (t != UnifiedIndex(b.type_index)) return false;
    if (t == kTVMFFIStr || t == kTVMFFIBytes) return ContentOf(a) == ContentOf(b);
    if (t < kTVMFFIStaticObjectBegin) {
      if (t == kTVMFFIFloat && std::isnan(a.v_float64)) return std::isnan(b.v_float64);
      if (t == kTVMFFINone) return true;
      if (t == kTVMFFIDataType) return DTypeBits(a) == DTypeBits(b);
      return a.v_int64 == b.v_int64;  // int, bool, float bits, device, pointers
    }
    DepthGuard depth(&depth_);
    const Object* x = AsObj(a);
    const Object* y = AsObj(b);
    switch (t) {
      case kTVMFFIBigInt: {
        auto p = static_cast<const BigIntObj*>(x);
        auto q = static_cast<const BigIntObj*>(y);
        return p->num_words == q->num_words &&
               std::memcmp(p->words(), q->words(), p->num_words * sizeof(int64_t)) == 0;
      }
      case kTVMFFIShape: {
        const TVMFFIShapeCell* p = TVMFFIShapeGetCellPtr(details::HeaderOf(x));
        const TVMFFIShapeCell* q = TVMFFIShapeGetCellPtr(details::HeaderOf(y));
        return p->size == q->size &&
               std::memcmp(p->data, q->data, p->size * sizeof(int64_t)) == 0;
      }
      case kTVMFFITensor:
        return Tensors(static_cast<const TensorObj*>(x), static_cast<const TensorObj*>(y));
      case kTVMFFIOpaquePyObject:
        return RecursiveEqImpl(AnyView::FromRaw(a), AnyView::FromRaw(b));
      default: break;
    }
    if (IsSeqIndex(t)) return Seqs(GetSeq(x), GetSeq(y));
    if (IsMapIndex(t)) return Maps(x, y);
    if (EnumKindOf(t) >= 0) return x == y;
    return Objects(a, b, x, y, t);
  }

 private:
  void Trace(AccessStep l, AccessStep r) {
    if (!trace_) return;
    lhs_steps_.push_back(std::move(l));
    rhs_steps_.push_back(std::move(r));
  }

  bool Tensors(const TensorObj* x, const TensorObj* y) {
    if (x == y) return true;
    if (x->dl.ndim != y->dl.ndim) return false;
    for (int32_t i = 0; i < x->dl.ndim; ++i) {
      if (x->dl.shape[i] != y->dl.shape[i]) return false;
    }
    const DLDataType &p = x->dl.dtype, &q = y->dl.dtype;
    if (p.code != q.code || p.bits != q.bits || p.lanes != q.lanes) return false;
    if (skip_tensor_content_) return true;
    CheckComparableContent(x);
    CheckComparableContent(y);
    return std::memcmp(ContentPtr(x), ContentPtr(y), TensorBytes(x->dl)) == 0;
  }

  bool Seqs(SeqView p, SeqView q) {
    if (p.size != q.size && !trace_) return false;
    int64_t n = std::min(p.size, q.size);
    for (int64_t i = 0; i < n; ++i) {
      if (!Eq(p.data[i], q.data[i])) {
        Trace(AccessStep(AccessKind::kArrayItem, Any(i)),
              AccessStep(AccessKind::kArrayItem, Any(i)));
        return false;
      }
    }
    if (p.size == q.size) return true;
    if (p.size > q.size) {
      Trace(AccessStep(AccessKind::kArrayItem, Any(n)),
            AccessStep(AccessKind::kArrayItemMissing, Any(n)));
    } else {
      Trace(AccessStep(AccessKind::kArrayItemMissing, Any(n)),
            AccessStep(AccessKind::kArrayItem, Any(n)));
    }
    return false;
  }

  /* A map key as the other side would spell it: a mapped var or DAG node
   * becomes its partner. */
  /* The key's partner under the mapping, or the key itself: a view, no
   * reference taken (a mapped partner is kept alive by alive_). */
  static AnyView Translate(const Any& key,
                           const std::unordered_map<const Object*, const Object*>& mapping) {
    if (mapping.empty() || key.raw().type_index < kTVMFFIStaticObjectBegin) return key.view();
    auto it = mapping.find(AsObj(key.raw()));
    if (it == mapping.end()) return key.view();
    TVMFFIAny partner = details::NoneAny();
    partner.type_index = it->second->type_index();
    partner.v_obj = details::HeaderOf(it->second);
    return AnyView::FromRaw(partner);
  }

  bool Maps(const Object* x, const Object* y) {
    return VisitMap(x, [&](const auto& mx) {
      return VisitMap(y, [&](const auto& my) {
        if (mx.size() != my.size() && !trace_) return false;
        for (auto it = mx.begin(); it != mx.end(); ++it) {
          AnyView key = Translate(it->first, l2r_);
          const Any* other = my.Find(key);
          if (other == nullptr) {
            Trace(AccessStep(AccessKind::kMapItem, it->first),
                  AccessStep(AccessKind::kMapItemMissing, key));
            return false;
          }
          if (!Eq(it->second.raw(), other->raw())) {
            Trace(AccessStep(AccessKind::kMapItem, it->first),
                  AccessStep(AccessKind::kMapItem, key));
            return false;
          }
        }
        if (mx.size() == my.size()) return true;
        for (auto it = my.begin(); it != my.end(); ++it) {  // the key only rhs has
          AnyView key = Translate(it->first, r2l_);
          if (mx.Find(key) == nullptr) {
            Trace(AccessStep(AccessKind::kMapItemMissing, key),
                  AccessStep(AccessKind::kMapItem, it->first));
            return false;
          }
        }
        return false;
      });
    });
  }

  void Bind(const TVMFFIAny& a, const TVMFFIAny& b, const Object* x, const Object* y) {
    l2r_[x] = y;
    r2l_[y] = x;
    // Invariant: a mapped object lives until the walk ends (a hook may drop
    // objects; an address must not be reused while it is a key).
    alive_.push_back(Any(AnyView::FromRaw(a)));
    alive_.push_back(Any(AnyView::FromRaw(b)));
  }

  bool Objects(const TVMFFIAny& a, const TVMFFIAny& b, const Object* x, const Object* y,
               int32_t t) {
    TVMFFISEqHashKind kind = KindOfType(t);
    if (kind == kTVMFFISEqHashKindUniqueInstance) return x == y;
    if (kind == kTVMFFISEqHashKindConstTreeNode && x == y) return true;
    bool mapped_kind = kind == kTVMFFISEqHashKindDAGNode || kind == kTVMFFISEqHashKindFreeVar;
    if (mapped_kind) {
      auto it = l2r_.find(x);
      if (it != l2r_.end()) return it->second == y;
      if (r2l_.count(y)) return false;  // y is another lhs object's partner
    }
    if (kind != kTVMFFISEqHashKindFreeVar) {
      bool ok = Fields(a, b, x, y, t);
      if (ok && kind == kTVMFFISEqHashKindDAGNode) Bind(a, b, x, y);
      return ok;
    }
    {
      // A var's own fields are outside a simple region.
      RegionScope scope(&region_, region_ == kSimple ? kNoRegion : region_);
      if (!Fields(a, b, x, y, t)) return false;
    }
    if (x == y || region_ != kNoRegion) {
      Bind(a, b, x, y);
      return true;
    }
    return false;
  }

  bool Fields(const TVMFFIAny& a, const TVMFFIAny& b, const Object* x, const Object* y,
              int32_t t) {
    Any hook = FindHook(t, "__s_equal__");
    if (!hook.is_none()) return Hooked(hook, a, b, t);
    bool ok = true;
    ForEachField(t, [&](const TVMFFIFieldInfo& f) {
      if (!ok || (f.flags & kTVMFFIFieldFlagBitMaskSEqHashIgnore)) return;
      Any u = ReadField(x, f);
      Any v = ReadField(y, f);
      RegionScope scope(&region_, NestedRegion(region_, f.flags));
      if (!Eq(u.raw(), v.raw())) {
        ok = false;
        String name(std::string_view(f.name.data, f.name.size));
        Trace(AccessStep(AccessKind::kAttr, Any(name)), AccessStep(AccessKind::kAttr, Any(name)));
      }
    });
    return ok;
  }

  bool Hooked(const Any& hook, const TVMFFIAny& a, const TVMFFIAny& b, int32_t t) {
    std::optional<Function> f = hook.as<Function>();
    if (!f) TVM_FFI_HPY_THROW(TypeError) << "the __s_equal__ hook of " << TypeKeyOf(t)
                                         << " is not a function";
    HookScope<SEqual> scope(this);
    std::shared_ptr<SEqual*> cell = scope.cell;
    Function fn = Function::FromPacked([cell](const AnyView* args, int32_t n, Any* rv) {
      if (n != 4) {
        TVM_FFI_HPY_THROW(TypeError) << "the __s_equal__ callback takes 4 arguments (lhs, rhs, "
                                     << "def_region_kind, field_name), got " << n;
      }
      SEqual* self = HookScope<SEqual>::Get(cell, "the __s_equal__ callback");
      std::optional<int64_t> asked = args[2].as<int64_t>();
      if (!asked) TVM_FFI_HPY_THROW(TypeError) << "def_region_kind must be an int";
      RegionScope region(&self->region_, HookRegion(self->region_, *asked));
      bool ok = self->Eq(args[0].raw(), args[1].raw());
      if (!ok && self->trace_) {
        std::optional<String> name = args[3].as<String>();
        if (!name) TVM_FFI_HPY_THROW(TypeError) << "field_name must be a str";
        self->Trace(AccessStep(AccessKind::kAttr, Any(*name)),
                    AccessStep(AccessKind::kAttr, Any(*name)));
      }
      *rv = Any(ok);
    });
    Any r = (*f)(AnyView::FromRaw(a), AnyView::FromRaw(b), fn);
    std::optional<bool> v = r.as<bool>();
    if (!v) TVM_FFI_HPY_THROW(TypeError) << "__s_equal__ must return a bool, got "
                                         << r.type_name();
    return *v;
  }

  Region region_;
  bool skip_tensor_content_;
  bool trace_;
  int depth_ = 0;
  std::unordered_map<const Object*, const Object*> l2r_, r2l_;
  std::vector<Any> alive_;
};

/* ---------------------------------------------------------------------- */
/* Hashing                                                                 */
/* ---------------------------------------------------------------------- */
class SHash {
 public:
  SHash(bool map_free_vars, bool skip_tensor_content)
      : region_(map_free_vars ? kPattern : kNoRegion), skip_tensor_content_(skip_tensor_content) {}

  uint64_t Hash(const TVMFFIAny& raw) {
    TVMFFIAny v = NormalizeRef(raw);
    int32_t t = UnifiedIndex(v.type_index);
    uint64_t tag = TagOf(t);
    if (t == kTVMFFIStr || t == kTVMFFIBytes) {
      return Combine(tag, std::hash<std::string_view>()(ContentOf(v)));
    }
    if (t < kTVMFFIStaticObjectBegin) {
      if (t == kTVMFFINone) return tag;
      if (t == kTVMFFIFloat && std::isnan(v.v_float64)) return Combine(tag, 0x7ff8000000000000ULL);
      if (t == kTVMFFIDataType) return Combine(tag, DTypeBits(v));
      return Combine(tag, uint64_t(v.v_int64));
    }
    DepthGuard depth(&depth_);
    const Object* x = AsObj(v);
    switch (t) {
      case kTVMFFIBigInt: {
        auto p = static_cast<const BigIntObj*>(x);
        uint64_t h = Combine(tag, p->num_words);
        for (size_t i = 0; i < p->num_words; ++i) h = Combine(h, uint64_t(p->words()[i]));
        return h;
      }
      case kTVMFFIShape: {
        const TVMFFIShapeCell* p = TVMFFIShapeGetCellPtr(details::HeaderOf(x));
        uint64_t h = Combine(tag, p->size);
        for (size_t i = 0; i < p->size; ++i) h = Combine(h, uint64_t(p->data[i]));
        return h;
      }
      case kTVMFFITensor: return TensorHash(tag, static_cast<const TensorObj*>(x));
      case kTVMFFIOpaquePyObject:
        return Combine(tag, uint64_t(RecursiveHashImpl(AnyView::FromRaw(v))));
      default: break;
    }
    if (IsSeqIndex(t)) {
      SeqView s = GetSeq(x);
      uint64_t h = Combine(tag, uint64_t(s.size));
      for (int64_t i = 0; i < s.size; ++i) h = Combine(h, Hash(s.data[i]));
      return h;
    }
    if (IsMapIndex(t)) {
      return VisitMap(x, [&](const auto& m) {
        uint64_t sum = 0;  // independent of the entries' order
        for (auto it = m.begin(); it != m.end(); ++it) {
          sum += Combine(Hash(it->first.raw()), Hash(it->second.raw()));
        }
        return Combine(Combine(tag, uint64_t(m.size())), sum);
      });
    }
    if (EnumKindOf(t) >= 0) return Combine(tag, uint64_t(reinterpret_cast<uintptr_t>(x)));
    return ObjectHash(v, x, t);
  }

 private:
  uint64_t TensorHash(uint64_t tag, const TensorObj* x) {
    uint64_t h = Combine(tag, uint64_t(x->dl.ndim));
    for (int32_t i = 0; i < x->dl.ndim; ++i) h = Combine(h, uint64_t(x->dl.shape[i]));
    h = Combine(h, uint64_t(x->dl.dtype.code) << 24 | uint64_t(x->dl.dtype.bits) << 16 |
                    x->dl.dtype.lanes);
    if (skip_tensor_content_) return h;
    CheckComparableContent(x);
    std::string_view bytes(ContentPtr(x), TensorBytes(x->dl));
    return Combine(h, std::hash<std::string_view>()(bytes));
  }

  uint64_t ObjectHash(const TVMFFIAny& v, const Object* x, int32_t t) {
    TVMFFISEqHashKind kind = KindOfType(t);
    const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(t);
    uint64_t pointer = Fmix(uint64_t(reinterpret_cast<uintptr_t>(x)));
    if (kind == kTVMFFISEqHashKindUniqueInstance) return pointer;
    auto memo = memo_.find(x);
    if (memo != memo_.end()) return memo->second;
    uint64_t h = Fmix(info->type_key_hash);
    if (kind != kTVMFFISEqHashKindFreeVar) {
      h = Fields(v, x, t, h);
    } else {
      {
        RegionScope scope(&region_, region_ == kSimple ? kNoRegion : region_);
        h = Fields(v, x, t, h);  // always walked: defined vars inside count
      }
      h = region_ != kNoRegion ? Combine(h, next_var_++) : pointer;
    }
    if (kind == kTVMFFISEqHashKindDAGNode) h = Combine(h, next_node_++);
    memo_[x] = h;
    alive_.push_back(Any(AnyView::FromRaw(v)));  // the address stays its own (see SEqual)
    return h;
  }

  uint64_t Fields(const TVMFFIAny& v, const Object* x, int32_t t, uint64_t h) {
    Any hook = FindHook(t, "__s_hash__");
    if (!hook.is_none()) return Hooked(hook, v, t, h);
    ForEachField(t, [&](const TVMFFIFieldInfo& f) {
      if (f.flags & kTVMFFIFieldFlagBitMaskSEqHashIgnore) return;
      Any value = ReadField(x, f);
      RegionScope scope(&region_, NestedRegion(region_, f.flags));
      h = Combine(h, Hash(value.raw()));
    });
    return h;
  }

  uint64_t Hooked(const Any& hook, const TVMFFIAny& v, int32_t t, uint64_t h) {
    std::optional<Function> f = hook.as<Function>();
    if (!f) TVM_FFI_HPY_THROW(TypeError) << "the __s_hash__ hook of " << TypeKeyOf(t)
                                         << " is not a function";
    HookScope<SHash> scope(this);
    std::shared_ptr<SHash*> cell = scope.cell;
    Function fn = Function::FromPacked([cell](const AnyView* args, int32_t n, Any* rv) {
      if (n != 3) {
        TVM_FFI_HPY_THROW(TypeError) << "the __s_hash__ callback takes 3 arguments (value, "
                                     << "init_hash, def_region_kind), got " << n;
      }
      SHash* self = HookScope<SHash>::Get(cell, "the __s_hash__ callback");
      std::optional<int64_t> init = args[1].as<int64_t>();
      std::optional<int64_t> asked = args[2].as<int64_t>();
      if (!init || !asked) {
        TVM_FFI_HPY_THROW(TypeError) << "init_hash and def_region_kind must be ints";
      }
      RegionScope region(&self->region_, HookRegion(self->region_, *asked));
      *rv = Any(int64_t(Combine(uint64_t(*init), self->Hash(args[0].raw()))));
    });
    Any r = (*f)(AnyView::FromRaw(v), int64_t(h), fn);
    std::optional<int64_t> value = r.as<int64_t>();
    if (!value) TVM_FFI_HPY_THROW(TypeError) << "__s_hash__ must return an int, got "
                                             << r.type_name();
    return uint64_t(*value);
  }

  Region region_;
  bool skip_tensor_content_;
  int depth_ = 0;
  uint64_t next_var_ = 0;
  uint64_t next_node_ = 0;
  std::unordered_map<const Object*, uint64_t> memo_;
  std::vector<Any> alive_;
};

AccessPath PathOf(const std::vector<AccessStep>& innermost_first) {
  AccessPath path = AccessPath::Root();
  for (auto it = innermost_first.rbegin(); it != innermost_first.rend(); ++it) {
    path = path.Extend(*it);
  }
  return path;
}

const char* kKindNames[] = {"unsupported", "tree", "var", "dag", "const-tree", "singleton"};

void SetKind(int64_t type_index, int64_t kind) {
  if (kind < kTVMFFISEqHashKindUnsupported || kind > kTVMFFISEqHashKindUniqueInstance) {
    TVM_FFI_HPY_THROW(ValueError) << "ffi.TypeSetStructuralEqHashKind: kind must be 0..5, got "
                                  << kind;
  }
  const TVMFFITypeInfo* info =
      (type_index >= kTVMFFIStaticObjectBegin && type_index <= INT32_MAX)
          ? TVMFFIGetTypeInfo(int32_t(type_index))
          : nullptr;
  if (info == nullptr) {
    TVM_FFI_HPY_THROW(ValueError) << "ffi.TypeSetStructuralEqHashKind: no object type has "
                                  << "index " << type_index;
  }
  TVMFFITypeMetadata meta{};
  if (info->metadata != nullptr) meta = *info->metadata;
  meta.structural_eq_hash_kind = TVMFFISEqHashKind(kind);
  if (TVMFFITypeRegisterMetadata(int32_t(type_index), &meta) != 0) details::ThrowRaised();
}

String GetKindName(int64_t type_index) {
  const TVMFFITypeInfo* info =
      (type_index >= 0 && type_index <= INT32_MAX) ? TVMFFIGetTypeInfo(int32_t(type_index))
                                                   : nullptr;
  if (info == nullptr) {
    TVM_FFI_HPY_THROW(ValueError) << "ffi.TypeGetStructuralEqHashKind: no type has index "
                                  << type_index;
  }
  int k = info->metadata ? int(info->metadata->structural_eq_hash_kind) : 0;
  return String(kKindNames[(k >= 0 && k <= 5) ? k : 0]);
}

}  // namespace
}  // namespace structural

/* A key that hashes and compares structurally (Python's StructuralKey):
 * the value and its StructuralHash, computed once. */
class StructuralKeyObj : public Object {
 public:
  Any key;
  int64_t hash_i64 = 0;
  StructuralKeyObj(Any k, int64_t h) : key(std::move(k)), hash_i64(h) {}
  static constexpr TVMFFISEqHashKind _type_s_eq_hash_kind = kTVMFFISEqHashKindTreeNode;
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("ffi.StructuralKey", StructuralKeyObj, Object)
};

static_assert(sizeof(StructuralKeyObj) == sizeof(details::StructuralKeyLayout) &&
                  sizeof(Object) == sizeof(TVMFFIObject) &&
                  offsetof(details::StructuralKeyLayout, key) == sizeof(TVMFFIObject) &&
                  offsetof(details::StructuralKeyLayout, hash_i64) == sizeof(TVMFFIObject) + 16,
              "StructuralKeyObj has the layout containers.h reads");

bool StructuralEqualImpl(const AnyView& a, const AnyView& b, bool map_free_vars,
                         bool skip_tensor_content) {
  return structural::SEqual(map_free_vars, skip_tensor_content, false).Eq(a.raw(), b.raw());
}

int64_t StructuralHashImpl(const AnyView& v, bool map_free_vars, bool skip_tensor_content) {
  return int64_t(structural::SHash(map_free_vars, skip_tensor_content).Hash(v.raw()));
}

TVM_FFI_HPY_STATIC_INIT_BLOCK() {
  refl::ObjectDef<StructuralKeyObj>("A value with its structural hash, for dict keys.")
      .def_ro("key", &StructuralKeyObj::key, "the value")
      .def_ro("hash_i64", &StructuralKeyObj::hash_i64, "its StructuralHash");
  refl::GlobalDef()
      .def("ffi.StructuralEqual",
           [](AnyView a, AnyView b, bool map_free_vars, bool skip_tensor_content) {
             return StructuralEqualImpl(a, b, map_free_vars, skip_tensor_content);
           })
      .def("ffi.StructuralHash",
           [](AnyView v, bool map_free_vars, bool skip_tensor_content) {
             return StructuralHashImpl(v, map_free_vars, skip_tensor_content);
           })
      .def("ffi.GetFirstStructuralMismatch",
           [](AnyView a, AnyView b, bool map_free_vars, bool skip_tensor_content) -> Any {
             structural::SEqual eq(map_free_vars, skip_tensor_content, true);
             if (eq.Eq(a.raw(), b.raw())) return Any();
             return Any(Array({Any(structural::PathOf(eq.lhs_steps_)),
                                Any(structural::PathOf(eq.rhs_steps_))}));
           })
      .def("ffi.StructuralKey",
           [](AnyView key) {
             int64_t h = StructuralHashImpl(key, false, false);
             return ObjectRef(make_object<StructuralKeyObj>(Any(key), h));
           })
      .def("ffi.StructuralKeyEqual",
           [](ObjectRef a, ObjectRef b) {
             auto x = a.as<StructuralKeyObj>();
             auto y = b.as<StructuralKeyObj>();
             if (x == nullptr || y == nullptr) return false;
             return x == y || (x->hash_i64 == y->hash_i64 &&
                               StructuralEqualImpl(AnyView(x->key), AnyView(y->key), false, false));
           })
      .def("ffi.TypeSetStructuralEqHashKind", &structural::SetKind)
      .def("ffi.TypeGetStructuralEqHashKind", &structural::GetKindName);
}

}  // namespace tvm_ffi_hpy
