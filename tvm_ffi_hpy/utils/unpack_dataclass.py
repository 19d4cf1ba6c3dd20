"""Turn standard-library dataclass instances into nested tuples, for passing
structured Python values to functions that take plain tuples.

``unpack_dataclass_to_tuple(value)``: a dataclass instance becomes the tuple
of its fields, each unpacked in turn; lists stay lists, tuples stay tuples
(a named tuple keeps its type) and dicts keep their keys, with their items
unpacked; anything else is returned as it is (never copied).

Per dataclass class a *schema* is worked out once from its type hints and
cached: field name -> ``None`` (a leaf: the value is taken as it is), a
nested schema (a field declared as another dataclass) or ``"unpack"`` (look
at the value when unpacking: ``Any``, containers of dataclasses, lists,
classes whose hints cannot be resolved, self-references).
"""
import dataclasses
import keyword
import typing
from typing import Any, Dict, Union

UNPACK = "unpack"
_LEAF_TYPES = (int, float, bool, str, bytes, complex, type(None))
_Schema = Dict[str, Any]
_schemas: "dict[type, _Schema]" = {}


def _is_dataclass_type(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def _is_leaf_hint(tp: Any) -> bool:
    """True when every value the hint allows passes through unchanged."""
    if tp in _LEAF_TYPES:
        return True
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is Union or (origin is not None and type(tp).__name__ == "UnionType"):
        return all(_is_leaf_hint(a) for a in args)
    if origin is dict:
        return bool(args) and all(_is_leaf_hint(a) for a in args)
    if origin is tuple:
        return bool(args) and all(a is Ellipsis or _is_leaf_hint(a) for a in args)
    return False


def _field_schema(tp: Any, active: "set[type]") -> Any:
    if _is_dataclass_type(tp):
        if tp in active:  # a self-reference: decided when unpacking
            return UNPACK
        return _extract(tp, active)
    if _is_leaf_hint(tp):
        return None
    return UNPACK


def _extract(cls: type, active: "set[type]") -> _Schema:
    names = [f.name for f in dataclasses.fields(cls)]
    try:
        hints = typing.get_type_hints(cls)
    except Exception:  # unresolvable (local classes, forward references)
        return {name: UNPACK for name in names}
    active = active | {cls}
    return {name: _field_schema(hints.get(name, Any), active) for name in names}


def _extract_dataclass_to_tuple_schema(cls: Any) -> _Schema:
    """The schema of a dataclass class (see the module doc)."""
    if not _is_dataclass_type(cls):
        raise TypeError("Expected a dataclass class, got %r" % (cls,))
    return _extract(cls, set())


def _validate_dataclass_to_tuple_schema(schema: Any) -> None:
    """Check a schema's shape: field names that are identifiers (not
    keywords), values None, "unpack" or a nested schema."""
    if not isinstance(schema, dict):
        raise TypeError("a dataclass schema must be a dict, got %s" % type(schema).__name__)
    for key, value in schema.items():
        if not isinstance(key, str):
            raise TypeError("a field name in a dataclass schema must be a string, got %r"
                            % (key,))
        if not key.isidentifier():
            raise ValueError("field name %r is not a valid Python identifier" % key)
        if keyword.iskeyword(key):
            raise ValueError("field name %r is a Python keyword" % key)
        if isinstance(value, dict):
            _validate_dataclass_to_tuple_schema(value)
        elif value is not None and value != UNPACK:
            raise ValueError("field %r: expected None, %r or a nested schema, got %r"
                             % (key, UNPACK, value))


def _schema_of(cls: type) -> _Schema:
    schema = _schemas.get(cls)
    if schema is None:
        schema = _extract_dataclass_to_tuple_schema(cls)
        _schemas[cls] = schema
    return schema


def _unpack_with(obj: Any, schema: _Schema) -> "tuple[Any, ...]":
    out = []
    for name, sub in schema.items():
        value = getattr(obj, name)
        if sub is None:
            out.append(value)
        elif isinstance(sub, dict) and dataclasses.is_dataclass(value) and \
                not isinstance(value, type):
            out.append(_unpack_with(value, sub))
        else:
            out.append(unpack_dataclass_to_tuple(value))
    return tuple(out)


def unpack_dataclass_to_tuple(value: Any) -> Any:
    """`value` with every dataclass instance in it turned into a tuple."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _unpack_with(value, _schema_of(type(value)))
    if isinstance(value, list):
        return [unpack_dataclass_to_tuple(v) for v in value]
    if isinstance(value, tuple):
        items = [unpack_dataclass_to_tuple(v) for v in value]
        cls = type(value)
        if cls is not tuple and hasattr(cls, "_fields") and hasattr(cls, "_make"):
            return cls._make(items)  # a named tuple keeps its type
        return tuple(items)
    if isinstance(value, dict):
        return {k: unpack_dataclass_to_tuple(v) for k, v in value.items()}
    return value


__all__ = ["unpack_dataclass_to_tuple"]
