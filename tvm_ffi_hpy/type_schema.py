"""Type schemas: what type a field, an argument or a return value has.

A `TypeSchema` is a tree: an *origin* (``"int"``, ``"Array"``, ``"Optional"``,
a type key such as ``"testing.TestIntPair"``, ...) and the schemas of its
arguments.  It has the shape and the names of apache tvm-ffi's
``tvm_ffi.core.TypeSchema``:

- built from a Python annotation (`TypeSchema.from_annotation`), from the
  JSON the C++ side writes (`from_json_obj`, `from_json_str`), or from a type
  index (`from_type_index`); written back with `to_json`;
- printed as a Python annotation (`repr`, `input_repr`, `output_repr`);
- used to check and convert values (`check_value`, `convert`, both raising
  `TypeError`): the rules live in `tvm_ffi_hpy.type_converter`.

Origins and their type indices::

    None int bool float str bytes Device dtype ctypes.c_void_p Tensor Object
    Callable Array List Map Dict Any   the builtin kinds (c_api.h indices)
    Optional Union                     structural (index -2)
    tuple                              a fixed-length tuple, stored as an Array
    list dict                          lowercase spellings of List and Dict
    anything else                      a type key of the core (its index), or
                                       unknown (index -3: an error when used)

Equality compares origin, arguments, named arguments, fallback and the
origin's type index; `type_key` (the raw key kept when parsing folds a key
that loses information, ``ffi.BigInt`` -> ``int``) takes no part in it.
"""
import json
import typing
from typing import Any, Callable, Dict, Optional, Tuple

__all__ = ["TypeSchema"]

# Type indices of c_api.h (the values are ABI).
_NONE, _INT, _BOOL, _FLOAT, _OPAQUE_PTR, _DTYPE, _DEVICE = 0, 1, 2, 3, 4, 5, 6
_DLTENSOR_PTR, _RAW_STR, _BYTE_ARRAY_PTR, _RVALUE_REF = 7, 8, 9, 10
_SMALL_STR, _SMALL_BYTES = 11, 12
_ANY = -1
_OBJECT, _STR, _BYTES, _FUNCTION, _TENSOR, _ARRAY, _MAP = 64, 65, 66, 68, 70, 71, 72
_LIST, _DICT, _BIG_INT = 75, 76, 78  # apache tvm-ffi's indices (types this core may not have)
STATIC_OBJECT_BEGIN = 64

#: The index of Optional and Union, which have no single type.
STRUCTURAL = -2
#: The index of an origin nothing resolved (yet).
UNKNOWN = -3

_INDEX_OF_ORIGIN = {
    "None": _NONE, "int": _INT, "bool": _BOOL, "float": _FLOAT, "str": _STR, "bytes": _BYTES,
    "Device": _DEVICE, "dtype": _DTYPE, "ctypes.c_void_p": _OPAQUE_PTR, "Tensor": _TENSOR,
    "Object": _OBJECT, "Callable": _FUNCTION, "Array": _ARRAY, "List": _LIST, "Map": _MAP,
    "Dict": _DICT, "Any": _ANY,
}
_ORIGIN_OF_INDEX = {index: origin for origin, index in _INDEX_OF_ORIGIN.items()}
_ORIGIN_OF_INDEX.update({_DLTENSOR_PTR: "Tensor", _RAW_STR: "str", _BYTE_ARRAY_PTR: "bytes",
                         _SMALL_STR: "str", _SMALL_BYTES: "bytes", _RVALUE_REF: "Object",
                         _BIG_INT: "int"})
#: Indices whose key a schema keeps when it folds them into a builtin origin.
_KEPT_KEY_OF_INDEX = {_BIG_INT: "ffi.BigInt"}
_KEPT_KEYS = frozenset(_KEPT_KEY_OF_INDEX.values())

# The names the C++ side (and apache tvm-ffi's) writes for an origin, and
# the origin each stands for.
_ORIGIN_OF_JSON_NAME = {
    "Variant": "Union", "Tuple": "tuple", "ffi.Function": "Callable", "ffi.Array": "Array",
    "ffi.List": "List", "ffi.Map": "Map", "ffi.Dict": "Dict", "ffi.OpaquePyObject": "Any",
    "ffi.Object": "Object", "ffi.Tensor": "Tensor", "ffi.BigInt": "int", "DLTensor*": "Tensor",
    "void*": "ctypes.c_void_p", "TVMFFIByteArray*": "bytes", "ffi.SmallBytes": "bytes",
    "ffi.Bytes": "bytes", "std::string": "str", "const char*": "str", "ffi.SmallStr": "str",
    "ffi.String": "str", "DataType": "dtype", "std::vector": "Array", "std::optional": "Optional",
    "std::variant": "Union", "std::tuple": "tuple", "std::map": "Map",
    "std::unordered_map": "Map", "std::function": "Callable", "ObjectRValueRef": "Object",
}

#: Type attribute naming the schema a type *accepts* as input (its output
#: schema is the type itself); see `TypeSchema.input_repr`.
CONVERT_TYPE_SCHEMA_ATTR = "__ffi_convert_type_schema__"


def _key_to_index(type_key: str) -> Optional[int]:
    from .type_converter import _object_type_key_to_index
    return _object_type_key_to_index(type_key)


def _check_arity(origin: str, args: "Tuple[TypeSchema, ...]") -> "Tuple[TypeSchema, ...]":
    """The arguments of `origin` once checked (containers without arguments hold Any)."""
    n = len(args)
    if origin == "Union" and n < 2:
        raise ValueError("Union must have at least two arguments, got %d" % n)
    if origin == "Optional" and n != 1:
        raise ValueError("Optional must have exactly one argument, got %d" % n)
    if origin in ("Array", "List", "list"):
        if n not in (0, 1):
            raise ValueError("%s must have 0 or 1 argument, got %d" % (origin, n))
        return args or (TypeSchema("Any"),)
    if origin in ("Map", "Dict", "dict"):
        if n not in (0, 2):
            raise ValueError("%s must have 0 or 2 arguments, got %d" % (origin, n))
        return args or (TypeSchema("Any"), TypeSchema("Any"))
    return args


def _check_named_args(named_args: Any) -> "Dict[str, Tuple[TypeSchema, ...]]":
    if not isinstance(named_args, dict):
        raise TypeError("named_args must be a dict of names to tuples of TypeSchema")
    checked: "Dict[str, Tuple[TypeSchema, ...]]" = {}
    for name, group in named_args.items():
        if not isinstance(name, str) or not name:
            raise ValueError("the names of named_args must be nonempty strings")
        if not isinstance(group, (list, tuple)):
            raise TypeError("named_args[%r] must be a tuple of TypeSchema" % name)
        for item in group:
            if not isinstance(item, TypeSchema):
                raise TypeError("named_args[%r] holds %s, not a TypeSchema"
                                % (name, type(item).__name__))
        checked[name] = tuple(group)
    return checked


_TYPE_CONVERTER: Any = None


def _type_converter() -> Any:
    """tvm_ffi_hpy.type_converter (it imports this module), imported on first
    use: an import statement per call costs microseconds."""
    global _TYPE_CONVERTER
    if _TYPE_CONVERTER is None:
        from . import type_converter
        _TYPE_CONVERTER = type_converter
    return _TYPE_CONVERTER


class TypeSchema:
    """The type of a value: ``TypeSchema("Map", (TypeSchema("str"), TypeSchema("int")))``.

    ``args`` are the positional type arguments (None only for a bare
    ``tuple``: any length); ``named_args`` maps names to groups of schemas (a
    typed ``Callable`` has ``"return"`` and ``"params"``); ``fallback`` is the
    schema printed for an origin nothing resolves.
    """

    __slots__ = ("origin", "args", "origin_type_index", "fallback", "named_args", "type_key",
                 "_converter_cache")

    origin: str
    args: "Optional[Tuple[TypeSchema, ...]]"
    origin_type_index: int
    fallback: "Optional[TypeSchema]"
    named_args: "Optional[Dict[str, Tuple[TypeSchema, ...]]]"
    type_key: Optional[str]

    def __init__(self, origin: str, args: "Optional[Tuple[TypeSchema, ...]]" = None,
                 origin_type_index: int = UNKNOWN, fallback: "Optional[TypeSchema]" = None,
                 named_args: "Optional[Dict[str, Tuple[TypeSchema, ...]]]" = None,
                 type_key: Optional[str] = None) -> None:
        if not isinstance(origin, str) or not origin:
            raise ValueError("a TypeSchema's origin must be a nonempty string")
        if args is not None:
            args = tuple(args)
            for arg in args:
                if not isinstance(arg, TypeSchema):
                    raise TypeError("TypeSchema arguments must be TypeSchema, not %s"
                                    % type(arg).__name__)
        elif origin != "tuple":
            args = ()
        if fallback is not None and not isinstance(fallback, TypeSchema):
            raise TypeError("fallback must be a TypeSchema")
        if named_args is not None:
            named_args = _check_named_args(named_args)
        if origin == "Callable":
            assert args is not None
            if args and named_args is None:
                # Positional form: the return type, then the parameters.
                named_args = {"return": args[:1]}
                if len(args) > 1:
                    named_args["params"] = args[1:]
                args = ()
            if named_args is not None:
                if args or not set(named_args) <= {"return", "params"}:
                    raise ValueError("a Callable schema has only the named groups "
                                     "'return' and 'params'")
                if len(named_args.get("return", ())) != 1:
                    raise ValueError("a Callable schema's 'return' group holds exactly one type")
        if args is not None:
            args = _check_arity(origin, args)
        if origin_type_index == UNKNOWN:
            if origin in ("Optional", "Union"):
                origin_type_index = STRUCTURAL
            elif origin in ("List", "Dict"):  # the core's index when it has the type
                origin_type_index = _key_to_index("ffi." + origin) or _INDEX_OF_ORIGIN[origin]
            elif origin in _INDEX_OF_ORIGIN:
                origin_type_index = _INDEX_OF_ORIGIN[origin]
            else:
                found = _key_to_index(origin)
                if found is not None:
                    origin_type_index = found
        self.origin = origin
        self.args = args
        self.origin_type_index = origin_type_index
        self.fallback = fallback
        self.named_args = named_args
        self.type_key = type_key
        self._converter_cache: Any = None

    # -- equality -------------------------------------------------------------
    def _key(self) -> "tuple[Any, ...]":
        return (self.origin, self.args, self.origin_type_index, self.fallback, self.named_args)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TypeSchema):
            return NotImplemented
        return self._key() == other._key()

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    __hash__ = None  # type: ignore[assignment]  # mutable, like apache tvm-ffi's

    # -- construction ---------------------------------------------------------
    @staticmethod
    def from_json_obj(obj: "Dict[str, Any]") -> "TypeSchema":
        """The schema of a parsed JSON object ``{"type": ..., "args": [...],
        "named_args": {...}, "fallback": {...}}``.  Items of ``args`` that are
        not objects (the length of a ``std::array``) are skipped."""
        if not isinstance(obj, dict) or "type" not in obj:
            raise TypeError("expected schema dict with a 'type' key, got %s" % type(obj).__name__)
        name = obj["type"]
        if not isinstance(name, str):
            raise TypeError("a schema's 'type' must be a string, got %s" % type(name).__name__)
        origin = _ORIGIN_OF_JSON_NAME.get(name, name)
        kept_key = name if name in _KEPT_KEYS else None
        fallback = TypeSchema.from_json_obj(obj["fallback"]) if "fallback" in obj else None
        named_args = None
        if "named_args" in obj:
            raw = obj["named_args"]
            if not isinstance(raw, dict):
                raise TypeError("a schema's 'named_args' must map names to lists of schemas")
            named_args = {}
            for group, items in raw.items():
                if not isinstance(group, str) or not group or not isinstance(items, list):
                    raise TypeError("a schema's 'named_args' must map names to lists of schemas")
                if not all(isinstance(item, dict) for item in items):
                    raise TypeError("the lists of 'named_args' hold schema objects")
                named_args[group] = tuple(TypeSchema.from_json_obj(item) for item in items)
        if "args" not in obj:
            return TypeSchema(origin, fallback=fallback, named_args=named_args, type_key=kept_key)
        raw_args = obj["args"]
        if (name == "std::function" and isinstance(raw_args, (list, tuple))
                and len(raw_args) == 2 and isinstance(raw_args[1], (list, tuple))):
            # std::function's older form: [return, [params...]].
            return TypeSchema(origin, fallback=fallback, type_key=kept_key, named_args={
                "return": (TypeSchema.from_json_obj(raw_args[0]),),
                "params": tuple(TypeSchema.from_json_obj(p) for p in raw_args[1])})
        if not isinstance(raw_args, (list, tuple)):
            raw_args = ()
        args = tuple(TypeSchema.from_json_obj(a) for a in raw_args if isinstance(a, dict))
        return TypeSchema(origin, args, fallback=fallback, named_args=named_args,
                          type_key=kept_key)

    @staticmethod
    def from_json_str(text: str) -> "TypeSchema":
        """The schema of a JSON text (what C++ writes in ``metadata["type_schema"]``)."""
        return TypeSchema.from_json_obj(json.loads(text))

    @staticmethod
    def from_type_index(type_index: int, args: "Tuple[TypeSchema, ...]" = ()) -> "TypeSchema":
        """The schema of a type index (a builtin kind or a core type), with `args`."""
        origin = _ORIGIN_OF_INDEX.get(type_index)
        if origin is None:
            from .core import _ffi
            try:
                key = _ffi.type_info(type_index).type_key
            except Exception as err:
                raise ValueError("no type has index %r" % (type_index,)) from err
            origin = _ORIGIN_OF_JSON_NAME.get(key, key)
        return TypeSchema(origin, args, origin_type_index=type_index,
                          type_key=_KEPT_KEY_OF_INDEX.get(type_index))

    @staticmethod
    def from_annotation(annotation: object) -> "TypeSchema":
        """The schema of a Python annotation: ``int``, ``list[int]``,
        ``tuple[int, ...]`` (an Array), ``tuple[int, str]``, ``Optional[T]``,
        ``Union[...]``, ``X | Y``, ``Callable[[A], R]``, ``Array[T]``,
        ``Map[K, V]``, a registered object class, ``Device``, ``dtype``,
        ``ctypes.c_void_p``, a class with ``__dlpack__`` (a Tensor)."""
        return _from_annotation(annotation)

    # -- relations ------------------------------------------------------------
    def is_subtype_of(self, target_cls: type) -> bool:
        """Whether values of this schema are instances of the object class
        `target_cls` (by the core's type hierarchy); False for POD and
        structural origins and for classes that are not object classes."""
        info = getattr(target_cls, "__tvm_ffi_type_info__", None)
        if info is None:
            try:
                target = TypeSchema.from_annotation(target_cls).origin_type_index
            except TypeError:
                return False
            return target == _OBJECT and self.origin_type_index >= STATIC_OBJECT_BEGIN
        if self.origin_type_index < STATIC_OBJECT_BEGIN:
            return False
        from .type_converter import _is_instance_index
        return _is_instance_index(self.origin_type_index, info.type_index)

    # -- checking and converting ----------------------------------------------
    def check_value(self, value: object) -> None:
        """Raise TypeError unless `value` converts to this schema."""
        _type_converter().run_converter(self, value, "type check failed")

    def convert(self, value: object) -> Any:
        """`value` converted to this schema, as a `CAny`
        (``_to_py_class_value(result)`` gives the Python value); TypeError
        when it does not convert."""
        return _type_converter().run_converter(self, value, "type conversion failed")

    # -- printing -------------------------------------------------------------
    def __repr__(self) -> str:
        return self.repr()

    def repr(self, ty_map: Optional[Callable[[str], str]] = None) -> str:
        """The schema as a Python annotation (``"Map[str, int | None]"``);
        `ty_map` renames origins.  Same as `output_repr`."""
        return self.output_repr(ty_map)

    def output_repr(self, ty_map: Optional[Callable[[str], str]] = None) -> str:
        """The annotation of the values this schema produces."""
        return _render(self, ty_map, False, frozenset())

    def input_repr(self, ty_map: Optional[Callable[[str], str]] = None) -> str:
        """The annotation of the values this schema accepts: an object type
        with the type attribute ``__ffi_convert_type_schema__`` prints as
        that schema."""
        return _render(self, ty_map, True, frozenset())

    def to_json(self) -> "Dict[str, Any]":
        """The JSON object of this schema (`from_json_obj` reads it back)."""
        out: "Dict[str, Any]" = {"type": self.type_key or self.origin}
        if self.args is not None and (self.args or self.origin == "tuple"):
            out["args"] = [arg.to_json() for arg in self.args]
        if self.named_args is not None:
            out["named_args"] = {name: [item.to_json() for item in group]
                                 for name, group in self.named_args.items()}
        if self.fallback is not None:
            out["fallback"] = self.fallback.to_json()
        return out


def _schema_of(raw: object) -> TypeSchema:
    """A TypeSchema given as one, as JSON text, or as a JSON object."""
    if isinstance(raw, TypeSchema):
        return raw
    if isinstance(raw, str):
        return TypeSchema.from_json_str(raw)
    if isinstance(raw, dict):
        return TypeSchema.from_json_obj(raw)
    raise TypeError("expected a TypeSchema, JSON text or a JSON object, got %s"
                    % type(raw).__name__)


def _render(schema: TypeSchema, ty_map: Optional[Callable[[str], str]], as_input: bool,
            expanded: "frozenset[int]") -> str:
    if (schema.fallback is not None and schema.origin_type_index == UNKNOWN
            and schema.origin not in ("tuple", "list", "dict")):
        return _render(schema.fallback, ty_map, as_input, expanded)
    index = schema.origin_type_index
    if as_input and index >= STATIC_OBJECT_BEGIN and index not in expanded:
        from .type_converter import _lookup_type_attr
        accepted = _lookup_type_attr(index, CONVERT_TYPE_SCHEMA_ATTR)
        if accepted is not None:
            return _render(_schema_of(accepted), ty_map, True, expanded | {index})

    def sub(item: TypeSchema) -> str:
        return _render(item, ty_map, as_input, expanded)

    origin = schema.origin if ty_map is None else ty_map(schema.origin)
    if origin == "Callable":
        named = schema.named_args
        if not named:
            return "Callable[..., Any]"
        ret = sub(named["return"][0])
        if "params" not in named:
            return "Callable[..., %s]" % ret
        return "Callable[[%s], %s]" % (", ".join(sub(p) for p in named["params"]), ret)
    args = [sub(a) for a in (schema.args or ())]
    if origin == "Union":
        return " | ".join(args)
    if origin == "Optional":
        return args[0] + " | None"
    if origin == "tuple" and schema.args == ():
        return "tuple[()]"
    return "%s[%s]" % (origin, ", ".join(args)) if args else origin


# ---------------------------------------------------------------------------
# Annotations
# ---------------------------------------------------------------------------
_UNION_TYPE = getattr(__import__("types"), "UnionType", None)  # X | Y (3.10+)


def _union_schema(members: "Tuple[Any, ...]") -> TypeSchema:
    """Union[...] (already flattened by typing): Optional when None is a member."""
    others = tuple(m for m in members if m is not type(None) and m is not None)
    schemas = tuple(_from_annotation(m) for m in others)
    if len(others) == len(members):
        return TypeSchema("Union", schemas)
    if len(schemas) == 1:
        return TypeSchema("Optional", schemas)
    return TypeSchema("Optional", (TypeSchema("Union", schemas),))


def _object_class_schema(cls: type, targs: "Tuple[Any, ...]") -> TypeSchema:
    """A class of core objects, maybe with type arguments (``Array[int]``)."""
    index = cls.__dict__.get("__tvm_ffi_type_index__")
    if index is None:
        raise TypeError("%r is not registered as a class of core objects; use "
                        "@register_object to register it" % (cls,))
    if index == _OBJECT:
        origin = "Object"
    else:
        origin = (_ORIGIN_OF_INDEX.get(index) or _container_origin(index)
                  or str(getattr(cls, "__tvm_ffi_type_key__")))
    if targs:
        if origin in ("Array", "List") and len(targs) != 1:
            raise TypeError("%s requires 1 type argument, got %d" % (origin, len(targs)))
        if origin in ("Map", "Dict") and len(targs) != 2:
            raise TypeError("%s requires 2 type arguments, got %d" % (origin, len(targs)))
        return TypeSchema(origin, tuple(_from_annotation(a) for a in targs),
                          origin_type_index=_INDEX_OF_ORIGIN.get(origin, index))
    return TypeSchema(origin, origin_type_index=_INDEX_OF_ORIGIN.get(origin, index))


def _container_origin(index: int) -> Optional[str]:
    """"List"/"Dict" for the core's ffi.List/ffi.Dict (their indices may differ from apache's)."""
    from .type_converter import _builtin_index
    for origin, key in (("List", "ffi.List"), ("Dict", "ffi.Dict")):
        if _builtin_index(key) == index:
            return origin
    return None


def _from_annotation(annotation: object) -> TypeSchema:
    import collections.abc
    import ctypes
    from . import containers, core, tensor
    simple = {None: "None", type(None): "None", typing.Any: "Any", bool: "bool", int: "int",
              float: "float", str: "str", bytes: "bytes", list: "List", dict: "Dict",
              tuple: "tuple", collections.abc.Callable: "Callable", typing.Callable: "Callable",
              ctypes.c_void_p: "ctypes.c_void_p", tensor.Device: "Device", tensor.dtype: "dtype",
              core.Function: "Callable", core.Shape: "ffi.Shape"}
    try:
        name = simple.get(annotation)  # type: ignore[call-overload]
    except TypeError:  # unhashable annotation
        name = None
    if name is not None:
        return TypeSchema(name)
    from .type_converter import CObject, _class_overrides
    for base, name in _class_overrides():
        if annotation is base:
            return TypeSchema(name)
    if _UNION_TYPE is not None and isinstance(annotation, _UNION_TYPE):
        return _union_schema(typing.get_args(annotation))
    origin = typing.get_origin(annotation)
    targs = typing.get_args(annotation)
    if origin is typing.Union:
        return _union_schema(targs)
    if origin is list:
        if len(targs) > 1:
            raise TypeError("list takes at most 1 type argument, got %d" % len(targs))
        return TypeSchema("List", tuple(_from_annotation(a) for a in targs))
    if origin is dict:
        if len(targs) not in (0, 2):
            raise TypeError("dict requires 0 or 2 type arguments, got %d" % len(targs))
        return TypeSchema("Dict", tuple(_from_annotation(a) for a in targs))
    if origin is tuple:
        if len(targs) == 2 and targs[1] is Ellipsis:
            return TypeSchema("Array", (_from_annotation(targs[0]),))
        # tuple[()] has no arguments: a tuple of length 0, not a bare tuple.
        return TypeSchema("tuple", tuple(_from_annotation(a) for a in targs))
    if origin is collections.abc.Callable:
        if len(targs) != 2:
            return TypeSchema("Callable")
        params, ret = targs
        named: "Dict[str, Tuple[TypeSchema, ...]]" = {"return": (_from_annotation(ret),)}
        if isinstance(params, (list, tuple)):
            named["params"] = tuple(_from_annotation(p) for p in params)
        return TypeSchema("Callable", named_args=named)
    if isinstance(origin, type) and issubclass(origin, CObject):
        return _object_class_schema(origin, targs)
    if isinstance(annotation, type):
        if issubclass(annotation, CObject):
            return _object_class_schema(annotation, ())
        if issubclass(annotation, containers.String):
            return TypeSchema("str")
        if issubclass(annotation, containers.Bytes):
            return TypeSchema("bytes")
        if hasattr(annotation, "__dlpack__"):
            return TypeSchema("Tensor")
    raise TypeError("Cannot convert %r to TypeSchema" % (annotation,))
