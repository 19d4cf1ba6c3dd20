/*
 * Structural walks and rewrites of a value graph with callbacks (apache
 * tvm-ffi's ffi.StructuralWalk / ffi.StructuralVisit / ffi.StructuralMap /
 * ffi.StructuralMutate, and the StructuralVisitor / StructuralMutator objects
 * a callback is handed).  Python's side: tvm_ffi_hpy/structural.py.
 *
 * Rules:
 *  - Children.  An Array/List has its items; a Map/Dict its values (keys are
 *    never visited nor rewritten); any other object its reflected fields,
 *    ancestors' first, leaving out fields flagged SEqHashIgnore.  Plain
 *    values, strings, bytes, big ints and enum variants have none; neither
 *    has a type without fields (Function, Tensor, Shape, ...).  None is not
 *    visited at all.
 *  - Definition regions, as structural equality has them (structural_equal.cc):
 *    a field flagged SEqHashDef opens a pattern region, SEqHashDefSimple a
 *    simple one; inside a pattern region nothing narrows it; the fields of a
 *    FreeVar met inside a simple region are walked outside any region.
 *    A callback "with def region kind" is given the current region (0 none,
 *    1 pattern, 2 simple).
 *  - Callbacks are (type_index, Function) entries; the first whose type
 *    matches is called (the plain list before the list with region kinds).
 *    -1 matches everything; a str/bytes index matches every form of it; int
 *    also matches a big int; Object (64) matches every object a Python user
 *    sees as an ffi.Object (not a str, bytes, big int or opaque Python
 *    object); any other object index matches its subtypes.
 *  - Walk: a matched callback runs before (pre-order) or after (post-order)
 *    the children and returns None / 0 (go on), 1 (pre-order: skip the
 *    children) or a VisitInterrupt, which stops the walk and is its result.
 *    Visit: a matched callback (value, visitor) replaces the descent into its
 *    value (visitor.visit / visitor.default_visit descend on demand).
 *  - Map: post-order: children first, then the callback on the rebuilt value;
 *    pre-order: the callback first, then the children of what it returned.
 *    Mutate: a matched callback (value, mutator[, inplace_mode]) gives the
 *    final value; an unmatched value has its children mutated.  A result
 *    equal to the original (the same object; the same plain value; a string,
 *    bytes or big int of the same content) counts as unchanged.
 *  - Copy on write: a container or object whose children changed is copied
 *    (a sequence or map anew, an object through its type's
 *    __ffi_shallow_copy__ then the changed fields' setters); an unchanged one
 *    comes back as itself.  In place: when the root was handed over
 *    (x._move()) and is the only reference to it, an Array/List/Map/Dict
 *    reached through such unique containers is updated in place (checked
 *    again just before, so a callback that kept it makes it a copy).
 *  - Variables: a FreeVar or DAG node rewritten by the default descent is
 *    remembered (var -> result), and every later occurrence gives the same
 *    result without descending; a FreeVar used outside any region and not
 *    yet rewritten stays itself.  An unchanged FreeVar is remembered only in
 *    a pattern region.  mutator.var_remap_get/var_remap_set read and write
 *    this table.
 *  - The visitor/mutator handed to a callback works while its walk runs;
 *    used after it, RuntimeError.  An exception raised by a callback leaves
 *    the walk unchanged (the same exception object).  Nesting deeper than
 *    WalkDepthGuard's limit: RecursionError.
 */
#include <cstring>
#include <unordered_map>
#include <utility>
#include <vector>

#include <tvm_ffi_hpy/big_int.h>
#include <tvm_ffi_hpy/containers.h>

#include "enum_internal.h"
#include "structural_internal.h"

namespace tvm_ffi_hpy {

namespace structural {
class WalkEngine;
class MutateEngine;
}  // namespace structural

/* What a walk callback returns to stop the walk, with a payload. */
class VisitInterruptObj : public Object {
 public:
  Any value;
  explicit VisitInterruptObj(Any v) : value(std::move(v)) {}
  static constexpr TVMFFISEqHashKind _type_s_eq_hash_kind = kTVMFFISEqHashKindTreeNode;
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("ffi.VisitInterrupt", VisitInterruptObj, Object)
};

/* The handle of a running visit given to callbacks; `engine` is cleared when
 * the walk ends. */
class StructuralVisitorObj : public Object {
 public:
  structural::WalkEngine* engine;
  explicit StructuralVisitorObj(structural::WalkEngine* e) : engine(e) {}
  StructuralVisitorObj(const StructuralVisitorObj&) = delete;
  StructuralVisitorObj& operator=(const StructuralVisitorObj&) = delete;
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("ffi.StructuralVisitor", StructuralVisitorObj, Object)
};

class StructuralMutatorObj : public Object {
 public:
  structural::MutateEngine* engine;
  explicit StructuralMutatorObj(structural::MutateEngine* e) : engine(e) {}
  StructuralMutatorObj(const StructuralMutatorObj&) = delete;
  StructuralMutatorObj& operator=(const StructuralMutatorObj&) = delete;
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("ffi.StructuralMutator", StructuralMutatorObj, Object)
};

namespace structural {
namespace {

enum Region : int64_t { kNoRegion = 0, kPattern = 1, kSimple = 2 };

struct RegionScope {
  Region* slot;
  Region saved;
  RegionScope(Region* s, Region r) : slot(s), saved(*s) { *s = r; }
  ~RegionScope() { *slot = saved; }
  RegionScope(const RegionScope&) = delete;
  RegionScope& operator=(const RegionScope&) = delete;
};

/* Entering `asked` from `current`: a pattern region is never narrowed. */
Region Enter(Region current, Region asked) { return current == kPattern ? kPattern : asked; }

Region FieldRegion(Region current, int64_t flags) {
  if (flags & kTVMFFIFieldFlagBitMaskSEqHashDefSimple) return Enter(current, kSimple);
  if (flags & kTVMFFIFieldFlagBitMaskSEqHashDef) return Enter(current, kPattern);
  return current;
}

Region CheckedRegion(int64_t kind) {
  if (kind < kNoRegion || kind > kSimple) {
    TVM_FFI_HPY_THROW(ValueError) << "def_region_kind must be 0 (NONE), 1 (DEF_PATTERN) or 2 "
                                  << "(DEF_SIMPLE), got " << kind;
  }
  return Region(kind);
}

int32_t KindOf(int32_t type_index) {
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(type_index);
  return info != nullptr && info->metadata != nullptr ? info->metadata->structural_eq_hash_kind
                                                      : kTVMFFISEqHashKindUnsupported;
}

/* Values without children: plain values, strings, bytes, big ints, enum
 * variants (and None). */
bool IsLeaf(int32_t t) {
  return t < kTVMFFIStaticObjectBegin || details::IsStrIndex(t) || details::IsBytesIndex(t) ||
         t == kTVMFFIBigInt || EnumKindOf(t) >= 0;
}

bool Matches(int32_t actual, int32_t target) {
  if (target == kTVMFFIAny || actual == target) return true;
  if (target == kTVMFFIStr) return details::IsStrIndex(actual);
  if (target == kTVMFFIBytes) return details::IsBytesIndex(actual);
  if (target == kTVMFFIInt) return actual == kTVMFFIBigInt;
  if (actual < kTVMFFIStaticObjectBegin || target < kTVMFFIStaticObjectBegin) return false;
  if (details::IsStrIndex(actual) || details::IsBytesIndex(actual) || actual == kTVMFFIBigInt ||
      actual == kTVMFFIOpaquePyObject) {
    return false;  // Python sees a str, bytes, int or its own object, not an ffi.Object
  }
  if (target == kTVMFFIObject) return true;
  const TVMFFITypeInfo* a = TVMFFIGetTypeInfo(actual);
  const TVMFFITypeInfo* b = TVMFFIGetTypeInfo(target);
  if (a == nullptr || b == nullptr || b->type_depth >= a->type_depth) return false;
  return a->type_ancestors[b->type_depth]->type_index == target;
}

/* Whether a callback's result stands for the original value. */
bool SameValue(const AnyView& a, const AnyView& b) {
  const TVMFFIAny& x = a.raw();
  const TVMFFIAny& y = b.raw();
  if (x.type_index == kTVMFFIDataType && y.type_index == kTVMFFIDataType) {
    // A dtype fills 4 of the 8 value bytes; the rest need not be zero.
    return x.v_dtype.code == y.v_dtype.code && x.v_dtype.bits == y.v_dtype.bits &&
           x.v_dtype.lanes == y.v_dtype.lanes;
  }
  if (x.type_index == y.type_index && x.v_int64 == y.v_int64) return true;
  bool strs = details::IsStrIndex(x.type_index) && details::IsStrIndex(y.type_index);
  bool bytes = details::IsBytesIndex(x.type_index) && details::IsBytesIndex(y.type_index);
  if (strs || bytes) {
    std::string_view p, q;
    details::GetByteContent(&x, &p);
    details::GetByteContent(&y, &q);
    return p == q;
  }
  if (x.type_index == kTVMFFIBigInt && y.type_index == kTVMFFIBigInt) {
    auto p = static_cast<const BigIntObj*>(a.object());
    auto q = static_cast<const BigIntObj*>(b.object());
    return p->num_words == q->num_words &&
           std::memcmp(p->words(), q->words(), p->num_words * sizeof(int64_t)) == 0;
  }
  return false;
}

bool IsUnique(const AnyView& v) {
  const Object* obj = v.object();
  return obj != nullptr && obj->use_count() == 1;
}

/* One callback entry: (type_index, fn) or (type_index, fn, flag). */
struct Link {
  int32_t type_index;
  Function fn;
  bool flag;
};

std::vector<Link> ReadLinks(const AnyView& entries, bool with_flag, const char* api) {
  std::vector<Link> links;
  if (entries.is_none()) return links;
  const Object* seq = entries.object();
  const char* shape = with_flag ? "(type_index, callback, bool)" : "(type_index, callback)";
  if (seq == nullptr || !IsSeqIndex(seq->type_index())) {
    TVM_FFI_HPY_THROW(TypeError) << api << ": callbacks must be a sequence of " << shape
                                 << " entries, got " << entries.type_name();
  }
  SeqView items = GetSeq(seq);
  size_t width = with_flag ? 3 : 2;
  for (int64_t i = 0; i < items.size; ++i) {
    AnyView entry = AnyView::FromRaw(items.data[i]);
    const Object* e = entry.object();
    SeqView parts{nullptr, 0, {}};
    if (e != nullptr && IsSeqIndex(e->type_index())) parts = GetSeq(e);
    if (parts.size != int64_t(width)) {
      TVM_FFI_HPY_THROW(TypeError) << api << ": callback entry #" << i << " must be a " << shape
                                   << " tuple, got " << entry.type_name();
    }
    AnyView index = AnyView::FromRaw(parts.data[0]);
    AnyView fn = AnyView::FromRaw(parts.data[1]);
    std::optional<Function> f = fn.as<Function>();
    if (index.type_index() != kTVMFFIInt || !f.has_value()) {
      TVM_FFI_HPY_THROW(TypeError) << api << ": callback entry #" << i << " must be a " << shape
                                   << " tuple, got (" << index.type_name() << ", "
                                   << fn.type_name() << ", ...)";
    }
    int64_t t = index.raw().v_int64;
    if (t < kTVMFFIAny || t > INT32_MAX) {
      TVM_FFI_HPY_THROW(ValueError) << api << ": callback entry #" << i
                                    << " has type index " << t
                                    << "; a type index is -1 (Any) or a 32-bit index >= 0";
    }
    bool flag = false;
    if (with_flag) {
      AnyView b = AnyView::FromRaw(parts.data[2]);
      if (b.type_index() != kTVMFFIBool && b.type_index() != kTVMFFIInt) {
        TVM_FFI_HPY_THROW(TypeError) << api << ": callback entry #" << i
                                     << " must end with a bool, got " << b.type_name();
      }
      flag = b.raw().v_int64 != 0;
    }
    links.push_back(Link{int32_t(t), std::move(*f), flag});
  }
  return links;
}

const Link* FindLink(const std::vector<Link>& links, int32_t t) {
  for (const Link& l : links) {
    if (Matches(t, l.type_index)) return &l;
  }
  return nullptr;
}

bool IsInterrupt(const AnyView& v) {
  return v.type_index() == VisitInterruptObj::RuntimeTypeIndex();
}

}  // namespace

/* ---------------------------------------------------------------------- */
/* Walk and visit                                                          */
/* ---------------------------------------------------------------------- */
class WalkEngine {
 public:
  enum Mode { kWalkPre, kWalkPost, kVisit };

  WalkEngine(Mode mode, std::vector<Link> links, std::vector<Link> region_links)
      : mode_(mode), links_(std::move(links)), region_links_(std::move(region_links)) {
    ObjectPtr<StructuralVisitorObj> h = make_object<StructuralVisitorObj>(this);
    handle_obj_ = h.get();
    handle_ = ObjectRef(ObjectPtr<Object>(std::move(h)));
  }
  ~WalkEngine() { handle_obj_->engine = nullptr; }
  WalkEngine(const WalkEngine&) = delete;
  WalkEngine& operator=(const WalkEngine&) = delete;

  /* None to go on, or the VisitInterrupt that stops the walk. */
  Any Visit(const AnyView& v) {
    if (v.is_none()) return Any();
    DepthGuard depth(&depth_);
    int32_t t = v.type_index();
    if (mode_ == kVisit) {
      const Link* link = FindLink(links_, t);
      if (link == nullptr) return DefaultVisit(v);
      Any r = link->fn(v, handle_);
      if (!r.is_none() && !IsInterrupt(r)) {
        TVM_FFI_HPY_THROW(TypeError) << "a structural_visit callback must return None or a "
                                     << "VisitInterrupt, got " << r.type_name();
      }
      return r;
    }
    if (mode_ == kWalkPre) {
      Any r = CallWalk(t, v);
      if (IsInterrupt(r)) return r;
      if (r.type_index() != kTVMFFINone && r.raw().v_int64 == 1) return Any();  // skip
    }
    Any inner = DefaultVisit(v);
    if (!inner.is_none()) return inner;
    if (mode_ == kWalkPost) {
      Any r = CallWalk(t, v);
      if (IsInterrupt(r)) return r;
    }
    return Any();
  }

  Any DefaultVisit(const AnyView& v) {
    int32_t t = v.type_index();
    if (IsLeaf(t)) return Any();
    const Object* obj = v.object();
    if (IsSeqIndex(t)) {
      SeqView items = GetSeq(obj);
      for (int64_t i = 0; i < items.size; ++i) {
        Any r = Visit(AnyView::FromRaw(items.data[i]));
        if (!r.is_none()) return r;
      }
      return Any();
    }
    if (IsMapIndex(t)) {
      return VisitMap(obj, [&](const auto& m) -> Any {
        for (auto it = m.begin(); it != m.end(); ++it) {
          Any r = Visit(AnyView(it->second));
          if (!r.is_none()) return r;
        }
        return Any();
      });
    }
    bool clamp = region_ == kSimple && KindOf(t) == kTVMFFISEqHashKindFreeVar;
    RegionScope fields_region(&region_, clamp ? kNoRegion : region_);
    Any found;
    ForEachField(t, [&](const TVMFFIFieldInfo& f) {
      if (!found.is_none() || (f.flags & kTVMFFIFieldFlagBitMaskSEqHashIgnore)) return;
      Any value = ReadField(obj, f);
      RegionScope scope(&region_, FieldRegion(region_, f.flags));
      found = Visit(value);
    });
    return found;
  }

  Region region() const { return region_; }
  Region* region_slot() { return &region_; }
  const ObjectRef& handle() const { return handle_; }

 private:
  /* A walk callback's verdict: None, a VisitInterrupt, or an int 0/1 (as an
   * Any of kind Int with v_int64 0 or 1, normalized from bool too). */
  Any CallWalk(int32_t t, const AnyView& v) {
    Any r;
    if (const Link* link = FindLink(links_, t)) {
      r = link->fn(v);
    } else if (const Link* rlink = FindLink(region_links_, t)) {
      r = rlink->fn(v, int64_t(region_));
    } else {
      return Any();
    }
    int32_t rt = r.type_index();
    if (rt == kTVMFFINone || IsInterrupt(r)) return r;
    if ((rt == kTVMFFIInt || rt == kTVMFFIBool) && (r.raw().v_int64 == 0 || r.raw().v_int64 == 1)) {
      return r.raw().v_int64 == 0 ? Any() : r;
    }
    if (rt == kTVMFFIInt || rt == kTVMFFIBool) {
      TVM_FFI_HPY_THROW(ValueError) << "a structural_walk callback returned " << r.raw().v_int64
                                    << "; a WalkResult is 0 (ADVANCE) or 1 (SKIP)";
    }
    TVM_FFI_HPY_THROW(TypeError) << "a structural_walk callback must return None, a WalkResult "
                                 << "or a VisitInterrupt, got " << r.type_name();
  }

  Mode mode_;
  std::vector<Link> links_, region_links_;
  Region region_ = kNoRegion;
  int depth_ = 0;
  ObjectRef handle_;
  StructuralVisitorObj* handle_obj_ = nullptr;
};

/* ---------------------------------------------------------------------- */
/* Map and mutate                                                          */
/* ---------------------------------------------------------------------- */
class MutateEngine {
 public:
  enum Mode { kMapPre, kMapPost, kMutate };

  /* A rewrite's outcome: `value` only when changed. */
  struct Outcome {
    bool changed = false;
    Any value;
  };

  MutateEngine(Mode mode, std::vector<Link> links, std::vector<Link> region_links)
      : mode_(mode), links_(std::move(links)), region_links_(std::move(region_links)) {
    ObjectPtr<StructuralMutatorObj> h = make_object<StructuralMutatorObj>(this);
    handle_obj_ = h.get();
    handle_ = ObjectRef(ObjectPtr<Object>(std::move(h)));
  }
  ~MutateEngine() { handle_obj_->engine = nullptr; }
  MutateEngine(const MutateEngine&) = delete;
  MutateEngine& operator=(const MutateEngine&) = delete;

  /* `allow_inplace`: the caller owns the path to v (each container on it
   * unique); v itself may then be updated in place when it is unique too. */
  Outcome Mutate(const AnyView& v, bool allow_inplace) {
    DepthGuard depth(&depth_);
    bool inplace = allow_inplace && IsUnique(v);
    int32_t t = v.type_index();
    switch (mode_) {
      case kMutate: {
        const Link* link = FindLink(links_, t);
        if (link == nullptr) return DefaultMutate(v, inplace);
        Any r = link->flag ? link->fn(v, handle_, int64_t(inplace)) : link->fn(v, handle_);
        return Result(std::move(r), v);
      }
      case kMapPost: {
        Outcome d = DefaultMutate(v, inplace);
        AnyView current = d.changed ? AnyView(d.value) : v;
        bool with_region = false;
        const Link* link = FindMapLink(current.type_index(), &with_region);
        if (link == nullptr) return d;
        return Result(CallMap(*link, with_region, current), v);
      }
      case kMapPre:
      default: {
        bool with_region = false;
        const Link* link = FindMapLink(t, &with_region);
        if (link == nullptr) return DefaultMutate(v, inplace);
        Any r = CallMap(*link, with_region, v);
        if (SameValue(r, v)) return DefaultMutate(v, inplace);
        Outcome d = DefaultMutate(r, inplace && IsUnique(r));
        if (d.changed) return d;
        return Outcome{true, std::move(r)};
      }
    }
  }

  /* The children of v, rewritten (no callback on v itself). */
  Outcome DefaultMutate(const AnyView& v, bool inplace) {
    int32_t t = v.type_index();
    if (IsLeaf(t)) return Outcome{};
    Object* obj = const_cast<Object*>(v.object());
    // Checked again here: a callback given v may have kept it since.
    inplace = inplace && obj->use_count() == 1;
    if (IsSeqIndex(t)) return inplace ? SeqInPlace(obj) : SeqCopy(obj, t);
    if (IsMapIndex(t)) return inplace ? MapInPlace(obj) : MapCopy(obj, t);
    return Reflected(v, obj, t);
  }

  /* The remembered result for a var, or None. */
  Any RemapGet(const AnyView& var) {
    const Object* obj = CheckVar(var, "var_remap_get");
    auto it = remap_.find(obj);
    if (it == remap_.end()) return Any();
    return it->second.second.changed ? it->second.second.value : Any(var);
  }
  void RemapSet(const AnyView& var, const AnyView& value) {
    const Object* obj = CheckVar(var, "var_remap_set");
    bool changed = !SameValue(value, var);
    remap_[obj] = {Any(var), Outcome{changed, changed ? Any(value) : Any()}};
  }

  Region* region_slot() { return &region_; }
  const ObjectRef& handle() const { return handle_; }

 private:
  static Outcome Result(Any r, const AnyView& original) {
    if (SameValue(r, original)) return Outcome{};
    return Outcome{true, std::move(r)};
  }

  const Link* FindMapLink(int32_t t, bool* with_region) {
    if (const Link* link = FindLink(links_, t)) return link;
    const Link* link = FindLink(region_links_, t);
    *with_region = link != nullptr;
    return link;
  }
  Any CallMap(const Link& link, bool with_region, const AnyView& v) {
    return with_region ? link.fn(v, int64_t(region_)) : link.fn(v);
  }

  static const Object* CheckVar(const AnyView& var, const char* api) {
    int32_t t = var.type_index();
    if (t < kTVMFFIStaticObjectBegin || details::IsStrIndex(t) || details::IsBytesIndex(t)) {
      TVM_FFI_HPY_THROW(TypeError) << "StructuralMutator." << api << ": the variable must be an "
                                   << "object, got " << var.type_name();
    }
    return var.object();
  }

  Outcome SeqCopy(const Object* obj, int32_t t) {
    SeqView items = GetSeq(obj);
    ObjectPtr<Object> fresh;  // made at the first change
    for (int64_t i = 0; i < items.size; ++i) {
      AnyView item = AnyView::FromRaw(items.data[i]);
      Outcome r = Mutate(item, false);
      if (!r.changed && fresh == nullptr) continue;
      if (fresh == nullptr) {
        fresh = NewSeq(t, items.size);
        for (int64_t j = 0; j < i; ++j) {
          SeqAppend(fresh.get(), Any(AnyView::FromRaw(items.data[j])));
        }
      }
      SeqAppend(fresh.get(), r.changed ? std::move(r.value) : Any(item));
    }
    if (fresh == nullptr) return Outcome{};
    return Outcome{true, Any(ObjectRef(std::move(fresh)))};
  }

  /* obj is unique: nothing else can reach it while its items are rewritten
   * (its items are handed out as borrowed, so theirs can be unique too). */
  Outcome SeqInPlace(Object* obj) {
    TVMFFISeqCell* cell = TVMFFISeqGetCellPtr(details::HeaderOf(obj));
    for (int64_t i = 0; i < cell->size; ++i) {
      Outcome r = Mutate(AnyView::FromRaw(cell->data[i]), true);
      if (!r.changed || i >= cell->size) continue;
      TVMFFIAny old = cell->data[i];
      cell->data[i] = r.value.release();
      Any::FromRawOwned(old);  // released after the new item is in place
    }
    return Outcome{};
  }

  Outcome MapCopy(const Object* obj, int32_t t) {
    return VisitMap(obj, [&](const auto& m) -> Outcome {
      std::vector<Outcome> values;
      bool any_changed = false;
      for (auto it = m.begin(); it != m.end(); ++it) {
        values.push_back(Mutate(AnyView(it->second), false));
        any_changed = any_changed || values.back().changed;
      }
      if (!any_changed) return Outcome{};
      ObjectPtr<Object> fresh = NewMap(t);
      size_t i = 0;
      for (auto it = m.begin(); it != m.end(); ++it, ++i) {
        MapInsert(fresh.get(), it->first,
                  values[i].changed ? std::move(values[i].value) : Any(it->second));
      }
      return Outcome{true, Any(ObjectRef(std::move(fresh)))};
    });
  }

  Outcome MapInPlace(Object* obj) {
    std::vector<std::pair<Any, Any>> changes;
    auto collect = [&](const auto& m) {
      for (auto it = m.begin(); it != m.end(); ++it) {
        Outcome r = Mutate(AnyView(it->second), true);
        if (r.changed) changes.emplace_back(it->first, std::move(r.value));
      }
    };
    if (obj->type_index() == kTVMFFIDict) {
      collect(*static_cast<const DictObj*>(obj));
    } else {
      collect(*static_cast<const MapObj*>(obj));
    }
    for (auto& kv : changes) MapInsert(obj, kv.first, std::move(kv.second));
    return Outcome{};
  }

  Outcome Reflected(const AnyView& v, const Object* obj, int32_t t) {
    int32_t kind = KindOf(t);
    bool is_var = kind == kTVMFFISEqHashKindFreeVar;
    bool is_dag = kind == kTVMFFISEqHashKindDAGNode;
    if (is_var || is_dag) {
      auto it = remap_.find(obj);
      if (it != remap_.end()) return it->second.second;
      if (is_var && region_ == kNoRegion) return Outcome{};  // a use, not rewritten before
    }
    Outcome out;
    {
      // A simple definition defines the var itself; its fields are uses.
      RegionScope fields_region(&region_, is_var && region_ == kSimple ? kNoRegion : region_);
      Any copy;  // made at the first changed field
      ForEachField(t, [&](const TVMFFIFieldInfo& f) {
        if (f.flags & kTVMFFIFieldFlagBitMaskSEqHashIgnore) return;
        Any value = ReadField(obj, f);
        Outcome r;
        {
          RegionScope scope(&region_, FieldRegion(region_, f.flags));
          r = Mutate(value, false);
        }
        if (!r.changed) return;
        if (copy.is_none()) copy = ShallowCopy(v, t);
        if (f.setter == nullptr) {
          TVM_FFI_HPY_THROW(TypeError) << "cannot rewrite field '" << details::ToStringView(f.name)
                                       << "' of " << TypeKeyOf(t) << ": it has no setter";
        }
        WriteField(const_cast<Object*>(copy.object()), f, r.value);
      });
      if (!copy.is_none()) out = Outcome{true, std::move(copy)};
    }
    if (is_dag || (is_var && (region_ == kPattern || out.changed))) {
      remap_[obj] = {Any(v), out};
    }
    return out;
  }

  static Any ShallowCopy(const AnyView& v, int32_t t) {
    Any shallow = TypeAttrOf(t, "__ffi_shallow_copy__");
    std::optional<Function> fn = shallow.as<Function>();
    if (!fn.has_value()) {
      TVM_FFI_HPY_THROW(TypeError) << "cannot rewrite an object of type " << TypeKeyOf(t)
                                   << ": the type has no __ffi_shallow_copy__ (it is not "
                                   << "copy-constructible)";
    }
    Any copy = (*fn)(v);
    if (copy.type_index() != t || copy.object() == v.object()) {
      TVM_FFI_HPY_THROW(TypeError) << "__ffi_shallow_copy__ of " << TypeKeyOf(t)
                                   << " must return a new object of the same type, got "
                                   << copy.type_name();
    }
    return copy;
  }

  Mode mode_;
  std::vector<Link> links_, region_links_;
  Region region_ = kNoRegion;
  int depth_ = 0;
  /* var -> (var, held so that its address stays its own; its outcome) */
  std::unordered_map<const Object*, std::pair<Any, Outcome>> remap_;
  ObjectRef handle_;
  StructuralMutatorObj* handle_obj_ = nullptr;
};

namespace {

WalkEngine& ActiveWalk(const ObjectRef& ref, const char* api) {
  const StructuralVisitorObj* h = ref.as<StructuralVisitorObj>();
  if (h == nullptr) {
    TVM_FFI_HPY_THROW(TypeError) << api << ": expected a StructuralVisitor";
  }
  if (h->engine == nullptr) {
    TVM_FFI_HPY_THROW(RuntimeError) << api << ": this StructuralVisitor's walk has finished";
  }
  return *h->engine;
}

MutateEngine& ActiveMutate(const ObjectRef& ref, const char* api) {
  const StructuralMutatorObj* h = ref.as<StructuralMutatorObj>();
  if (h == nullptr) {
    TVM_FFI_HPY_THROW(TypeError) << api << ": expected a StructuralMutator";
  }
  if (h->engine == nullptr) {
    TVM_FFI_HPY_THROW(RuntimeError) << api << ": this StructuralMutator's walk has finished";
  }
  return *h->engine;
}

bool PreOrder(int64_t order, const char* api) {
  if (order != 0 && order != 1) {
    TVM_FFI_HPY_THROW(ValueError) << api << ": order must be 0 (PREORDER) or 1 (POSTORDER), got "
                                  << order;
  }
  return order == 0;
}

Any WithRegion(Region* slot, int64_t kind, const Function& callback) {
  RegionScope scope(slot, Enter(*slot, CheckedRegion(kind)));
  return callback();
}

}  // namespace
}  // namespace structural

TVM_FFI_HPY_STATIC_INIT_BLOCK() {
  using structural::MutateEngine;
  using structural::WalkEngine;
  refl::ObjectDef<VisitInterruptObj>("Stops a structural walk, with a payload.")
      .def_ro("value", &VisitInterruptObj::value, "the payload");
  refl::ObjectDef<StructuralVisitorObj>("The running structural visit a callback is given.");
  refl::ObjectDef<StructuralMutatorObj>("The running structural rewrite a callback is given.");
  refl::GlobalDef()
      .def("ffi.VisitInterrupt",
           [](Any value) { return ObjectRef(make_object<VisitInterruptObj>(std::move(value))); })
      .def("ffi.StructuralWalk",
           [](Any root, Any callbacks, Any region_callbacks, int64_t order) {
             const char* api = "ffi.StructuralWalk";
             WalkEngine engine(structural::PreOrder(order, api) ? WalkEngine::kWalkPre
                                                                : WalkEngine::kWalkPost,
                               structural::ReadLinks(callbacks, false, api),
                               structural::ReadLinks(region_callbacks, false, api));
             return engine.Visit(root);
           })
      .def("ffi.StructuralVisit",
           [](Any root, Any callbacks) {
             WalkEngine engine(WalkEngine::kVisit,
                               structural::ReadLinks(callbacks, false, "ffi.StructuralVisit"), {});
             return engine.Visit(root);
           })
      .def("ffi.StructuralMap",
           [](Any root, Any callbacks, Any region_callbacks, int64_t order) {
             const char* api = "ffi.StructuralMap";
             MutateEngine engine(structural::PreOrder(order, api) ? MutateEngine::kMapPre
                                                                  : MutateEngine::kMapPost,
                                 structural::ReadLinks(callbacks, false, api),
                                 structural::ReadLinks(region_callbacks, false, api));
             MutateEngine::Outcome out = engine.Mutate(root, true);
             return out.changed ? std::move(out.value) : std::move(root);
           })
      .def("ffi.StructuralMutate",
           [](Any root, Any callbacks) {
             MutateEngine engine(MutateEngine::kMutate,
                                 structural::ReadLinks(callbacks, true, "ffi.StructuralMutate"),
                                 {});
             MutateEngine::Outcome out = engine.Mutate(root, true);
             return out.changed ? std::move(out.value) : std::move(root);
           })
      .def("ffi.StructuralVisitorVisit",
           [](ObjectRef visitor, Any value) {
             return structural::ActiveWalk(visitor, "StructuralVisitor.visit").Visit(value);
           })
      .def("ffi.StructuralVisitorDefaultVisit",
           [](ObjectRef visitor, Any value) {
             return structural::ActiveWalk(visitor, "StructuralVisitor.default_visit")
                 .DefaultVisit(value);
           })
      .def("ffi.StructuralVisitorDefRegionKind",
           [](ObjectRef visitor) {
             return int64_t(
                 *structural::ActiveWalk(visitor, "StructuralVisitor.def_region_kind")
                      .region_slot());
           })
      .def("ffi.StructuralVisitorWithDefRegionKind",
           [](ObjectRef visitor, int64_t kind, Function callback) {
             WalkEngine& e =
                 structural::ActiveWalk(visitor, "StructuralVisitor.with_def_region_kind");
             return structural::WithRegion(e.region_slot(), kind, callback);
           })
      .def("ffi.StructuralMutatorMutate",
           [](ObjectRef mutator, Any value) {
             MutateEngine::Outcome out =
                 structural::ActiveMutate(mutator, "StructuralMutator.mutate").Mutate(value, false);
             return out.changed ? std::move(out.value) : std::move(value);
           })
      .def("ffi.StructuralMutatorDefaultMutate",
           [](ObjectRef mutator, Any value) {
             MutateEngine::Outcome out =
                 structural::ActiveMutate(mutator, "StructuralMutator.default_mutate")
                     .DefaultMutate(value, false);
             return out.changed ? std::move(out.value) : std::move(value);
           })
      .def("ffi.StructuralMutatorVarRemapGet",
           [](ObjectRef mutator, Any var) {
             return structural::ActiveMutate(mutator, "StructuralMutator.var_remap_get")
                 .RemapGet(var);
           })
      .def("ffi.StructuralMutatorVarRemapSet",
           [](ObjectRef mutator, Any var, Any value) {
             structural::ActiveMutate(mutator, "StructuralMutator.var_remap_set")
                 .RemapSet(var, value);
           })
      .def("ffi.StructuralMutatorDefRegionKind",
           [](ObjectRef mutator) {
             return int64_t(
                 *structural::ActiveMutate(mutator, "StructuralMutator.def_region_kind")
                      .region_slot());
           })
      .def("ffi.StructuralMutatorWithDefRegionKind",
           [](ObjectRef mutator, int64_t kind, Function callback) {
             MutateEngine& e =
                 structural::ActiveMutate(mutator, "StructuralMutator.with_def_region_kind");
             return structural::WithRegion(e.region_slot(), kind, callback);
           });
}

}  // namespace tvm_ffi_hpy
