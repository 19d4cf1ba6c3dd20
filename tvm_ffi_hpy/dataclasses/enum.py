"""Dataclass enums: ``Enum``, ``IntEnum``, ``StrEnum``, ``entry``, ``auto``.

An enum is a py_class whose instances are a fixed set of singletons, the
*variants*, made when the class statement runs.  Each variant has an integer
index (``_int_index``) and a string index (``_str_index``), and the payload
fields the class declares::

    class Activation(Enum, type_key="my.Activation"):
        arity: int = 0                                # a payload field
        relu: ClassVar["Activation"] = entry(arity=1)  # a variant
        add = entry(arity=2)
        noop = auto()                                 # payload defaults

    class Priority(IntEnum, type_key="my.Priority"):  # the int index is the value
        LOW = 1
        HIGH = 10

    class MemSpace(StrEnum, type_key="my.MemSpace"):  # the str index is the value
        SMEM = "smem"

- ``Enum``: the int index is the declaration position, the string index the
  name.  ``IntEnum``: the int index is the value (a signed 64-bit int), the
  string index the name.  ``StrEnum``: the string index is the value, the int
  index the position; two names with one value are one variant.
- ``list(cls)``, ``len(cls)``: the variants in order; ``cls(i)`` /
  ``cls.get(i)``: the variant of an int or str index (ValueError / KeyError
  when there is none; OverflowError outside int64).
- IntEnum and StrEnum variants compare and hash like their value, and print
  their value with ``str``.  Payload fields are read-only.
- ``cls.def_attr(name, default=MISSING)``: an ``EnumAttrMap``, a table
  variant -> value kept with the class (``cls.attr_dict[name]``).
- The core keeps each enum type's ``EnumState`` (entries, indexes, attrs)
  as its type attribute ``__ffi_enum__`` (core/include/tvm_ffi_hpy/enum.h):
  C++ finds variants by index there (serialization writes a variant as its
  index and reads back the singleton).  copy.deepcopy and pickle keep
  variants singletons; copy.copy makes a distinct object, which structural
  equality tells apart.
- Enum types declared in C++ (``EnumDef``): a class statement with their
  type key binds to them.  When C++ made the variants, the body names them
  by string index (``Alpha: ClassVar[Variant]``); when it made none, the body
  declares them as for a Python enum (without payload fields).
"""
from typing import Any, Iterator, Optional, Union, cast

from ..core import Object, _ffi, get_global_func
from ..missing import MISSING
from ._decorators import _is_classvar, py_class

ENUM_STATE_ATTR = "__ffi_enum__"
get_global_func("ffi.EnumBaseTypeIndex")(0)  # the core defines its enum types on first use
_get_type_attr = get_global_func("ffi.GetTypeAttr")
_register_entry = get_global_func("ffi.EnumRegisterEntry")
_set_attr = get_global_func("ffi.EnumSetAttr")
_INT64 = (-(1 << 63), (1 << 63) - 1)
_KINDS = ("plain", "int", "str")


class _EnumEntry:
    """A variant declared in a class body (``entry(...)`` or ``auto()``)."""

    __slots__ = ("args", "kwargs")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        self.kwargs = kwargs

    def __repr__(self) -> str:
        parts = [repr(a) for a in self.args] + ["%s=%r" % kv for kv in self.kwargs.items()]
        return "entry(%s)" % ", ".join(parts)


def entry(*args: Any, **kwargs: Any) -> Any:
    """A variant with these payload values (positional ones fill the payload
    fields in order; for IntEnum / StrEnum the first is the value)."""
    return _EnumEntry(*args, **kwargs)


def auto() -> Any:
    """A variant with the payload fields' defaults."""
    return _EnumEntry()


def _check_int64(value: int) -> int:
    if not _INT64[0] <= value <= _INT64[1]:
        raise OverflowError("enum index %d is outside the int64 range" % value)
    return value


# ---------------------------------------------------------------------------
# The metaclass: class-level iteration, lookup by calling the class
# ---------------------------------------------------------------------------
class _EnumClassStatement(type):
    """The class of _EnumMeta: a class statement deriving from an enum class
    calls ``_EnumMeta(name, bases, namespace, **options)``, which lands here
    and builds the enum class as a py_class.  (Done here and not in
    ``_EnumMeta.__new__``: HPy makes classes whose metaclass keeps type's
    ``__new__`` only.)"""

    def __call__(mcls, name: str, bases: "tuple[type, ...]", ns: "dict[str, Any]", *,
                 type_key: Optional[str] = None, _kind: Optional[str] = None) -> Any:
        kind: str = _kind or next((str(getattr(b, "__tvm_ffi_enum_kind__")) for b in bases
                                   if hasattr(b, "__tvm_ffi_enum_kind__")), "plain")
        variants = _collect_declarations(ns, kind, abstract=_kind is not None)
        body = {k: v for k, v in ns.items() if k not in variants}
        if kind in ("int", "str") and "value" in body.get("__annotations__", {}):
            raise TypeError("%s reserves `value` for the variant's value: a payload field "
                            "cannot be named so" % ("IntEnum" if kind == "int" else "StrEnum"))
        user_repr = "__repr__" in body
        plain = type.__new__(cast(Any, mcls), name, bases, body)
        if type_key is None:
            type_key = "%s.%s" % (plain.__module__, plain.__qualname__)
        # A type the core or a C++ library declared (enum.h) is bound, not defined.
        cls: Any = py_class(type_key, frozen=True, _bind_existing=_type_exists(type_key))(plain)
        cls.__tvm_ffi_enum_kind__ = kind
        cls.__deepcopy__ = _variant_deepcopy
        cls.__reduce__ = _variant_reduce
        if not user_repr:
            cls.__repr__ = _repr_payload if kind in ("int", "str") else _repr_plain
        if _kind is None:
            _create_variants(cls, kind, variants)
        return cls


class _EnumMeta(type, metaclass=_EnumClassStatement):
    """The class of every enum class: ``list(cls)``, ``len(cls)``, ``cls(index)``."""

    def __iter__(cls) -> "Iterator[Any]":
        return iter(_lookup(cls)[2])

    def __len__(cls) -> int:
        return len(_lookup(cls)[2])

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if "__tvm_ffi_enum_lookup__" not in cls.__dict__:
            raise TypeError("%s has no variants: derive an enum class from it" % cls.__name__)
        if len(args) != 1 or kwargs:
            raise TypeError("%s(index) takes exactly one int or str index" % cls.__name__)
        try:
            return _find(cls, args[0])
        except KeyError:
            raise ValueError("%r is not a valid %s" % (args[0], cls.__name__)) from None

    @property
    def attr_dict(cls) -> "dict[str, dict[Any, Any]]":
        """name -> {variant: value} of the attributes (def_attr's, and those
        set in C++)."""
        state = _state_of(cls)
        if state is None:
            return {}
        return {str(name): dict(column.items()) for name, column in state.attrs.items()}


def _type_exists(type_key: str) -> bool:
    try:
        _ffi.type_key_to_index(type_key)
    except Exception:
        return False
    return True


def _state_of(cls: Any) -> Any:
    """The core's EnumState of an enum class (None before its first variant)."""
    return _get_type_attr(cls.__tvm_ffi_type_index__, ENUM_STATE_ATTR)


def _collect_declarations(ns: "dict[str, Any]", kind: str, abstract: bool
                          ) -> "dict[str, Any]":
    """name -> declaration (an _EnumEntry, or the value of an IntEnum / StrEnum
    literal) of the variants of a class body, in declaration order."""
    out: "dict[str, Any]" = {}
    annotations = ns.get("__annotations__", {})
    for name, value in ns.items():
        if name.startswith("_"):
            continue
        if isinstance(value, _EnumEntry):
            out[name] = value
            continue
        if kind == "plain" or abstract or name in annotations:
            continue
        if callable(value) or hasattr(value, "__get__"):
            continue  # methods, properties, descriptors
        _check_literal(kind, name, value)
        out[name] = value
    for name, annotation in annotations.items():  # `name: ClassVar[Cls]` alone
        if name not in ns and not name.startswith("_") and _is_classvar(annotation):
            out[name] = _EnumEntry()
    return out


def _check_literal(kind: str, name: str, value: Any) -> None:
    expected = int if kind == "int" else str
    if not isinstance(value, expected) or isinstance(value, bool):
        raise TypeError("%s variant %s = %r: expected a %s" % (
            "IntEnum" if kind == "int" else "StrEnum", name, value, expected.__name__))


def _create_variants(cls: Any, kind: str, variants: "dict[str, Any]") -> None:
    made_in_cxx = _state_of(cls)
    if made_in_cxx is not None and len(made_in_cxx.entries):
        _bind_variants(cls, kind, variants, made_in_cxx)
    else:
        _make_variants(cls, kind, variants)
    state = _state_of(cls)
    entries = tuple(state.entries) if state is not None else ()
    cls.__tvm_ffi_enum_lookup__ = ({int(v._int_index): v for v in entries},
                                   {str(v._str_index): v for v in entries}, entries)


def _bind_variants(cls: Any, kind: str, variants: "dict[str, Any]", state: Any) -> None:
    """The class of a C++ enum whose variants C++ made: each declaration names
    one by its string index."""
    for name, decl in variants.items():
        index = decl if kind == "str" and isinstance(decl, str) else name
        variant = state.indexes.get(index)
        if variant is None:
            raise RuntimeError("enum `%s` was declared in C++ with no variant whose string index "
                               "is %r: the class names its variants by their string index"
                               % (cls.__tvm_ffi_type_key__, index))
        setattr(cls, name, variant)


def _make_variants(cls: Any, kind: str, variants: "dict[str, Any]") -> None:
    payload = [f.name for f in cls.__tvm_ffi_dataclass_fields__
               if f.name not in ("_int_index", "_str_index")]
    by_int: "dict[int, Any]" = {}
    by_str: "dict[str, Any]" = {}
    for name, decl in variants.items():
        args: "tuple[Any, ...]" = ()
        kwargs: "dict[str, Any]" = {}
        if isinstance(decl, _EnumEntry):
            args, kwargs = decl.args, dict(decl.kwargs)
            if kind in ("int", "str") and "value" in kwargs:  # entry(value=10)
                decl = kwargs.pop("value")
            elif kind in ("int", "str") and args:  # entry(10)
                decl, args = args[0], args[1:]
            if kind in ("int", "str") and not isinstance(decl, _EnumEntry):
                _check_literal(kind, name, decl)
        position = len(by_str)
        if kind == "int":  # auto() in an IntEnum: the position
            int_index = position if isinstance(decl, _EnumEntry) else _check_int64(decl)
            str_index = name
        elif kind == "str":
            str_index = name if isinstance(decl, _EnumEntry) else decl
            int_index = position
        else:
            int_index, str_index = position, name
        existing = by_str.get(str_index) if kind == "str" else by_int.get(int_index)
        if existing is not None:  # an alias: the same variant under another name
            setattr(cls, name, existing)
            continue
        kwargs.update(zip(payload, args))
        variant = type.__call__(cls, _int_index=int_index, _str_index=str_index, **kwargs)
        _register_entry(variant)  # into the core's EnumState of the type
        by_int[int_index] = variant
        by_str[str_index] = variant
        setattr(cls, name, variant)


def _lookup(cls: Any) -> "tuple[dict[int, Any], dict[str, Any], tuple[Any, ...]]":
    found: "Optional[tuple[dict[int, Any], dict[str, Any], tuple[Any, ...]]]" = \
        cls.__dict__.get("__tvm_ffi_enum_lookup__")
    if found is None:
        if "__tvm_ffi_enum_kind__" in cls.__dict__ and "__tvm_ffi_enum_lookup__" not in \
                cls.__dict__:
            return ({}, {}, ())  # Enum, IntEnum, StrEnum themselves: no variants
        raise TypeError("%s is not an enum class" % cls.__name__)
    return found


def _find(cls: Any, index: Any) -> Any:
    """The variant of an int or str index; KeyError when there is none."""
    if isinstance(index, cls):
        return index
    by_int, by_str, _ = _lookup(cls)
    if isinstance(index, str):
        return by_str[index]
    if isinstance(index, int) and not isinstance(index, bool):
        return by_int[_check_int64(index)]
    raise TypeError("%s: an index is an int or a str, got %s" % (cls.__name__,
                                                                type(index).__name__))


# ---------------------------------------------------------------------------
# What variants do
# ---------------------------------------------------------------------------
def _variant_deepcopy(self: Any, memo: Any = None) -> Any:
    return self  # variants are immutable singletons


def _restore_variant(cls: Any, str_index: str) -> Any:
    return _find(cls, str_index)


def _variant_reduce(self: Any) -> Any:
    return (_restore_variant, (type(self), self._str_index))


def _repr_plain(self: Any) -> str:
    return "%s.%s" % (type(self).__tvm_ffi_type_key__, self._str_index)


def _repr_payload(self: Any) -> str:
    return "%s.%s" % (type(self).__name__, self._str_index)


# ---------------------------------------------------------------------------
# The classes
# ---------------------------------------------------------------------------
@py_class("ffi.EnumState", frozen=True, _bind_existing=True)
class EnumState(Object):
    """What an enum class keeps: its variants in order, index -> variant, and
    the def_attr tables (name -> {variant: value})."""

    entries: "list[Any]"
    indexes: "dict[Any, Any]"
    attrs: "dict[str, Any]"


class _EnumDeclaration(Object):
    """The base of enum classes: ``class Color(Enum, type_key="my.Color"): ...``."""

    __tvm_ffi_metaclass__ = _EnumMeta
    _int_index: int
    _str_index: str


_EnumDeclaration.__name__ = _EnumDeclaration.__qualname__ = "Enum"
# The class built by py_class is a class of its own (its class is _EnumMeta):
# typed as Any, like every class this package builds at run time.
Enum: Any = py_class("ffi.Enum", frozen=True, _bind_existing=True)(_EnumDeclaration)
Enum.__tvm_ffi_enum_kind__ = "plain"
Enum.__repr__ = _repr_plain
Enum.__deepcopy__ = _variant_deepcopy
Enum.__reduce__ = _variant_reduce


def _get(cls: Any, index: Union[int, str]) -> Any:
    """The variant of an int or str index (KeyError when there is none)."""
    return _find(cls, index)


def _all_entries(cls: Any) -> "Iterator[Any]":
    """The variants, in order."""
    return iter(_lookup(cls)[2])


def _def_attr(cls: Any, name: str, *, default: Any = MISSING) -> "EnumAttrMap":
    """A table variant -> value named `name`, kept with the class."""
    return EnumAttrMap(cls, name, default=default)


Enum.get = classmethod(_get)
Enum.all_entries = classmethod(_all_entries)
Enum.def_attr = classmethod(_def_attr)


class EnumAttrMap:
    """A table variant -> value of one enum class (``cls.def_attr(name)``):
    a column of the core's EnumState, which C++ reads and writes too."""

    def __init__(self, enum_cls: Any, name: str, *, default: Any = MISSING) -> None:
        self._cls = enum_cls
        self._name = name
        self._default = default
        state = _state_of(enum_cls)
        if state is None:
            raise TypeError("%s has no variants to attach %r to" % (enum_cls.__name__, name))
        if state.attrs.get(name) is None:
            from ..containers import Dict
            state.attrs[name] = Dict()

    @property
    def name(self) -> str:
        return self._name

    def _column(self) -> Any:
        return _state_of(self._cls).attrs[self._name]

    def _check(self, variant: object) -> None:
        if not isinstance(variant, self._cls):
            raise TypeError("%s: %r is not a variant of %s" % (self._name, variant,
                                                               self._cls.__name__))

    def __setitem__(self, variant: Any, value: Any) -> None:
        self._check(variant)
        _set_attr(variant, self._name, value)

    def __getitem__(self, variant: Any) -> Any:
        self._check(variant)
        column = self._column()
        if variant in column:
            return column[variant]
        if self._default is not MISSING:
            return self._default
        raise KeyError("%s has no %r for %r" % (self._cls.__name__, self._name, variant))

    def __contains__(self, variant: object) -> bool:
        return isinstance(variant, self._cls) and variant in self._column()

    def get(self, variant: Any, default: Any = None) -> Any:
        self._check(variant)
        column = self._column()
        return column[variant] if variant in column else default


def _payload_eq(self: Any, other: object) -> Any:
    if isinstance(other, Enum):
        return self is other
    return self.value == other


def _payload_ne(self: Any, other: object) -> Any:
    result = _payload_eq(self, other)
    return result if result is NotImplemented else not result


def _payload_hash(self: Any) -> int:
    return hash(self.value)


def _payload_str(self: Any) -> str:
    return str(self.value)


def _name(self: Any) -> str:
    return str(self._str_index)


def _int_value(self: Any) -> int:
    return int(self._int_index)


class IntEnum(Enum, _kind="int", type_key="ffi.IntEnum"):  # type: ignore[misc,call-arg]
    """An enum whose variants are ints: ``NAME = 5`` (``.value``, ``.name``)."""


class StrEnum(Enum, _kind="str", type_key="ffi.StrEnum"):  # type: ignore[misc,call-arg]
    """An enum whose variants are strs: ``NAME = "text"`` (``.value`` and
    ``.name`` are the text)."""


_cls: Any
for _cls, _value in ((IntEnum, _int_value), (StrEnum, _name)):
    _cls.__eq__ = _payload_eq
    _cls.__ne__ = _payload_ne
    _cls.__hash__ = _payload_hash
    _cls.__str__ = _payload_str
    _cls.name = property(_name)
    _cls.value = property(_value)
del _cls, _value

__all__ = ["Enum", "IntEnum", "StrEnum", "EnumAttrMap", "EnumState", "auto", "entry",
           "ENUM_STATE_ATTR"]
