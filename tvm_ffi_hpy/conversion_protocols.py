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
- ``(REPLACE, tensor)`` for a DLPack producer (an object with ``__dlpack__``:
  NumPy arrays, torch tensors): the core gets a Tensor sharing its memory;
- ``(DATA_TYPE, (code, bits, lanes))``: a data type value (kTVMFFIDataType):
  a ``dtype`` (a str subclass: the extension asks here for every str that is
  not exactly a str) or an object with ``__dlpack_data_type__()``;
- ``(DEVICE, (type, index))``: a device value (kTVMFFIDevice): a ``Device``,
  or an object with ``__dlpack_device__()`` and no ``__dlpack__``.

An opaque pointer coming back from the core is a ``ctypes.c_void_p``
(`opaque_ptr_to_py`).

Plain Python objects (no protocol applies) are the common case here, so the
answer for them is remembered per exact type: `PLAIN_TYPES` holds the types
that gave ``NOT_SPECIAL``, and the extension looks there before calling
`protocol_value` at all (one dict lookup per such argument).  A type enters it
only when every rule below said no, and only when it is not defined inside a
function (no ``<locals>`` in its qualified name): the dict keeps its types
alive, and a local class keeps its closure alive (the objects of the function
that made it); a module's classes live as long as the module.  A local class
goes into `_LOCAL_PLAIN` (its id -> a weak reference to it, dropped with
the class), which `protocol_value` looks at first: its objects still cost a call of `protocol_value`, not its
whole walk (about 0.4 us instead of 6 on CPython 3.11).  Adding a handler to
``_OPAQUE_PTR_HANDLERS`` takes its type out.  Not seen: a protocol method
added to a class after one of its objects crossed (call
``PLAIN_TYPES.clear()`` and ``_LOCAL_PLAIN.clear()``).  At most `_PLAIN_LIMIT` types are kept (the dict
holds them); past that it starts again empty.
"""
import numbers
import sys
import weakref
from typing import Any, Callable, Optional, Tuple

__all__ = ["protocol_value", "opaque_ptr_to_py", "PLAIN_TYPES", "dtype_from_fields",
           "device_from_fields", "int_to_words", "int_from_words"]

NOT_SPECIAL = 0
REPLACE = 1
OPAQUE_PTR = 2
DATA_TYPE = 3
DEVICE = 4

_NOT_SPECIAL = (NOT_SPECIAL, None)

#: exact type -> True: objects of these types cross as themselves (see above;
#: the extension reads it: the "plain_types" hook).
PLAIN_TYPES: "dict[type, bool]" = {}
# id(local class) -> weak reference to it (the entry leaves with the class).
_LOCAL_PLAIN: "dict[int, weakref.ref[type]]" = {}
_PLAIN_LIMIT = 1024


class _HandlerTable(dict):  # type: ignore[type-arg]
    """exact class -> callable(obj) -> int address; a class added here is no
    longer taken as plain."""

    def __setitem__(self, cls: type, handler: Callable[[Any], Any]) -> None:
        PLAIN_TYPES.pop(cls, None)
        _LOCAL_PLAIN.pop(id(cls), None)
        super().__setitem__(cls, handler)


#: exact class -> callable(obj) -> int address: objects of that class cross as
#: opaque pointers (apache tvm-ffi's ``core._OPAQUE_PTR_HANDLERS``).
_OPAQUE_PTR_HANDLERS: "dict[type, Callable[[Any], Any]]" = _HandlerTable()


def _forget_local(key: int) -> "Callable[[Any], None]":
    def forget(_: Any) -> None:
        _LOCAL_PLAIN.pop(key, None)
    return forget


def _plain(cls: type) -> "Tuple[int, Any]":
    if "<locals>" in getattr(cls, "__qualname__", "<locals>"):
        key = id(cls)
        try:  # weakly: see the module's docstring
            _LOCAL_PLAIN[key] = weakref.ref(cls, _forget_local(key))
        except TypeError:
            pass
        return _NOT_SPECIAL
    if len(PLAIN_TYPES) >= _PLAIN_LIMIT:
        PLAIN_TYPES.clear()
    PLAIN_TYPES[cls] = True
    return _NOT_SPECIAL


def _address(value: Any) -> int:
    if value is None:
        return 0
    if hasattr(value, "value") and type(value).__name__ == "c_void_p":
        return int(value.value or 0)
    return int(value)


def protocol_value(obj: Any) -> "Tuple[int, Any]":
    """(kind, value) for an object the direct conversions did not take."""
    cls = type(obj)
    known = _LOCAL_PLAIN.get(id(cls))
    if known is not None and known() is cls:
        return _NOT_SPECIAL
    handler = _OPAQUE_PTR_HANDLERS.get(cls)
    if handler is not None:
        return (OPAQUE_PTR, _address(handler(obj)))
    ctypes = sys.modules.get("ctypes")
    if ctypes is not None and isinstance(obj, ctypes.c_void_p):
        return (OPAQUE_PTR, int(obj.value or 0))
    if hasattr(cls, "__tvm_ffi_opaque_ptr__"):
        return (OPAQUE_PTR, _address(obj.__tvm_ffi_opaque_ptr__()))
    if hasattr(cls, "__tvm_ffi_object__"):
        from .core import Object  # core.py imports this module
        inner = obj.__tvm_ffi_object__()
        if not isinstance(inner, Object):
            raise TypeError("__tvm_ffi_object__() returned %s, not an object"
                            % type(inner).__name__)
        return (REPLACE, inner)
    if hasattr(cls, "__tvm_ffi_value__"):
        return (REPLACE, obj.__tvm_ffi_value__())
    if hasattr(cls, "__tvm_ffi_int__"):
        return (REPLACE, int(obj.__tvm_ffi_int__()))
    if hasattr(cls, "__tvm_ffi_float__"):
        return (REPLACE, float(obj.__tvm_ffi_float__()))
    if hasattr(cls, "__cuda_stream__"):  # (device kind, address) or the address
        stream = obj.__cuda_stream__()
        return (OPAQUE_PTR, _address(stream[1] if isinstance(stream, tuple) else stream))
    from .tensor import Device, dtype  # tensor.py imports core.py, which imports this
    if isinstance(obj, dtype):
        return (DATA_TYPE, (obj.type_code, obj.bits, obj.lanes))
    if isinstance(obj, Device):
        return (DEVICE, obj.__dlpack_device__())
    if isinstance(obj, str):
        return _plain(cls)
    fields = _numpy_dtype_fields(obj)
    if fields is not None:
        return (DATA_TYPE, fields)
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(obj, numpy.dtype) and obj.kind != "V":
        return _NOT_SPECIAL  # object, str, datetime... dtypes: no data type, as itself
    dtype_name = _foreign_dtype_name(obj)
    if dtype_name is not None:
        try:
            parsed = dtype(dtype_name)  # the core parses it (ml_dtypes, torch)
        except ValueError:
            return _NOT_SPECIAL  # e.g. numpy's object dtype: crosses as itself
        return (DATA_TYPE, (parsed.type_code, parsed.bits, parsed.lanes))
    if hasattr(cls, "__dlpack__") and not isinstance(obj, type):
        from .tensor import from_dlpack  # a DLPack producer (NumPy, torch): a Tensor, no copy
        return (REPLACE, from_dlpack(obj))
    if hasattr(cls, "__dlpack_data_type__"):
        code, bits, lanes = obj.__dlpack_data_type__()
        return (DATA_TYPE, (int(code), int(bits), int(lanes)))
    if hasattr(cls, "__dlpack_device__") and not hasattr(cls, "__dlpack__"):
        device_type, index = obj.__dlpack_device__()
        return (DEVICE, (int(device_type), int(index)))
    if isinstance(obj, numbers.Integral):
        return (REPLACE, int(obj))
    if isinstance(obj, numbers.Real):
        return (REPLACE, float(obj))
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(obj, numpy.bool_):
        return (REPLACE, bool(obj))
    return _plain(cls)


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
