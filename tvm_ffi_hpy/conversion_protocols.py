"""How Python objects that none of the direct conversions take cross into
the core (apache tvm-ffi's conversion protocols). The extension asks
`protocol_value(obj)` only for such objects (not for None, bool, int, float,
str, bytes, wrappers, lists, tuples, dicts, exceptions or callables), so the
common conversions never pay for it. The answer is a pair ``(kind, value)``:

- ``(NOT_SPECIAL, None)``: the object crosses as itself (an opaque Python
  object), as before;
- ``(REPLACE, v)``: the object crosses as `v` would (converted in turn):
  ``__tvm_ffi_object__()`` (an object wrapper, else TypeError),
  ``__tvm_ffi_value__()``, ``int(__tvm_ffi_int__())``,
  ``float(__tvm_ffi_float__())``, ``int(x)`` for other
  ``numbers.Integral`` (NumPy integers), ``float(x)`` for other
  ``numbers.Real`` (NumPy floats), ``bool(x)`` for NumPy booleans;
- ``(OPAQUE_PTR, address)``: an opaque pointer (kTVMFFIOpaquePtr):
  ``ctypes.c_void_p``, ``__tvm_ffi_opaque_ptr__()``, or a handler in
  ``_OPAQUE_PTR_HANDLERS`` (exact class -> callable returning the address),
  or ``__cuda_stream__()`` (a CUDA stream: its address);
- ``(PRODUCER, (capsule, obj))`` for a DLPack producer (an object with
  ``__dlpack__``: NumPy arrays, torch tensors): the core gets a Tensor
  sharing its memory, and that Tensor comes back to Python as `obj` itself
  (``f(x) is x``; ``ffi.from_dlpack(x)`` makes a plain Tensor instead);
- ``(DATA_TYPE, (code, bits, lanes))``: a data type value (kTVMFFIDataType):
  a ``dtype`` (a str subclass: the extension asks here for every str that is
  not exactly a str) or an object with ``__dlpack_data_type__()``;
- ``(DEVICE, (type, index))``: a device value (kTVMFFIDevice): a ``Device``,
  or an object with ``__dlpack_device__()`` and no ``__dlpack__``.

An opaque pointer coming back from the core is a ``ctypes.c_void_p``
(`opaque_ptr_to_py`).

Plain Python objects (no protocol applies) are the common case here, so the
answer is remembered per exact type, and the extension looks before calling
`protocol_value` at all:

- `PLAIN_TYPES` (type -> True) holds the types that gave ``NOT_SPECIAL``;
  `PROTOCOL_TYPES` (type -> the rule that applies) those that gave something
  else (the extension then calls `protocol_value` without looking further,
  and `protocol_value` applies the rule without searching for it).  Both are
  looked up by the extension (one dict lookup each).  A dict keeps its types
  alive, which is harmless for a module's classes (they live as long as the
  module) and builtin types, but not for a class defined inside a function
  (a ``<locals>`` qualified name): it keeps the function's closure alive.
- Such a class is marked instead: the class attribute ``__tvm_ffi_plain__``
  is the class itself when it is plain (its subclasses do not inherit the
  answer), None otherwise; the mark lives and dies with the class.  The
  extension reads it (one attribute lookup) when the type is in neither
  dict.  A local class that refuses the attribute (a metaclass's
  ``__setattr__``) goes into `_LOCAL_PLAIN` (its id -> a weak reference to
  it, dropped with the class), which `protocol_value` looks at first.

- The extension also remembers the one plain type seen last (its
  plain-type cache, hpy_ext/convert.cc): the next object of that type crosses
  after one identity test.  It may hold a class defined in a function only
  because `use_type_cache` empties it at the start of every garbage
  collection (``gc.callbacks``, CPython), so that the class dies in the same
  collection as it would without the cache; PyPy has no such callback, and
  there such classes are looked up by their mark each time.

A type enters `PLAIN_TYPES` (or is marked plain) only when every rule below
said no.  Adding a handler to ``_OPAQUE_PTR_HANDLERS`` takes its type out.
Not seen: a protocol method added to a class after one of its objects
crossed (call `forget_types()`, and for a class defined in a function also
``del cls.__tvm_ffi_plain__``).  Each dict keeps at most `_CACHE_LIMIT`
types; past that it starts again empty.
"""
import gc
import numbers
import sys
import weakref
from typing import Any, Callable, Optional, Tuple

__all__ = ["protocol_value", "opaque_ptr_to_py", "PLAIN_TYPES", "PROTOCOL_TYPES",
           "forget_types", "dtype_from_fields",
           "device_from_fields", "int_to_words", "int_from_words"]

NOT_SPECIAL = 0
REPLACE = 1
OPAQUE_PTR = 2
DATA_TYPE = 3
DEVICE = 4
PRODUCER = 5

_NOT_SPECIAL = (NOT_SPECIAL, None)

#: How objects of one class cross: obj -> (kind, value) (the rules are below).
Rule = Callable[[Any], "Tuple[int, Any]"]

#: exact type -> True: objects of these types cross as themselves (see above;
#: the extension reads it: the "plain_types" hook).
PLAIN_TYPES: "dict[type, bool]" = {}
#: exact type -> its rule: a protocol applies to objects of these types (the
#: "protocol_types" hook; the rules are below).
PROTOCOL_TYPES: "dict[type, Rule]" = {}
# id(local class) -> weak reference to it (the entry leaves with the class).
_LOCAL_PLAIN: "dict[int, weakref.ref[type]]" = {}
_CACHE_LIMIT = 1024
_PLAIN_FLAG = "__tvm_ffi_plain__"  # hpy_ext/ext.h, kPlainFlagName


def _no_cache() -> None:
    pass


#: Empties the extension's plain-type cache (set by `use_type_cache`).
_forget_cached_type: Callable[[], None] = _no_cache


def use_type_cache(forget_plain_type: Callable[[bool], None]) -> None:
    """Connect the extension's plain-type cache: `forget_plain_type(remember_marked)`
    empties it, and lets it hold classes found by their mark when
    `remember_marked` (only where this module empties it at every garbage
    collection)."""
    global _forget_cached_type
    remember_marked = hasattr(gc, "callbacks")  # CPython; not PyPy

    def forget() -> None:
        forget_plain_type(remember_marked)

    _forget_cached_type = forget
    if remember_marked and _forget_at_collection not in gc.callbacks:
        gc.callbacks.append(_forget_at_collection)
    forget()


def _forget_at_collection(phase: str, info: Any) -> None:
    if phase == "start":  # before the collector looks: the class may die in it
        _forget_cached_type()


def forget_types() -> None:
    """Forget the remembered types (`PLAIN_TYPES`, `PROTOCOL_TYPES`, the
    extension's plain-type cache)."""
    PLAIN_TYPES.clear()
    PROTOCOL_TYPES.clear()
    _LOCAL_PLAIN.clear()
    _forget_cached_type()


class _HandlerTable(dict):  # type: ignore[type-arg]
    """exact class -> callable(obj) -> int address; a class added here is no
    longer taken as plain, a class removed is classified again (remove
    entries with ``del``)."""

    def __setitem__(self, cls: type, handler: Callable[[Any], Any]) -> None:
        _forget_cached_type()
        PLAIN_TYPES.pop(cls, None)
        _LOCAL_PLAIN.pop(id(cls), None)
        PROTOCOL_TYPES.pop(cls, None)  # the handler comes first
        if cls.__dict__.get(_PLAIN_FLAG) is cls:
            delattr(cls, _PLAIN_FLAG)
        super().__setitem__(cls, handler)

    def __delitem__(self, cls: type) -> None:
        super().__delitem__(cls)
        PROTOCOL_TYPES.pop(cls, None)  # its rule was the handler


#: exact class -> callable(obj) -> int address: objects of that class cross as
#: opaque pointers (apache tvm-ffi's ``core._OPAQUE_PTR_HANDLERS``).
_OPAQUE_PTR_HANDLERS: "dict[type, Callable[[Any], Any]]" = _HandlerTable()


def _forget_local(key: int) -> "Callable[[Any], None]":
    def forget(_: Any) -> None:
        _LOCAL_PLAIN.pop(key, None)
    return forget


def _is_local(cls: type) -> bool:
    return "<locals>" in getattr(cls, "__qualname__", "<locals>")


def _mark(cls: type, plain: bool) -> bool:
    """Mark a local class (see the module's docstring); False if it refuses."""
    try:
        setattr(cls, _PLAIN_FLAG, cls if plain else None)
    except (TypeError, AttributeError):
        return False
    return True


def _plain(cls: type) -> "Tuple[int, Any]":
    PROTOCOL_TYPES.pop(cls, None)
    if _is_local(cls):
        if not _mark(cls, True):
            key = id(cls)
            try:  # weakly: see the module's docstring
                _LOCAL_PLAIN[key] = weakref.ref(cls, _forget_local(key))
            except TypeError:
                pass
        return _NOT_SPECIAL
    if len(PLAIN_TYPES) >= _CACHE_LIMIT:
        PLAIN_TYPES.clear()
    PLAIN_TYPES[cls] = True
    return _NOT_SPECIAL


def _special(cls: type, rule: Rule) -> None:
    """Remember the rule for `cls` (the extension then asks the hook without
    looking for the plain mark)."""
    if _is_local(cls):
        _mark(cls, False)
        return
    if len(PROTOCOL_TYPES) >= _CACHE_LIMIT:
        PROTOCOL_TYPES.clear()
    PROTOCOL_TYPES[cls] = rule


def _address(value: Any) -> int:
    if value is None:
        return 0
    if hasattr(value, "value") and type(value).__name__ == "c_void_p":
        return int(value.value or 0)
    return int(value)


_TENSOR_MODULE: Any = None


def _tensor_module() -> Any:
    """tvm_ffi_hpy.tensor, imported on first use (it imports core.py, which
    imports this module); an import statement per call costs microseconds."""
    global _TENSOR_MODULE
    if _TENSOR_MODULE is None:
        from . import tensor
        _TENSOR_MODULE = tensor
    return _TENSOR_MODULE


def protocol_value(obj: Any) -> "Tuple[int, Any]":
    """(kind, value) for an object the direct conversions did not take."""
    cls = type(obj)
    known = _LOCAL_PLAIN.get(id(cls))
    if known is not None and known() is cls:
        return _NOT_SPECIAL
    handler = _OPAQUE_PTR_HANDLERS.get(cls)
    if handler is not None:
        _special(cls, _handler_rule)
        return (OPAQUE_PTR, _address(handler(obj)))
    rule = PROTOCOL_TYPES.get(cls)
    if rule is None:
        rule = _rule_of(cls)
        if rule is None:
            return _plain(cls)
        _special(cls, rule)
    return rule(obj)


# ---------------------------------------------------------------------------
# The rules.  Which one applies depends on the class alone, so it is found
# once per class (`_rule_of`, in order of precedence) and kept with the class
# in PROTOCOL_TYPES; each rule computes the answer from the object.
# ---------------------------------------------------------------------------
def _handler_rule(obj: Any) -> "Tuple[int, Any]":
    return (OPAQUE_PTR, _address(_OPAQUE_PTR_HANDLERS[type(obj)](obj)))


def _object_rule(obj: Any) -> "Tuple[int, Any]":
    from .core import Object  # core.py imports this module
    inner = obj.__tvm_ffi_object__()
    if not isinstance(inner, Object):
        raise TypeError("__tvm_ffi_object__() returned %s, not an object" % type(inner).__name__)
    return (REPLACE, inner)


def _cuda_stream_rule(obj: Any) -> "Tuple[int, Any]":
    stream = obj.__cuda_stream__()  # (device kind, address) or the address
    return (OPAQUE_PTR, _address(stream[1] if isinstance(stream, tuple) else stream))


def _foreign_dtype_rule(obj: Any) -> "Tuple[int, Any]":
    try:  # the core parses the name (ml_dtypes, torch)
        parsed = _tensor_module().dtype(_foreign_dtype_name(obj))
    except ValueError:
        return _NOT_SPECIAL  # e.g. NumPy's object dtype: crosses as itself
    return (DATA_TYPE, (parsed.type_code, parsed.bits, parsed.lanes))


def _numpy_dtype_rule(obj: Any) -> "Tuple[int, Any]":
    fields = _numpy_dtype_fields(obj)
    if fields is not None:
        return (DATA_TYPE, fields)
    if obj.kind != "V" and type(obj).__module__ == "numpy.dtypes":
        return _NOT_SPECIAL  # object, str, datetime... dtypes: no data type, as itself
    # another library's dtype (ml_dtypes: bfloat16 and the float8/6/4 kinds,
    # kind "V" or, for float8_e5m2, "f"): by its name
    return _foreign_dtype_rule(obj)


def _dlpack_data_type_rule(obj: Any) -> "Tuple[int, Any]":
    code, bits, lanes = obj.__dlpack_data_type__()
    return (DATA_TYPE, (int(code), int(bits), int(lanes)))


def _dlpack_device_rule(obj: Any) -> "Tuple[int, Any]":
    device_type, index = obj.__dlpack_device__()
    return (DEVICE, (int(device_type), int(index)))


#: (a class attribute, the rule of the classes that have it), in order.
_METHOD_RULES: "Tuple[Tuple[str, Rule], ...]" = (
    ("__tvm_ffi_opaque_ptr__", lambda o: (OPAQUE_PTR, _address(o.__tvm_ffi_opaque_ptr__()))),
    ("__tvm_ffi_object__", _object_rule),
    ("__tvm_ffi_value__", lambda o: (REPLACE, o.__tvm_ffi_value__())),
    ("__tvm_ffi_int__", lambda o: (REPLACE, int(o.__tvm_ffi_int__()))),
    ("__tvm_ffi_float__", lambda o: (REPLACE, float(o.__tvm_ffi_float__()))),
    ("__cuda_stream__", _cuda_stream_rule),
)


def _rule_of(cls: type) -> Optional[Rule]:
    """The rule for objects of `cls`, None when they cross as themselves."""
    ctypes = sys.modules.get("ctypes")
    if ctypes is not None and issubclass(cls, ctypes.c_void_p):
        return lambda o: (OPAQUE_PTR, int(o.value or 0))
    for name, rule in _METHOD_RULES:
        if hasattr(cls, name):
            return rule
    tensor = _tensor_module()
    if issubclass(cls, tensor.dtype):
        return lambda o: (DATA_TYPE, (o.type_code, o.bits, o.lanes))
    if issubclass(cls, tensor.Device):
        return lambda o: (DEVICE, o.__dlpack_device__())
    if issubclass(cls, str):
        return None
    numpy = sys.modules.get("numpy")
    if numpy is not None and issubclass(cls, numpy.dtype):
        return _numpy_dtype_rule
    torch = sys.modules.get("torch")
    if torch is not None and issubclass(cls, torch.dtype):
        return _foreign_dtype_rule
    has_dlpack = hasattr(cls, "__dlpack__")
    if has_dlpack and not issubclass(cls, type):
        # A DLPack producer: a Tensor over its memory (no copy) that comes
        # back to Python as the producer itself (hpy_ext/tensor.cc).
        return lambda o: (PRODUCER, (tensor.dlpack_capsule(o), o))
    if hasattr(cls, "__dlpack_data_type__"):
        return _dlpack_data_type_rule
    if hasattr(cls, "__dlpack_device__") and not has_dlpack:
        return _dlpack_device_rule
    if issubclass(cls, numbers.Integral):
        return lambda o: (REPLACE, int(o))
    if issubclass(cls, numbers.Real):
        return lambda o: (REPLACE, float(o))
    if numpy is not None and issubclass(cls, numpy.bool_):
        return lambda o: (REPLACE, bool(o))
    return None


#: NumPy dtype kind -> DLPack type code, for the kinds whose bits are the item size
_NUMPY_KIND_CODES = {"i": 0, "u": 1, "f": 2, "c": 5, "b": 6}


def _numpy_dtype_fields(obj: Any) -> "Optional[Tuple[int, int, int]]":
    """(code, bits, lanes) of a plain NumPy dtype, read off NumPy itself (no
    call into the core: this runs inside a conversion), else None."""
    numpy = sys.modules.get("numpy")
    if numpy is None or not isinstance(obj, numpy.dtype) or type(obj).__module__ != "numpy.dtypes":
        return None
    code = _NUMPY_KIND_CODES.get(obj.kind)
    if code is None or obj.fields is not None or obj.subdtype is not None:
        return None
    return (code, 8 * obj.itemsize, 1)


def _foreign_dtype_name(obj: Any) -> Optional[str]:
    """The data type name of a NumPy dtype (ml_dtypes' included) or a torch
    dtype, else None."""
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(obj, numpy.dtype):
        return str(obj.name)
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(obj, torch.dtype):
        return str(obj)[len("torch."):]
    return None


def opaque_ptr_to_py(address: Optional[int]) -> Any:
    """An opaque pointer from the core as apache tvm-ffi gives it: ``ctypes.c_void_p``."""
    import ctypes
    return ctypes.c_void_p(address)


#: (code, bits, lanes) -> dtype, and (type, index) -> Device: the values that
#: came back from the core, made once each (both classes are immutable).
_FROM_FIELDS: "dict[tuple[Any, ...], Any]" = {}
_FROM_FIELDS_LIMIT = 4096


def _remember(fields: "tuple[Any, ...]", value: Any) -> Any:
    if len(_FROM_FIELDS) >= _FROM_FIELDS_LIMIT:
        _FROM_FIELDS.clear()
    _FROM_FIELDS[fields] = value
    return value


def dtype_from_fields(fields: "tuple[int, int, int, str]") -> Any:
    """A kTVMFFIDataType from the core, (code, bits, lanes, the core's name
    for it), as a ``dtype`` (made without calling the core)."""
    value = _FROM_FIELDS.get(fields)
    if value is None:
        from .tensor import dtype
        value = _remember(fields, dtype._make(fields[3], fields[:3]))
    return value


def device_from_fields(fields: "tuple[int, int]") -> Any:
    """A kTVMFFIDevice from the core as a ``Device`` (or the class set with
    ``core._set_class_device``)."""
    value = _FROM_FIELDS.get(fields)
    if value is None:
        from . import tensor
        value = _remember(fields, tensor._device_class._from_fields(*fields))
    return value


def forget_values() -> None:
    """Drop the remembered dtypes and devices (their class changed)."""
    _FROM_FIELDS.clear()


def int_to_words(value: int) -> bytes:
    """An int beyond int64 as the core's big-integer words: two's complement,
    64-bit words least significant first, each in the machine's byte order
    (c_api.h, "Big integers")."""
    count = (value.bit_length() + 1 + 63) // 64  # the sign bit included
    if sys.byteorder == "little":
        return value.to_bytes(8 * count, "little", signed=True)
    mask = (1 << 64) - 1
    return b"".join(((value >> (64 * i)) & mask).to_bytes(8, "big") for i in range(count))


def int_from_words(words: bytes) -> int:
    """The int of big-integer words (the inverse of `int_to_words`)."""
    if sys.byteorder == "little":
        return int.from_bytes(words, "little", signed=True)
    value = 0
    for i in range(len(words) // 8):
        value |= int.from_bytes(words[8 * i:8 * i + 8], "big") << (64 * i)
    return value - (1 << (64 * (len(words) // 8))) if words and words[-8] & 0x80 else value
