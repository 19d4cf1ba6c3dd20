"""apache tvm-ffi's low-level py_class API over this package's py_class types
(core/src/py_class.cc): a type is registered first, its fields later.

    info = core._register_py_class(parent_info, "my.Point", Point)  # fields: None
    info._register_fields([Field("x", TypeSchema("int")), ...])
    registry._add_class_attrs(Point, info)
    _dunder._install_dataclass_dunders(Point, init=True, repr=True, ...)

`Point` is a plain class statement's class (a Python subclass of a registered
class).  Its instances must be made by ``_ffi.make_type`` (docs/design.md,
"Classes: why not plain Python subclasses"), so registration builds a
*carrier* class deriving from it: the class the extension wraps these objects
in.  ``Point(...)`` gives a carrier instance (``Point.__new__``), which is an
instance of ``Point`` and finds every attribute set on ``Point`` through
inheritance.  ``Point.__tvm_ffi_carrier__`` is the carrier;
``carrier.__tvm_ffi_carrier_of__`` is ``Point``.

`_register_fields` registers one slot per field with the core, and the type
attribute ``__ffi_init__``: a core Function taking the fields as apache
tvm-ffi's generated constructors do (positional in ``__init__`` order, then
``KWARGS`` and name/value pairs) and returning the new object.  Values go
through the field's type schema (`Field._ty_schema`) and its converter.
"""
import json
from typing import Any, Optional, Sequence

from .. import core
from ..core import _ffi
from ..type_info import TypeField, TypeInfo
from ._common import _new_py_class_object
from ._field import Field
from ._py_init import _bind, init_order

_define_type = core.get_global_func("ffi.DefinePyClassType")
_define_fields = core.get_global_func("ffi.DefinePyClassFields")


# ---------------------------------------------------------------------------
# Registration of the type
# ---------------------------------------------------------------------------
def _carrier_new(cls: type, *args: Any, **kwargs: Any) -> Any:
    carrier = cls.__dict__.get("__tvm_ffi_carrier__")
    if carrier is None:  # a plain subclass of a registered class
        return core._refuse_new(cls)
    return carrier.__new__(carrier)


_CARRIER_NEW = staticmethod(_carrier_new)


def register_py_class(parent_info: TypeInfo, type_key: str, type_cls: Any) -> TypeInfo:
    """A new core type `type_key` deriving from `parent_info`'s, for the class
    `type_cls` (a subclass of the parent's class); its fields come later
    (``info.fields`` is None until ``info._register_fields``)."""
    if not isinstance(parent_info, TypeInfo):
        raise TypeError("_register_py_class: the parent is a TypeInfo, got %s"
                        % type(parent_info).__name__)
    if not isinstance(type_key, str):
        raise TypeError("_register_py_class: the type key is a str")
    parent_cls = parent_info.type_cls
    if not (isinstance(type_cls, type) and parent_cls is not None
            and issubclass(type_cls, parent_cls)):
        raise TypeError("_register_py_class: %r must derive from the parent's class %r"
                        % (type_cls, parent_cls))
    if parent_info.fields is None:
        raise TypeError("_register_py_class: the fields of the parent `%s` are not registered "
                        "yet" % parent_info.type_key)
    klass: Any = type_cls  # a class statement's: the attributes below are set at run time
    index = _define_type(type_key, parent_info.type_index)
    info = TypeInfo(type_cls=klass, type_index=index, type_key=type_key,
                    type_ancestors=list(parent_info.type_ancestors) + [parent_info.type_index],
                    fields=None, methods=[], parent_type_info=parent_info,  # type: ignore[arg-type]
                    has_creator=False)
    metaclass = type(klass)
    name = "%s.%s" % (klass.__module__, klass.__name__)
    carrier = (_ffi.make_type(name, klass) if metaclass is type(core.Object)
               else _ffi.make_type(name, klass, None, metaclass))
    for attr in ("__module__", "__qualname__"):
        setattr(carrier, attr, getattr(klass, attr))
    carrier.__doc__ = klass.__doc__
    for target in (klass, carrier):
        target.__tvm_ffi_type_index__ = index
        target.__tvm_ffi_type_key__ = type_key
        target.__tvm_ffi_type_info__ = info
    klass.__tvm_ffi_carrier__ = carrier
    carrier.__tvm_ffi_carrier_of__ = klass
    klass.__new__ = _CARRIER_NEW
    klass.__tvm_ffi_fields__ = tuple(getattr(parent_cls, "__tvm_ffi_fields__", ()))
    _ffi.register_class(index, carrier)
    return info


# ---------------------------------------------------------------------------
# Registration of the fields
# ---------------------------------------------------------------------------
def _flag(name: str) -> int:
    return int(getattr(_ffi, "kTVMFFIFieldFlagBitMask" + name))


def _flags_of(f: Field) -> int:
    flags = _flag("Writable")  # frozen fields refuse in Python (no setter); .set() writes
    if not f.init:
        flags |= _flag("InitOff")
    if f.kw_only:
        flags |= _flag("KwOnly")
    if not f.repr:
        flags |= _flag("ReprOff")
    if not f.compare:
        flags |= _flag("CompareOff")
    if not (f.compare if f.hash is None else f.hash):
        flags |= _flag("HashOff")
    if f.structural_eq == "ignore":
        flags |= _flag("SEqHashIgnore")
    elif f.structural_eq in ("def", "def-pattern"):
        flags |= _flag("SEqHashDef")
    elif f.structural_eq == "def-simple":
        flags |= _flag("SEqHashDefSimple")
    return flags


def field_of(tf: TypeField) -> Field:
    """The Field of a reflected field: the one it was registered with, else
    one made from its flags."""
    f = getattr(tf, "dataclass_field", None)
    if f is not None:
        return f  # type: ignore[no-any-return]
    f = Field(tf.name, tf.ty, default=tf.c_default, default_factory=tf.c_default_factory,
              frozen=tf.frozen, init=tf.c_init, repr=tf.c_repr, hash=tf.c_hash,
              compare=tf.c_compare, kw_only=tf.c_kw_only, structural_eq=tf.c_structural_eq,
              doc=tf.doc or None)
    return f


def lineage_fields(info: TypeInfo) -> "list[tuple[Field, TypeField]]":
    """(Field, TypeField) of every field, the outermost ancestor's first."""
    out = []
    for level in info.lineage():
        for tf in level.fields or ():
            out.append((field_of(tf), tf))
    return out


def define_fields(type_index: int, fields: Sequence[Field]) -> None:
    """Register the fields of a py_class type whose fields are pending: one
    slot each, its flags from the Field, its type schema in its metadata."""
    metadata = []
    for f in fields:
        meta: "dict[str, Any]" = {}
        if f._ty_schema is not None:
            meta["type_schema"] = json.dumps(f._ty_schema.to_json())
        metadata.append(json.dumps(meta) if meta else "")
    _define_fields(type_index, [f.name for f in fields], [_flags_of(f) for f in fields],
                   metadata)


def register_fields(info: TypeInfo, fields: Sequence[Field],
                    structure_kind: Optional[int] = None) -> "list[TypeField]":
    if info.fields is not None:
        raise ValueError("the fields of `%s` are registered already" % info.type_key)
    cls = info.type_cls
    if cls is None or cls.__dict__.get("__tvm_ffi_carrier__") is None:
        raise TypeError("_register_fields: `%s` was not made by _register_py_class"
                        % info.type_key)
    inherited = {f.name for f, _ in lineage_fields(info.parent_type_info)} \
        if info.parent_type_info is not None else set()
    names: "list[str]" = []
    for f in fields:
        if not isinstance(f, Field):
            raise TypeError("_register_fields takes Field objects, got %s" % type(f).__name__)
        if not isinstance(f.name, str) or not f.name:
            raise TypeError("_register_fields: every Field needs a name")
        if f.name in names or f.name in inherited:
            raise ValueError("`%s`: field %r is declared twice" % (info.type_key, f.name))
        names.append(f.name)
    define_fields(info.type_index, fields)
    own = _ffi.type_info(info.type_index).fields
    for tf, f in zip(own, fields):
        tf.dataclass_field = f
    info.fields = own
    if structure_kind is not None:
        cls.__tvm_ffi_structure_kind__ = structure_kind
    everything = lineage_fields(info)
    cls.__tvm_ffi_fields__ = tuple(dict.fromkeys(tf.name for _, tf in everything))
    ctor = _make_ffi_init(info, [f for f, _ in everything])
    core._register_type_attr(info.type_index, "__ffi_init__", ctor)
    return own


def _make_ffi_init(info: TypeInfo, fields: "list[Field]") -> Any:
    """The core Function behind ``__ffi_init__``: the packed arguments (the
    ``KWARGS`` protocol) bound to `fields`, converted, and a new object."""
    positional, _ = init_order(fields)
    where = "%s.__ffi_init__()" % info.type_key
    index = info.type_index
    kwargs_marker = core.KWARGS

    def ffi_init(*packed: Any) -> Any:
        args: Sequence[Any] = packed
        kwargs: "dict[str, Any]" = {}
        for i, value in enumerate(packed):
            if value is kwargs_marker:
                args = packed[:i]
                rest = packed[i + 1:]
                if len(rest) % 2:
                    raise TypeError("%s: keyword arguments come as name/value pairs" % where)
                for key, val in zip(rest[::2], rest[1::2]):
                    if key in kwargs:
                        raise TypeError("%s got multiple values for argument %r"
                                        % (where, key))
                    kwargs[str(key)] = val
                break
        values = _bind(where, fields, positional, args, kwargs)
        return _new_py_class_object(index, *values)._move()  # untied: the caller wraps it

    ffi_init.__qualname__ = "%s.__ffi_init__" % info.type_key
    return core.convert(ffi_init)


def ffi_init_of(info: TypeInfo) -> Any:
    """The type's ``__ffi_init__``: its own method, else its type attribute."""
    method = info.find_method("__ffi_init__") if info.methods is not None else None
    if method is not None:
        return method.func
    from ..type_converter import _type_attrs  # attached from Python (register_fields)
    attached = _type_attrs.get((info.type_index, "__ffi_init__"))
    if attached is not None:
        return attached
    return core._core_type_attr(info.type_index, "__ffi_init__")  # generated in C++

