"""What a dataclass gets: the per-class data, the generated __init__, __repr__,
__eq__, __hash__, ordering, copy, replace and pickling, and _install, which
puts them on a class.

repr, eq, hash, ordering and deepcopy are the core's (ffi.ReprPrint,
ffi.RecursiveEq, ffi.RecursiveHash, ffi.RecursiveLt/Le/Gt/Ge, ffi.DeepCopy:
docs/structural.md); copy is the type's __ffi_shallow_copy__.  A class body's
__ffi_eq__ / __ffi_hash__ / __ffi_compare__ / __ffi_repr__ become the core
type's hooks, so every consumer of the type (C++ included) sees them."""
from typing import Any, Callable, Optional, Sequence, cast

from .. import containers
from ..core import Function, get_global_func
from ._common import _Cls, _make_object_from_packed_args, _new_py_class_object
from ._field import Field


def _is_array(value: object) -> bool:
    """An FFI sequence: Array (immutable) or List (mutable)."""
    return isinstance(value, (containers.Array, containers.List))


def _is_map(value: object) -> bool:
    """An FFI mapping: Map (immutable) or Dict (mutable)."""
    return isinstance(value, (containers.Map, containers.Dict))


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
    # As for the standard library's dataclasses, whether the class has a
    # __post_init__ is decided when it is decorated; a subclass's is looked
    # up per call.
    own_post_init = hasattr(cls, "__post_init__")

    def __init__(self: Any, /, *args: Any, **kwargs: Any) -> None:
        if ctor is not None and not kwargs:
            # Spelled out for the usual arities: a star call of an HPy method
            # costs about 200 ns more on CPython 3.11 (docs/benchmarks.md).
            count = len(args)
            if count == 2:
                self.__init_handle_by_constructor__(ctor, args[0], args[1])
            elif count == 1:
                self.__init_handle_by_constructor__(ctor, args[0])
            else:
                self.__init_handle_by_constructor__(ctor, *args)
            if type(self) is cls and not own_post_init:
                return
        elif ctor is not None:  # keywords: the constructor takes the fields in order
            given = _bind(qualname, fields, fields, args, kwargs)
            bound: "list[Any]" = []
            for f in fields:
                if f.name in given:
                    bound.append(given[f.name])
                elif f._has_default():
                    bound.append(f._default_value())
                else:
                    raise TypeError("%s() missing required argument %r" % (qualname, f.name))
            self.__init_handle_by_constructor__(ctor, *bound)
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


# The core's structural functions (core/src/structural.cc, repr.cc,
# deep_copy.cc): the generated methods call them directly.
_recursive_eq = get_global_func("ffi.RecursiveEq")
_recursive_hash = get_global_func("ffi.RecursiveHash")
_recursive_lt = get_global_func("ffi.RecursiveLt")
_recursive_le = get_global_func("ffi.RecursiveLe")
_recursive_gt = get_global_func("ffi.RecursiveGt")
_recursive_ge = get_global_func("ffi.RecursiveGe")
_repr_print = get_global_func("ffi.ReprPrint")
_deep_copy = get_global_func("ffi.DeepCopy")
_replace_fields = get_global_func("ffi.ReplaceFields")
_register_type_attr = get_global_func("ffi.TypeRegisterAttr")
_get_type_attr = get_global_func("ffi.GetTypeAttr")

# Methods of a class body that the core calls as the type's hooks (type
# attributes): __ffi_eq__(self, other, fn_eq), __ffi_hash__(self, fn_hash),
# __ffi_compare__(self, other, fn_cmp), __ffi_repr__(self, fn_repr).
HOOK_NAMES = ("__ffi_eq__", "__ffi_hash__", "__ffi_compare__", "__ffi_repr__")


def _register_hooks(cls: _Cls, namespace: "dict[str, Any]") -> None:
    """Hand the hooks the class body defines to the core type."""
    for name in HOOK_NAMES:
        hook = namespace.get(name)
        if hook is not None:
            _register_type_attr(cls.__tvm_ffi_type_index__, name, hook)


def __repr_fields(self: Any) -> str:
    if not self.__chandle__():
        return "<%s (moved out)>" % type(self).__qualname__
    text: str = _repr_print(self)
    return text


def __repr_plain(self: Any) -> str:
    handle = self.__chandle__()
    if not handle:
        return "<%s (moved out)>" % type(self).__qualname__
    return "<%s object at %#x>" % (type(self).__tvm_ffi_type_key__, handle)


def _comparable(a: object, b: object) -> bool:
    return isinstance(b, type(a)) or isinstance(a, type(b))


def __eq__(self: Any, other: object) -> object:
    if not _comparable(self, other):
        return NotImplemented
    return bool(_recursive_eq(self, other))


def __ne__(self: Any, other: object) -> object:
    result = __eq__(self, other)
    return result if result is NotImplemented else not result


def __hash__(self: Any) -> int:
    value: int = _recursive_hash(self)
    return value


def _make_order(func: Any) -> Callable[[Any, Any], Any]:
    def compare(self: Any, other: Any) -> Any:
        if type(other) is not type(self):
            return NotImplemented
        return bool(func(self, other))
    return compare


def _shallow_copy_fn(cls: _Cls) -> Any:
    return _get_type_attr(cls.__tvm_ffi_type_index__, "__ffi_shallow_copy__")


def _refuse_copy(cls: _Cls) -> None:
    raise TypeError("Type `%s` does not support copy. The underlying C++ type is not "
                    "copy-constructible." % cls.__name__)


def __copy__(self: Any) -> Any:
    fn = _shallow_copy_fn(type(self))
    if fn is None:
        _refuse_copy(type(self))
    return fn(self)


def __deepcopy__(self: Any, memo: "dict[int, Any]") -> Any:
    done = memo.get(id(self))
    if done is not None:
        return done
    new = memo[id(self)] = _deep_copy(self)
    return new


def __replace__(self: Any, **changes: Any) -> Any:
    cls = type(self)
    if _shallow_copy_fn(cls) is None:
        _refuse_copy(cls)
    names = {f.name for f in _dc_fields(cls)}
    flat: "list[Any]" = []
    for name, value in changes.items():
        if name not in names:
            raise TypeError("%s has no field %r" % (cls.__qualname__, name))
        flat.append(name)
        flat.append(value)
    return _replace_fields(self, *flat)  # the copy, then the fields' setters


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
        cls.__lt__ = _make_order(_recursive_lt)
        cls.__le__ = _make_order(_recursive_le)
        cls.__gt__ = _make_order(_recursive_gt)
        cls.__ge__ = _make_order(_recursive_ge)
    if "__hash__" not in namespace:
        if unsafe_hash or (eq and frozen):
            cls.__hash__ = __hash__
        elif eq:
            cls.__hash__ = None
    _register_hooks(cls, namespace)
    for name, value in (("__copy__", __copy__), ("__deepcopy__", __deepcopy__),
                        ("__replace__", __replace__)):
        if name not in namespace:
            setattr(cls, name, value)
    if match_args and "__match_args__" not in namespace:
        setattr(cls, "__match_args__", tuple(f.name for f in positional))
