"""``c_class``: a class for a C++ reflected type (like ``register_object``)
with the dataclass methods over its reflected fields (apache tvm-ffi's
``tvm_ffi.dataclasses.c_class``).

Each own reflected field gets a `Field` made from its reflection flags
(`_attach_field_objects`: ``TypeField.dataclass_field``, what ``fields()``
returns).  ``__init__`` calls the type's ``__ffi_init__`` (its explicit
constructor, else the one the core generates from reflection), keyword
arguments with the KWARGS protocol; ``cls.__ffi_init__`` is there too.  A
type with neither builds its objects through the reflection creator.
"""
import typing
from typing import Any, Callable, TypeVar, cast

from ..core import register_object
from ._field import MISSING, Field, _field_converter, field
from ._methods import HOOK_NAMES, _make_c_init, _read_only_property

_T = TypeVar("_T", bound=type)


def _attach_field_objects(cls: type, type_info: Any, *, frozen: bool = False) -> None:
    """A `Field` per own reflected field of the type, from its flags, as
    ``TypeField.dataclass_field`` (its ``type`` from the class's resolved
    annotations, None when they do not resolve)."""
    try:
        hints = typing.get_type_hints(cls)
    except Exception:
        hints = {}
    for tf in type_info.fields or ():
        if frozen:
            tf.frozen = True
        f = Field(tf.name, tf.ty, default=tf.c_default, default_factory=tf.c_default_factory,
                  frozen=tf.frozen, init=tf.c_init, repr=tf.c_repr, hash=tf.c_hash,
                  compare=tf.c_compare, kw_only=tf.c_kw_only,
                  structural_eq=tf.c_structural_eq, doc=tf.doc)
        f.type = hints.get(tf.name)
        tf.dataclass_field = f


def _dataclass_transform(func: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a class decorator for type checkers (PEP 681), with ``converter``
    in its metadata as apache tvm-ffi does."""
    transform = getattr(typing, "dataclass_transform", None)  # Python >= 3.11
    if transform is None:
        func.__dataclass_transform__ = {  # type: ignore[attr-defined]
            "eq_default": False, "order_default": False, "kw_only_default": False,
            "frozen_default": False, "field_specifiers": (Field, field), "kwargs": {}}
    else:
        func = transform(eq_default=False, order_default=False,
                         field_specifiers=(Field, field))(func)
    func.__dataclass_transform__["kwargs"]["converter"] = _field_converter  # type: ignore
    return func


@_dataclass_transform
def c_class(type_key: str, *, frozen: bool = False, init: bool = True, repr: bool = True,
            eq: bool = False, order: bool = False, unsafe_hash: bool = False,
            match_args: bool = True) -> Callable[[_T], _T]:
    """Class decorator: register a class for the C++ reflected type `type_key`
    (like ``register_object``) with dataclass methods (docs/dataclasses.md).
    ``frozen``: the type's own fields are read-only from Python
    (``type(obj).name.set(obj, v)`` still writes)."""
    if not isinstance(type_key, str):
        raise TypeError("c_class takes the type key as a string")
    if order and not eq:
        raise ValueError("order=True requires eq=True")

    def decorate(cls: _T) -> _T:
        from .._dunder import _install_dataclass_dunders
        from ..core import _install_ffi_init_attr
        from ..registry import _add_type_attr_class_attrs, _warn_missing_field_annotations
        from ._py_class_type import ffi_init_of
        body_init = "__init__" in cls.__dict__
        new: Any = register_object(type_key)(cast(Any, cls))
        for name, value in list(new.__dict__.items()):
            if isinstance(value, Field):  # field() in the body: metadata only
                delattr(new, name)
        if not body_init and "__init__" in new.__dict__:
            del new.__init__  # register_object's: the dataclass one replaces it
        info = new.__tvm_ffi_type_info__
        _warn_missing_field_annotations(new, info, stacklevel=2)
        _attach_field_objects(new, info)
        # The hooks the type has in C++ (type attributes) as class attributes.
        _add_type_attr_class_attrs(new, info, HOOK_NAMES)
        ffi_init = ffi_init_of(info)
        if ffi_init is not None and "__ffi_init__" not in new.__dict__:
            _install_ffi_init_attr(new, info, ffi_init)
        _install_dataclass_dunders(new, init=init, repr=repr, eq=eq, order=order,
                                   unsafe_hash=unsafe_hash, match_args=match_args)
        new.__tvm_ffi_ctor__ = info.constructor
        new.__tvm_ffi_has_creator__ = info.has_creator
        fields = list(new.__tvm_ffi_dataclass_fields__)
        if info.constructor is not None and init and not body_init:
            # An explicit C++ constructor takes no KWARGS: keyword arguments
            # are bound to the fields in order (assumed to be its parameters).
            new.__init__ = _make_c_init(new, fields, fields, info.constructor, info.has_creator)
        elif ffi_init is None and init and not body_init:
            # No constructor: built through the reflection creator, if any.
            positional = ([f for f in fields if not f._has_default()]
                          + [f for f in fields if f._has_default()])
            new.__init__ = _make_c_init(new, fields, positional, None, info.has_creator)
        if frozen:
            for tf in info.fields:
                tf.dataclass_field.frozen = True
                if not tf.frozen and tf.name not in cls.__dict__:
                    setattr(new, tf.name, _read_only_property(tf.name, tf.accessor, type_key,
                                                              tf.doc))
        return cast(_T, new)

    return decorate


__all__ = ["c_class", "MISSING"]
