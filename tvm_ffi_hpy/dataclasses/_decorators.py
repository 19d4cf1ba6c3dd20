"""The py_class decorator: a new core type from a class statement (c_class,
for a C++ reflected type, is in c_class.py)."""
import copy as _copy
from dataclasses import KW_ONLY
from typing import Any, Callable, Optional, Union

from .. import _plain_fields
from ..core import Object, _build_class, _ffi, get_global_func
from ._common import _Cls
from ._py_class_type import _define_type, define_fields
from ._field import (MISSING, Field, builtins_type, field, full_converter, init_property,
                     user_converter)
from ._methods import __reduce_py__, _install
from .c_class import _dataclass_transform
from ._py_init import (field_property, init_order, init_signature, make_ffi_init, make_init,
                       make_no_init, wrap_user_init)


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


def _resolve_annotation(annotation: Any, cls: type, local: "dict[str, Any]") -> Any:
    """A string annotation (``from __future__ import annotations``) evaluated
    in the class's module and the scope of the class statement (`local`),
    when it can be now; else the string itself."""
    if not isinstance(annotation, str):
        return annotation
    import sys
    module = sys.modules.get(cls.__module__)
    scope = dict(vars(module)) if module is not None else {}
    scope.update(local)
    scope.setdefault(cls.__name__, cls)
    try:
        return eval(annotation, scope)  # noqa: S307 (the class's own annotation text)
    except Exception:
        return annotation


def _schema_of(annotation: Any) -> Any:
    """The TypeSchema of a resolved annotation, which checks and converts the
    field's values; None (any value) for an annotation left as a string or
    one that has no schema."""
    if isinstance(annotation, str):
        return None
    from ..type_schema import TypeSchema
    try:
        schema = TypeSchema.from_annotation(annotation)
    except Exception:
        return None
    return schema if _convertible(schema) else None


def _convertible(schema: Any) -> bool:
    """Whether this build can convert to the schema: List and Dict need their
    container classes (tvm_ffi_hpy.List / Dict)."""
    import tvm_ffi_hpy
    from .. import containers
    if schema.origin in ("List", "Dict") and getattr(tvm_ffi_hpy, schema.origin, None) is None \
            and getattr(containers, schema.origin, None) is None:
        return False
    return all(_convertible(arg) for arg in schema.args)


def _enum_converter(enum_cls: Any) -> Callable[[Any], Any]:
    """A field declared as a dataclass enum takes the variant's index too."""
    def convert(value: Any) -> Any:
        if isinstance(value, enum_cls):
            return value
        key = enum_cls.__tvm_ffi_type_key__
        try:
            return enum_cls(value)
        except OverflowError:
            raise TypeError("type conversion failed for %s: integer %d out of int64 range "
                            "[%d, %d]" % (key, value, -(1 << 63), (1 << 63) - 1)) from None
        except (ValueError, TypeError):
            raise TypeError("type conversion failed for %s: expected %s, got %s"
                            % (key, key, type(value).__name__)) from None
    return convert


def _class_fields(cls: type, frozen: bool, kw_only: bool, *, body: bool,
                  local: "dict[str, Any]", marker_types: "tuple[type, ...]" = (),
                  marks: "Optional[list[tuple[Any, ...]]]" = None
                  ) -> "tuple[list[Field], set[str], bool]":
    """(fields, names to drop from the namespace, whether the next fields are
    keyword-only) that one class of the MRO declares: its annotations, then
    (the decorated class only, `body`) its init_property methods.  `kw_only`:
    whether they start keyword-only (a ``KW_ONLY`` in a mixin carries on).
    An annotation that is one of `marker_types` (``__ffi_field_markers__``)
    declares no field: ``(marker, cls, name, number of fields before it in
    `cls`)`` goes to `marks`, and the class attribute stays."""
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
        if isinstance(value, init_property):
            continue  # declared by the method below
        resolved = _resolve_annotation(annotation, cls, local)
        marker = next((m for m in marker_types if resolved is m), None)
        if marker is not None:
            if marks is not None:
                marks.append((marker, cls, name, len(out)))
            continue
        if isinstance(value, Field):
            f = _copy.copy(value)
        else:
            f = field(default=value)
        f.name = name
        f.type = resolved
        if f._ty_schema is None:
            f._ty_schema = _schema_of(f.type)
        if user_converter(f) is None and isinstance(f.type, type) and \
                "__tvm_ffi_enum_kind__" in getattr(f.type, "__dict__", {}):
            f.converter = _enum_converter(f.type)
        if f.kw_only is None:
            f.kw_only = kw_only_active
        if f.hash is None:
            f.hash = f.compare
        if frozen:
            f.frozen = True
        out.append(f)
        dropped.add(name)
    if body:
        for name, value in cls.__dict__.items():
            if isinstance(value, init_property):
                f = Field(name, init=False, compare=False, hash=False, kw_only=False,
                          frozen=True, doc=value.__doc__, structural_eq="ignore")
                out.append(f)
    return out, dropped, kw_only_active


def _parent_and_mixins(cls: type) -> "tuple[Any, list[type]]":
    """The nearest registered class of the MRO (Object, a py_class or a class
    of a C++ type), and the classes before it (mixins: their annotations are
    fields, their attributes are copied)."""
    mixins: "list[type]" = []
    for klass in cls.__mro__[1:]:
        if klass is Object or "__tvm_ffi_type_index__" in klass.__dict__:
            return klass, mixins
        mixins.append(klass)
    raise TypeError("a py_class derives from Object")


def _inherited_fields(parent: Any) -> "list[Field]":
    fields = parent.__dict__.get("__tvm_ffi_dataclass_fields__")
    if fields is not None:
        return list(fields)
    if parent is Object:
        return []
    out = []  # a class of a C++ type: its reflected fields
    for r in parent.__tvm_ffi_type_info__.all_fields():
        out.append(Field(r.name, default=r.default if r.has_default else MISSING,
                         frozen=r.frozen, init=True, repr=True, hash=True, compare=True,
                         kw_only=False, doc=r.doc or None))
    return out


# py_class(structural_eq=...) -> the core's TVMFFISEqHashKind (c_api.h).
_STRUCTURAL_EQ_KINDS: "dict[Optional[str], int]" = {
    None: 0, "tree": 1, "var": 2, "dag": 3, "const-tree": 4, "singleton": 5}
_set_seq_hash_kind = get_global_func("ffi.TypeSetStructuralEqHashKind")
# Hooks a py_class body defines that the core calls (core/src/structural_equal.cc).
_CORE_HOOK_NAMES = ("__s_equal__", "__s_hash__")
_register_core_attr = get_global_func("ffi.TypeRegisterAttr")


@_dataclass_transform
def py_class(cls_or_type_key: "Union[str, type[Object], None]" = None, *,
             type_key: Optional[str] = None, frozen: bool = False, init: bool = True,
             repr: bool = True, eq: bool = False, order: bool = False,
             unsafe_hash: bool = False, match_args: bool = True, kw_only: bool = False,
             slots: bool = True, structural_eq: Optional[str] = "tree",
             _bind_existing: bool = False) -> Any:
    """Class decorator: a Python-defined core object type (see the module doc).

    ``@py_class``, ``@py_class("key")``, ``@py_class("key", eq=True)`` and
    ``@py_class(type_key="key", frozen=True)`` are all accepted; ``slots`` is
    accepted for compatibility and ignored (instances never have a ``__dict__``
    of fields).  ``structural_eq`` ("tree", the default, "const-tree", "dag",
    "var", "singleton", or None: no structural equality) becomes the type's
    structural_eq_hash_kind in the core (ffi.StructuralEqual, docs/structural.md)
    and is recorded as ``cls.__tvm_ffi_structural_eq__``.

    ``_bind_existing`` (enum classes, dataclasses/enum.py): the type
    `type_key` exists already with the slot layout (defined by the core or a
    C++ library, enum.h); the class binds to it instead of defining it, and
    its own annotated fields must be the type's own fields, in order.
    """
    if order and not eq:
        raise ValueError("order=True requires eq=True")
    if structural_eq not in _STRUCTURAL_EQ_KINDS:
        raise ValueError("structural_eq must be one of %s or None, got %r"
                         % (", ".join("%r" % (k,) for k in _STRUCTURAL_EQ_KINDS if k), structural_eq))

    def decorate(cls: _Cls) -> _Cls:
        import sys
        try:  # the class statement's scope: local classes named by annotations
            local = dict(sys._getframe(1).f_locals)
        except (AttributeError, ValueError):
            local = {}
        if not (isinstance(cls, type) and issubclass(cls, Object)):
            raise TypeError("a py_class must inherit from tvm_ffi_hpy.Object (directly or "
                            "through another py_class)")
        base, mixins = _parent_and_mixins(cls)
        key = effective_key if effective_key is not None else "%s.%s" % (cls.__module__,
                                                                          cls.__qualname__)
        inherited = _inherited_fields(base)
        own: "list[Field]" = []
        namespace: "dict[str, Any]" = {}

        def add_fields(more: "list[Field]") -> None:
            for f in more:  # a redeclared mixin field keeps its place
                at = next((i for i, g in enumerate(own) if g.name == f.name), None)
                if at is None:
                    own.append(f)
                else:
                    own[at] = f

        # __ffi_field_markers__: annotations that mark positions, not fields;
        # each (marker, owner class, name, index among all the fields).
        marker_types = cls.__dict__.get("__ffi_field_markers__",
                                        getattr(cls, "__ffi_field_markers__", ()))
        if not isinstance(marker_types, (tuple, list)) or \
                not all(isinstance(m, type) for m in marker_types):
            raise TypeError("__ffi_field_markers__ must be a tuple or list of types")
        marker_types = tuple(marker_types)
        markers: "list[tuple[Any, ...]]" = []

        def class_fields(klass: type, kw: bool, body: bool
                         ) -> "tuple[list[Field], set[str], bool]":
            found: "list[tuple[Any, ...]]" = []
            result = _class_fields(klass, frozen, kw, body=body, local=local,
                                   marker_types=marker_types, marks=found)
            before = len(inherited) + len(own)
            markers.extend((m, owner, name, before + at) for m, owner, name, at in found)
            return result

        active_kw_only = kw_only
        for mixin in reversed(mixins):  # their attributes, nearest last
            mixin_fields, mixin_dropped, active_kw_only = class_fields(
                mixin, active_kw_only, False)
            add_fields(mixin_fields)
            namespace.update({k: v for k, v in mixin.__dict__.items()
                              if k not in mixin_dropped and k not in _NOT_FROM_MIXINS})
        body_fields, dropped, _ = class_fields(cls, active_kw_only, True)
        add_fields(body_fields)
        namespace.update({k: v for k, v in cls.__dict__.items() if k not in dropped})
        inherited_names = {g.name for g in inherited}
        seen: "set[Optional[str]]" = set()
        new_fields = []
        overridden: "dict[str, Any]" = {}  # init_property redefined by this class
        for f in own:
            if f.name in inherited_names or f.name in seen:
                if isinstance(namespace.get(str(f.name)), init_property):
                    overridden[str(f.name)] = namespace.pop(str(f.name))
                    continue
                raise TypeError("%s: field %r is already a field of %s"
                                % (cls.__qualname__, f.name, base.__qualname__))
            seen.add(f.name)
            new_fields.append(f)
        own = new_fields
        fields = inherited + own
        type_index = (_bind_type(key, base, own) if _bind_existing
                      else _define_type(key, base.__tvm_ffi_type_index__))
        computed: "dict[str, Any]" = {}
        for f in own:
            value = namespace.get(str(f.name))
            if isinstance(value, init_property):
                computed[str(f.name)] = value.func
                del namespace[str(f.name)]
        # The class's class: the base's (enum classes), or the one the body names.
        metaclass = cls.__dict__.get("__tvm_ffi_metaclass__") or (
            type(base) if type(base) is not type(Object) else None)
        # The class is built while its own fields are pending: the hooks
        # below see it (type_info.type_cls) with type_info.fields empty.
        new: _Cls = _build_class(type_index, base, cls.__name__, cls.__module__,
                                 cls.__qualname__, namespace, source=cls, metaclass=metaclass)
        info = new.__tvm_ffi_type_info__
        parent_info = getattr(base, "__tvm_ffi_type_info__", None)
        inherited_markers = tuple(getattr(parent_info, "_decorator_args", {})
                                  .get("field_markers", ()))
        info._decorator_args["field_markers"] = inherited_markers + tuple(
            (m, new if owner is cls else owner, name, at) for m, owner, name, at in markers)
        for hook in _fields_resolved_hooks(new):
            hook(info, own)
        for f in own:
            if f.extra_kwargs:
                raise TypeError("%s.%s: unrecognized field options: %s"
                                % (cls.__name__, f.name, ", ".join(sorted(f.extra_kwargs))))
        if not _bind_existing:
            define_fields(type_index, own)
        info.fields = _ffi.type_info(type_index).fields
        for f, tf in zip(own, info.fields):
            name = str(f.name)
            # Slots of fields declared int, float or bool: values from memory.
            plain = any(f.type is t for t in (int, float, bool))
            read, store = _plain_fields.plain_field_access(
                _ffi, type_index, tf, tf.accessor.read, tf.accessor.write, any_slots=plain)
            prop = field_property(name, read, store, f.frozen, f.doc, full_converter(f))
            namespace[name] = prop
            setattr(new, name, prop)
        new.__tvm_ffi_fields__ = tuple(dict.fromkeys(tf.name for tf in info.all_fields()))
        reflected = new.__tvm_ffi_type_info__.all_fields()
        accessors = [r.accessor for r in reflected]
        writable = [True] * len(accessors)
        by_name = dict(zip((f.name for f in fields), accessors))
        init_props = [(name, func) for name, func in getattr(base, "__tvm_ffi_init_property_funcs__",
                                                             ())]
        for name, prop in overridden.items():  # a redefined one replaces the parent's
            init_props = [(n, prop.func if n == name else func) for n, func in init_props]
        init_props += list(computed.items())
        new.__tvm_ffi_init_property_funcs__ = tuple(init_props)
        new.__tvm_ffi_init_properties__ = tuple((func, by_name[name]) for name, func in init_props)
        new.__tvm_ffi_py_fields__ = tuple((f.name, f.default) for f in fields)
        new.__tvm_ffi_frozen__ = bool(frozen)
        new.__tvm_ffi_structural_eq__ = structural_eq
        if not _bind_existing:
            _set_seq_hash_kind(type_index, _STRUCTURAL_EQ_KINDS[structural_eq])
        positional, keyword_only = init_order(fields)
        _install(new, namespace, fields, accessors, writable, kind="py", init=init, repr=repr,
                 eq=eq, order=order, unsafe_hash=unsafe_hash, frozen=frozen,
                 match_args=match_args, positional=positional)
        own_accessors_all = [by_name[f.name] for f in fields]
        ffi_init = make_ffi_init(new, fields, own_accessors_all, positional, keyword_only)
        if "__ffi_init__" not in namespace:
            new.__ffi_init__ = ffi_init
        if "__init__" in namespace:
            new.__init__ = wrap_user_init(new, namespace["__init__"])
        elif init:
            new.__init__ = make_init(new, ffi_init, init_signature(positional, keyword_only),
                                     fields, positional)
        else:
            new.__init__ = make_no_init(new)
        if "__reduce__" not in namespace:
            new.__reduce__ = __reduce_py__
        from ..typed_method import register_marked_methods  # @method (apache tvm-ffi's)
        register_marked_methods(new)
        _register_named_type_attrs(new, namespace)
        new.__tvm_ffi_ffi_init_factory__ = _ffi_init_factory(new.__tvm_ffi_type_info__, fields)
        for tf, f in zip(new.__tvm_ffi_type_info__.fields, own):
            tf.dataclass_field = f  # the Field behind each own TypeField
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


def _bind_type(key: str, base: Any, own: "list[Field]") -> int:
    """The index of the existing type `key`, after checking that it derives
    from `base`'s type and has exactly the fields `own` of its own."""
    try:
        index: int = _ffi.type_key_to_index(key)
    except Exception:
        raise TypeError("no core type `%s` to bind the class to" % key) from None
    info = _ffi.type_info(index)
    parent = info.parent_type_info
    if parent is None or parent.type_index != base.__tvm_ffi_type_index__:
        raise TypeError("`%s` does not derive from `%s`" % (key, base.__tvm_ffi_type_key__))
    names = [tf.name for tf in info.fields or ()]
    if names != [f.name for f in own]:
        raise TypeError("`%s` has the fields %s; the class declares %s"
                        % (key, names, [f.name for f in own]))
    return index


def _fields_resolved_hooks(cls: type) -> "list[Callable[..., Any]]":
    """The callables of the MRO's class dicts marked ``__ffi_on_fields_resolved__``
    (apache tvm-ffi's extension hook), the farthest base's first: each is
    called as ``hook(type_info, own_fields)`` before the fields reach the
    core, and may change the Field objects (metadata, extra_kwargs, ...)."""
    return [hook for klass in reversed(cls.__mro__) for hook in klass.__dict__.values()
            if callable(hook) and getattr(hook, "__ffi_on_fields_resolved__", False) is True]


def _ffi_init_factory(info: Any, fields: "list[Field]") -> Callable[[], Any]:
    """Makes the type attribute ``__ffi_init__`` (a core Function, apache
    tvm-ffi's generated-constructor arguments) when it is first looked up."""
    def make() -> Any:
        from ._py_class_type import _make_ffi_init
        return _make_ffi_init(info, fields)
    return make


#: The parent's type attributes a py_class copies to its own type when its
#: body defines none of that name (apache tvm-ffi's default; a class's
#: ``__ffi_inherit_type_attrs__`` replaces the list, ``()`` opts out).
_DEFAULT_INHERIT_TYPE_ATTRS = ("__s_equal__", "__s_hash__", "__s_visit__", "__data_to_json__",
                               "__data_from_json__")


def _name_list(cls: _Cls, attr: str, default: Any) -> "tuple[str, ...]":
    names = getattr(cls, attr, default)
    if not isinstance(names, (tuple, list)) or not all(isinstance(n, str) for n in names):
        raise TypeError("%s must be a tuple or list of strings" % attr)
    return tuple(names)


def _register_named_type_attrs(cls: _Cls, namespace: "dict[str, Any]") -> None:
    """The type attributes of the new core type, registered once, exactly,
    when the class is made (``_lookup_type_attr`` of the type then looks at
    nothing else):

    - class attributes named in ``__ffi_type_attr_names__`` or in the inherit
      list (both apache tvm-ffi's per-class lists, inherited like any
      attribute) that the body defines, a staticmethod giving its function;
      ``__s_equal__``/``__s_hash__`` go to the core (its structural walk);
    - for each name of the inherit list (``__ffi_inherit_type_attrs__``,
      default `_DEFAULT_INHERIT_TYPE_ATTRS`) the body does not define: the
      nearest ancestor's registered value, unless an ancestor's body set the
      name (to None: nothing for it and its descendants).

    A body value of None registers nothing (and stops the inheritance)."""
    names = _name_list(cls, "__ffi_type_attr_names__", ())
    inherit = _name_list(cls, "__ffi_inherit_type_attrs__", _DEFAULT_INHERIT_TYPE_ATTRS)
    from ..type_converter import _lookup_type_attr, _register_type_attr
    index = cls.__tvm_ffi_type_index__

    def register(name: str, value: Any) -> None:
        if isinstance(value, staticmethod):
            value = value.__func__
        if name in _CORE_HOOK_NAMES:  # read by the core's structural walk
            _register_core_attr(index, name, value)
        else:
            _register_type_attr(index, name, value)

    for name in _CORE_HOOK_NAMES:
        value = namespace.get(name)
        if value is not None:
            register(name, value)
    for name in dict.fromkeys(names + inherit):
        if name in namespace and name not in _CORE_HOOK_NAMES:
            if namespace[name] is not None:
                register(name, namespace[name])
    for name in inherit:
        if name in namespace:
            continue
        parent = cls.__tvm_ffi_type_info__.parent_type_info
        while parent is not None:
            value = _lookup_type_attr(parent.type_index, name)
            if value is not None:
                register(name, value)
                break
            parent_cls = parent.type_cls
            if parent_cls is not None and name in parent_cls.__dict__:
                break  # set to None there: none for its descendants either
            parent = parent.parent_type_info


# Attributes of a mixin class that are not copied onto the py_class.
_NOT_FROM_MIXINS = frozenset(("__dict__", "__weakref__", "__module__", "__qualname__",
                              "__annotations__", "__doc__", "__init_subclass__", "__new__",
                              "__slots__", "__orig_bases__", "__parameters__"))
