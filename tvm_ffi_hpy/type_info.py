"""What the core knows about a type, as Python objects: ``TypeInfo``.

The extension makes them (``_ffi.type_info(index)``, hpy_ext/module.cc calls
these classes with keywords); every class of core objects carries its own as
``cls.__tvm_ffi_type_info__``, with ``type_cls`` set to the class.  The shape
follows apache tvm-ffi's (type_key, type_index, type_ancestors, fields,
methods, parent_type_info; a field's name, doc, size, offset, frozen,
metadata, getter, setter; a method's name, doc, func, metadata, is_static), and
adds what this package reads: flags, defaults, the field accessor, whether the
type has a reflection creator.

``fields`` and ``methods`` are the type's own; ``all_fields()`` walks the
parents, outermost ancestor first, which is the order of ``__init__``'s
arguments and of ``__tvm_ffi_fields__``.
"""
import dataclasses
import json
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional, Union

if TYPE_CHECKING:
    from ._ffi import FieldAccessor, Function
    from .type_schema import TypeSchema

__all__ = ["TypeInfo", "TypeField", "TypeMethod"]


def _parse_metadata(value: "Union[str, dict[str, Any]]") -> "dict[str, Any]":
    """The extension hands the core's JSON text ("{}" when empty)."""
    if isinstance(value, str):
        parsed = json.loads(value) if value else {}
        return parsed if isinstance(parsed, dict) else {"value": parsed}
    return value


@dataclasses.dataclass(eq=False)
class TypeField:
    """A reflected field of a core type."""

    name: str
    doc: str
    size: int
    offset: int                 # from the object's address, header included
    frozen: bool                # not writable after construction
    metadata: "dict[str, Any]"
    accessor: "FieldAccessor"   # accessor(obj) reads, accessor(obj, value) writes
    flags: int                  # kTVMFFIFieldFlagBitMask* of c_api.h
    has_default: bool
    default: Any                # meaningful when has_default
    static_type_index: int      # the field's declared type (kTVMFFIAny: any)
    # The dataclasses.Field behind the field (py_class, c_class), else None.
    dataclass_field: Any = None

    def __post_init__(self) -> None:
        self.metadata = _parse_metadata(self.metadata)

    def as_property(self, cls: type) -> Any:
        """The class attribute for this field (core.FFIProperty): reads and
        writes through the accessor; values written go through the field's
        converter and type schema; no setter when the field is frozen."""
        from . import _plain_fields
        from .core import _ffi
        from .dataclasses._field import full_converter
        from .dataclasses._py_class_type import field_of
        from .dataclasses._py_init import field_property
        f = field_of(self)
        read, store = _plain_fields.plain_field_access(
            _ffi, getattr(cls, "__tvm_ffi_type_index__", None), self, self.accessor.read,
            self.accessor.write)
        return field_property(self.name, read, store, bool(self.frozen or f.frozen),
                              self.doc or f.doc, full_converter(f))

    def _flag(self, name: str) -> bool:
        from .core import _ffi
        return bool(self.flags & getattr(_ffi, "kTVMFFIFieldFlagBitMask" + name))

    # apache tvm-ffi's names for what the flags say (c_api.h,
    # kTVMFFIFieldFlagBitMask*); the generated constructor honours them.
    @property
    def c_init(self) -> bool:
        """A parameter of the generated ``__ffi_init__`` (no InitOff)."""
        return not self._flag("InitOff")

    @property
    def c_kw_only(self) -> bool:
        return self._flag("KwOnly")

    @property
    def c_has_default(self) -> bool:
        return self.has_default

    @property
    def c_default(self) -> Any:
        """The default value; MISSING without one or with a factory."""
        if self.has_default and not self._flag("DefaultFromFactory"):
            return self.default
        from .dataclasses import MISSING
        return MISSING

    @property
    def c_default_factory(self) -> Any:
        """The function that makes the default for each object, or MISSING."""
        if self.has_default and self._flag("DefaultFromFactory"):
            return self.default
        from .dataclasses import MISSING
        return MISSING

    @property
    def c_repr(self) -> bool:
        return not self._flag("ReprOff")

    @property
    def c_compare(self) -> bool:
        return not self._flag("CompareOff")

    @property
    def c_hash(self) -> bool:
        return not self._flag("HashOff")

    @property
    def c_structural_eq(self) -> Optional[str]:
        """None, "ignore", "def-pattern" or "def-simple"."""
        if self._flag("SEqHashIgnore"):
            return "ignore"
        if self._flag("SEqHashDef"):
            return "def-pattern"
        if self._flag("SEqHashDefSimple"):
            return "def-simple"
        return None

    @property
    def getter(self) -> "Callable[[Any], Any]":
        return self.accessor

    @property
    def ty(self) -> "Optional[TypeSchema]":
        """The field's type schema: the one its metadata carries
        ("type_schema", written by C++ registration), else the one of its
        declared type index; None when neither says.  The same object on
        every read while those stay the same."""
        text = self.metadata.get("type_schema")
        key = (text, self.static_type_index)
        cached = self.__dict__.get("_ty_cache")
        if cached is not None and cached[0] == key:
            return cached[1]  # type: ignore[no-any-return]
        schema = self._make_ty(text)
        self.__dict__["_ty_cache"] = (key, schema)
        return schema

    def _make_ty(self, text: Any) -> "Optional[TypeSchema]":
        from .type_schema import TypeSchema
        if isinstance(text, str):
            return TypeSchema.from_json_str(text)
        if self.static_type_index == -1:  # kTVMFFIAny: any value
            return TypeSchema("Any")
        try:
            return TypeSchema.from_type_index(self.static_type_index)
        except ValueError:
            return None

    @property
    def setter(self) -> "Callable[[Any, Any], None]":
        return self.accessor


@dataclasses.dataclass(eq=False)
class TypeMethod:
    """A reflected method of a core type (instance methods take self first)."""

    name: str
    doc: str
    func: "Function"
    metadata: "dict[str, Any]"
    is_static: bool
    flags: int

    def __post_init__(self) -> None:
        self.metadata = _parse_metadata(self.metadata)

    def as_callable(self, cls: type) -> "Callable[..., Any]":
        """The class attribute for this method: a staticmethod, or a function
        taking self first."""
        func = self.func
        if self.is_static:
            return staticmethod(func)

        def method(self: Any, *args: Any) -> Any:
            return func(self, *args)
        method.__name__ = self.name
        method.__qualname__ = "%s.%s" % (cls.__qualname__, self.name)
        return method


@dataclasses.dataclass(eq=False)
class TypeInfo:
    """A core type: its key and index, ancestors, own fields and methods."""

    type_cls: Optional[type]    # the Python class, once the package built it
    type_index: int
    type_key: str
    type_ancestors: "list[int]"  # type indices, Object first; the parent last
    fields: "list[TypeField]"    # own fields, not the parents' (None: not registered yet)
    methods: "list[TypeMethod]"  # own methods
    parent_type_info: "Optional[TypeInfo]"
    has_creator: bool           # the core can make an empty object and set fields
    doc: str = ""
    # Per-class options of the decorator that registered it (apache tvm-ffi's).
    _decorator_args: "dict[str, Any]" = dataclasses.field(default_factory=dict)

    @property
    def total_size(self) -> int:
        """Bytes of an instance past the header's start: the end of the last field."""
        return max((f.offset + f.size for f in self.all_fields()), default=24)

    def _register_fields(self, fields: "list[Any]",
                         structure_kind: Optional[int] = None) -> "list[TypeField]":
        """Register the fields (`Field` objects) of a type made by
        ``core._register_py_class`` (tvm_ffi_hpy/dataclasses/_py_class_type.py)."""
        from .dataclasses._py_class_type import register_fields
        return register_fields(self, fields, structure_kind)

    @property
    def type_depth(self) -> int:
        return len(self.type_ancestors)

    def lineage(self) -> "Iterator[TypeInfo]":
        """This type's infos from the outermost ancestor down to this one."""
        chain: "list[TypeInfo]" = []
        info: "Optional[TypeInfo]" = self
        while info is not None:
            chain.append(info)
            info = info.parent_type_info
        return reversed(chain)

    def all_fields(self) -> "list[TypeField]":
        """Every field, ancestors' first (a redefined name appears twice)."""
        return [f for level in self.lineage() for f in (level.fields or ())]

    def find_method(self, name: str) -> "Optional[TypeMethod]":
        """This type's own method `name`, or None."""
        return next((m for m in self.methods if m.name == name), None)

    @property
    def constructor(self) -> "Optional[Function]":
        """The function behind ``__ffi_init__``, when the type has one."""
        init = self.find_method("__ffi_init__")
        return init.func if init is not None else None
