"""Dataclasses over core objects: ``py_class``, ``c_class``, ``field`` and helpers.

The names follow apache tvm-ffi's ``tvm_ffi.dataclasses``::

    from tvm_ffi_hpy import dataclasses
    from tvm_ffi_hpy.dataclasses import KW_ONLY, field

    @dataclasses.py_class("my.Point", eq=True)
    class Point(dataclasses.Object):
        x: int
        y: int = 0
        tags: object = field(default_factory=list, repr=False)
        _: KW_ONLY
        label: str = ""

    p = Point(1, y=2, label="a")   # a core object: p.x is read from C++ memory
    p                              # my.Point(x=1, y=2, label='a')
    p == Point(1, 2, label="a")    # True (eq=True: field-wise)
    dataclasses.replace(p, x=5)    # a new object, the other fields shared
    dataclasses.asdict(p)          # {'x': 1, 'y': 2, 'tags': [], 'label': 'a'}

``py_class(cls_or_type_key=None, /, *, type_key=None, frozen=False, init=True,
repr=True, eq=False, order=False, unsafe_hash=False, match_args=True,
kw_only=False, slots=True)`` defines a new core type whose fields are the class's
annotations (a subclass's come after its parent's), each stored as a value of
any type in the core object (allocated like every object, so instances tie
like any other).  The type key defaults to ``module.qualname``; registering a
key twice raises ``ValueError``.  ``ClassVar`` annotations are class
attributes, not fields; ``_: KW_ONLY`` makes the fields after it
keyword-only.  The body may define methods, properties, ``__post_init__``
(called after the generated ``__init__``) and its own dunders (never
overwritten).  A body ``__init__`` runs on an object already allocated with
the fields' defaults (``None`` where there is none), so ``self.x = ...``
works there (not on a frozen class) and ``super().__init__()`` is a no-op.

``c_class(type_key, *, frozen=False, init=True, repr=True, eq=False,
order=False, unsafe_hash=False, match_args=True)`` registers a class for a
C++-defined reflected type like ``register_object`` and adds the same
conveniences over its reflected fields.  Its ``__init__`` calls the type's
``__ffi_init__`` when there is one (keyword arguments are bound to the fields
in declaration order, which assumes the constructor takes them in that
order); otherwise it builds the object through the type's reflection creator
(``ffi.MakeObjectFromPackedArgs``), which applies the C++ defaults and sets
any field, read-only ones included.  Positional parameters are the required
fields, then the defaulted ones, in declaration order.

``field(*, default=MISSING, default_factory=MISSING, frozen=False, init=True,
repr=True, hash=None, compare=True, kw_only=None, doc=None)`` customises a
py_class field; ``hash=None`` follows ``compare`` and ``kw_only=None``
follows the class.  A field with ``init=False`` takes its default (or
``None``).  ``fields(obj_or_cls)`` returns the ``Field`` objects of every
field, parent first (``.name``, ``.type``, ``.default``,
``.default_factory``, ``.init``, ``.repr``, ``.hash``, ``.compare``,
``.kw_only``, ``.frozen``, ``.doc``).

Behaviour of the generated methods:

- ``__init__``: positional fields are ``init`` fields that are not
  keyword-only; a required positional py_class field may not follow one with
  a default (``TypeError``).  ``init=False`` without a body ``__init__`` makes
  the class non-constructible (``TypeError``); copy, replace and pickle still
  work.
- ``__repr__``: ``type_key(name=value, ...)`` over the ``repr`` fields: the
  *type key*, as tvm-ffi prints it, not the Python class name (a cycle prints
  as ``...``).  With ``repr=False``: ``<type_key object at 0x...>``.
- ``eq=True``: ``__eq__``/``__ne__`` compare objects of the same type field by
  field over the ``compare`` fields (Array and Map values element-wise, other
  values with ``==``); unrelated classes give ``NotImplemented``.  Without it
  ``==`` is ``Object``'s: the same C++ object (which, objects being tied, is
  the same Python wrapper).
- ``order=True`` (needs ``eq=True``): ``<``, ``<=``, ``>``, ``>=`` compare the
  tuples of ``compare`` fields of objects of the same class.
- ``__hash__``: ``unsafe_hash=True``, or ``eq=True`` with ``frozen=True``,
  hash the ``hash`` fields; ``eq=True`` on a mutable class makes instances
  unhashable (Python's rule); otherwise ``Object``'s identity hash stays.
- ``frozen``: fields are read-only after construction (``AttributeError``);
  for c_class, the Python setters of the type's own fields refuse.
- ``copy.copy``: a new object with the same field values; ``copy.deepcopy``:
  recursive, sub-objects shared within the original stay shared in the copy,
  cycles through mutable fields are reproduced; ``replace(obj, **changes)``
  (also ``obj.__replace__``): a shallow copy with the given fields changed,
  frozen and ``init=False`` fields included.
- ``asdict(obj)`` / ``astuple(obj)``: recursive into dataclass objects, Array
  to list, Map to dict; other values are deep-copied.  ``is_dataclass(x)``.
- Pickling: py_class objects rebuild from all their field values without
  calling ``__init__`` (so ``init=False`` and keyword-only fields round-trip);
  the class must be importable.

Where this differs from apache tvm-ffi, and why:

- A required positional py_class field after one with a default is an error
  (as in the standard library and earlier versions of this module); tvm-ffi
  reorders required fields first.  c_class fields are reordered (C++ defines
  their order, so there is nothing to reject).
- ``eq=True`` without ``unsafe_hash`` follows Python's rule (unhashable, or a
  field hash when frozen); tvm-ffi keeps the identity hash, so equal objects
  could hash differently.
- eq, order and hash are computed in Python over the fields (tvm-ffi calls
  its C++ ``RecursiveEq``/``RecursiveHash``/``RecursiveLt``): nested values
  use their own ``==``/``hash`` (dataclass objects recurse when their class
  has ``eq=True``; other objects compare by identity), Arrays and Maps are
  compared element-wise.
- No ``structural_eq``, ``init_property``, ``method``, ``Enum`` or field
  ``converter`` (the core has no structural equality or type schemas);
  frozen fields have no ``type(obj).name.set(obj, v)`` escape hatch — use
  ``replace``.  ``Field.default_factory`` is ``MISSING`` when not set.
- copy.copy of a c_class rebuilds through the reflection creator, or the
  ``__ffi_init__`` constructor with the field values in order (tvm-ffi uses
  the C++ copy constructor); deepcopy is done in Python with the memo.
"""
import copy as _copy
import threading as _threading
from dataclasses import KW_ONLY
from typing import Any, Callable, Optional, Sequence, TypeVar, Union, cast

from .core import (Function, Object, _build_class, _ffi, cycle_safe_repr, get_global_func,
                   register_object)

_O = TypeVar("_O", bound="type[Object]")
# The classes handled below are built by core._build_class (_ffi.make_type), and
# this module sets its own attributes on them (__tvm_ffi_dataclass_fields__, ...)
# at run time: they are typed as Any here.
_Cls = Any

__all__ = ["Object", "py_class", "c_class", "field", "Field", "fields", "asdict", "astuple",
           "replace", "is_dataclass", "MISSING", "KW_ONLY"]

_define_py_class = get_global_func("ffi.DefinePyClass")
_new_py_class_object = get_global_func("ffi.NewPyClassObject")
_make_object_from_packed_args = get_global_func("ffi.MakeObjectFromPackedArgs")


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


# ---------------------------------------------------------------------------
# Recursion guards (eq and hash of cyclic object graphs; repr: cycle_safe_repr)
# ---------------------------------------------------------------------------
_active = _threading.local()


def _guard(kind: str) -> "set[Any]":
    table: "Optional[set[Any]]" = getattr(_active, kind, None)
    if table is None:
        table = set()
        setattr(_active, kind, table)
    return table


def _is_array(value: object) -> bool:
    from .containers import Array
    return isinstance(value, Array)


def _is_map(value: object) -> bool:
    from .containers import Map
    return isinstance(value, Map)


# ---------------------------------------------------------------------------
# Per-class data
# ---------------------------------------------------------------------------
def _dc_fields(cls: _Cls) -> "tuple[Field, ...]":
    return cast("tuple[Field, ...]", cls.__tvm_ffi_dataclass_fields__)


def _values(obj: Any) -> "list[Any]":
    return [acc(obj) for acc in type(obj).__tvm_ffi_field_accessors__]


def _rebuild(cls: _Cls, values: Sequence[Any]) -> Any:
    """A new object of `cls` from one value per field (no ``__init__``)."""
    kind = cls.__dict__.get("__tvm_ffi_dataclass_kind__")
    if kind == "py":
        return _new_py_class_object(cls.__tvm_ffi_type_index__, *values)
    if kind != "c":
        raise TypeError("%s is not a py_class or c_class" % cls.__qualname__)
    if cls.__tvm_ffi_has_creator__:  # sets every field by name, read-only ones included
        args: "list[Any]" = [cls.__tvm_ffi_type_key__]
        for f, value in zip(_dc_fields(cls), values):
            args.append(f.name)
            args.append(value)
        return _make_object_from_packed_args(*args)
    ctor = cls.__tvm_ffi_ctor__
    if ctor is not None:  # assumed to take the fields in order
        return ctor(*values)
    raise TypeError("cannot build a %s: the type has neither a constructor nor a reflection "
                    "creator" % cls.__tvm_ffi_type_key__)


# ---------------------------------------------------------------------------
# Generated methods
# ---------------------------------------------------------------------------
def _bind(qualname: str, fields: Sequence[Field], positional: Sequence[Field],
          args: Sequence[Any], kwargs: "dict[str, Any]") -> "dict[str, Any]":
    """Field name -> given value, from a call's arguments."""
    if len(args) > len(positional):
        raise TypeError("%s() takes %d positional arguments but %d were given"
                        % (qualname, len(positional), len(args)))
    given: "dict[Optional[str], Any]" = dict(zip((f.name for f in positional), args))
    init_names = {f.name for f in fields if f.init}
    for name, value in kwargs.items():
        if name in given:
            raise TypeError("%s() got multiple values for argument %r" % (qualname, name))
        if name not in init_names:
            raise TypeError("%s() got an unexpected keyword argument %r" % (qualname, name))
        given[name] = value
    return cast("dict[str, Any]", given)  # every Field of a class has its name


def _make_py_init(cls: _Cls, fields: Sequence[Field]) -> Callable[..., None]:
    qualname = cls.__qualname__
    positional = [f for f in fields if f.init and not f.kw_only]
    type_index = cls.__tvm_ffi_type_index__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if self.__chandle__():
            return  # super().__init__() from a subclass whose object exists already
        given = _bind(qualname, fields, positional, args, kwargs)
        values = []
        for f in fields:
            if f.name in given:
                values.append(given[f.name])
            elif f.init and not f._has_default():
                raise TypeError("%s() missing required argument %r" % (qualname, f.name))
            else:
                values.append(f._default_value())
        self.__init_handle_by_constructor__(_new_py_class_object, type_index, *values)
        post_init = getattr(self, "__post_init__", None)
        if post_init is not None:
            post_init()

    __init__.__qualname__ = qualname + ".__init__"
    return __init__


def _wrap_user_init(cls: _Cls, user_init: Callable[..., Any],
                    fields: Sequence[Field]) -> Callable[..., None]:
    type_index = cls.__tvm_ffi_type_index__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if not self.__chandle__():
            self.__init_handle_by_constructor__(_new_py_class_object, type_index,
                                                *[f._default_value() for f in fields])
        user_init(self, *args, **kwargs)

    for attr in ("__name__", "__qualname__", "__doc__", "__module__"):
        setattr(__init__, attr, getattr(user_init, attr, None))
    setattr(__init__, "__wrapped__", user_init)
    return __init__


def _make_no_init(cls: _Cls) -> Callable[..., None]:
    qualname = cls.__qualname__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        raise TypeError("%s cannot be constructed directly (init=False): define __init__ or "
                        "use a factory" % qualname)

    __init__.__qualname__ = qualname + ".__init__"
    return __init__


def _make_c_init(cls: _Cls, fields: Sequence[Field], positional: Sequence[Field],
                 ctor: Optional[Function], has_creator: bool) -> Callable[..., None]:
    qualname = cls.__qualname__
    type_key = cls.__tvm_ffi_type_key__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if ctor is not None:
            ctor_args: Sequence[Any] = args
            if kwargs:  # the constructor is assumed to take the fields in order
                given = _bind(qualname, fields, fields, args, kwargs)
                bound: "list[Any]" = []
                for f in fields:
                    if f.name in given:
                        bound.append(given[f.name])
                    elif f._has_default():
                        bound.append(f._default_value())
                    else:
                        raise TypeError("%s() missing required argument %r" % (qualname, f.name))
                ctor_args = bound
            self.__init_handle_by_constructor__(ctor, *ctor_args)
        elif has_creator:
            given = _bind(qualname, fields, positional, args, kwargs)
            flat: "list[Any]" = [type_key]
            for f in fields:
                if f.name in given:
                    flat.append(f.name)
                    flat.append(given[f.name])
                elif not f._has_default():
                    raise TypeError("%s() missing required argument %r" % (qualname, f.name))
            self.__init_handle_by_constructor__(_make_object_from_packed_args, *flat)
        else:
            raise TypeError("%s has neither a constructor nor a reflection creator" % type_key)
        post_init = getattr(self, "__post_init__", None)
        if post_init is not None:
            post_init()

    __init__.__qualname__ = qualname + ".__init__"
    return __init__


@cycle_safe_repr
def __repr_fields(self: Any) -> str:
    cls = type(self)
    if not self.__chandle__():
        return "<%s (moved out)>" % cls.__qualname__
    parts = ["%s=%r" % (f.name, acc(self))
             for f, acc in zip(_dc_fields(cls), cls.__tvm_ffi_field_accessors__) if f.repr]
    return "%s(%s)" % (cls.__tvm_ffi_type_key__, ", ".join(parts))


def __repr_plain(self: Any) -> str:
    handle = self.__chandle__()
    if not handle:
        return "<%s (moved out)>" % type(self).__qualname__
    return "<%s object at %#x>" % (type(self).__tvm_ffi_type_key__, handle)


def _eq_value(a: Any, b: Any) -> bool:
    if a is b:
        return True
    if _is_array(a) and _is_array(b):
        return len(a) == len(b) and all(_eq_value(x, y) for x, y in zip(a, b))
    if _is_map(a) and _is_map(b):
        if len(a) != len(b):
            return False
        for key, value in a.items():
            if key not in b or not _eq_value(value, b[key]):
                return False
        return True
    return bool(a == b)


def _fields_equal(a: Any, b: Any) -> bool:
    cls = type(a)
    active = _guard("eq")
    key = (id(a), id(b))
    if key in active:
        return True  # comparing a cycle against itself
    active.add(key)
    try:
        for f, acc in zip(_dc_fields(cls), cls.__tvm_ffi_field_accessors__):
            if f.compare and not _eq_value(acc(a), acc(b)):
                return False
        return True
    finally:
        active.discard(key)


def _comparable(a: object, b: object) -> bool:
    return isinstance(b, type(a)) or isinstance(a, type(b))


def __eq__(self: Any, other: object) -> object:
    if not _comparable(self, other):
        return NotImplemented
    if self is other:
        return True
    if type(self) is not type(other):
        return False
    return _fields_equal(self, other)


def __ne__(self: Any, other: object) -> object:
    result = __eq__(self, other)
    return result if result is NotImplemented else not result


def _hash_value(value: Any) -> int:
    if _is_array(value):
        return hash(("ffi.Array",) + tuple(_hash_value(x) for x in value))
    if _is_map(value):
        return hash(frozenset((_hash_value(k), _hash_value(v)) for k, v in value.items()))
    return hash(value)


def __hash__(self: Any) -> int:
    cls = type(self)
    active = _guard("hash")
    if id(self) in active:
        return 0
    active.add(id(self))
    try:
        return hash((cls.__tvm_ffi_type_key__,) + tuple(
            _hash_value(acc(self))
            for f, acc in zip(_dc_fields(cls), cls.__tvm_ffi_field_accessors__) if f.hash))
    finally:
        active.discard(id(self))


def _order_value(value: Any) -> Any:
    if _is_array(value):
        return tuple(_order_value(x) for x in value)
    return value


def _order_key(obj: Any) -> "tuple[Any, ...]":
    cls = type(obj)
    return tuple(_order_value(acc(obj))
                 for f, acc in zip(_dc_fields(cls), cls.__tvm_ffi_field_accessors__) if f.compare)


def _make_order(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def compare(self: Any, other: Any) -> Any:
        if type(other) is not type(self):
            return NotImplemented
        return op(_order_key(self), _order_key(other))
    return compare


def __copy__(self: Any) -> Any:
    return _rebuild(type(self), _values(self))


def __deepcopy__(self: Any, memo: "dict[int, Any]") -> Any:
    done = memo.get(id(self))
    if done is not None:
        return done
    cls = type(self)
    accessors = cls.__tvm_ffi_field_accessors__
    writable = cls.__tvm_ffi_field_writable__
    originals = [acc(self) for acc in accessors]
    # Read-only fields must be given at construction: copy them first.  Writable
    # ones are set after the new object is in the memo, so cycles through them
    # come back to it.
    values = [v if w else _copy.deepcopy(v, memo) for v, w in zip(originals, writable)]
    done = memo.get(id(self))
    if done is not None:  # reached again through a read-only field
        return done
    placeholder = cls.__dict__.get("__tvm_ffi_dataclass_kind__") == "py"
    new = _rebuild(cls, [None if w and placeholder else v for v, w in zip(values, writable)])
    memo[id(self)] = new
    for acc, value, w in zip(accessors, originals, writable):
        if w:
            acc(new, _copy.deepcopy(value, memo))
    return new


def __replace__(self: Any, **changes: Any) -> Any:
    cls = type(self)
    names = [f.name for f in _dc_fields(cls)]
    for name in changes:
        if name not in names:
            raise TypeError("%s has no field %r" % (cls.__qualname__, name))
    values = [changes[n] if n in changes else v for n, v in zip(names, _values(self))]
    return _rebuild(cls, values)


def __reduce_py__(self: Any) -> "tuple[Any, ...]":
    if not self.__chandle__():
        raise TypeError("cannot pickle a moved-out object")
    return (_rebuild, (type(self), tuple(_values(self))))


def _read_only_property(name: str, accessor: Callable[..., Any], key: str,
                        doc: Optional[str]) -> property:
    def refuse(self: Any, value: Any) -> None:
        raise AttributeError("field '%s' of '%s' is read-only (frozen)" % (name, key))
    return property(accessor, refuse, None, doc or None)


def _install(cls: _Cls, namespace: "dict[str, Any]", fields: Sequence[Field],
             accessors: Sequence[Any], writable: Sequence[bool], *, kind: str, init: bool,
             repr: bool, eq: bool, order: bool, unsafe_hash: bool, frozen: bool,
             match_args: bool, positional: Sequence[Field]) -> None:
    cls.__tvm_ffi_dataclass_kind__ = kind
    cls.__tvm_ffi_dataclass_fields__ = tuple(fields)
    cls.__tvm_ffi_field_accessors__ = tuple(accessors)
    cls.__tvm_ffi_field_writable__ = tuple(writable)
    cls.__ffi_is_dataclass__ = True
    if repr and "__repr__" not in namespace:
        cls.__repr__ = __repr_fields
    elif not repr and "__repr__" not in namespace:
        cls.__repr__ = __repr_plain
    if eq and not ({"__eq__", "__ne__"} & set(namespace)):
        cls.__eq__ = __eq__
        cls.__ne__ = __ne__
    if order and not ({"__lt__", "__le__", "__gt__", "__ge__"} & set(namespace)):
        import operator
        cls.__lt__ = _make_order(operator.lt)
        cls.__le__ = _make_order(operator.le)
        cls.__gt__ = _make_order(operator.gt)
        cls.__ge__ = _make_order(operator.ge)
    if "__hash__" not in namespace:
        if unsafe_hash or (eq and frozen):
            cls.__hash__ = __hash__
        elif eq:
            cls.__hash__ = None
    for name, value in (("__copy__", __copy__), ("__deepcopy__", __deepcopy__),
                        ("__replace__", __replace__)):
        if name not in namespace:
            setattr(cls, name, value)
    if match_args and "__match_args__" not in namespace:
        setattr(cls, "__match_args__", tuple(f.name for f in positional))


# ---------------------------------------------------------------------------
# py_class
# ---------------------------------------------------------------------------
def _annotation_is(annotation: Any, obj: Any, names: "tuple[str, ...]") -> bool:
    if annotation is obj:
        return True
    if isinstance(annotation, str):
        head = annotation.split("[", 1)[0].strip()
        return head in names
    return False


def _is_classvar(annotation: Any) -> bool:
    import typing
    if annotation is typing.ClassVar or typing.get_origin(annotation) is typing.ClassVar:
        return True
    return _annotation_is(annotation, typing.ClassVar, ("ClassVar", "typing.ClassVar"))


def _own_fields(cls: type, frozen: bool, kw_only: bool) -> "tuple[list[Field], set[str]]":
    """(fields, names to drop from the namespace) of the class statement."""
    annotations = cls.__dict__.get("__annotations__", {})
    kw_only_active = kw_only
    out: "list[Field]" = []
    dropped: "set[str]" = set()
    for name, annotation in annotations.items():
        if name.startswith("__"):
            continue
        if _annotation_is(annotation, KW_ONLY, ("KW_ONLY", "dataclasses.KW_ONLY")):
            kw_only_active = True
            dropped.add(name)
            continue
        if _is_classvar(annotation):
            continue
        value = cls.__dict__.get(name, MISSING)
        if isinstance(value, Field):
            f = _copy.copy(value)
        else:
            f = Field(default=value)
        f.name = name
        f.type = annotation
        if f.kw_only is None:
            f.kw_only = kw_only_active
        if f.hash is None:
            f.hash = f.compare
        if frozen:
            f.frozen = True
        out.append(f)
        dropped.add(name)
    return out, dropped


def _check_order(qualname: str, fields: Sequence[Field]) -> None:
    seen_default: Optional[str] = None
    for f in fields:
        if not f.init or f.kw_only:
            continue
        if not f._has_default() and seen_default is not None:
            raise TypeError("%s: field %r without a default follows field %r with one"
                            % (qualname, f.name, seen_default))
        if f._has_default():
            seen_default = f.name


def py_class(cls_or_type_key: "Union[str, type[Object], None]" = None, *,
             type_key: Optional[str] = None, frozen: bool = False, init: bool = True,
             repr: bool = True, eq: bool = False, order: bool = False,
             unsafe_hash: bool = False, match_args: bool = True, kw_only: bool = False,
             slots: bool = True) -> Any:
    """Class decorator: a Python-defined core object type (see the module doc).

    ``@py_class``, ``@py_class("key")``, ``@py_class("key", eq=True)`` and
    ``@py_class(type_key="key", frozen=True)`` are all accepted; ``slots`` is
    accepted for compatibility and ignored (instances never have a ``__dict__``
    of fields).
    """
    if order and not eq:
        raise ValueError("order=True requires eq=True")

    def decorate(cls: _Cls) -> _Cls:
        if not (isinstance(cls, type) and issubclass(cls, Object)):
            raise TypeError("py_class decorates subclasses of tvm_ffi_hpy.dataclasses.Object")
        if len(cls.__bases__) != 1:
            raise TypeError("a py_class derives from exactly one class")
        base: _Cls = cls.__bases__[0]
        if base is not Object and base.__dict__.get("__tvm_ffi_dataclass_kind__") != "py":
            raise TypeError("the base of a py_class must be Object or another py_class")
        key = effective_key if effective_key is not None else "%s.%s" % (cls.__module__,
                                                                          cls.__qualname__)
        own, dropped = _own_fields(cls, frozen, kw_only)
        inherited = list(getattr(base, "__tvm_ffi_dataclass_fields__", ()))
        for f in own:
            if any(g.name == f.name for g in inherited):
                raise TypeError("%s: field %r is already a field of %s"
                                % (cls.__qualname__, f.name, base.__qualname__))
        fields = inherited + own
        _check_order(cls.__qualname__, fields)
        type_index = _define_py_class(key, base.__tvm_ffi_type_index__,
                                      [f.name for f in own], bool(frozen))
        namespace = {k: v for k, v in cls.__dict__.items() if k not in dropped}
        new: _Cls = _build_class(type_index, base, cls.__name__, cls.__module__,
                                 cls.__qualname__, namespace, source=cls)
        reflected = new.__tvm_ffi_type_info__.all_fields()
        accessors = [r.accessor for r in reflected]
        writable = [not r.frozen for r in reflected]
        for f, acc, w in zip(own, accessors[len(inherited):], writable[len(inherited):]):
            if f.frozen and w:  # a frozen field of a mutable class: refuse in Python
                name = cast(str, f.name)  # set by _own_fields
                setattr(new, name, _read_only_property(name, acc, key, f.doc))
        new.__tvm_ffi_py_fields__ = tuple((f.name, f.default) for f in fields)
        new.__tvm_ffi_frozen__ = bool(frozen)
        positional = [f for f in fields if f.init and not f.kw_only]
        _install(new, namespace, fields, accessors, writable, kind="py", init=init, repr=repr,
                 eq=eq, order=order, unsafe_hash=unsafe_hash, frozen=frozen,
                 match_args=match_args, positional=positional)
        if "__init__" in namespace:
            new.__init__ = _wrap_user_init(new, namespace["__init__"], fields)
        elif init:
            new.__init__ = _make_py_init(new, fields)
        else:
            new.__init__ = _make_no_init(new)
        if "__reduce__" not in namespace:
            new.__reduce__ = __reduce_py__
        return new

    effective_key = type_key
    if isinstance(cls_or_type_key, type):  # @py_class without arguments
        return decorate(cls_or_type_key)
    if cls_or_type_key is not None:
        if not isinstance(cls_or_type_key, str):
            raise TypeError("py_class: expected a type key (str) or a class, got %s"
                            % builtins_type(cls_or_type_key).__name__)
        effective_key = cls_or_type_key
    return decorate


# ---------------------------------------------------------------------------
# c_class
# ---------------------------------------------------------------------------
def c_class(type_key: str, *, frozen: bool = False, init: bool = True, repr: bool = True,
            eq: bool = False, order: bool = False, unsafe_hash: bool = False,
            match_args: bool = True) -> Callable[[_O], _O]:
    """Class decorator: register a class for the C++ reflected type `type_key`
    (like ``register_object``) with dataclass conveniences (see the module doc)."""
    if not isinstance(type_key, str):
        raise TypeError("c_class takes the type key as a string")
    if order and not eq:
        raise ValueError("order=True requires eq=True")

    def decorate(cls: _O) -> _O:
        namespace = dict(cls.__dict__)
        new: _Cls = register_object(type_key)(cls)
        info = new.__tvm_ffi_type_info__
        reflected = info.all_fields()
        own_count = len(info.fields)
        fields: "list[Field]" = []
        accessors: "list[_ffi.FieldAccessor]" = []
        writable: "list[bool]" = []
        for i, r in enumerate(reflected):
            own = i >= len(reflected) - own_count
            f = Field(r.name, default=r.default if r.has_default else MISSING,
                      frozen=r.frozen or (frozen and own), init=True, repr=True,
                      hash=True, compare=True, kw_only=False, doc=r.doc or None,
                      type=namespace.get("__annotations__", {}).get(r.name))
            fields.append(f)
            accessors.append(r.accessor)
            writable.append(not r.frozen)
            if frozen and own and not r.frozen and r.name not in namespace:
                setattr(new, r.name, _read_only_property(r.name, r.accessor, type_key, r.doc))
        ctor = info.constructor
        new.__tvm_ffi_ctor__ = ctor
        new.__tvm_ffi_has_creator__ = info.has_creator
        if ctor is not None:
            positional = fields
        else:
            positional = ([f for f in fields if not f._has_default()]
                          + [f for f in fields if f._has_default()])
        _install(new, namespace, fields, accessors, writable, kind="c", init=init, repr=repr,
                 eq=eq, order=order, unsafe_hash=unsafe_hash, frozen=frozen,
                 match_args=match_args, positional=positional)
        if "__init__" not in namespace:
            if init:
                new.__init__ = _make_c_init(new, fields, positional, ctor, info.has_creator)
            else:
                new.__init__ = _make_no_init(new)
        return cast(_O, new)

    return decorate


# ---------------------------------------------------------------------------
# Module-level helpers
# ---------------------------------------------------------------------------
def is_dataclass(obj: object) -> bool:
    """True for a py_class / c_class class or instance."""
    cls = obj if isinstance(obj, type) else type(obj)
    return getattr(cls, "__ffi_is_dataclass__", False) is True


def fields(obj_or_cls: Any) -> "tuple[Field, ...]":
    """The ``Field`` objects of a py_class / c_class (class or instance), parent first."""
    if not is_dataclass(obj_or_cls):
        raise TypeError("fields() takes a py_class or c_class type or instance, got %s"
                        % builtins_type(obj_or_cls).__name__)
    cls: _Cls = obj_or_cls if isinstance(obj_or_cls, type) else type(obj_or_cls)
    return tuple(cls.__tvm_ffi_dataclass_fields__)


def replace(obj: Any, /, **changes: Any) -> Any:
    """A copy of `obj` with the given fields changed (``obj.__replace__(**changes)``)."""
    if not is_dataclass(obj) or isinstance(obj, type):
        raise TypeError("replace() takes a py_class or c_class instance")
    return obj.__replace__(**changes)


_ATOMIC = (type(None), bool, int, float, complex, str, bytes)


def _convert_inner(value: Any, on_dataclass: Callable[[Any], Any]) -> Any:
    """Copy `value` recursively for asdict/astuple: dataclass instances go to
    `on_dataclass`, Array/list to list, Map/dict to dict, tuples stay tuples."""
    if isinstance(value, _ATOMIC):
        return value
    if is_dataclass(value) and not isinstance(value, type):
        return on_dataclass(value)
    if _is_array(value) or builtins_type(value) is list:
        return [_convert_inner(v, on_dataclass) for v in value]
    if _is_map(value) or builtins_type(value) is dict:
        return dict((_convert_inner(k, on_dataclass), _convert_inner(v, on_dataclass))
                    for k, v in value.items())
    if builtins_type(value) is tuple:
        return tuple(_convert_inner(v, on_dataclass) for v in value)
    return _copy.deepcopy(value)


def asdict(obj: Any, *, dict_factory: Callable[[Any], Any] = dict) -> Any:
    """The fields of a py_class / c_class instance as a dict, recursively
    (nested dataclass objects to dicts, Array to list, Map to dict)."""
    if not is_dataclass(obj) or isinstance(obj, type):
        raise TypeError("asdict() should be called on py_class / c_class instances")

    def as_dict(value: Any) -> Any:
        return dict_factory([(f.name, _convert_inner(v, as_dict))
                             for f, v in zip(_dc_fields(type(value)), _values(value))])

    return _convert_inner(obj, as_dict)


def astuple(obj: Any, *, tuple_factory: Callable[[Any], Any] = tuple) -> Any:
    """The field values of a py_class / c_class instance as a tuple, recursively."""
    if not is_dataclass(obj) or isinstance(obj, type):
        raise TypeError("astuple() should be called on py_class / c_class instances")

    def as_tuple(value: Any) -> Any:
        return tuple_factory([_convert_inner(v, as_tuple) for v in _values(value)])

    return _convert_inner(obj, as_tuple)
