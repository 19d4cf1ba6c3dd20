"""What a dataclass gets: the per-class data, the generated __init__, __repr__,
__eq__, __hash__, ordering, copy, replace and pickling, and _install, which
puts them on a class."""
import copy as _copy
import threading as _threading
from typing import Any, Callable, Optional, Sequence, cast

from ..core import Function, cycle_safe_repr
from ._common import _Cls, _make_object_from_packed_args, _new_py_class_object
from ._field import Field


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
    from ..containers import Array
    return isinstance(value, Array)


def _is_map(value: object) -> bool:
    from ..containers import Map
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

    def __init__(self: Any, /, *args: Any, **kwargs: Any) -> None:
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

    def __init__(self: Any, /, *args: Any, **kwargs: Any) -> None:
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

    def __init__(self: Any, /, *args: Any, **kwargs: Any) -> None:
        raise TypeError("%s cannot be constructed directly (init=False): define __init__ or "
                        "use a factory" % qualname)

    __init__.__qualname__ = qualname + ".__init__"
    return __init__


def _make_c_init(cls: _Cls, fields: Sequence[Field], positional: Sequence[Field],
                 ctor: Optional[Function], has_creator: bool) -> Callable[..., None]:
    qualname = cls.__qualname__
    type_key = cls.__tvm_ffi_type_key__

    def __init__(self: Any, /, *args: Any, **kwargs: Any) -> None:
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
    hook = getattr(self, "__ffi_repr__", None)
    if hook is not None:  # the class's own: __ffi_repr__(self, fn_repr)
        return str(hook(repr))
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
        hook = getattr(a, "__ffi_eq__", None)
        if hook is not None:  # the class's own: __ffi_eq__(self, other, fn_eq)
            return bool(hook(b, _eq_value))
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
        hook = getattr(self, "__ffi_hash__", None)
        if hook is not None:  # the class's own: __ffi_hash__(self, fn_hash)
            return int(hook(_hash_value))
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


def _three_way(a: Any, b: Any) -> int:
    a, b = _order_value(a), _order_value(b)
    return -1 if a < b else (1 if b < a else 0)


def _make_order(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def compare(self: Any, other: Any) -> Any:
        if type(other) is not type(self):
            return NotImplemented
        hook = getattr(self, "__ffi_compare__", None)
        if hook is not None:  # the class's own: __ffi_compare__(self, other, fn_cmp) -> -1/0/1
            return op(int(hook(other, _three_way)), 0)
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
    cls = type(self)
    # A carrier (dataclasses/_py_class_type.py) pickles as the class it carries.
    cls = cls.__dict__.get("__tvm_ffi_carrier_of__", cls)
    return (_rebuild, (cls, tuple(_values(self))))


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
