"""Python imports, and the rendering of signatures, fields and methods as
Python stub lines."""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Dict, List, Optional, Tuple

from ..utils import FuncInfo, ObjectInfo
from . import consts as PC

TyMap = Callable[[str], str]


def _module_of(mod: str) -> str:
    """`mod` with a registry prefix of MOD_MAP replaced (whole components only)."""
    for prefix, replacement in PC.MOD_MAP.items():
        if mod == prefix or mod.startswith(prefix + "."):
            return replacement + mod[len(prefix):]
    return mod


@dataclasses.dataclass(frozen=True)
class ImportItem:
    """One imported name: ``from mod import name [as alias]`` (``import name``
    when mod is empty), maybe only under ``if TYPE_CHECKING:``."""

    mod: str
    name: str
    type_checking_only: bool = False
    alias: Optional[str] = None

    def __init__(self, full_name: str, type_checking_only: bool = False,
                 alias: Optional[str] = None) -> None:
        mod, _, name = full_name.rpartition(".")
        object.__setattr__(self, "mod", _module_of(mod) if mod else "")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "type_checking_only", type_checking_only)
        object.__setattr__(self, "alias", alias)

    @property
    def name_with_alias(self) -> str:
        return "%s as %s" % (self.name, self.alias) if self.alias else self.name

    @property
    def full_name(self) -> str:
        return "%s.%s" % (self.mod, self.name) if self.mod else self.name

    def __str__(self) -> str:
        if self.mod:
            return "from %s import %s" % (self.mod, self.name_with_alias)
        return "import %s" % self.name_with_alias

    __repr__ = __str__


@dataclasses.dataclass
class PythonImports:
    """The imports one file collects; ``has_lib_load`` notes that the file
    loads its library (then ``LIB`` is exported)."""

    items: List[ImportItem] = dataclasses.field(default_factory=list)
    has_lib_load: bool = False


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _params_and_return(schema: object) -> "Tuple[Optional[Tuple[Any, ...]], Optional[Any]]":
    named = getattr(schema, "named_args", None)
    if not named:
        return None, None
    return named.get("params"), named["return"][0]


def render_func_signature(func: FuncInfo, ty_map: TyMap, indent: int,
                          input_ty_map: Optional[TyMap] = None) -> str:
    """``def name(_0: T0, ..., /) -> R: ...`` (``self`` for a member's first
    parameter); ``*args: Any`` when the schema does not list parameters."""
    in_map = input_ty_map or ty_map
    schema = func.schema
    if schema.origin != "Callable":
        raise ValueError("a function needs a Callable schema, not %s" % schema.repr())
    head = "%sdef %s(" % (" " * indent, _short(schema.name))
    params, ret = _params_and_return(schema)
    if ret is None:
        ty_map("Any")
        return head + "*args: Any) -> Any: ..."
    ret_text = ret.output_repr(ty_map)
    if params is None:
        ty_map("Any")
        return head + "*args: Any) -> %s: ..." % ret_text
    parts = ["self" if (func.is_member and i == 0) else "_%d: %s" % (i, p.input_repr(in_map))
             for i, p in enumerate(params)]
    if parts:
        parts.append("/")
    return head + ", ".join(parts) + ") -> %s: ..." % ret_text


def render_object_fields(info: ObjectInfo, ty_map: TyMap, indent: int) -> List[str]:
    """``name: T`` for each own field."""
    pad = " " * indent
    return ["%s%s: %s" % (pad, f.name, f.output_repr(ty_map)) for f in info.fields]


def _ffi_init_from_method(method: FuncInfo, ty_map: TyMap, in_map: TyMap, pad: str) -> str:
    """A reflected ``__ffi_init__`` is installed as an instance method that
    returns None, whatever its C++ registration says."""
    params, ret = _params_and_return(method.schema)
    if method.schema.origin != "Callable" or ret is None or params is None:
        ty_map("Any")
        return pad + "def __ffi_init__(self, *args: Any) -> None: ..."
    if not params:
        return pad + "def __ffi_init__(self) -> None: ..."
    listed = ", ".join("_%d: %s" % (i, p.input_repr(in_map)) for i, p in enumerate(params))
    return pad + "def __ffi_init__(self, %s, /) -> None: ..." % listed


def render_object_methods(info: ObjectInfo, ty_map: TyMap, indent: int,
                          input_ty_map: Optional[TyMap] = None) -> List[str]:
    """The method stubs, grouped by (name, member): a group of several
    signatures renders each under ``@overload``."""
    in_map = input_ty_map or ty_map
    pad = " " * indent
    groups: Dict[Tuple[str, bool], List[FuncInfo]] = {}
    for m in info.methods:
        groups.setdefault((m.schema.name, m.is_member), []).append(m)
    out: List[str] = []
    for group in groups.values():
        for m in group:
            if len(group) > 1:
                out.append(pad + "@overload")
            if _short(m.schema.name) == "__ffi_init__":
                out.append(_ffi_init_from_method(m, ty_map, in_map, pad))
                continue
            if not m.is_member:
                out.append(pad + "@staticmethod")
            out.append(render_func_signature(m, ty_map, indent, in_map))
    return out


def _init_params(info: ObjectInfo, in_map: TyMap) -> str:
    """The parameters of the generated ``__init__``: positional ones without a
    default, then with one, then (after ``*``) keyword-only ones likewise."""
    def text(f: object, default: bool) -> str:
        ann = f.schema.input_repr(in_map)  # type: ignore[attr-defined]
        return "%s: %s%s" % (f.name, ann, " = ..." if default else "")  # type: ignore

    def ordered(fields: List[Any]) -> List[str]:
        return ([text(f, False) for f in fields if not f.has_default]
                + [text(f, True) for f in fields if f.has_default])

    positional = ordered([f for f in info.init_fields if not f.kw_only])
    keyword = ordered([f for f in info.init_fields if f.kw_only])
    return ", ".join(positional + (["*"] + keyword if keyword else []))


def _init_line(name: str, info: ObjectInfo, in_map: TyMap, indent: int) -> List[str]:
    params = _init_params(info, in_map)
    return ["%sdef %s(self%s) -> None: ..." % (" " * indent, name,
                                                ", " + params if params else "")]


def render_object_init(info: ObjectInfo, ty_map: TyMap, indent: int,
                       input_ty_map: Optional[TyMap] = None) -> List[str]:
    """``def __init__(self, ...)`` from the init fields (nothing without an init)."""
    if not info.has_init:
        return []
    return _init_line("__init__", info, input_ty_map or ty_map, indent)


def render_object_ffi_init(info: ObjectInfo, ty_map: TyMap, indent: int,
                           input_ty_map: Optional[TyMap] = None) -> List[str]:
    """``def __ffi_init__(self, ...)`` from the init fields, for a type whose
    ``__ffi_init__`` is not a reflected method (that one renders with the
    methods)."""
    if not info.has_init or any(_short(m.schema.name) == "__ffi_init__" for m in info.methods):
        return []
    return _init_line("__ffi_init__", info, input_ty_map or ty_map, indent)
