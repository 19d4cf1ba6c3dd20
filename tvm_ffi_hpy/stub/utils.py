"""The language-neutral model of the stub generator: what the registry says
about functions and object types, before any target language renders it."""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, List, Optional, Union

from ..core import MISSING, TypeSchema
from ..type_converter import _lookup_type_attr
from . import consts as C
from ._native import type_layout

#: sizeof(TVMFFIObject): the C ABI header that starts every object.
OBJECT_HEADER_SIZE = 24


def _schema_from(raw: Union[str, Dict[str, Any], TypeSchema]) -> TypeSchema:
    """A schema from JSON text, a parsed JSON object, or a schema."""
    if isinstance(raw, TypeSchema):
        return raw
    if isinstance(raw, dict):
        return TypeSchema.from_json_obj(raw)
    return TypeSchema.from_json_str(raw)


@dataclasses.dataclass
class InitConfig:
    """What ``--init-*`` mode scaffolds for: the distribution name of the
    package (``pkg``), the CMake target of its shared library
    (``shared_target``), and the prefix of the registered names it covers."""

    pkg: str
    shared_target: str
    prefix: str


@dataclasses.dataclass
class Options:
    """The options of one run (the command line's)."""

    imports: List[str] = dataclasses.field(default_factory=list)
    dlls: List[str] = dataclasses.field(default_factory=list)
    init: Optional[InitConfig] = None
    indent: int = 4
    files: List[str] = dataclasses.field(default_factory=list)
    verbose: bool = False
    dry_run: bool = False
    check: bool = False
    target: str = "python"
    coverage_out: Optional[str] = None


class NamedTypeSchema(TypeSchema):
    """A `TypeSchema` with a name: a function's, a parameter's or a field's.

    A reflected field also carries its native facts: ``size``, ``alignment``
    and ``offset`` (from the start of the object header; None when unknown),
    its registered ``default`` (MISSING when none; the factory itself when
    ``default_is_factory``), ``structural_eq`` and ``frozen``."""

    def __init__(self, name: str, schema: TypeSchema, *, size: Optional[int] = None,
                 alignment: Optional[int] = None, offset: Optional[int] = None,
                 default: Any = MISSING, default_is_factory: bool = False,
                 structural_eq: Optional[str] = None, frozen: bool = False) -> None:
        TypeSchema.__init__(self, schema.origin, schema.args,
                            origin_type_index=schema.origin_type_index,
                            fallback=schema.fallback, named_args=schema.named_args,
                            type_key=schema.type_key)
        self.name = name
        self.size = size
        self.alignment = alignment
        self.offset = offset
        self.default = default
        self.default_is_factory = default_is_factory
        self.structural_eq = structural_eq
        self.frozen = frozen

    def __repr__(self) -> str:
        return "NamedTypeSchema(%r, %s)" % (self.name, self.repr())

    @staticmethod
    def from_type_field(field: Any, alignment: Optional[int] = None) -> "NamedTypeSchema":
        """The schema of a reflected field (a `type_info.TypeField`);
        `alignment` when known (the Python type info does not carry it)."""
        factory = field.c_default_factory
        is_factory = factory is not MISSING
        raw = field.metadata.get("type_schema")
        schema = _schema_from(raw) if raw is not None else (field.ty or TypeSchema("Any"))
        return NamedTypeSchema(
            field.name, schema,
            size=field.size, alignment=getattr(field, "alignment", alignment),
            offset=field.offset,
            default=factory if is_factory else field.c_default,
            default_is_factory=is_factory,
            structural_eq=field.c_structural_eq, frozen=bool(field.frozen))


@dataclasses.dataclass
class FuncInfo:
    """A function: its named schema, and whether it takes ``self`` first."""

    schema: NamedTypeSchema
    is_member: bool

    @staticmethod
    def from_schema(name: str, schema: TypeSchema, *, is_member: bool = False) -> "FuncInfo":
        return FuncInfo(NamedTypeSchema(name, schema), is_member)


@dataclasses.dataclass
class InitFieldInfo:
    """A parameter of the generated ``__init__`` (a field with init=True)."""

    name: str
    schema: NamedTypeSchema
    kw_only: bool
    has_default: bool


@dataclasses.dataclass
class ObjectInfo:
    """An object type: its own fields and methods, its ancestry (type keys,
    root first), the ``__init__`` parameters (every ancestor's, outermost
    first) when it has ``__ffi_init__``, its native size (header included;
    None for a type without metadata of its own, whose inherited size says
    nothing about it; the root is the 24-byte C ABI header) and finality
    (None: not published)."""

    fields: List[NamedTypeSchema]
    methods: List[FuncInfo]
    type_key: Optional[str] = None
    parent_type_key: Optional[str] = None
    init_fields: List[InitFieldInfo] = dataclasses.field(default_factory=list)
    has_init: bool = False
    ancestors: List[str] = dataclasses.field(default_factory=list)
    total_size: Optional[int] = None
    is_final: Optional[bool] = None

    def has_overloaded_methods(self) -> bool:
        """Whether some method (same name and kind) has several signatures."""
        keys = [(m.schema.name, m.is_member) for m in self.methods]
        return len(set(keys)) != len(keys)

    @staticmethod
    def from_type_info(type_info: Any) -> "ObjectInfo":
        """The model of a reflected type (a `type_info.TypeInfo`)."""
        chain = []
        up = type_info.parent_type_info
        while up is not None:
            chain.append(up)
            up = up.parent_type_info
        chain.reverse()
        has_init = any(m.name == "__ffi_init__" for m in type_info.methods) or (
            _lookup_type_attr(type_info.type_index, "__ffi_init__") is not None)
        total_size, alignments = type_layout(type_info)
        init_fields: List[InitFieldInfo] = []
        if has_init:
            for level in (*chain, type_info):
                level_align = alignments if level is type_info else type_layout(level)[1]
                for field in level.fields or ():
                    if field.c_init:
                        init_fields.append(InitFieldInfo(
                            field.name,
                            NamedTypeSchema.from_type_field(field, level_align.get(field.name)),
                            field.c_kw_only, field.c_has_default))
        methods = []
        for m in type_info.methods:
            schema = _method_schema(type_info, m)
            methods.append(FuncInfo(NamedTypeSchema(C.FN_NAME_MAP.get(m.name, m.name), schema),
                                    not m.is_static))
        final = _lookup_type_attr(type_info.type_index, "__ffi_type_final__")
        return ObjectInfo(
            fields=[NamedTypeSchema.from_type_field(f, alignments.get(f.name))
                    for f in type_info.fields or ()],
            methods=methods,
            type_key=type_info.type_key,
            parent_type_key=chain[-1].type_key if chain else None,
            init_fields=init_fields,
            has_init=has_init,
            ancestors=[info.type_key for info in chain],
            total_size=total_size if chain else OBJECT_HEADER_SIZE,
            is_final=None if final is None else bool(final),
        )


def _method_schema(type_info: Any, method: Any) -> TypeSchema:
    """The schema a method registered (metadata ``type_schema``); for a
    method registered from Python without one (``@method`` of a py_class),
    the schema of the Python function's annotations; else a bare Callable."""
    raw = method.metadata.get("type_schema")
    if raw is not None:
        return _schema_from(raw)
    cls = getattr(type_info, "type_cls", None)
    func = None if cls is None else cls.__dict__.get(method.name)
    if isinstance(func, staticmethod):
        func = func.__func__
    derived = _annotated_schema(func, None if method.is_static else type_info.type_key)
    return derived if derived is not None else TypeSchema("Callable")


def _annotated_schema(func: Any, self_key: Optional[str]) -> Optional[TypeSchema]:
    """``Callable`` with the parameters and return of `func`'s annotations (a
    missing one is Any); `self_key` types the first parameter of an instance
    method.  None when `func` is no plain function or takes *args/**kwargs."""
    import inspect
    import typing
    if not inspect.isfunction(func):
        return None
    try:
        params = list(inspect.signature(func).parameters.values())
        hints = typing.get_type_hints(func)
    except (TypeError, ValueError, NameError):
        return None
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
        return None

    def schema_of(name: str) -> TypeSchema:
        if name not in hints:
            return TypeSchema("Any")
        try:
            return TypeSchema.from_annotation(hints[name])
        except (TypeError, ValueError):
            return TypeSchema("Any")

    listed = []
    for i, p in enumerate(params):
        listed.append(TypeSchema(self_key) if (i == 0 and self_key is not None)
                      else schema_of(p.name))
    return TypeSchema("Callable", named_args={"return": (schema_of("return"),),
                                              "params": tuple(listed)})
