"""Turn instances of stdlib dataclasses into nested tuples, field by field.

``unpack_dataclass_to_tuple(value)`` walks `value`: a dataclass instance
becomes the tuple of its fields (in declaration order, each unpacked in
turn), lists, tuples, namedtuples and dict values are rebuilt with their
items unpacked, anything else passes through as the same object.

For each dataclass class a *schema* is derived once from its type hints and
compiled into a small function: a field whose annotation can only hold leaf
values (numbers, strings, bytes, None, their unions, dicts of them) is read
as is; any other field ("unpack") goes through the dynamic walk. A schema is
a dict ``{field_name: None | "unpack" | nested schema}``.
"""
import dataclasses
import keyword
import types
import typing
from typing import Any, Callable

__all__ = ["unpack_dataclass_to_tuple"]

UNPACK = "unpack"


_LEAF_TYPES = frozenset([int, float, bool, str, bytes, complex, type(None)])
_UNION_ORIGINS = (typing.Union, getattr(types, "UnionType", typing.Union))

# dataclass class -> compiled unpacker
_unpackers: "dict[type, Callable[[Any], tuple[Any, ...]]]" = {}


def _field_kind(tp: Any, seen: "set[type]") -> Any:
    """None (a leaf: read as is), UNPACK (walk at run time) or a nested schema."""
    if tp in _LEAF_TYPES:
        return None
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if tp in seen:  # a recursive type: decided per value at run time
            return UNPACK
        return _schema_of(tp, seen)
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in _UNION_ORIGINS:
        return None if all(_field_kind(a, seen) is None for a in args) else UNPACK
    if origin is dict and len(args) == 2:
        return None if _field_kind(args[1], seen) is None else UNPACK
    return UNPACK


def _schema_of(cls: type, seen: "set[type]") -> "dict[str, Any]":
    names = [f.name for f in dataclasses.fields(cls)]
    try:
        hints = typing.get_type_hints(cls)
    except Exception:  # unresolvable annotations (local classes): walk at run time
        return {name: UNPACK for name in names}
    seen = seen | {cls}
    return {name: _field_kind(hints.get(name, Any), seen) for name in names}


def _extract_dataclass_to_tuple_schema(cls: Any) -> "dict[str, Any]":
    """The schema of a dataclass class (see the module's docstring)."""
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        raise TypeError("Expected a dataclass class, got %r" % (cls,))
    return _schema_of(cls, set())


def _validate_dataclass_to_tuple_schema(schema: Any) -> None:
    """Check that a schema's keys can be used as identifiers in generated code."""
    if not isinstance(schema, dict):
        raise TypeError("A dataclass-to-tuple schema must be a dict, got %s"
                        % type(schema).__name__)
    for name, kind in schema.items():
        if not isinstance(name, str):
            raise TypeError("A schema field name must be a string, got %r" % (name,))
        if not name.isidentifier():
            raise ValueError("Schema field name %r is not a valid Python identifier" % name)
        if keyword.iskeyword(name):
            raise ValueError("Schema field name %r is a Python keyword" % name)
        if isinstance(kind, dict):
            _validate_dataclass_to_tuple_schema(kind)
        elif kind is not None and kind != UNPACK:
            raise ValueError("Schema entry for %r must be None, %r or a dict, got %r"
                             % (name, UNPACK, kind))


def _compile_unpacker(cls: type) -> "Callable[[Any], tuple[Any, ...]]":
    schema = _extract_dataclass_to_tuple_schema(cls)
    _validate_dataclass_to_tuple_schema(schema)
    items = ["obj.%s" % name if kind is None else "_walk(obj.%s)" % name
             for name, kind in schema.items()]
    source = "def _unpack(obj):\n    return (%s)\n" % "".join(i + ", " for i in items)
    scope: "dict[str, Any]" = {"_walk": unpack_dataclass_to_tuple}
    exec(compile(source, "<unpack %s>" % cls.__qualname__, "exec"), scope)
    unpack: "Callable[[Any], tuple[Any, ...]]" = scope["_unpack"]
    return unpack


def unpack_dataclass_to_tuple(value: Any) -> Any:
    """`value` with every dataclass instance in it replaced by the tuple of
    its fields, recursively (see the module's docstring)."""
    cls = type(value)
    if cls in _LEAF_TYPES:
        return value
    unpack = _unpackers.get(cls)
    if unpack is not None:
        return unpack(value)
    if dataclasses.is_dataclass(cls):
        unpack = _unpackers[cls] = _compile_unpacker(cls)
        return unpack(value)
    if isinstance(value, list):
        return [unpack_dataclass_to_tuple(v) for v in value]
    if isinstance(value, tuple):
        items = [unpack_dataclass_to_tuple(v) for v in value]
        if hasattr(cls, "_fields"):  # a namedtuple keeps its class
            return cls(*items)
        return tuple(items)
    if isinstance(value, dict):
        return {k: unpack_dataclass_to_tuple(v) for k, v in value.items()}
    return value

