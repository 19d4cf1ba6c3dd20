"""Structural equality and hashing with free variables (apache tvm-ffi's
``tvm_ffi.structural``); the rules are the core's, core/src/structural_equal.cc
and docs/structural.md.

``structural_equal(lhs, rhs)`` compares two values by structure: containers
item by item, objects by their type's kind (py_class(structural_eq=...)):
"tree" objects field by field, "var" objects by where they are defined.
``structural_hash(value)`` agrees with it.  ``get_first_structural_mismatch``
names the first differing pair as two AccessPaths.  ``StructuralKey(value)``
wraps a value so that a Python dict looks it up structurally.
"""
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Optional, Tuple

from .access_path import AccessPath
from .core import Object, get_global_func, register_object
from ._structural_walk import (DefRegionKind, InplaceMode, StructuralMutator,
                               StructuralVisitor, VisitInterrupt, WalkResult, structural_map,
                               structural_mutate, structural_visit, structural_walk)

__all__ = ["structural_equal", "structural_hash", "get_first_structural_mismatch",
           "StructuralKey", "WalkOrder", "WalkResult", "DefRegionKind", "InplaceMode",
           "VisitInterrupt", "StructuralVisitor", "StructuralMutator", "structural_walk",
           "structural_visit", "structural_map", "structural_mutate"]

_equal = get_global_func("ffi.StructuralEqual")
_hash = get_global_func("ffi.StructuralHash")
_mismatch = get_global_func("ffi.GetFirstStructuralMismatch")
_make_key = get_global_func("ffi.StructuralKey")
_key_equal = get_global_func("ffi.StructuralKeyEqual")


def structural_equal(lhs: Any, rhs: Any, map_free_vars: bool = False,
                     skip_tensor_content: bool = False) -> bool:
    """Whether lhs and rhs are structurally equal.  ``map_free_vars``: vars
    not defined anywhere match each other on first sight;
    ``skip_tensor_content``: tensors compare by shape and dtype only."""
    same: bool = _equal(lhs, rhs, map_free_vars, skip_tensor_content)
    return same


def structural_hash(value: Any, map_free_vars: bool = False,
                    skip_tensor_content: bool = False) -> int:
    """A hash that agrees with `structural_equal` under the same options
    (an unsigned 64-bit int)."""
    h: int = _hash(value, map_free_vars, skip_tensor_content)
    return h & 0xFFFFFFFFFFFFFFFF


def get_first_structural_mismatch(
        lhs: Any, rhs: Any, map_free_vars: bool = False,
        skip_tensor_content: bool = False) -> "Optional[Tuple[AccessPath, AccessPath]]":
    """None when lhs and rhs are structurally equal, else the paths (from
    each root) to the first pair that differs."""
    found = _mismatch(lhs, rhs, bool(map_free_vars), bool(skip_tensor_content))
    if found is None:
        return None
    return (found[0], found[1])


@register_object("ffi.StructuralKey")
class StructuralKey(Object):
    """A value (`key`) with its structural hash (`hash_i64`), computed once:
    as a key of a Python dict or of a core Map/Dict it finds any
    structurally equal value."""

    if TYPE_CHECKING:  # reflected from C++ when the class is built
        key: Any
        hash_i64: int

    def __init__(self, key: Any) -> None:
        self.__init_handle_by_constructor__(_make_key, key)

    def __hash__(self) -> int:
        return int(self.hash_i64) & 0xFFFFFFFFFFFFFFFF

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, StructuralKey) and bool(_key_equal(self, other))

    def __ne__(self, other: Any) -> bool:
        return not self.__eq__(other)


class WalkOrder(IntEnum):
    """The order of a structural walk or map (apache tvm-ffi's numbering):
    a value's callback before its children, or after."""

    PREORDER = 0
    POSTORDER = 1
