"""Field, field(), init_property and MISSING: what a class statement declares
per field."""
from typing import Any, Callable, Optional

from ..missing import MISSING as MISSING


# ---------------------------------------------------------------------------
# Field
# ---------------------------------------------------------------------------
def _field_converter(value: Any) -> Any:
    """The default ``converter`` of a field: the value unchanged (apache
    tvm-ffi's marker for type checkers; the field's type schema converts)."""
    return value


def user_converter(f: "Field") -> Optional[Callable[[Any], Any]]:
    """The converter a field was given, or None for the default one."""
    conv = f.converter
    return None if conv is None or conv is _field_converter else conv


def schema_converter(schema: Any) -> Optional[Callable[[Any], Any]]:
    """value -> the value converted to the type schema (TypeError when it
    does not convert), or None when the schema takes anything."""
    if schema is None or getattr(schema, "origin", "Any") == "Any":
        return None
    from ..type_converter import convert_for_field
    # Values that need no conversion: the exact Python type of a scalar schema.
    exact = _EXACT.get(schema.origin)

    def convert(value: Any) -> Any:
        kind = type(value)
        if kind is exact and (kind is not int or _INT64_MIN <= int(value) <= _INT64_MAX):
            return value
        return convert_for_field(schema, value)
    return convert


_EXACT: "dict[str, type]" = {"int": int, "float": float, "bool": bool, "str": str}
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


def full_converter(f: "Field") -> Optional[Callable[[Any], Any]]:
    """What a value given for the field goes through: its own converter, then
    its type schema's conversion (None: neither)."""
    cache = f._conv_cache
    if cache is not None and cache[0] is f.converter and cache[1] is f._ty_schema:
        return cache[2]  # type: ignore[no-any-return]
    user = user_converter(f)
    typed = schema_converter(f._ty_schema)
    if user is None or typed is None:
        result = user or typed
    else:
        def result(value: Any) -> Any:
            return typed(user(value))
    f._conv_cache = (f.converter, f._ty_schema, result)
    return result


class Field:
    """One field of a py_class or c_class (what ``field()`` and ``fields()`` give).

    Built directly it is apache tvm-ffi's low-level field description:
    ``Field("x", TypeSchema("int"), default=0)`` (``name`` and the type
    schema ``_ty_schema``; ``compare`` defaults to False, ``hash`` to True,
    ``kw_only`` to False); ``field()`` gives one for a class body, whose
    name and schema py_class fills in.  Options this package does not know
    are kept in ``extra_kwargs``."""

    __slots__ = ("name", "_ty_schema", "type", "default", "default_factory", "frozen", "init",
                 "repr", "hash", "compare", "kw_only", "doc", "converter", "structural_eq",
                 "metadata", "extra_kwargs", "_conv_cache")

    _VALID_STRUCTURAL_EQ_VALUES = frozenset((None, "ignore", "def", "def-pattern", "def-simple"))

    def __init__(self, name: Optional[str] = None, _ty_schema: Any = None, *,
                 default: Any = MISSING, default_factory: Any = MISSING, frozen: bool = False,
                 init: bool = True, repr: bool = True, hash: Optional[bool] = True,
                 compare: bool = False, kw_only: Optional[bool] = False,
                 metadata: "Optional[dict[str, Any]]" = None,
                 structural_eq: Optional[str] = None, doc: Optional[str] = None,
                 converter: Optional[Callable[[Any], Any]] = _field_converter,
                 **extra_kwargs: Any) -> None:
        if default_factory is not MISSING:
            if default is not MISSING:
                raise ValueError("cannot specify both default and default_factory")
            if not callable(default_factory):
                raise TypeError("default_factory must be a callable, got %s"
                                % builtins_type(default_factory).__name__)
        if structural_eq not in Field._VALID_STRUCTURAL_EQ_VALUES:
            raise ValueError("structural_eq must be one of %s, got %r"
                             % (sorted(Field._VALID_STRUCTURAL_EQ_VALUES, key=str),
                                structural_eq))
        self.name = name
        self._ty_schema = _ty_schema
        self.type: Any = None
        self.default = default
        self.default_factory = default_factory
        self.frozen = frozen
        self.init = init
        self.repr = repr
        self.hash = hash
        self.compare = compare
        self.kw_only = kw_only
        self.doc = doc
        self.converter = converter
        self.structural_eq = structural_eq
        self.metadata = dict(metadata) if metadata else {}
        self.extra_kwargs = dict(extra_kwargs)
        # (converter, schema, what full_converter made of them): not compared, not copied.
        self._conv_cache: Any = None

    def __copy__(self) -> "Field":
        new = Field.__new__(Field)
        for slot in Field.__slots__:
            setattr(new, slot, getattr(self, slot))
        new._conv_cache = None
        new.metadata = dict(self.metadata)
        new.extra_kwargs = dict(self.extra_kwargs)
        return new

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Field):
            return NotImplemented
        return all(getattr(self, s) == getattr(other, s) for s in Field.__slots__
                   if s != "_conv_cache")

    __hash__ = object.__hash__

    def _has_default(self) -> bool:
        return self.default is not MISSING or self.default_factory is not MISSING

    def _default_value(self) -> Any:
        if self.default_factory is not MISSING:
            return self.default_factory()
        return None if self.default is MISSING else self.default

    def __repr__(self) -> str:
        return ("Field(name=%r, type=%r, default=%r, default_factory=%r, init=%r, repr=%r, "
                "hash=%r, compare=%r, kw_only=%r, frozen=%r)"
                % (self.name, self.type, self.default, self.default_factory, self.init,
                   self.repr, self.hash, self.compare, self.kw_only, self.frozen))


builtins_type = type


def field(*, default: Any = MISSING, default_factory: Any = MISSING, frozen: bool = False,
          init: bool = True, repr: bool = True, hash: Optional[bool] = None,
          compare: bool = True, kw_only: Optional[bool] = None,
          doc: Optional[str] = None,
          converter: Optional[Callable[[Any], Any]] = _field_converter,
          structural_eq: Optional[str] = None,
          metadata: "Optional[dict[str, Any]]" = None, **extra_kwargs: Any) -> Any:
    """Customise a py_class field: ``y: int = field(default=0, repr=False)``.

    ``converter`` is called on the value given to ``__init__`` (and on the
    default); ``structural_eq`` and ``metadata`` are recorded on the Field."""
    return Field(default=default, default_factory=default_factory, frozen=frozen, init=init,
                 repr=repr, hash=hash, compare=compare, kw_only=kw_only, doc=doc,
                 converter=converter, structural_eq=structural_eq, metadata=metadata,
                 **extra_kwargs)


class init_property:
    """A field computed once, when the object is built: the decorated method
    runs after the other fields are set (parent's first), and its result is
    stored in the object like any field (``init=False``, read-only, not
    compared)::

        @py_class("my.Box")
        class Box(Object):
            w: int
            h: int

            @init_property
            def area(self) -> int:
                return self.w * self.h
    """

    def __init__(self, func: Callable[[Any], Any]) -> None:
        if not callable(func):
            raise TypeError("init_property decorates a method")
        self.func = func
        self.name: Optional[str] = getattr(func, "__name__", None)
        self.__doc__ = getattr(func, "__doc__", None)

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        if obj is None:
            return self
        return self.func(obj)
