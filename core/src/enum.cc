/*
 * Enum types and their variants (the model: core/include/tvm_ffi_hpy/enum.h).
 *
 * The three bases ffi.Enum (slots `_int_index`, `_str_index`), ffi.IntEnum
 * and ffi.StrEnum, and ffi.EnumState (slots `entries`, `indexes`, `attrs`)
 * are slot types (py_class.cc), defined on first use.  Each concrete
 * enum type has one EnumState, made with its first variant and published
 * as the type attribute "__ffi_enum__".
 *
 *   ffi.EnumBaseTypeIndex(kind)            0 Enum, 1 IntEnum, 2 StrEnum
 *   ffi.EnumRegisterType(type_index)       a C++-declared enum type takes
 *                                          the slot layout -> type_index
 *   ffi.EnumAddEntry(type_index, int_index, str_index) -> new variant
 *                                          (int_index -1: its position;
 *                                          no payload: a C++ enum)
 *   ffi.EnumRegisterEntry(variant)         a variant made elsewhere (a
 *                                          Python enum with payload)
 *   ffi.EnumGet(type_index, index)         by int or str index; ValueError
 *   ffi.EnumFind(type_index, index)        the same, None when there is none
 *                                          (an index where a C++ signature
 *                                          wants the enum type: any.h)
 *   ffi.EnumSetAttr(variant, name, value)
 *
 * g_mutex guards g_states (type index -> its EnumState) and every change
 * of a state's containers made here; the containers themselves are plain
 * core objects that Python may also read.
 */
#include <tvm_ffi_hpy/enum.h>

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "enum_internal.h"
#include "internal.h"

namespace tvm_ffi_hpy {
namespace {

constexpr const char* kStateAttr = "__ffi_enum__";

struct BaseTypes {
  int32_t kinds[3];
  int32_t state;
};

const BaseTypes& Bases() {
  static const BaseTypes bases = [] {
    BaseTypes b{};
    b.kinds[0] = DefineSlotType(String("ffi.Enum"), kTVMFFIObject, {"_int_index", "_str_index"},
                                /*frozen=*/true);
    b.kinds[1] = DefineSlotType(String("ffi.IntEnum"), b.kinds[0], {}, true);
    b.kinds[2] = DefineSlotType(String("ffi.StrEnum"), b.kinds[0], {}, true);
    b.state = DefineSlotType(String("ffi.EnumState"), kTVMFFIObject,
                             {"entries", "indexes", "attrs"}, true);
    return b;
  }();
  return bases;
}

std::mutex g_mutex;
std::unordered_map<int32_t, ObjectRef> g_states;  // concrete enum type -> EnumState

struct StateView {
  List entries;
  Dict indexes;
  Dict attrs;
};

StateView ViewState(const ObjectRef& state) {
  TVMFFIAny* s = SlotValues(state.get());
  return {AnyView::FromRaw(s[0]).cast<List>(), AnyView::FromRaw(s[1]).cast<Dict>(),
          AnyView::FromRaw(s[2]).cast<Dict>()};
}

bool Derives(int32_t type_index, int32_t base) {
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(type_index);
  if (info == nullptr) return false;
  if (type_index == base) return true;
  for (int32_t d = 0; d < info->type_depth; ++d) {
    if (info->type_ancestors[d]->type_index == base) return true;
  }
  return false;
}

std::string KeyOf(int32_t type_index) {
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(type_index);
  return info ? std::string(details::ToStringView(info->type_key)) : std::to_string(type_index);
}

void CheckConcrete(int32_t type_index) {
  const BaseTypes& b = Bases();
  if (!Derives(type_index, b.kinds[0])) {
    TVM_FFI_HPY_THROW(TypeError) << "`" << KeyOf(type_index) << "` is not an enum type";
  }
  if (type_index == b.kinds[0] || type_index == b.kinds[1] || type_index == b.kinds[2]) {
    TVM_FFI_HPY_THROW(TypeError) << "`" << KeyOf(type_index)
                                 << "` is a base of enums: derive an enum type from it";
  }
}

/* The state of a concrete enum type, made (and published) on first use.
 * Called with g_mutex held. */
ObjectRef StateOfLocked(int32_t type_index) {
  auto it = g_states.find(type_index);
  if (it != g_states.end()) return it->second;
  List entries;
  Dict indexes, attrs;
  AnyView values[3] = {AnyView(entries), AnyView(indexes), AnyView(attrs)};
  ObjectRef state = MakeSlotObject(Bases().state, values, 3);
  TVMFFIByteArray name = details::ToByteArray(kStateAttr);
  if (TVMFFITypeRegisterAttr(type_index, &name, &AnyView(state).raw()) != 0) {
    details::ThrowRaised();
  }
  g_states.emplace(type_index, state);
  return state;
}

/* Adds `variant` to its type's state: its indexes must be new. */
void RegisterLocked(const ObjectRef& variant) {
  int32_t type_index = variant->type_index();
  StateView st = ViewState(StateOfLocked(type_index));
  TVMFFIAny* slots = SlotValues(variant.get());
  AnyView int_index = AnyView::FromRaw(slots[0]);
  AnyView str_index = AnyView::FromRaw(slots[1]);
  if (int_index.type_index() != kTVMFFIInt || !str_index.as<String>()) {
    TVM_FFI_HPY_THROW(TypeError) << "a variant of `" << KeyOf(type_index)
                                 << "` has an int `_int_index` and a str `_str_index`";
  }
  if (st.indexes.count(int_index)) {
    TVM_FFI_HPY_THROW(ValueError) << "enum `" << KeyOf(type_index) << "` already has a variant "
                                  << "with int index " << int_index.raw().v_int64;
  }
  if (st.indexes.count(str_index)) {
    TVM_FFI_HPY_THROW(ValueError) << "enum `" << KeyOf(type_index) << "` already has a variant "
                                  << "with string index \"" << str_index.cast<String>().view()
                                  << "\"";
  }
  st.entries.push_back(variant);
  st.indexes.Set(int_index, variant);
  st.indexes.Set(str_index, variant);
}

int64_t RegisterType(int64_t type_index) {
  CheckConcrete(int32_t(type_index));
  AdoptSlotType(int32_t(type_index));
  return type_index;
}

ObjectRef AddEntry(int64_t type_index, int64_t int_index, const String& str_index) {
  int32_t index = int32_t(type_index);
  CheckConcrete(index);
  bool by_value = Derives(index, Bases().kinds[1]);
  std::lock_guard<std::mutex> lock(g_mutex);
  StateView st = ViewState(StateOfLocked(index));
  if (!by_value || int_index == -1) int_index = st.entries.size();
  AnyView values[2] = {AnyView(int_index), AnyView(str_index)};
  ObjectRef variant = MakeSlotObject(index, values, 2);
  RegisterLocked(variant);
  return variant;
}

void SetAttr(const ObjectRef& variant, const String& name, AnyView value) {
  int32_t index = variant.defined() ? variant->type_index() : -1;
  CheckConcrete(index);
  std::lock_guard<std::mutex> lock(g_mutex);
  StateView st = ViewState(StateOfLocked(index));
  std::optional<Any> column = st.attrs.Get(AnyView(name));
  Dict table;
  if (column.has_value()) {
    table = column->cast<Dict>();
  } else {
    st.attrs.Set(AnyView(name), table);
  }
  table.Set(AnyView(variant), Any(value));
}

}  // namespace

int32_t EnumKindOf(int32_t type_index) {
  // Every walk asks this of every object: two ancestor slots, no search.
  // ffi.Enum sits at depth 1 of every enum type, IntEnum/StrEnum at depth 2.
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(type_index);
  if (info == nullptr || info->type_depth < 1) return -1;
  const BaseTypes& b = Bases();
  int32_t at1 = info->type_depth == 1 ? type_index : info->type_ancestors[1]->type_index;
  if (at1 != b.kinds[0]) return -1;
  if (info->type_depth < 2) return 0;
  int32_t at2 = info->type_depth == 2 ? type_index : info->type_ancestors[2]->type_index;
  return at2 == b.kinds[1] ? 1 : at2 == b.kinds[2] ? 2 : 0;
}

ObjectRef EnumGet(int32_t type_index, const AnyView& index) {
  std::lock_guard<std::mutex> lock(g_mutex);
  auto it = g_states.find(type_index);
  if (it != g_states.end()) {
    if (std::optional<Any> found = ViewState(it->second).indexes.Get(index)) {
      return found->cast<ObjectRef>();
    }
  }
  std::string shown;
  if (std::optional<String> s = index.as<String>()) {
    shown = "\"" + std::string(s->view()) + "\"";
  } else if (index.type_index() == kTVMFFIInt) {
    shown = std::to_string(index.raw().v_int64);
  } else {
    TVM_FFI_HPY_THROW(TypeError) << "an index of enum `" << KeyOf(type_index)
                                 << "` is an int or a str";
  }
  TVM_FFI_HPY_THROW(ValueError) << "enum `" << KeyOf(type_index) << "` has no variant with index "
                                << shown;
}

// The bases are defined on first use, not here: py_class.cc's tables may not
// be constructed yet while this file's static initializers run.
TVM_FFI_HPY_STATIC_INIT_BLOCK() {
  refl::GlobalDef()
      .def("ffi.EnumBaseTypeIndex",
           [](int64_t kind) -> int64_t {
             if (kind < 0 || kind > 2) TVM_FFI_HPY_THROW(ValueError) << "enum kind 0, 1 or 2";
             return Bases().kinds[kind];
           })
      .def("ffi.EnumRegisterType", &RegisterType)
      .def("ffi.EnumAddEntry", &AddEntry)
      .def("ffi.EnumRegisterEntry",
           [](const ObjectRef& variant) {
             CheckConcrete(variant.defined() ? variant->type_index() : -1);
             std::lock_guard<std::mutex> lock(g_mutex);
             RegisterLocked(variant);
             return variant;
           })
      .def("ffi.EnumGet",
           [](int64_t type_index, AnyView index) { return EnumGet(int32_t(type_index), index); })
      .def("ffi.EnumFind",
           [](int64_t type_index, AnyView index) -> Any {
             std::lock_guard<std::mutex> lock(g_mutex);
             auto it = g_states.find(int32_t(type_index));
             if (it == g_states.end()) return Any();
             return ViewState(it->second).indexes.Get(index).value_or(Any());
           })
      .def("ffi.EnumSetAttr", &SetAttr);
}

}  // namespace tvm_ffi_hpy
