"""Field, field() and MISSING: what a class statement declares per field."""
from typing import Any, Optional


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        return "MISSING"


MISSING = _Missing()


# ---------------------------------------------------------------------------
# Field
# ---------------------------------------------------------------------------
class Field:
    """One field of a py_class or c_class (what ``field()`` and ``fields()`` give)."""

    __slots__ = ("name", "type", "default", "default_factory", "frozen", "init", "repr",
                 "hash", "compare", "kw_only", "doc")

    def __init__(self, name: Optional[str] = None, *, default: Any = MISSING,
                 default_factory: Any = MISSING, frozen: bool = False, init: bool = True,
                 repr: bool = True, hash: Optional[bool] = None, compare: bool = True,
                 kw_only: Optional[bool] = None, doc: Optional[str] = None,
                 type: Any = None) -> None:
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
          doc: Optional[str] = None) -> Any:
    """Customise a py_class field: ``y: int = field(default=0, repr=False)``."""
    return Field(default=default, default_factory=default_factory, frozen=frozen, init=init,
                 repr=repr, hash=hash, compare=compare, kw_only=kw_only, doc=doc)
