"""Structural walks and rewrites with typed callbacks (apache tvm-ffi's
``structural_walk``, ``structural_visit``, ``structural_map`` and
``structural_mutate``); exported by ``tvm_ffi_hpy.structural`` and
``tvm_ffi_hpy``.  The walks run in C++ (core/src/structural_walk.cc, whose
header states the rules; docs/structural.md); this module turns the
callback forms into ``(type_index, callback)`` entries.

Callbacks may be given as one callable (called for every value), a
``(type, callback)`` entry, a ``((type1, type2, ...), callback)`` entry, or a
sequence of entries; the first entry whose type matches a value is used.  A
type is a builtin (``int``, ``float``, ``bool``, ``str``, ``bytes``, ...), a
registered object class (its subclasses match too), or ``object`` /
``typing.Any`` for every value.
"""
import inspect
from collections.abc import Sequence
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Tuple, cast

from .core import Object, get_global_func, register_object
from .type_schema import TypeSchema

__all__ = ["DefRegionKind", "InplaceMode", "WalkResult", "VisitInterrupt", "StructuralVisitor",
           "StructuralMutator", "structural_walk", "structural_visit", "structural_map",
           "structural_mutate"]

_walk = get_global_func("ffi.StructuralWalk")
_visit = get_global_func("ffi.StructuralVisit")
_map = get_global_func("ffi.StructuralMap")
_mutate = get_global_func("ffi.StructuralMutate")
_make_interrupt = get_global_func("ffi.VisitInterrupt")
_visitor_visit = get_global_func("ffi.StructuralVisitorVisit")
_visitor_default = get_global_func("ffi.StructuralVisitorDefaultVisit")
_visitor_region = get_global_func("ffi.StructuralVisitorDefRegionKind")
_visitor_with_region = get_global_func("ffi.StructuralVisitorWithDefRegionKind")
_mutator_mutate = get_global_func("ffi.StructuralMutatorMutate")
_mutator_default = get_global_func("ffi.StructuralMutatorDefaultMutate")
_mutator_remap_get = get_global_func("ffi.StructuralMutatorVarRemapGet")
_mutator_remap_set = get_global_func("ffi.StructuralMutatorVarRemapSet")
_mutator_region = get_global_func("ffi.StructuralMutatorDefRegionKind")
_mutator_with_region = get_global_func("ffi.StructuralMutatorWithDefRegionKind")


class WalkResult(IntEnum):
    """What a ``structural_walk`` callback may return (None means ADVANCE):
    go on into the value's children, or (pre-order) skip them.  Returning a
    `VisitInterrupt` stops the whole walk."""

    ADVANCE = 0
    SKIP = 1


class InplaceMode(IntEnum):
    """The third argument of a ``structural_mutate`` callback that takes one:
    ALLOW when the value was reached through references the walk owns alone
    (the root passed as ``root._move()``, every container on the way unique),
    so that it may be updated in place; DISALLOW otherwise."""

    DISALLOW = 0
    ALLOW = 1


class DefRegionKind(IntEnum):
    """The definition region a value is met in (``field(structural_eq=...)``):
    none, a ``"def"``/``"def-pattern"`` field, or a ``"def-simple"`` field."""

    NONE = 0
    DEF_PATTERN = 1
    DEF_SIMPLE = 2


@register_object("ffi.VisitInterrupt")
class VisitInterrupt(Object):
    """Returned by a walk or visit callback, stops the walk; the walk then
    returns it, payload (`value`) included."""

    if TYPE_CHECKING:  # reflected from C++ when the class is built
        value: Any

    def __init__(self, value: Any = None) -> None:
        self.__init_handle_by_constructor__(_make_interrupt, value)


@register_object("ffi.StructuralVisitor")
class StructuralVisitor(Object):
    """The running visit handed to a ``structural_visit`` callback; usable
    only while that visit runs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("a StructuralVisitor is made by structural_visit, not directly")

    def visit(self, value: Any) -> Optional[VisitInterrupt]:
        """Visit ``value`` as the walk would: its callback if one matches,
        else its children."""
        return cast(Optional[VisitInterrupt], _visitor_visit(self, value))

    def default_visit(self, value: Any) -> Optional[VisitInterrupt]:
        """Visit the children of ``value`` (no callback for ``value`` itself)."""
        return cast(Optional[VisitInterrupt], _visitor_default(self, value))

    def def_region_kind(self) -> DefRegionKind:
        """The definition region the visit is in."""
        return DefRegionKind(_visitor_region(self))

    def with_def_region_kind(self, kind: int, callback: Callable[[], Any]) -> Any:
        """``callback()`` inside region ``kind`` (a pattern region stays one)."""
        return _visitor_with_region(self, int(kind), callback)


@register_object("ffi.StructuralMutator")
class StructuralMutator(Object):
    """The running rewrite handed to a ``structural_mutate`` callback;
    usable only while that rewrite runs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("a StructuralMutator is made by structural_mutate, not directly")

    def mutate(self, value: Any) -> Any:
        """``value`` rewritten as the walk would (its callback if one matches,
        else its children), copied on write: itself when nothing changed."""
        return _mutator_mutate(self, value)

    def default_mutate(self, value: Any) -> Any:
        """``value`` with its children rewritten (no callback for ``value``)."""
        return _mutator_default(self, value)

    def var_remap_get(self, var: Object) -> Any:
        """What ``var`` was rewritten to in this walk, or None."""
        return _mutator_remap_get(self, var)

    def var_remap_set(self, var: Object, mapped_value: Any) -> None:
        """Rewrite every later occurrence of ``var`` to ``mapped_value``."""
        _mutator_remap_set(self, var, mapped_value)

    def def_region_kind(self) -> DefRegionKind:
        """The definition region the rewrite is in."""
        return DefRegionKind(_mutator_region(self))

    def with_def_region_kind(self, kind: int, callback: Callable[[], Any]) -> Any:
        """``callback()`` inside region ``kind`` (a pattern region stays one)."""
        return _mutator_with_region(self, int(kind), callback)


# -- callback entries ----------------------------------------------------------
def _type_index(tp: Any, api: str) -> int:
    if tp is object or tp is Any:
        return -1
    try:
        index = TypeSchema.from_annotation(tp).origin_type_index
    except (TypeError, ValueError):
        index = None
    if not isinstance(index, int) or index < 0:
        raise TypeError("%s: a callback type must be a builtin type, a registered object class, "
                        "object or typing.Any, got %r" % (api, tp))
    return index


def _is_entry(x: Any) -> bool:
    return isinstance(x, tuple) and len(x) == 2 and callable(x[1])


def _entries(callbacks: Any, api: str) -> List[Tuple[int, Callable[..., Any]]]:
    """[(type_index, fn)] from every accepted form of callbacks."""
    if callable(callbacks) and not isinstance(callbacks, type):
        pairs = [(Any, callbacks)]
    elif _is_entry(callbacks):
        pairs = [callbacks]
    elif isinstance(callbacks, Sequence) and not isinstance(callbacks, (str, bytes)):
        pairs = list(callbacks)
        for p in pairs:
            if not _is_entry(p):
                raise TypeError("%s: each callback entry must be a (type, callback) tuple, got %r"
                                % (api, p))
    else:
        raise TypeError("%s: callbacks must be a callable, a (type, callback) or ((type, ...), "
                        "callback) tuple, or a sequence of them, got %r" % (api, callbacks))
    out = []
    for types, fn in pairs:
        for tp in (types if isinstance(types, tuple) else (types,)):
            out.append((_type_index(tp, api), fn))
    return out


def _with_region(fn: Callable[[Any, DefRegionKind], Any]) -> Callable[[Any, int], Any]:
    return lambda value, kind: fn(value, DefRegionKind(kind))


def _order(order: Any, api: str) -> int:
    if order in ("pre", "post"):
        return 0 if order == "pre" else 1
    if isinstance(order, int) and not isinstance(order, bool) and order in (0, 1):
        return int(order)
    raise ValueError("%s: order must be WalkOrder.PREORDER/POSTORDER or 'pre'/'post', got %r"
                     % (api, order))


def _accepts_mode(fn: Callable[..., Any]) -> bool:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return False  # no signature to read: called as (value, mutator)
    try:
        sig.bind(None, None, 0)
        return True
    except TypeError:
        pass
    try:
        sig.bind(None, None)
    except TypeError:
        raise TypeError("structural_mutate: a callback takes (value, mutator) or (value, "
                        "mutator, inplace_mode), got %r" % (fn,)) from None
    return False


# -- the walks -------------------------------------------------------------------
def structural_walk(root: Any, callbacks: Any = (), with_def_region_kind: Any = (),
                    order: Any = "post") -> Optional[VisitInterrupt]:
    """Walk ``root`` and its children (every occurrence; map keys are not
    visited), calling the first matching callback on each value, after its
    children (``order="post"``, the default) or before them (``"pre"``).

    ``callbacks`` are called as ``fn(value)``, ``with_def_region_kind`` ones
    as ``fn(value, DefRegionKind)``.  A callback returns None, a `WalkResult`
    (SKIP, in pre-order, leaves the value's children out) or a
    `VisitInterrupt`, which ends the walk and is returned; else None."""
    api = "structural_walk"
    how = _order(order, api)
    plain = _entries(callbacks, api)
    regional = [(t, _with_region(fn)) for t, fn in _entries(with_def_region_kind, api)]
    return cast(Optional[VisitInterrupt], _walk(root, plain, regional, how))


def structural_visit(root: Any, callbacks: Any = ()) -> Optional[VisitInterrupt]:
    """Visit ``root``: a matched callback ``fn(value, visitor)`` decides what
    of the value's children to visit (``visitor.visit(child)``,
    ``visitor.default_visit(value)``) and returns None or a
    `VisitInterrupt` (which ends the visit and is returned); an unmatched
    value has its children visited."""
    return cast(Optional[VisitInterrupt], _visit(root, _entries(callbacks, "structural_visit")))


def structural_map(root: Any, callbacks: Any = (), with_def_region_kind: Any = (),
                   order: Any = "post") -> Any:
    """``root`` rewritten: each value's first matching callback returns its
    replacement (``fn(value)``, or ``fn(value, DefRegionKind)`` for
    ``with_def_region_kind``), after its children were rewritten
    (``"post"``, the default) or before the children of the replacement are
    (``"pre"``).  Copy on write: what did not change comes back as itself;
    ``root._move()`` lets containers only it holds be updated in place.  A
    var or DAG node rewritten by the descent gives the same result at every
    later occurrence."""
    api = "structural_map"
    how = _order(order, api)
    plain = _entries(callbacks, api)
    regional = [(t, _with_region(fn)) for t, fn in _entries(with_def_region_kind, api)]
    return _map(root, plain, regional, how)


def structural_mutate(root: Any, callbacks: Any = ()) -> Any:
    """``root`` rewritten by callbacks that own the descent: a matched
    ``fn(value, mutator)`` (or ``fn(value, mutator, inplace_mode)``, see
    `InplaceMode`) returns the final value, using ``mutator.mutate(child)``
    or ``mutator.default_mutate(value)`` for what it wants rewritten; an
    unmatched value has its children rewritten.  Copy on write, as
    `structural_map`."""
    api = "structural_mutate"
    entries = [(t, fn, _accepts_mode(fn)) for t, fn in _entries(callbacks, api)]
    return _mutate(root, entries)
