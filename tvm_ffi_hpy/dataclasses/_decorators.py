"""The class decorators: py_class (a new core type from a class statement)
and c_class (a class for a C++ reflected type)."""
import copy as _copy
from dataclasses import KW_ONLY
from typing import Any, Callable, Optional, Sequence, Union, cast

from ..core import Object, _build_class, _ffi, register_object
from ._common import _Cls, _O, _define_py_class
from ._field import MISSING, Field, builtins_type
from ._methods import (__reduce_py__, _install, _make_c_init, _make_no_init, _make_py_init,
                       _read_only_property, _wrap_user_init)


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
        from ..typed_method import register_marked_methods  # @method (apache tvm-ffi's)
        register_marked_methods(new)
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
