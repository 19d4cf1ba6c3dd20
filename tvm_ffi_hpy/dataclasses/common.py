"""apache tvm-ffi's module name for the dataclass helpers
(``tvm_ffi.dataclasses.common``): the same functions as
``tvm_ffi_hpy.dataclasses``, asdict/astuple's recursions, and
`_make_namedtuple` (a named tuple typed by dataclass fields)."""
import collections as _collections
import inspect as _inspect
from typing import Any as _Any, Callable as _Callable, Iterable as _Iterable

from ..type_converter import _to_py_class_value
from ..type_schema import TypeSchema  # looked up at call time (tests patch it)
from ._functions import (_asdict_inner, _astuple_inner, asdict, astuple, fields, is_dataclass,
                         replace)

__all__ = ["asdict", "astuple", "fields", "is_dataclass", "replace", "_asdict_inner",
           "_astuple_inner", "_make_namedtuple"]


# ---------------------------------------------------------------------------
# Named tuples typed by dataclass fields
# ---------------------------------------------------------------------------
def _field_converter(tuple_name: str, field: _Any) -> "_Callable[[_Any], _Any]":
    """value -> value converted to the field's type schema (its cached
    ``_ty_schema``, else one made from its annotation; none: kept as is).
    A mismatch raises TypeError("<tuple>.<field>: ...") from the original."""
    schema = getattr(field, "_ty_schema", None)
    if schema is None and getattr(field, "type", None) is not None:
        schema = TypeSchema.from_annotation(field.type)
    if schema is None:
        return lambda value: value
    where = "%s.%s" % (tuple_name, field.name)

    def convert(value: _Any) -> _Any:
        try:
            return _to_py_class_value(schema.convert(value))
        except TypeError as err:
            raise TypeError("%s: %s" % (where, err)) from err
    return convert


def _make_namedtuple(name: str, fields: "_Iterable[_Any]") -> type:
    """A plain named tuple class (a subclass of tuple, as
    `collections.namedtuple` makes) with one item per dataclass field, in the
    given order: constructing it, `_make` and `_replace` convert each item to
    its field's type (``3`` for a float field becomes ``3.0``, a list for an
    ``Array[float]`` an Array of floats).  The fields are not changed; the
    tuple has no defaults and runs none of the dataclass's initialisation."""
    fields = tuple(fields)
    names = tuple(f.name for f in fields)
    make_native: _Any = _collections.namedtuple  # (mypy would want a literal name)
    native: _Any = make_native(name, names)  # checks the names
    converters = tuple(_field_converter(name, f) for f in fields)
    native_new = native.__new__
    native_make = native._make.__func__

    def _convert_all(cls: type, values: _Any) -> _Any:
        return tuple.__new__(cls, [conv(v) for conv, v in zip(converters, values)])

    def __new__(_cls: type, *args: _Any, **kwargs: _Any) -> _Any:
        return _convert_all(_cls, native_new(_cls, *args, **kwargs))  # native arity errors
    __new__.__signature__ = _inspect.signature(native_new)  # type: ignore[attr-defined]

    def _make(cls: type, iterable: _Iterable[_Any]) -> _Any:
        return _convert_all(cls, native_make(cls, iterable))  # native length errors

    native.__new__ = __new__
    native._make = classmethod(_make)
    native.__annotations__ = {f.name: f.type for f in fields
                              if getattr(f, "type", None) is not None}
    cls: type = native
    return cls
