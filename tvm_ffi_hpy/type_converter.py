"""Checking and converting values against a `TypeSchema`.

``schema.convert(value)`` applies the conversions the C++ side would apply to
an argument of that type (``TryCastFromAnyView``: bool -> int, int ->
float, list -> Array of converted items, ...) and returns a `CAny`: the
converted value with the type index the core gives it.  ``check_value`` runs
the same conversion and drops the result.  A mismatch raises TypeError with
the path to the offending item (``element [1]: value for key 'a': expected
int, got str``).

Identity: a value that already has the schema's type comes back as itself (an
object wrapper, an Array whose items need no change); a container is rebuilt
only when one of its items changed.

Protocols, honoured in this order before the schema's own rules
(``_unwrap``): ``__tvm_ffi_object__()`` (the object to use),
``__tvm_ffi_value__()`` (a value to convert instead; chains are followed up
to 64 hops, a longer chain or a cycle is an error) and `ObjectConvertible`
(``asobject()``).  The scalar rules then accept ``__tvm_ffi_int__``,
``__tvm_ffi_float__``, ``__tvm_ffi_opaque_ptr__``, ``__cuda_stream__``,
``__dlpack_device__``, ``__dlpack_data_type__``, NumPy and torch dtypes, and
``__dlpack__`` (a Tensor).

Type attributes (`_lookup_type_attr`): values attached to a core type by
name.  ``__ffi_convert__`` (a callable taking the packed value and returning
the value as that type, or raising) is attached here to the core's builtin
object types; any type attribute can also be a class attribute of the type's
registered class whose name starts with ``__ffi_`` (except ``__ffi_init__``,
which classes have as a method over the type attribute), or registered with the
core (C++ ``ObjectDef::attr``, the generated ``__ffi_init__``).
"""
import collections.abc
import ctypes
import os
import sys
from numbers import Integral, Real
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

from . import containers, core, tensor
from .core import Object, ObjectRValueRef, _ffi
from .type_schema import STATIC_OBJECT_BEGIN, STRUCTURAL, TypeSchema
from . import conversion_protocols
from .conversion_protocols import _OPAQUE_PTR_HANDLERS, _address

__all__ = ["CAny", "CObject", "ObjectConvertible", "DataType", "_to_py_class_value",
           "_lookup_type_attr", "_register_type_attr", "_object_type_key_to_index",
           "_set_class_device", "_set_class_dtype"]

_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1
_MAX_VALUE_HOPS = 64
_SMALL_LIMIT = 7  # bytes a SmallStr / SmallBytes holds inline

# Type indices of c_api.h.
_NONE, _INT, _BOOL, _FLOAT, _OPAQUE_PTR, _DTYPE, _DEVICE = 0, 1, 2, 3, 4, 5, 6
_SMALL_STR, _SMALL_BYTES = 11, 12
_OBJECT, _STR, _BYTES, _ERROR, _FUNCTION, _SHAPE, _TENSOR, _ARRAY, _MAP = (
    64, 65, 66, 67, 68, 69, 70, 71, 72)
_OPAQUE_PY_OBJECT = 74

DataType = tensor.dtype  # apache tvm-ffi's name of the dtype class in tvm_ffi.core

#: The classes `_to_py_class_value` gives devices and dtypes (apache tvm-ffi
#: lets a package swap them: `_set_class_device`).
_CLASS_DEVICE: type = tensor.Device
_CLASS_DTYPE: type = tensor.dtype


def _set_class_device(cls: type) -> None:
    """Make converted devices instances of `cls` (a subclass of Device)."""
    global _CLASS_DEVICE
    _CLASS_DEVICE = cls
    setattr(core, "_CLASS_DEVICE", cls)  # the name apache tvm-ffi reads there
    tensor._device_class = cls  # device(), and devices from the core
    conversion_protocols.forget_values()


def _set_class_dtype(cls: type) -> None:
    """Make converted dtypes instances of `cls` (a subclass of dtype)."""
    global _CLASS_DTYPE
    _CLASS_DTYPE = cls
    setattr(core, "_CLASS_DTYPE", cls)


def _class_overrides() -> "List[Tuple[type, str]]":
    return [(_CLASS_DEVICE, "Device"), (_CLASS_DTYPE, "dtype")]


class _CObjectMeta(type):
    def __instancecheck__(cls, instance: object) -> bool:
        return isinstance(instance, Object)

    def __subclasscheck__(cls, subclass: type) -> bool:
        return subclass is cls or (isinstance(subclass, type) and issubclass(subclass, Object))


class CObject(metaclass=_CObjectMeta):
    """apache tvm-ffi's base class of object wrappers, for ``isinstance`` and
    ``issubclass``: every `Object` is a CObject.  (Here `Object` is that
    base; this name only answers the checks.)"""


class ObjectConvertible:
    """Base class of Python values that stand for a core object:
    ``asobject()`` returns it."""

    def asobject(self) -> Object:
        raise NotImplementedError("%s.asobject" % type(self).__qualname__)


# ---------------------------------------------------------------------------
# Type indices, keys and type attributes
# ---------------------------------------------------------------------------
_key_index_cache: "Dict[str, Optional[int]]" = {}
_ancestor_cache: "Dict[int, Tuple[int, ...]]" = {}


def _object_type_key_to_index(type_key: str) -> Optional[int]:
    """The type index of the core type `type_key`, or None."""
    try:
        index: int = _ffi.type_key_to_index(type_key)
    except Exception:
        return None
    return index


def _builtin_index(type_key: str) -> Optional[int]:
    """`_object_type_key_to_index`, cached (for the core's own types only:
    they are registered once and never change)."""
    if type_key not in _key_index_cache:
        found = _object_type_key_to_index(type_key)
        if found is None:
            return None
        _key_index_cache[type_key] = found
    return _key_index_cache[type_key]


def _registered_class(type_index: int) -> Optional[type]:
    try:
        cls: Optional[type] = _ffi.registered_class(type_index)
    except Exception:  # no such type
        return None
    return cls


def _ancestors(type_index: int) -> "Tuple[int, ...]":
    found = _ancestor_cache.get(type_index)
    if found is None:
        cls = _registered_class(type_index)
        info = getattr(cls, "__tvm_ffi_type_info__", None) if cls is not None else None
        if info is None or info.type_index != type_index:
            try:
                info = _ffi.type_info(type_index)
            except Exception:
                return ()
        found = _ancestor_cache[type_index] = tuple(info.type_ancestors)
    return found


def _is_instance_index(actual: int, target: int) -> bool:
    """Whether an object of type `actual` is one of type `target`."""
    return actual == target or (actual >= STATIC_OBJECT_BEGIN and target in _ancestors(actual))


def _type_key_of(type_index: int) -> str:
    try:
        key: str = _ffi.type_info(type_index).type_key
    except Exception:
        return "<type index %d>" % type_index
    return key


_type_attrs: "Dict[Tuple[int, str], Any]" = {}


def _register_type_attr(type_index: int, attr_key: str, value: Any) -> None:
    """Attach `value` to the type `type_index` under `attr_key` (None removes it)."""
    if value is None:
        _type_attrs.pop((type_index, attr_key), None)
    else:
        _type_attrs[(type_index, attr_key)] = value


def _lookup_type_attr(type_index: int, attr_key: str, ancestor: bool = False) -> Any:
    """The type attribute `attr_key` of the type `type_index` (with
    `ancestor`, of its nearest ancestor that has one), or None."""
    chain = (type_index,) + (tuple(reversed(_ancestors(type_index))) if ancestor else ())
    for index in chain:
        value = _type_attrs.get((index, attr_key))
        if value is not None:
            return value
        # A class's __ffi_init__ is a method over the type attribute, not it.
        if attr_key.startswith("__ffi_") and attr_key != "__ffi_init__" \
                and index >= STATIC_OBJECT_BEGIN:
            cls = _registered_class(index)
            if cls is not None and cls.__dict__.get("__tvm_ffi_type_index__") == index:
                value = cls.__dict__.get(attr_key)
                if value is not None:
                    return value
        value = core._core_type_attr(index, attr_key)  # registered in C++
        if value is not None:
            return value
        if attr_key == "__ffi_init__" and index >= STATIC_OBJECT_BEGIN:
            # A py_class's constructor Function is made on first lookup
            # (it keeps a Python callback alive for good: only when asked).
            cls = _registered_class(index)
            factory = cls.__dict__.get("__tvm_ffi_ffi_init_factory__") if cls else None
            if factory is not None:
                value = factory()
                _register_type_attr(index, attr_key, value)
                return value
    return None


# ---------------------------------------------------------------------------
# CAny: a value as the core holds it
# ---------------------------------------------------------------------------
def _check_int64(value: int) -> int:
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise OverflowError("integer %d out of int64 range [%d, %d]"
                            % (value, _INT64_MIN, _INT64_MAX))
    return value


def _object_index(obj: Object) -> int:
    if not obj.__chandle__():
        raise ValueError("the object was moved out (x._move())")
    index: int = obj._type_index()
    return index


def _dtype_of_foreign(value: Any) -> Any:
    """The dtype of a NumPy or torch dtype, or of ``__dlpack_data_type__``."""
    if hasattr(value, "__dlpack_data_type__"):
        return tensor.dtype.from_dlpack_data_type(tuple(value.__dlpack_data_type__()))
    name = str(getattr(value, "name", None) or value)
    return tensor.dtype(name[6:] if name.startswith("torch.") else name)


def _is_foreign_dtype(value: Any) -> bool:
    """A NumPy or torch dtype, or a value with ``__dlpack_data_type__``
    (NumPy and torch are not imported for this: only looked up)."""
    if hasattr(type(value), "__dlpack_data_type__"):
        return True
    for module in ("numpy", "torch"):
        found = sys.modules.get(module)
        if found is not None and isinstance(value, getattr(found, "dtype", ())):
            return True
    return False


def _pack(value: Any, hops: int = 0) -> "Tuple[int, Any]":
    """(type index, stored value) of `value` crossing into the core as an
    Any, the way a call argument does; raises when it cannot cross."""
    if value is None:
        return _NONE, None
    if isinstance(value, bool):
        return _BOOL, bool(value)
    if isinstance(value, int):
        return _INT, _check_int64(int(value))
    if isinstance(value, float):
        return _FLOAT, float(value)
    if isinstance(value, Object):
        return _object_index(value), value
    if isinstance(value, ObjectRValueRef):
        return _pack(value.obj, hops)
    if isinstance(value, (tensor.dtype, _CLASS_DTYPE)):
        return _DTYPE, value
    if isinstance(value, str):
        size = len(value.encode("utf-8"))
        return (_SMALL_STR if size <= _SMALL_LIMIT else _STR), _as_string(value)
    if isinstance(value, (bytes, bytearray)):
        return (_SMALL_BYTES if len(value) <= _SMALL_LIMIT else _BYTES), _as_bytes(value)
    if isinstance(value, core.Shape):
        return _SHAPE, value
    if isinstance(value, (tensor.Device, _CLASS_DEVICE)):
        return _DEVICE, value
    if isinstance(value, ctypes.c_void_p):
        return _OPAQUE_PTR, value
    if isinstance(value, BaseException):
        error = _ffi.convert(value)
        return _object_index(error), error
    kind = type(value)
    handler = _OPAQUE_PTR_HANDLERS.get(kind)
    if handler is not None:
        return _OPAQUE_PTR, ctypes.c_void_p(_address(handler(value)) or None)
    if hasattr(kind, "__tvm_ffi_object__"):
        inner = value.__tvm_ffi_object__()
        if not isinstance(inner, Object):
            raise TypeError("__tvm_ffi_object__() returned %s, not an object"
                            % _describe(inner))
        return _object_index(inner), inner
    if hasattr(kind, "__tvm_ffi_value__"):
        if hops >= _MAX_VALUE_HOPS:
            raise ValueError("infinite __tvm_ffi_value__ cycle detected")
        return _pack(value.__tvm_ffi_value__(), hops + 1)
    if isinstance(value, ObjectConvertible):
        inner = value.asobject()
        if not isinstance(inner, Object):
            raise TypeError("asobject() returned %s, not an object" % _describe(inner))
        return _object_index(inner), inner
    if hasattr(kind, "__tvm_ffi_int__"):
        return _INT, _check_int64(int(value.__tvm_ffi_int__()))
    if hasattr(kind, "__tvm_ffi_float__"):
        return _FLOAT, float(value.__tvm_ffi_float__())
    if hasattr(kind, "__tvm_ffi_opaque_ptr__"):
        return _OPAQUE_PTR, ctypes.c_void_p(value.__tvm_ffi_opaque_ptr__())
    if hasattr(kind, "__cuda_stream__"):
        stream = value.__cuda_stream__()
        return _OPAQUE_PTR, ctypes.c_void_p(stream[1] if isinstance(stream, tuple) else stream)
    if hasattr(kind, "__dlpack__"):
        made = tensor.from_dlpack(value)
        return _object_index(made), made
    if hasattr(kind, "__dlpack_device__"):
        code, index = value.__dlpack_device__()
        return _DEVICE, _CLASS_DEVICE(int(code), int(index))
    if _is_foreign_dtype(value):
        return _DTYPE, _dtype_of_foreign(value)
    if isinstance(value, Integral):
        return _INT, _check_int64(int(value))
    if isinstance(value, Real):
        return _FLOAT, float(value)
    if isinstance(value, (list, tuple, dict)) or callable(value):
        made = _ffi.convert(value)
        return _object_index(made), made
    return _OPAQUE_PY_OBJECT, value  # the core holds it as an OpaquePyObject


def _as_string(value: str) -> str:
    return value if isinstance(value, containers.String) else containers.String(value)


def _as_bytes(value: "bytes | bytearray") -> bytes:
    return value if isinstance(value, containers.Bytes) else containers.Bytes(bytes(value))


def _python_value(index: int, value: Any) -> Any:
    """What Python sees of a packed value: strings and bytes as `String`
    and `Bytes`, devices and dtypes as the current classes."""
    if index in (_SMALL_STR, _STR):
        return _as_string(value)
    if index in (_SMALL_BYTES, _BYTES):
        return _as_bytes(value)
    if index == _DEVICE and not isinstance(value, _CLASS_DEVICE):
        code, dev_index = value.__dlpack_device__()
        return _CLASS_DEVICE(code, dev_index)
    if index == _DTYPE and not isinstance(value, _CLASS_DTYPE):
        return _CLASS_DTYPE(str(value))
    return value


_KIND_NAMES = {_NONE: "None", _INT: "int", _BOOL: "bool", _FLOAT: "float",
               _OPAQUE_PTR: "ctypes.c_void_p", _DTYPE: "dtype", _DEVICE: "Device",
               _SMALL_STR: "SmallStr", _SMALL_BYTES: "SmallBytes"}


class CAny:
    """A value as the core holds it (apache tvm-ffi's owned Any): its type
    index and the value.  `TypeSchema.convert` returns one;
    `_to_py_class_value` gives the Python value back, as often as asked."""

    __slots__ = ("_index", "_value")

    def __init__(self, value: Any = None) -> None:
        self._index, self._value = _pack(value)

    @classmethod
    def _of(cls, index: int, value: Any) -> "CAny":
        made = cls.__new__(cls)
        made._index, made._value = index, value
        return made

    @property
    def type_index(self) -> int:
        return self._index

    def __repr__(self) -> str:
        index = self._index
        if index == _NONE:
            return "CAny(None)"
        if index < STATIC_OBJECT_BEGIN:
            return "CAny(%s: %r)" % (_KIND_NAMES.get(index, "type_index=%d" % index), self._value)
        return "CAny(type_index=%d: %s)" % (index, _type_key_of(index))


def _to_py_class_value(value: CAny) -> Any:
    """The Python value of a `CAny` (a `String` for strings, the very
    wrapper for objects)."""
    if not isinstance(value, CAny):
        raise TypeError("_to_py_class_value takes a CAny, not %s" % type(value).__name__)
    return _python_value(value._index, value._value)


# ---------------------------------------------------------------------------
# Converters
# ---------------------------------------------------------------------------
class _Mismatch(Exception):
    """A value does not convert; `message` says where and why."""

    @property
    def message(self) -> str:
        text: str = self.args[0]
        return text


def _describe(value: object) -> str:
    """The kind of `value` as error messages name it."""
    if value is None:
        return "None"
    for kind, name in ((bool, "bool"), (int, "int"), (float, "float"), (str, "str"),
                       ((bytes, bytearray), "bytes")):
        if isinstance(value, kind):
            return name
    if isinstance(value, Object):
        key = type(value).__dict__.get("__tvm_ffi_type_key__")
        if key is None and value.__chandle__():
            key = _type_key_of(value._type_index())
        return str(key or type(value).__qualname__)
    return type(value).__qualname__


# A conversion returns (type index, value, changed): `changed` is False when
# the value is the input itself, already of the schema's type.
_Result = Tuple[int, Any, bool]


class _Converter:
    """The converter of one schema: `run(conv, value)` plus its children."""

    __slots__ = ("run", "subs", "hint", "target", "container")

    def __init__(self, run: "Callable[[_Converter, Any], _Result]", hint: str,
                 subs: "Tuple[Optional[_Converter], ...]" = (), target: int = 0,
                 container: str = "") -> None:
        self.run = run
        self.hint = hint
        self.subs = subs
        self.target = target
        self.container = container


def _packed(value: Any, expected: str, original: Any) -> "Tuple[int, Any]":
    try:
        return _pack(value)
    except _Mismatch:
        raise
    except Exception as err:
        raise _Mismatch("expected %s, got %s: %s" % (expected, _describe(original), err)) from None


def _to_any(conv: _Converter, value: Any) -> _Result:
    index, packed = _packed(value, "Any", value)
    return index, packed, packed is not value


def _to_none(conv: _Converter, value: Any) -> _Result:
    if value is None:
        return _NONE, None, False
    raise _Mismatch("expected None, got %s" % _describe(value))


def _int_of(value: Any) -> int:
    try:
        result = int(value)
    except Exception as err:
        raise _Mismatch("int() failed for %s: %s" % (type(value).__qualname__, err)) from None
    return _in_int64(result)


def _in_int64(value: int) -> int:
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise _Mismatch("integer %d out of int64 range [%d, %d]"
                        % (value, _INT64_MIN, _INT64_MAX))
    return value


def _to_int(conv: _Converter, value: Any) -> _Result:
    if isinstance(value, bool):
        return _INT, int(value), True
    if isinstance(value, int):
        return _INT, _in_int64(int(value)), type(value) is not int
    if isinstance(value, Integral):
        return _INT, _int_of(value), True
    if hasattr(type(value), "__tvm_ffi_int__"):
        index, packed = _packed(value, "int", value)
        return index, packed, True
    raise _Mismatch("expected int, got %s" % _describe(value))


def _to_float(conv: _Converter, value: Any) -> _Result:
    if isinstance(value, float):
        return _FLOAT, value, False
    if isinstance(value, (int, Integral, Real)):
        try:
            result = float(value)
        except Exception as err:
            raise _Mismatch("float() failed for %s: %s" % (type(value).__qualname__, err)) from None
        return _FLOAT, result, True
    if hasattr(type(value), "__tvm_ffi_float__"):
        index, packed = _packed(value, "float", value)
        return index, packed, True
    raise _Mismatch("expected float, got %s" % _describe(value))


def _to_bool(conv: _Converter, value: Any) -> _Result:
    if isinstance(value, bool):
        return _BOOL, value, False
    if isinstance(value, Integral):
        try:
            result = bool(value)
        except Exception as err:
            raise _Mismatch("bool() failed for %s: %s" % (type(value).__qualname__, err)) from None
        return _BOOL, result, True
    raise _Mismatch("expected bool, got %s" % _describe(value))


def _to_str(conv: _Converter, value: Any) -> _Result:
    if isinstance(value, str):
        index, packed = _packed(value, "str", value)
        return index, packed, False
    raise _Mismatch("expected str, got %s" % _describe(value))


def _to_bytes(conv: _Converter, value: Any) -> _Result:
    if isinstance(value, (bytes, bytearray)):
        index, packed = _pack(value)
        return index, packed, not isinstance(value, bytes)
    raise _Mismatch("expected bytes, got %s" % _describe(value))


def _to_device(conv: _Converter, value: Any) -> _Result:
    if isinstance(value, (tensor.Device, _CLASS_DEVICE)):
        return _DEVICE, value, False
    if isinstance(value, str):
        try:
            made = _CLASS_DEVICE(value)
        except Exception:
            raise _Mismatch("expected Device, got invalid device string %r" % (value,)) from None
        return _DEVICE, made, True
    kind = type(value)
    if hasattr(kind, "__dlpack_device__") and not hasattr(kind, "__dlpack__"):
        index, packed = _packed(value, "Device", value)
        return index, packed, True
    raise _Mismatch("expected Device, got %s" % _describe(value))


def _to_dtype(conv: _Converter, value: Any) -> _Result:
    if isinstance(value, (tensor.dtype, _CLASS_DTYPE)):
        return _DTYPE, value, False
    if isinstance(value, str):
        try:
            made = _CLASS_DTYPE(value)
        except Exception:
            raise _Mismatch("expected dtype, got invalid dtype string %r" % (value,)) from None
        return _DTYPE, made, True
    if _is_foreign_dtype(value):
        try:
            return _DTYPE, _dtype_of_foreign(value), True
        except Exception as err:
            raise _Mismatch("expected dtype, got %s: %s" % (_describe(value), err)) from None
    raise _Mismatch("expected dtype, got %s" % _describe(value))


def _to_opaque_ptr(conv: _Converter, value: Any) -> _Result:
    if isinstance(value, ctypes.c_void_p):
        return _OPAQUE_PTR, value, False
    if value is None:
        return _OPAQUE_PTR, ctypes.c_void_p(None), True
    kind = type(value)
    if hasattr(kind, "__tvm_ffi_opaque_ptr__") or hasattr(kind, "__cuda_stream__"):
        index, packed = _packed(value, "ctypes.c_void_p", value)
        return index, packed, True
    raise _Mismatch("expected ctypes.c_void_p, got %s" % _describe(value))


def _to_tensor(conv: _Converter, value: Any) -> _Result:
    if isinstance(value, tensor.Tensor):
        return _TENSOR, value, False
    if hasattr(type(value), "__dlpack__"):
        index, packed = _packed(value, "Tensor", value)
        return index, packed, True
    if (hasattr(type(value), "__dlpack_c_exchange_api__")
            and os.environ.get("TVM_FFI_SKIP_DLPACK_C_EXCHANGE_API", "0") != "1"):
        raise _Mismatch("expected Tensor, got %s: the DLPack C exchange API "
                        "(__dlpack_c_exchange_api__) is not supported" % _describe(value))
    raise _Mismatch("expected Tensor, got %s" % _describe(value))


def _to_callable(conv: _Converter, value: Any) -> _Result:
    if isinstance(value, core.Function):
        return _FUNCTION, value, False
    if callable(value) and not isinstance(value, Object):
        index, packed = _packed(value, "Callable", value)
        return index, packed, True
    raise _Mismatch("expected Callable, got %s" % _describe(value))


def _container_class(origin: str) -> type:
    """Array, List, Map or Dict: the package's class (List and Dict when it has them)."""
    import tvm_ffi_hpy
    cls: Optional[type] = getattr(tvm_ffi_hpy, origin, None) or getattr(containers, origin, None)
    if cls is None:
        raise _Mismatch("%s containers are not available in this build of tvm_ffi_hpy"
                        % origin)
    return cls


def _container_kind(value: Any) -> str:
    """"Array", "List", "Map" or "Dict" for core containers, "seq" for a
    Python list or tuple, "mapping" for other mappings, "" otherwise."""
    if isinstance(value, Object):
        if not value.__chandle__():
            return ""
        index = value._type_index()
        for name, key in (("Array", "ffi.Array"), ("Map", "ffi.Map"),
                          ("List", "ffi.List"), ("Dict", "ffi.Dict")):
            if _builtin_index(key) == index:
                return name
        return ""
    if isinstance(value, (list, tuple)):
        return "seq"
    if isinstance(value, (dict, collections.abc.Mapping)):
        return "mapping"
    return ""


def _convert_item(conv: Optional[_Converter], raw: Any, where: str) -> "Tuple[Any, bool]":
    """An item of a container converted by `conv` (None: kept as it is)."""
    if conv is None:
        return raw, False
    try:
        index, value, changed = _dispatch(conv, raw)
    except _Mismatch as err:
        raise _Mismatch("%s: %s" % (where, err.message)) from None
    return (_python_value(index, value), True) if changed else (raw, False)


def _to_sequence(conv: _Converter, value: Any) -> _Result:
    target = conv.container  # "Array" or "List"
    kind = _container_kind(value)
    if kind not in ("Array", "List", "seq"):
        raise _Mismatch("expected %s, got %s" % (target, _describe(value)))
    elem = conv.subs[0] if conv.subs else None
    if elem is None and kind == target:
        return _object_index(value), value, False
    items: "List[Any]" = []
    changed = False
    for i, raw in enumerate(value):
        item, item_changed = _convert_item(elem, raw, "element [%d]" % i)
        changed = changed or item_changed
        items.append(item)
    if kind == target and not changed:
        return _object_index(value), value, False
    return _build(_container_class(target), items, target, value)


def _build(cls: type, content: Any, expected: str, original: Any) -> _Result:
    try:
        made = cls(content)
    except _Mismatch:
        raise
    except Exception as err:
        raise _Mismatch("expected %s, got %s: %s" % (expected, _describe(original), err)) from None
    return _object_index(made), made, True


def _items(value: Any) -> "Iterator[Tuple[Any, Any]]":
    return iter(list(value.items()))


def _to_mapping(conv: _Converter, value: Any) -> _Result:
    target = conv.container  # "Map" or "Dict"
    kind = _container_kind(value)
    if kind not in ("Map", "Dict", "mapping"):
        raise _Mismatch("expected %s, got %s" % (target, _describe(value)))
    key_conv, val_conv = conv.subs if conv.subs else (None, None)
    if key_conv is None and val_conv is None and kind == target:
        return _object_index(value), value, False
    pairs: "List[Tuple[Any, Any]]" = []
    changed = False
    for raw_key, raw_val in _items(value):
        key, key_changed = _convert_item(key_conv, raw_key, "key %r" % (raw_key,))
        val, val_changed = _convert_item(val_conv, raw_val, "value for key %r" % (raw_key,))
        changed = changed or key_changed or val_changed
        pairs.append((key, val))
    if kind == target and not changed:
        return _object_index(value), value, False
    return _build(_container_class(target), pairs, target, value)


def _to_tuple(conv: _Converter, value: Any) -> _Result:
    kind = _container_kind(value)
    if kind not in ("Array", "List", "seq"):
        raise _Mismatch("expected tuple, got %s" % _describe(value))
    if conv.target < 0:  # a bare tuple: any length, items kept
        if kind == "Array":
            return _object_index(value), value, False
        return _build(containers.Array, list(value), "tuple", value)
    items = list(value)
    if len(items) != len(conv.subs):
        raise _Mismatch("expected tuple of length %d, got %s of length %d"
                        % (len(conv.subs), type(value).__name__, len(items)))
    changed = False
    converted = []
    for i, (sub, raw) in enumerate(zip(conv.subs, items)):
        item, item_changed = _convert_item(sub, raw, "element [%d]" % i)
        changed = changed or item_changed
        converted.append(item)
    if kind == "Array" and not changed:
        return _object_index(value), value, False
    return _build(containers.Array, converted, "tuple", value)


def _to_optional(conv: _Converter, value: Any) -> _Result:
    if value is None:
        return _NONE, None, False
    sub = conv.subs[0]
    assert sub is not None
    return _dispatch(sub, value)


def _to_union(conv: _Converter, value: Any) -> _Result:
    for alt in conv.subs:
        assert alt is not None
        try:
            return alt.run(alt, value)
        except _Mismatch:
            continue
    raise _Mismatch("expected %s, got %s" % (conv.hint, _describe(value)))


def _enum_variant(target: int, value: Any) -> Any:
    """The variant of the enum type `target` whose payload is `value`, or None."""
    state = _lookup_type_attr(target, "__ffi_enum__")
    indexes = getattr(state, "indexes", None) if state is not None else None
    if indexes is None:
        return None
    if isinstance(value, str):
        return indexes.get(value)
    if isinstance(value, Integral):
        payload = _int_of(value)
        return indexes.get(payload)
    return None


def _to_object(conv: _Converter, value: Any) -> _Result:
    target = conv.target
    if isinstance(value, Object) and value.__chandle__():
        actual = value._type_index()
        if _is_instance_index(actual, target):
            return actual, value, False
    variant = _enum_variant(target, value) if target != _OBJECT else None
    if variant is not None:
        return _object_index(variant), variant, True
    index, packed = _packed(value, conv.hint, value)
    caster = _lookup_type_attr(target, "__ffi_convert__")
    failure: Optional[BaseException] = None
    if caster is not None:
        try:
            packed = caster(packed)
            index, packed = _pack(packed)
        except Exception as err:
            failure = err
    if failure is None and _is_instance_index(index, target):
        return index, packed, True
    message = "expected %s, got %s" % (conv.hint, _describe(value))
    if failure is not None:
        detail = str(failure).replace("\n", "\n    ")
        message += "\n  __ffi_convert__ failed:\n    " + detail
    raise _Mismatch(message)


_SCALARS: "Dict[str, Callable[[_Converter, Any], _Result]]" = {
    "int": _to_int, "float": _to_float, "bool": _to_bool, "None": _to_none, "str": _to_str,
    "bytes": _to_bytes, "Device": _to_device, "dtype": _to_dtype,
    "ctypes.c_void_p": _to_opaque_ptr, "Tensor": _to_tensor, "Callable": _to_callable,
}


def _child(schema: TypeSchema) -> Optional[_Converter]:
    """The converter of an argument schema; None for Any (items kept as they are)."""
    return None if schema.origin == "Any" else converter_of(schema)


def converter_of(schema: TypeSchema) -> _Converter:
    """The schema's converter, built on first use (so that every type is
    registered by then) and kept."""
    conv: Optional[_Converter] = schema._converter_cache
    if conv is None:
        conv = schema._converter_cache = _build_converter(schema)
    return conv


def _build_converter(schema: TypeSchema) -> _Converter:
    origin, args = schema.origin, schema.args
    if origin == "Any" or schema.origin_type_index == -1:
        return _Converter(_to_any, "Any")
    if origin == "Optional":
        assert args is not None
        return _Converter(_to_optional, repr(schema), (converter_of(args[0]),))
    if origin == "Union":
        assert args is not None
        return _Converter(_to_union, " | ".join(repr(a) for a in args),
                          tuple(converter_of(a) for a in args))
    if origin in _SCALARS:
        return _Converter(_SCALARS[origin], origin)
    if origin in ("Array", "List", "list"):
        name = "List" if origin == "list" else origin
        elem = _child(args[0]) if args else None
        return _Converter(_to_sequence, name, (elem,) if elem is not None else (),
                          container=name)
    if origin in ("Map", "Dict", "dict"):
        name = "Dict" if origin == "dict" else origin
        assert args is not None
        key, val = _child(args[0]), _child(args[1])
        subs = (key, val) if key is not None or val is not None else ()
        return _Converter(_to_mapping, name, subs, container=name)
    if origin == "tuple":
        if args is None:
            return _Converter(_to_tuple, "tuple", (), target=-1)
        return _Converter(_to_tuple, "tuple", tuple(converter_of(a) for a in args))
    if origin == "Object":
        return _Converter(_to_object, "Object", target=_OBJECT)
    index = schema.origin_type_index
    if index < STATIC_OBJECT_BEGIN:
        index = _object_type_key_to_index(origin) or -1
    if index >= STATIC_OBJECT_BEGIN:
        return _Converter(_to_object, origin, target=index)
    raise TypeError("unknown TypeSchema origin: %r" % (origin,))


# ---------------------------------------------------------------------------
# Protocols, then the schema's rules
# ---------------------------------------------------------------------------
_STALLED = object()


def _unwrap(value: Any) -> Any:
    """One step of the protocols: the value to convert instead of `value`
    (itself when none applies; `_STALLED` when ``__tvm_ffi_value__`` gives
    nothing usable)."""
    if isinstance(value, (Object, ObjectRValueRef, containers.String, containers.Bytes)):
        return value
    kind = type(value)
    handler = _OPAQUE_PTR_HANDLERS.get(kind)
    if handler is not None:  # an exact class registered as an opaque pointer
        return ctypes.c_void_p(_address(handler(value)) or None)
    if hasattr(kind, "__tvm_ffi_object__"):
        try:
            return value.__tvm_ffi_object__()
        except Exception:
            raise _Mismatch("__tvm_ffi_object__() failed for %s" % _describe(value)) from None
    if hasattr(kind, "__tvm_ffi_value__"):
        try:
            inner = value.__tvm_ffi_value__()
        except Exception:
            return _STALLED  # the mismatch is reported against the schema
        return _STALLED if inner is value else inner
    if isinstance(value, ObjectConvertible):
        try:
            inner = value.asobject()
        except Exception:
            raise _Mismatch("asobject() failed for %s" % _describe(value)) from None
        if not isinstance(inner, Object):
            raise _Mismatch("asobject() returned %s for %s" % (_describe(inner), _describe(value)))
        return inner
    return value


def _stalled(conv: _Converter, value: Any) -> _Mismatch:
    while conv.run is _to_optional and conv.subs and conv.subs[0] is not None:
        conv = conv.subs[0]
    if conv.hint == "Any":
        return _Mismatch("failed to convert Any from %s" % _describe(value))
    return _Mismatch("expected %s, got %s" % (conv.hint, _describe(value)))


def _dispatch(conv: _Converter, value: Any) -> _Result:
    """Apply the protocols, then `conv`."""
    hops = 0
    while True:
        inner = _unwrap(value)
        if inner is value:
            break
        if inner is _STALLED:
            raise _stalled(conv, value)
        hops += 1
        if hops > _MAX_VALUE_HOPS:
            raise _Mismatch("infinite __tvm_ffi_value__ cycle detected")
        value = inner
    index, result, changed = conv.run(conv, value)
    return index, result, changed or hops > 0


class ConversionError(TypeError):
    """A value that does not convert to a field's schema: the message is
    the reason alone (``expected int, got str``), which callers prefix with
    what was being converted."""


def convert_for_field(schema: TypeSchema, value: Any) -> Any:
    """`value` converted to `schema`, as a Python value (ConversionError
    with the reason when it does not convert)."""
    conv = converter_of(schema)
    try:
        index, result, _ = _dispatch(conv, value)
    except RecursionError:
        raise ConversionError("infinite __tvm_ffi_value__ cycle detected") from None
    except _Mismatch as err:
        raise ConversionError(err.message) from None
    return _python_value(index, result)


def run_converter(schema: TypeSchema, value: Any, what: str) -> CAny:
    """`schema.convert(value)`; `what` begins the error message."""
    conv = converter_of(schema)
    try:
        index, result, _ = _dispatch(conv, value)
    except RecursionError:
        raise TypeError("%s for %r: infinite __tvm_ffi_value__ cycle detected"
                        % (what, schema)) from None
    except _Mismatch as err:
        raise TypeError("%s for %r: %s" % (what, schema, err.message)) from None
    return CAny._of(index, result)


# ---------------------------------------------------------------------------
# __ffi_convert__ of the core's own object types
# ---------------------------------------------------------------------------
def _keep(value: Any) -> Any:
    return value


def _to_shape(value: Any) -> Any:
    if isinstance(value, core.Shape):
        return value
    kind = _container_kind(value)
    if kind in ("Array", "List", "seq") and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        return core.Shape(value)
    source = _describe(value) if kind in ("", "seq", "mapping") else "ffi." + kind
    raise TypeError("Cannot cast from `%s` to `ffi.Shape`" % source)


def _register_builtin_converters() -> None:
    for key in ("ffi.Object", "ffi.Function", "ffi.Error", "ffi.String", "ffi.Bytes",
                "ffi.Array", "ffi.List", "ffi.Map", "ffi.Dict", "ffi.Tensor"):
        index = _builtin_index(key)
        if index is not None:
            _register_type_attr(index, "__ffi_convert__", _keep)
    shape = _builtin_index("ffi.Shape")
    if shape is not None:
        _register_type_attr(shape, "__ffi_convert__", _to_shape)


_register_builtin_converters()
