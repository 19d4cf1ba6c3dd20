"""The testing types and helpers, with apache tvm-ffi's names
(``tvm_ffi.testing.testing``).

The C++ side is the testing library (core/testing/), loaded by the package
``tvm_ffi_hpy.testing`` before this module runs.  ``requires_py310`` /
``requires_py312`` / ``requires_py313`` are pytest skip markers, made on first
use (pytest is imported then, not with this module).
"""
import sys
from typing import TYPE_CHECKING, Any, ClassVar, Mapping, Optional, Sequence, Union

from ..core import Object, _core_type_attr, get_global_func, register_object
from ..dataclasses import IntEnum, StrEnum, c_class, entry

__all__ = ["TestIntPair", "TestObjectBase", "TestObjectDerived", "TestHolder", "TestFrozenCxx",
           "TestObjectPtrHolder", "TestNonCopyable", "_SchemaAllTypes", "TestCompare",
           "TestHash", "TestCustomHash", "TestCustomCompare", "TestEqWithoutHash",
           "_TestCxxClassBase", "_TestCxxClassDerived", "_TestCxxClassDerivedDerived",
           "_TestCxxInitSubset", "_TestCxxKwOnly", "_TestCxxAutoInit", "_TestCxxAutoInitSimple",
           "_TestCxxAutoInitAllInitOff", "_TestCxxAutoInitKwOnlyDefaults", "_TestCxxNoAutoInit",
           "_TestCxxAutoInitParent", "_TestCxxAutoInitChild", "_TestCxxIntEnum",
           "_TestCxxStrEnum", "_TestCxxEnumHolder", "create_object",
           "make_unregistered_object", "add_one", "live_object_count"]

_PYTHON_MARKS = {"requires_py310": (3, 10), "requires_py312": (3, 12), "requires_py313": (3, 13)}


def __getattr__(name: str) -> Any:
    if name in _PYTHON_MARKS:
        import pytest
        version = _PYTHON_MARKS[name]
        mark = pytest.mark.skipif(sys.version_info < version,
                                  reason="requires Python %d.%d+" % version)
        globals()[name] = mark
        return mark
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


@c_class("testing.TestIntPair")
class TestIntPair(Object):
    """TestIntPair(a, b): read-only ints `a` and `b`, method `sum()`; a
    c_class, so a dataclass (fields(), asdict(), replace(), __match_args__)."""

    __test__: ClassVar[bool] = False
    a: int
    b: int
    if TYPE_CHECKING:  # reflected from C++ when the class is built
        def sum(self) -> int: ...


@c_class("testing.TestObjectBase")
class TestObjectBase(Object):
    """v_i64 (rw, 10), v_f64 (ro, 10.0), v_str (rw, "hello"), method add_i64(x);
    constructed by the generated ``__ffi_init__`` (all three have defaults)."""

    __test__: ClassVar[bool] = False
    v_i64: int
    v_f64: float
    v_str: str
    if TYPE_CHECKING:  # reflected from C++ when the class is built
        def add_i64(self, x: int) -> int: ...


@c_class("testing.TestObjectDerived")
class TestObjectDerived(TestObjectBase):
    """TestObjectBase plus the required, writable v_map and v_array (the
    generated constructor takes them first)."""

    __test__: ClassVar[bool] = False
    v_map: Mapping[Any, Any]
    v_array: Sequence[Any]


@register_object("testing.TestHolder")
class TestHolder(Object):
    """TestHolder(value): one read-write field `value` of any type."""

    __test__: ClassVar[bool] = False
    if TYPE_CHECKING:  # reflected from C++ when the class is built
        value: Any


@c_class("testing.TestFrozenCxx", frozen=True)
class TestFrozenCxx(Object):
    """Writable C++ fields `value` and `tag`, frozen by ``c_class``."""

    __test__: ClassVar[bool] = False
    value: int
    tag: str


@c_class("testing.TestObjectPtrHolder")
class TestObjectPtrHolder(Object):
    """`value` (an object, required) and `optional_value` (None by default)."""

    __test__: ClassVar[bool] = False
    value: Any
    optional_value: Any


@c_class("testing.TestNonCopyable")
class TestNonCopyable(Object):
    """TestNonCopyable(value): a C++ type without a copy constructor."""

    __test__: ClassVar[bool] = False
    value: int


@c_class("testing.SchemaAllTypes")
class _SchemaAllTypes(Object):
    """Fields of many kinds, and methods over them."""

    __test__: ClassVar[bool] = False
    v_bool: bool
    v_int: int
    v_float: float
    v_device: Any
    v_dtype: Any
    v_string: str
    v_bytes: bytes
    v_opt_int: Optional[int]
    v_opt_str: Optional[str]
    v_arr_int: Sequence[int]
    v_arr_str: Sequence[str]
    v_map_str_int: Mapping[str, int]
    v_map_str_arr_int: Mapping[str, Sequence[int]]
    v_variant: Union[str, Sequence[int], Mapping[str, int]]
    v_opt_arr_variant: Optional[Sequence[Union[int, str]]]


@c_class("testing.TestCompare")
class TestCompare(Object):
    """key, name, and `ignored_field`, which comparison leaves out."""

    __test__: ClassVar[bool] = False
    key: int
    name: str
    ignored_field: int


@c_class("testing.TestHash")
class TestHash(Object):
    """key, name, and `hash_ignored`, which hashing leaves out."""

    __test__: ClassVar[bool] = False
    key: int
    name: str
    hash_ignored: int


@c_class("testing.TestCustomHash")
class TestCustomHash(Object):
    """key, label; its ``__ffi_hash__`` hook hashes `key` only."""

    __test__: ClassVar[bool] = False
    key: int
    label: str


@c_class("testing.TestCustomCompare")
class TestCustomCompare(Object):
    """key, label; its ``__ffi_eq__`` / ``__ffi_compare__`` / ``__ffi_hash__``
    hooks look at `key` only."""

    __test__: ClassVar[bool] = False
    key: int
    label: str


@c_class("testing.TestEqWithoutHash")
class TestEqWithoutHash(Object):
    """key, label; an ``__ffi_eq__`` hook and no ``__ffi_hash__``."""

    __test__: ClassVar[bool] = False
    key: int
    label: str


@c_class("testing.TestCxxClassBase")
class _TestCxxClassBase(Object):
    """v_i64, v_i32 (left out of repr); its own ``__init__`` adds 1 and 2."""

    v_i64: int
    v_i32: int
    not_field_1 = 1
    not_field_2: ClassVar[int] = 2

    def __init__(self, v_i64: int, v_i32: int) -> None:
        info = type(self).__tvm_ffi_type_info__
        ctor = _core_type_attr(info.type_index, "__ffi_init__")
        self.__init_handle_by_constructor__(ctor, v_i64 + 1, v_i32 + 2)


@c_class("testing.TestCxxClassDerived", eq=True, order=True, unsafe_hash=True)
class _TestCxxClassDerived(_TestCxxClassBase):
    """Adds v_f64 (required) and v_f32 (8.0)."""

    v_f64: float
    v_f32: float


@c_class("testing.TestCxxClassDerivedDerived")
class _TestCxxClassDerivedDerived(_TestCxxClassDerived):
    """Adds v_str ("default") and v_bool (required)."""

    v_str: str
    v_bool: bool


@c_class("testing.TestCxxInitSubset")
class _TestCxxInitSubset(Object):
    """required_field; optional_field (-1) and note ("default") are not
    parameters of the constructor."""

    required_field: int
    optional_field: int
    note: str


@c_class("testing.TestCxxKwOnly")
class _TestCxxKwOnly(Object):
    """Keyword-only x, y, z (required) and w (100)."""

    x: int
    y: int
    z: int
    w: int


@c_class("testing.TestCxxAutoInit")
class _TestCxxAutoInit(Object):
    """a; b (not a parameter, 42); c (keyword-only); d (99)."""

    __test__: ClassVar[bool] = False
    a: int
    b: int
    c: int
    d: int


@c_class("testing.TestCxxAutoInitSimple")
class _TestCxxAutoInitSimple(Object):
    """x, y: both required and positional."""

    __test__: ClassVar[bool] = False
    x: int
    y: int


@c_class("testing.TestCxxAutoInitAllInitOff")
class _TestCxxAutoInitAllInitOff(Object):
    """No parameters: x (7), y (9), z (left as the C++ default, 1234)."""

    __test__: ClassVar[bool] = False
    x: int
    y: int
    z: int


@c_class("testing.TestCxxAutoInitKwOnlyDefaults")
class _TestCxxAutoInitKwOnlyDefaults(Object):
    """p_required, p_default (11), keyword-only k_required and k_default
    (22), hidden (not a parameter, 33)."""

    __test__: ClassVar[bool] = False
    p_required: int
    p_default: int
    k_required: int
    k_default: int
    hidden: int


@c_class("testing.TestCxxNoAutoInit", init=False)
class _TestCxxNoAutoInit(Object):
    """x, y; the C++ type asks for no generated constructor."""

    __test__: ClassVar[bool] = False
    x: int
    y: int


@c_class("testing.TestCxxAutoInitParent")
class _TestCxxAutoInitParent(Object):
    """parent_required, parent_default (5)."""

    __test__: ClassVar[bool] = False
    parent_required: int
    parent_default: int


@c_class("testing.TestCxxAutoInitChild")
class _TestCxxAutoInitChild(_TestCxxAutoInitParent):
    """Adds child_required and keyword-only child_kw_only."""

    __test__: ClassVar[bool] = False
    child_required: int
    child_kw_only: int


class _TestCxxIntEnum(IntEnum, type_key="testing.TestCxxIntEnum"):  # type: ignore[call-arg]
    """An IntEnum declared in C++ (core/testing/testing_enums.cc) whose
    variants this class statement makes."""

    __test__: ClassVar[bool] = False
    low = entry(value=10)
    high = entry(value=20)


class _TestCxxStrEnum(StrEnum, type_key="testing.TestCxxStrEnum"):  # type: ignore[call-arg]
    """A StrEnum declared in C++, variants made here."""

    __test__: ClassVar[bool] = False
    add = entry(value="+")
    mul = entry(value="*")


@c_class("testing.TestCxxEnumHolder")
class _TestCxxEnumHolder(Object):
    """C++ fields `priority` (a _TestCxxIntEnum) and `opcode` (a _TestCxxStrEnum):
    an index converts to the variant."""

    __test__: ClassVar[bool] = False
    priority: _TestCxxIntEnum
    opcode: _TestCxxStrEnum


def create_object(type_key: str, **fields: Any) -> Any:
    """Create an object of a reflected type from its fields (defaults apply)."""
    args: "list[Any]" = [type_key]
    for name, value in fields.items():
        args.append(name)
        args.append(value)
    return get_global_func("ffi.MakeObjectFromPackedArgs")(*args)


def make_unregistered_object() -> Any:
    """An object of a C++ type that no Python class is registered for."""
    return get_global_func("testing.make_unregistered_object")()


def add_one(x: int) -> int:
    """x + 1, computed in C++."""
    return get_global_func("testing.add_one")(x)  # type: ignore[no-any-return]


def live_object_count() -> int:
    """Number of core objects alive now (after releasing what Python dropped)."""
    from ..core import _ffi
    return _ffi.live_object_count()
