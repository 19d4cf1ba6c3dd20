"""The dataclass methods of a registered class, under apache tvm-ffi's names
(``tvm_ffi._dunder``): `_install_dataclass_dunders` puts ``__init__``,
``__repr__``, ``__eq__``, ordering, ``__hash__``, copy and replace on a class
from its reflected fields; `_make_init` is the ``__init__`` over a type's
``__ffi_init__``.

The methods themselves are the ones py_class and c_class install
(tvm_ffi_hpy/dataclasses/_methods.py); a field's `Field` is the one it was
registered with (``TypeField.dataclass_field``), else one made from its
reflection flags.  Dunders the class body defines are kept (``__eq__`` and
``__ne__`` as one family, the four orderings as another).
"""
import functools
from typing import Any, Callable, Optional

from . import core
from .core import KWARGS, MISSING, Object, _pack_kwargs, object_repr  # noqa: F401
from .dataclasses._common import _new_py_class_object
from .dataclasses._field import Field
from .dataclasses._methods import _install
from .dataclasses._py_class_type import ffi_init_of, lineage_fields
from .dataclasses._py_init import default_values, init_order, init_signature
from .type_info import TypeInfo

__all__ = ["_install_dataclass_dunders", "_make_init", "_make_init_signature"]


def _init_fields(type_info: TypeInfo) -> "list[Field]":
    return [f for f, _ in lineage_fields(type_info)]


def _make_init_signature(type_info: TypeInfo) -> Any:
    """``inspect.Signature`` of the generated ``__init__``: self, the
    required positional fields, the defaulted ones (default ``MISSING``),
    then the keyword-only ones the same way."""
    positional, kw_only = init_order(_init_fields(type_info))
    return init_signature(positional, kw_only)


def _collect_init_property_funcs(type_cls: type) -> "list[tuple[str, Callable[..., Any]]]":
    """(name, function) of the init_property fields, ancestors' first; a
    subclass's definition replaces its parent's."""
    funcs: "dict[str, Callable[..., Any]]" = {}
    for klass in reversed(type_cls.__mro__):
        for name, func in klass.__dict__.get("__ffi_init_property_funcs__", {}).items():
            funcs[name] = func
    return list(funcs.items())


def _make_init(type_cls: type, type_info: TypeInfo, ffi_init: Any,
               py_class_mode: bool = False) -> Callable[..., None]:
    """``__init__`` that builds the object with `ffi_init` (the type's
    ``__ffi_init__``, keyword arguments passed with the KWARGS protocol),
    then computes init_property fields and calls ``__post_init__``.

    py_class_mode: an object that exists already (``super().__init__()``
    from a subclass) is left alone; otherwise a subclass calling it raises
    TypeError (its own ``__init__`` must build the object)."""
    signature = _make_init_signature(type_info)
    ip_funcs = _collect_init_property_funcs(type_cls)
    type_name = type_cls.__name__

    def finish(self: Any) -> None:
        if ip_funcs:
            klass = type(self)
            for name, func in ip_funcs:
                getattr(klass, name).set(self, func(self))
        post_init = getattr(self, "__post_init__", None)
        if post_init is not None:
            post_init()

    if py_class_mode:
        def __init__(self: Any, /, *args: Any, **kwargs: Any) -> None:
            if self.__chandle__():
                return
            self.__init_handle_by_constructor__(ffi_init, *_pack_kwargs(args, kwargs))
            finish(self)
    else:
        def __init__(self: Any, /, *args: Any, **kwargs: Any) -> None:
            if type(self).__tvm_ffi_type_info__ is not type_info:
                raise TypeError("Calling `super().__init__()` is not supported for @c_class `%s`. "
                                "Use @py_class for inheritance with manual __init__, or define "
                                "`%s` with init=True." % (type_name, type(self).__name__))
            self.__init_handle_by_constructor__(ffi_init, *_pack_kwargs(args, kwargs))
            finish(self)

    __init__.__signature__ = signature  # type: ignore[attr-defined]
    __init__.__qualname__ = "%s.__init__" % type_cls.__qualname__
    __init__.__module__ = type_cls.__module__
    return __init__


def _make_guard_init(cls: type) -> Callable[..., None]:
    message = ("`%s` cannot be constructed directly. Define a custom __init__ or use a "
               "factory method." % cls.__name__)

    def __init__(self: Any, /, *args: Any, **kwargs: Any) -> None:
        raise TypeError(message)
    __init__.__qualname__ = "%s.__init__" % cls.__qualname__
    __init__.__module__ = cls.__module__
    return __init__


def _wrap_user_init(cls: type, user_init: Callable[..., Any]) -> Callable[..., None]:
    """A body ``__init__`` of a py_class runs on an object already built with
    the fields' defaults (``super().__init__()`` in it then does nothing)."""
    index = cls.__tvm_ffi_type_index__  # type: ignore[attr-defined]

    @functools.wraps(user_init)
    def __init__(self: Any, /, *args: Any, **kwargs: Any) -> None:
        if not self.__chandle__():
            self.__init_handle_by_constructor__(_new_py_class_object, index,
                                                *default_values(type(self)))
        user_init(self, *args, **kwargs)
    return __init__


def _install_dataclass_dunders(cls: Any, *, init: bool, repr: bool, eq: bool, order: bool,
                               unsafe_hash: bool, match_args: bool = True,
                               py_class_mode: bool = False) -> None:
    """Install the dataclass methods on a registered class (see the module
    doc).  ``init``: ``__init__`` over the type's ``__ffi_init__`` (a
    TypeError guard with ``init=False``); ``repr``, ``eq``, ``order``,
    ``unsafe_hash``, ``match_args`` as for py_class."""
    info: Optional[TypeInfo] = getattr(cls, "__tvm_ffi_type_info__", None)
    if info is None or info.fields is None:
        raise TypeError("_install_dataclass_dunders: %r is not a registered class with its "
                        "fields registered" % (cls,))
    pairs = lineage_fields(info)
    fields = [f for f, _ in pairs]
    accessors = [tf.accessor for _, tf in pairs]
    writable = [not tf.frozen for _, tf in pairs]
    carrier = cls.__dict__.get("__tvm_ffi_carrier__")
    kind = "py" if carrier is not None else "c"
    namespace = dict(cls.__dict__)
    positional, _ = init_order(fields)
    cls.__tvm_ffi_dataclass_fields__ = tuple(fields)
    _install(cls, namespace, fields, accessors, writable, kind=kind, init=init, repr=repr,
             eq=eq, order=order, unsafe_hash=unsafe_hash, frozen=False, match_args=match_args,
             positional=positional)
    if kind == "py":
        from .dataclasses._methods import __reduce_py__
        if "__reduce__" not in namespace:
            cls.__reduce__ = __reduce_py__
        carrier.__tvm_ffi_dataclass_kind__ = kind
    ffi_init = ffi_init_of(info)
    if "__init__" not in namespace:
        if init and ffi_init is not None:
            cls.__init__ = _make_init(cls, info, ffi_init,
                                      py_class_mode=py_class_mode or kind == "py")
        elif not init:
            cls.__init__ = _make_guard_init(cls)
    elif py_class_mode and kind == "py":
        cls.__init__ = _wrap_user_init(cls, namespace["__init__"])
