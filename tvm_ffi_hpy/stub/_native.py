"""The byte facts of a type that the C ABI publishes and the Python type info
does not carry: the type's ``sizeof`` (``TVMFFITypeMetadata.total_size``) and
each field's alignment (``TVMFFIFieldInfo.alignment``).

They are read from ``TVMFFIGetTypeInfo`` of the core library with ctypes,
over the structs of ``core/include/tvm_ffi_hpy/c_api.h`` (mirrored below; the
mirror is checked against the Python type info: the type key, the number of
fields and each field's name and offset must agree, else nothing is
returned).  Any failure gives None: the facts are then unknown, never
guessed."""

from __future__ import annotations

import ctypes
import functools
from typing import Dict, Optional, Tuple


class _ByteArray(ctypes.Structure):
    _fields_ = [("data", ctypes.c_char_p), ("size", ctypes.c_size_t)]

    def text(self) -> str:
        return ctypes.string_at(self.data, self.size).decode("utf-8") if self.size else ""


class _Any(ctypes.Structure):  # TVMFFIAny: 16 bytes
    _fields_ = [("type_index", ctypes.c_int32), ("pad", ctypes.c_uint32),
                ("v", ctypes.c_int64)]


class _FieldInfo(ctypes.Structure):
    _fields_ = [("name", _ByteArray), ("doc", _ByteArray), ("metadata", _ByteArray),
                ("flags", ctypes.c_int64), ("size", ctypes.c_int64),
                ("alignment", ctypes.c_int64), ("offset", ctypes.c_int64),
                ("getter", ctypes.c_void_p), ("setter", ctypes.c_void_p),
                ("default_value", _Any), ("field_static_type_index", ctypes.c_int32)]


class _Metadata(ctypes.Structure):
    _fields_ = [("doc", _ByteArray), ("creator", ctypes.c_void_p),
                ("total_size", ctypes.c_int32), ("structural_eq_hash_kind", ctypes.c_int32)]


class _TypeInfo(ctypes.Structure):
    _fields_ = [("type_index", ctypes.c_int32), ("type_depth", ctypes.c_int32),
                ("type_key", _ByteArray), ("type_ancestors", ctypes.c_void_p),
                ("type_key_hash", ctypes.c_uint64), ("num_fields", ctypes.c_int32),
                ("num_methods", ctypes.c_int32), ("fields", ctypes.POINTER(_FieldInfo)),
                ("methods", ctypes.c_void_p), ("metadata", ctypes.POINTER(_Metadata))]


@functools.lru_cache(maxsize=None)
def _get_type_info() -> Optional[object]:
    try:
        from ..libinfo import find_core_lib
        lib = ctypes.CDLL(find_core_lib())
        fn = lib.TVMFFIGetTypeInfo
    except (OSError, AttributeError, RuntimeError, ImportError):
        return None
    fn.restype = ctypes.POINTER(_TypeInfo)
    fn.argtypes = [ctypes.c_int32]
    return fn


def type_layout(type_info: object) -> "Tuple[Optional[int], Dict[str, int]]":
    """(sizeof the type or None without metadata of its own, {own field name:
    alignment}); (None, {}) when the C ABI cannot be read or disagrees."""
    fn = _get_type_info()
    if fn is None:
        return None, {}
    ptr = fn(type_info.type_index)  # type: ignore[attr-defined,operator]
    if not ptr:
        return None, {}
    c = ptr.contents
    fields = list(type_info.fields or ())  # type: ignore[attr-defined]
    if c.type_key.text() != type_info.type_key or c.num_fields != len(fields):  # type: ignore
        return None, {}
    align: Dict[str, int] = {}
    for i, f in enumerate(fields):
        cf = c.fields[i]
        if cf.name.text() != f.name or cf.offset != f.offset or cf.size != f.size:
            return None, {}
        align[f.name] = int(cf.alignment)
    size = int(c.metadata.contents.total_size) if c.metadata else None
    return size, align
