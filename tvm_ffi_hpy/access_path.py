"""AccessStep and AccessPath (apache tvm-ffi's ``tvm_ffi.access_path``): how
to reach a value inside another, ``root.attr("layer").array_item(2)``, as
diagnostics report it.  The core holds them (access_path.h); a path is
immutable and made from `AccessPath.root()` only."""
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Optional

from .core import Object, register_object

__all__ = ["AccessKind", "AccessStep", "AccessPath"]


class AccessKind(IntEnum):
    """The kind of a step (the core's numbering)."""

    ATTR = 0
    ARRAY_ITEM = 1
    MAP_ITEM = 2
    ATTR_MISSING = 3
    ARRAY_ITEM_MISSING = 4
    MAP_ITEM_MISSING = 5


@register_object("ffi.reflection.AccessStep")
class AccessStep(Object):
    """One step: `kind` (an AccessKind value) and `key` (an attribute name,
    an index or a map key)."""

    if TYPE_CHECKING:  # reflected from C++ when the class is built
        kind: int
        key: Any


@register_object("ffi.reflection.AccessPath")
class AccessPath(Object):
    """A path of steps from a root value; `parent` is the path one step
    shorter (None at the root), `step` the last step, `depth` the count."""

    if TYPE_CHECKING:  # reflected from C++ when the class is built
        parent: Optional["AccessPath"]
        step: Optional[AccessStep]
        depth: int

        @staticmethod
        def _root() -> "AccessPath": ...
        def _extend(self, step: AccessStep) -> "AccessPath": ...
        def _attr(self, name: str) -> "AccessPath": ...
        def _array_item(self, index: int) -> "AccessPath": ...
        def _map_item(self, key: Any) -> "AccessPath": ...
        def _attr_missing(self, name: str) -> "AccessPath": ...
        def _array_item_missing(self, index: int) -> "AccessPath": ...
        def _map_item_missing(self, key: Any) -> "AccessPath": ...
        def _is_prefix_of(self, other: "AccessPath") -> bool: ...
        def _path_equal(self, other: "AccessPath") -> bool: ...
        def _to_steps(self) -> Any: ...

    def __init__(self) -> None:
        raise ValueError("AccessPath can't be initialized directly: "
                         "use AccessPath.root() to start a path at the root object")

    @staticmethod
    def root() -> "AccessPath":
        """The path of the root value itself (no steps)."""
        return AccessPath._root()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AccessPath) and bool(self._path_equal(other))

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = Object.__hash__

    def is_prefix_of(self, other: "AccessPath") -> bool:
        """Whether `other` starts with every step of this path."""
        return bool(self._is_prefix_of(other))

    def attr(self, attr_key: str) -> "AccessPath":
        """This path, then attribute `attr_key`."""
        return self._attr(attr_key)

    def attr_missing(self, attr_key: str) -> "AccessPath":
        """This path, then attribute `attr_key`, present on one side only."""
        return self._attr_missing(attr_key)

    def array_item(self, index: int) -> "AccessPath":
        """This path, then item `index` of a sequence."""
        return self._array_item(index)

    def array_item_missing(self, index: int) -> "AccessPath":
        """This path, then item `index`, present on one side only."""
        return self._array_item_missing(index)

    def map_item(self, key: Any) -> "AccessPath":
        """This path, then the value under `key` of a mapping."""
        return self._map_item(key)

    def map_item_missing(self, key: Any) -> "AccessPath":
        """This path, then `key` of a mapping, present on one side only."""
        return self._map_item_missing(key)

    def to_steps(self) -> "list[AccessStep]":
        """The steps from the root, first step first."""
        return list(self._to_steps())

    def __repr__(self) -> str:
        if not self.__chandle__():
            return "<AccessPath (moved out)>"
        text = "<root>"
        for step in self.to_steps():
            kind, key = AccessKind(step.kind), step.key
            if kind in (AccessKind.ATTR, AccessKind.ATTR_MISSING):
                text += ".%s" % key
            else:
                text += "[%r]" % (key,)
            if kind >= AccessKind.ATTR_MISSING:
                text += "(missing)"
        return text
