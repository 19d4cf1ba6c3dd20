"""Field, field(), init_property and MISSING: what a class statement declares
per field."""
from typing import Any, Callable, Optional

from ..missing import MISSING as MISSING


# ---------------------------------------------------------------------------
# Field
# ---------------------------------------------------------------------------
class Field:
    """One field of a py_class or c_class (what ``field()`` and ``fields()`` give)."""

    __slots__ = ("name", "type", "default", "default_factory", "frozen", "init", "repr",
                 "hash", "compare", "kw_only", "doc", "converter", "structural_eq",
                 "metadata")

    def __init__(self, name: Optional[str] = None, *, default: Any = MISSING,
                 default_factory: Any = MISSING, frozen: bool = False, init: bool = True,
                 repr: bool = True, hash: Optional[bool] = None, compare: bool = True,
                 kw_only: Optional[bool] = None, doc: Optional[str] = None,
                 type: Any = None, converter: Optional[Callable[[Any], Any]] = None,
                 structural_eq: Optional[str] = None,
                 metadata: "Optional[dict[str, Any]]" = None) -> None:
        if default_factory is not MISSING:
            if default is not MISSING:
                raise ValueError("cannot specify both default and default_factory")
            if not callable(default_factory):
                raise TypeError("default_factory must be a callable, got %s"
                                % builtins_type(default_factory).__name__)
        self.name = name
        self.type = type
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

    def __copy__(self) -> "Field":
        new = Field.__new__(Field)
        for slot in Field.__slots__:
            setattr(new, slot, getattr(self, slot))
        new.metadata = dict(self.metadata)
        return new

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Field):
            return NotImplemented
        return all(getattr(self, s) == getattr(other, s) for s in Field.__slots__)

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
          doc: Optional[str] = None, converter: Optional[Callable[[Any], Any]] = None,
          structural_eq: Optional[str] = None,
          metadata: "Optional[dict[str, Any]]" = None) -> Any:
    """Customise a py_class field: ``y: int = field(default=0, repr=False)``.

    ``converter`` is called on the value given to ``__init__`` (and on the
    default); ``structural_eq`` and ``metadata`` are recorded on the Field."""
    return Field(default=default, default_factory=default_factory, frozen=frozen, init=init,
                 repr=repr, hash=hash, compare=compare, kw_only=kw_only, doc=doc,
                 converter=converter, structural_eq=structural_eq, metadata=metadata)


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
