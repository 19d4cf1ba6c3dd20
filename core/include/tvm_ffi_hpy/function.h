/*
 * tvm_ffi_hpy/function.h -- Function: a reference to a callable object.
 *
 *   Function f = Function::FromTyped([](int64_t a, int64_t b) { return a + b; }, "add");
 *   Function g = Function::FromPacked([](const AnyView* args, int32_t n, Any* rv) { ... });
 *   int64_t r = f(1, 2).cast<int64_t>();
 *
 * Layout: { header, TVMFFIFunctionCell }.  cell.safe_call is always called
 * with the function object itself as `handle`.  Functions made here also
 * set cell.cpp_call, a C++-only entry that may throw: a C++ caller uses it
 * and exceptions travel natively; everyone else goes through safe_call.
 */
#ifndef TVM_FFI_HPY_FUNCTION_H_
#define TVM_FFI_HPY_FUNCTION_H_

#include <tvm_ffi_hpy/string.h>

#include <tuple>

namespace tvm_ffi_hpy {

class FunctionObj : public Object {
 public:
  /* ABI (offset 24). */
  TVMFFIFunctionCell cell;
  TVM_FFI_HPY_DECLARE_STATIC_OBJECT_INFO("ffi.Function", FunctionObj, Object, kTVMFFIFunction,
                                         true)
};

namespace details {

/* Signature of TVMFFIFunctionCell::cpp_call for functions made in C++. */
using CppCallType = void (*)(const FunctionObj* self, const AnyView* args, int32_t num_args,
                             Any* rv);

/* The body of every safe call made in C++: body(Any* rv) builds the result
 * in place in *result (an Any is exactly a TVMFFIAny), so there is no local to
 * copy out, whose 16-byte reload right after two 8-byte stores would stall
 * on store forwarding in short functions.  A C++ exception releases the
 * partial result and becomes the raised error. */
template <typename Body>
inline int SafeCallInto(TVMFFIAny* result, Body&& body) noexcept {
  *result = NoneAny();
  Any* rv = reinterpret_cast<Any*>(result);
  try {
    body(rv);
    return 0;
  } catch (...) {
    rv->reset();
    return SetRaisedFromCurrentException();
  }
}

/* A function object that owns a packed callable F: void(const AnyView*, int32_t, Any*). */
template <typename F>
class PackedFunctionObj : public FunctionObj {
 public:
  explicit PackedFunctionObj(F f) : f_(std::move(f)) {
    cell.safe_call = &SafeCall;
    cell.cpp_call = reinterpret_cast<void*>(&CppCall);
  }

 private:
  static int SafeCall(void* handle, const TVMFFIAny* args, int32_t num_args, TVMFFIAny* result) {
    auto* self = static_cast<PackedFunctionObj*>(ObjectUnsafe::FromHeader(handle));
    return SafeCallInto(result, [&](Any* rv) {
      self->f_(reinterpret_cast<const AnyView*>(args), num_args, rv);
    });
  }
  static void CppCall(const FunctionObj* self, const AnyView* args, int32_t num_args, Any* rv) {
    static_cast<const PackedFunctionObj*>(self)->f_(args, num_args, rv);
  }
  mutable F f_;
};

/* Signature of a callable: Ret and the (undecayed) argument types. */
template <typename F>
struct FuncSig : FuncSig<decltype(&F::operator())> {};
template <typename R, typename... A>
struct FuncSig<R (*)(A...)> {
  using Ret = R;
  using Args = std::tuple<A...>;
  static constexpr size_t kArity = sizeof...(A);
};
template <typename R, typename... A>
struct FuncSig<R(A...)> : FuncSig<R (*)(A...)> {};
template <typename R, typename C, typename... A>
struct FuncSig<R (C::*)(A...)> : FuncSig<R (*)(A...)> {};
template <typename R, typename C, typename... A>
struct FuncSig<R (C::*)(A...) const> : FuncSig<R (*)(A...)> {};

/* "(0: int, 1: str) -> float": the signature of a typed function as its
 * error messages show it (apache tvm-ffi's form; `void` for no result).
 * Built only when a message needs it. */
template <typename R, typename... A>
std::string TypedSignature() {
  std::string out = "(";
  size_t i = 0;
  ((out += (i ? ", " : "") + std::to_string(i) + ": " + TypeTraits<std::decay_t<A>>::TypeName(),
    ++i),
   ...);
  out += ") -> ";
  if constexpr (std::is_void_v<R>) {
    out += "void";
  } else {
    out += TypeTraits<std::decay_t<R>>::TypeName();
  }
  return out;
}

/* Argument `i`, converted; on a mismatch a TypeError
 * "Mismatched type on argument #i when calling: `name(sig)`. Expected `T` but got `U`".
 * An object the caller gives away (kTVMFFIObjectRValueRef) converts as the
 * object itself, and is taken when it converts: the caller's slot is
 * emptied.  An owning value (ObjectRef, Any) keeps the object and the
 * caller's reference is released at once; for any other type the reference
 * moves to *taken, which the caller of CastArg releases after the call: a
 * view (AnyView, TensorView, const char*) holds no reference of its own, and
 * releasing it here would leave the callee a view of a freed object. */
template <typename T>
std::decay_t<T> CastArg(const AnyView* args, int32_t i, const std::string& fname,
                        std::string (*signature)(), TVMFFIObject** taken) {
  using U = std::decay_t<T>;
  const TVMFFIAny* raw = &args[i].raw();
  TVMFFIAny held;
  TVMFFIObject** slot = nullptr;
  if (TVM_FFI_HPY_UNLIKELY(raw->type_index == kTVMFFIObjectRValueRef)) {
    slot = static_cast<TVMFFIObject**>(raw->v_ptr);
    if (*slot == nullptr) {
      throw Error("ValueError", "argument #" + std::to_string(i) + " when calling `" + fname +
                                    "`: the object was moved out already");
    }
    held.type_index = (*slot)->type_index;
    held.zero_padding = 0;
    held.v_obj = *slot;
    raw = &held;
  }
  std::optional<U> value = TypeTraits<U>::TryFrom(raw);
  if (TVM_FFI_HPY_UNLIKELY(!value.has_value())) {
    throw Error("TypeError", "Mismatched type on argument #" + std::to_string(i) +
                                 " when calling: `" + fname + (signature ? signature() : "") +
                                 "`. Expected `" +
                                 TypeTraits<U>::TypeName() + "` but got `" +
                                 TypeIndexName(raw->type_index) + "`");
  }
  if (slot != nullptr) {
    TVMFFIObject* obj = *slot;
    *slot = nullptr;
    // An ObjectRef or an Any holds its own reference: the caller's goes now,
    // so the callee sees the count it would see after a C++ std::move.
    if constexpr (std::is_base_of_v<ObjectRef, U> || std::is_same_v<U, Any>) {
      TVMFFIObjectDecRef(obj);
    } else {
      *taken = obj;
    }
  }
  return std::move(*value);
}

/* The references CastArg took from the caller's slots, released when the
 * call is over (after the callee, or when a conversion throws). */
template <size_t N>
struct TakenArgs {
  TVMFFIObject* refs[N + 1] = {};
  TakenArgs() = default;
  TakenArgs(const TakenArgs&) = delete;
  TakenArgs& operator=(const TakenArgs&) = delete;
  ~TakenArgs() {
    for (TVMFFIObject* obj : refs) {
      if (obj) TVMFFIObjectDecRef(obj);
    }
  }
};

template <typename F, typename R, typename... A, size_t... I>
void CallTyped(F& f, const std::string& name, const AnyView* args, int32_t num_args, Any* rv,
               std::tuple<A...>*, std::index_sequence<I...>) {
  std::string (*signature)() = &TypedSignature<R, A...>;
  if (TVM_FFI_HPY_UNLIKELY(num_args != int32_t(sizeof...(A)))) {
    throw Error("TypeError", "Mismatched number of arguments when calling: `" + name +
                                 signature() + "`. Expected " + std::to_string(sizeof...(A)) +
                                 " but got " + std::to_string(num_args) + " arguments");
  }
  (void)args;
  (void)signature;
  // Declared first, so released last: after the callee and the values.
  TakenArgs<sizeof...(A)> taken;
  // Braced initialisation converts the arguments strictly left to right.
  std::tuple<std::decay_t<A>...> values{
      CastArg<A>(args, int32_t(I), name, signature, &taken.refs[I])...};
  (void)values;
  if constexpr (std::is_void_v<R>) {
    f(std::get<I>(std::move(values))...);
    *rv = Any();
  } else {
    *rv = Any(f(std::get<I>(std::move(values))...));
  }
}

}  // namespace details

class Function : public ObjectRef {
 public:
  TVM_FFI_HPY_DEFINE_OBJECT_REF_METHODS(Function, ObjectRef, FunctionObj)
  /* A null function. */
  Function() noexcept : ObjectRef(details::UnsafeInit{}) {}

  /* f(const AnyView* args, int32_t num_args, Any* rv) */
  template <typename F>
  static Function FromPacked(F f) {
    return Function(ObjectPtr<FunctionObj>(
        make_object<details::PackedFunctionObj<std::decay_t<F>>>(std::move(f))));
  }

  /* Any callable with TypeTraits-enabled argument and return types; `name`
   * appears in the arity and type error messages. */
  template <typename F>
  static Function FromTyped(F f, std::string name = "<anonymous>") {
    using Sig = details::FuncSig<std::decay_t<F>>;
    using Args = typename Sig::Args;
    using Ret = typename Sig::Ret;
    return FromPacked([f = std::move(f), name = std::move(name)](
                          const AnyView* args, int32_t num_args, Any* rv) mutable {
      details::CallTyped<F, Ret>(f, name, args, num_args, rv, static_cast<Args*>(nullptr),
                                 std::make_index_sequence<Sig::kArity>());
    });
  }

  template <typename... Args>
  Any operator()(Args&&... args) const {
    constexpr size_t kNum = sizeof...(Args);
    AnyView views[kNum == 0 ? 1 : kNum] = {AnyView(args)...};
    Any rv;
    CallPacked(views, int32_t(kNum), &rv);
    return rv;
  }

  /* Calls with views; any failure comes back as an Error exception (a
   * std::out_of_range thrown by the callee arrives as Error "IndexError", as
   * it would through the C ABI). */
  void CallPacked(const AnyView* args, int32_t num_args, Any* rv) const {
    const FunctionObj* f = get();
    if (TVM_FFI_HPY_UNLIKELY(f == nullptr)) throw Error("ValueError", "calling a null Function");
    if (f->cell.cpp_call != nullptr) {
      try {
        reinterpret_cast<details::CppCallType>(f->cell.cpp_call)(f, args, num_args, rv);
      } catch (const Error&) {
        throw;
      } catch (...) {  // callers see an Error whichever path the call took
        details::SetRaisedFromCurrentException();
        details::ThrowRaised();
      }
      return;
    }
    TVMFFIAny result = details::NoneAny();
    if (f->cell.safe_call(details::HeaderOf(f), reinterpret_cast<const TVMFFIAny*>(args),
                          num_args, &result) != 0) {
      details::ThrowRaised();
    }
    *rv = Any::FromRawOwned(result);
  }

  /* ---- the global registry ---- */
  static std::optional<Function> GetGlobal(std::string_view name) {
    TVMFFIByteArray n = details::ToByteArray(name);
    TVMFFIObjectHandle handle = nullptr;
    if (TVMFFIFunctionGetGlobal(&n, &handle) != 0) details::ThrowRaised();
    if (handle == nullptr) return std::nullopt;
    return Function(ObjectPtr<FunctionObj>::Steal(
        static_cast<FunctionObj*>(details::ObjectUnsafe::FromHeader(handle))));
  }
  /* ValueError "Global function `name` is not registered" when missing. */
  static Function GetGlobalRequired(std::string_view name) {
    std::optional<Function> f = GetGlobal(name);
    if (!f.has_value()) {
      throw Error("ValueError", "Global function `" + std::string(name) + "` is not registered");
    }
    return *std::move(f);
  }
  /* `metadata`: JSON text (an object) kept with the name; "" for none. */
  static void SetGlobal(std::string_view name, const Function& f, bool allow_override = false,
                        std::string_view metadata = {}) {
    TVMFFIByteArray n = details::ToByteArray(name);
    TVMFFIByteArray m = details::ToByteArray(metadata);
    if (TVMFFIFunctionSetGlobalWithMetadata(&n, details::HeaderOf(f.get()), &m,
                                            allow_override) != 0) {
      details::ThrowRaised();
    }
  }
  static bool RemoveGlobal(std::string_view name) {
    TVMFFIByteArray n = details::ToByteArray(name);
    int removed = 0;
    if (TVMFFIFunctionRemoveGlobal(&n, &removed) != 0) details::ThrowRaised();
    return removed != 0;
  }
};

}  // namespace tvm_ffi_hpy

#endif  // TVM_FFI_HPY_FUNCTION_H_
