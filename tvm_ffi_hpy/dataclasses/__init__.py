"""Dataclasses over core objects: ``py_class``, ``c_class``, ``field`` and the
standard library's helpers (``fields``, ``asdict``, ``astuple``, ``replace``,
``is_dataclass``), with apache tvm-ffi's names (``tvm_ffi.dataclasses``)::

    from tvm_ffi_hpy import dataclasses

    @dataclasses.py_class("my.Point", eq=True)
    class Point(dataclasses.Object):
        x: int
        y: int = 0

The whole behaviour, and where it differs from apache tvm-ffi's:
docs/dataclasses.md.  The modules: _field (Field, field, init_property),
_decorators (py_class, c_class), _py_init (how a py_class object is built:
__init__, __ffi_init__), _methods (the other generated methods), _functions and common (the module-level helpers), enum (Enum,
IntEnum, StrEnum).
"""
from dataclasses import KW_ONLY

from ..core import Object
from .py_class import py_class  # the function; the module is dataclasses.py_class too
from .c_class import c_class
from ._field import MISSING, Field, field, init_property
from ..typed_method import method
from .enum import Enum, EnumAttrMap, EnumState, IntEnum, StrEnum, auto, entry
from ._functions import asdict, astuple, fields, is_dataclass, replace

__all__ = ["Object", "py_class", "c_class", "field", "Field", "fields", "asdict", "astuple",
           "replace", "is_dataclass", "MISSING", "KW_ONLY", "init_property", "method",
           "Enum", "IntEnum", "StrEnum", "EnumAttrMap", "EnumState", "auto", "entry"]
