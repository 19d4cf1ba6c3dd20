"""TypeSchema: building schemas (annotations, JSON, type indices), printing
them, and checking and converting values with them (tvm_ffi_hpy.type_schema,
tvm_ffi_hpy.type_converter)."""
import ctypes
import typing
from typing import Any, Callable, Optional, Union

import pytest

import tvm_ffi_hpy as ffi
from tvm_ffi_hpy import core, testing
from tvm_ffi_hpy.core import (CAny, CObject, ObjectConvertible, TypeSchema, _lookup_type_attr,
                              _object_type_key_to_index, _register_type_attr,
                              _to_py_class_value)

A = TypeSchema.from_annotation


def S(origin, *args):
    return TypeSchema(origin, tuple(args))


def value_of(schema, value):
    return _to_py_class_value(schema.convert(value))


def derived(**fields):
    full = dict(v_map={}, v_array=[])
    full.update(fields)
    return testing.create_object("testing.TestObjectDerived", **full)


# ---------------------------------------------------------------------------
# Building schemas
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("annotation,expected", [
    (int, S("int")), (float, S("float")), (bool, S("bool")), (str, S("str")),
    (bytes, S("bytes")), (None, S("None")), (type(None), S("None")), (Any, S("Any")),
    (ffi.String, S("str")), (ffi.Bytes, S("bytes")), (ffi.Device, S("Device")),
    (ffi.dtype, S("dtype")), (ctypes.c_void_p, S("ctypes.c_void_p")),
    (ffi.Tensor, S("Tensor")), (ffi.Object, S("Object")), (ffi.Function, S("Callable")),
    (ffi.Array, S("Array")), (ffi.Map, S("Map")), (ffi.Shape, S("ffi.Shape")),
    (list, S("List")), (dict, S("Dict")), (tuple[int, ...], S("Array", S("int"))),
    (ffi.Array[int], S("Array", S("int"))), (ffi.Map[str, float], S("Map", S("str"), S("float"))),
    (list[int], S("List", S("int"))), (dict[str, int], S("Dict", S("str"), S("int"))),
    (tuple[int, str], S("tuple", S("int"), S("str"))), (tuple[()], TypeSchema("tuple", ())),
    (Optional[int], S("Optional", S("int"))), (Union[int, None], S("Optional", S("int"))),
    (Union[int, str], S("Union", S("int"), S("str"))),
    (Union[int, str, None], S("Optional", S("Union", S("int"), S("str")))),
    (Callable[[int, str], bool], S("Callable", S("bool"), S("int"), S("str"))),
    (Callable[..., int], S("Callable", S("int"))), (Callable, S("Callable")),
    (testing.TestIntPair, S("testing.TestIntPair")),
])
def test_from_annotation(annotation, expected):
    assert A(annotation) == expected


def test_from_annotation_pipe_syntax_and_bare_tuple():
    assert A(eval("int | None")) == S("Optional", S("int"))
    assert A(eval("int | str")) == S("Union", S("int"), S("str"))
    assert A(tuple).args is None and A(tuple) != TypeSchema("tuple", ())
    assert A(Callable[[], int]) == TypeSchema("Callable", named_args={"return": (S("int"),),
                                                                      "params": ()})


@pytest.mark.parametrize("annotation,message", [
    (complex, "Cannot convert"), (list[int, str], "at most 1"), (dict[str], "0 or 2"),
    (ffi.Array[int, str], "requires 1"), (ffi.Map[str], "requires 2"),
    (CObject, "not registered"),
])
def test_from_annotation_refuses(annotation, message):
    with pytest.raises(TypeError, match=message):
        A(annotation)


def test_arity_and_origin_checks():
    for origin, args, message in [("Union", (S("int"),), "at least two"),
                                  ("Optional", (), "exactly one"),
                                  ("Array", (S("int"), S("str")), "0 or 1"),
                                  ("list", (S("int"), S("str")), "0 or 1"),
                                  ("Map", (S("int"),), "0 or 2"),
                                  ("dict", (S("int"),), "0 or 2")]:
        with pytest.raises(ValueError, match=message):
            TypeSchema(origin, args)
    with pytest.raises(ValueError):
        TypeSchema("")
    with pytest.raises(TypeError):
        TypeSchema("Array", (int,))
    assert S("Array").args == (S("Any"),) and S("Map").args == (S("Any"), S("Any"))


def test_origin_type_index():
    assert [A(t).origin_type_index for t in (None, int, bool, float, str, bytes)] == \
        [0, 1, 2, 3, 65, 66]
    assert A(Any).origin_type_index == -1
    assert A(Optional[int]).origin_type_index == -2
    assert S("no.such.Type").origin_type_index == -3
    assert A(testing.TestIntPair).origin_type_index == \
        testing.TestIntPair.__tvm_ffi_type_info__.type_index


def test_from_type_index():
    assert TypeSchema.from_type_index(1) == S("int")
    assert TypeSchema.from_type_index(71, (S("int"),)) == S("Array", S("int"))
    assert [TypeSchema.from_type_index(i).origin for i in (7, 8, 9, 10, 11, 12)] == \
        ["Tensor", "str", "bytes", "Object", "str", "bytes"]
    index = _object_type_key_to_index("testing.TestObjectBase")
    schema = TypeSchema.from_type_index(index)
    assert schema.origin == "testing.TestObjectBase"
    schema.check_value(derived())  # a subclass's object
    assert _object_type_key_to_index("no.such.Type") is None
    with pytest.raises(ValueError):
        TypeSchema.from_type_index(100000)


def test_json_round_trip_and_names():
    schema = A(ffi.Map[str, tuple[Optional[int], ...]])
    assert schema.to_json() == {"type": "Map", "args": [
        {"type": "str"}, {"type": "Array", "args": [{"type": "Optional",
                                                     "args": [{"type": "int"}]}]}]}
    assert TypeSchema.from_json_obj(schema.to_json()) == schema
    assert TypeSchema.from_json_str('{"type":"std::vector","args":[{"type":"int"},3]}') == \
        S("Array", S("int"))
    assert repr(TypeSchema.from_json_str(
        '{"type":"std::variant","args":[{"type":"ffi.String"},{"type":"ffi.Array"}]}')) == \
        "str | Array[Any]"
    func = TypeSchema.from_json_str('{"type":"std::function","args":[{"type":"int"},[]]}')
    assert func.to_json() == {"type": "Callable", "named_args": {"return": [{"type": "int"}],
                                                                 "params": []}}
    big = TypeSchema.from_json_str('{"type":"ffi.BigInt"}')
    assert (big.origin, big.type_key, big) == ("int", "ffi.BigInt", S("int"))
    assert big.to_json() == {"type": "ffi.BigInt"}
    assert TypeSchema.from_json_obj({"type": "int", "args": "xy"}).args == ()
    for bad in ("int", {"args": []}, {"type": 3},
                {"type": "int", "named_args": {"a": {"type": "int"}}}):
        with pytest.raises(TypeError):
            TypeSchema.from_json_obj(bad)


def test_repr_forms():
    assert repr(A(Optional[ffi.Map[str, tuple[int, ...]]])) == "Map[str, Array[int]] | None"
    assert repr(A(Callable[[int], str])) == "Callable[[int], str]"
    assert repr(A(Callable)) == "Callable[..., Any]"
    assert repr(A(Callable[..., int])) == "Callable[..., int]"
    assert repr(A(tuple[()])) == "tuple[()]" and repr(A(tuple)) == "tuple"
    rename = {"Array": "Sequence", "Map": "Mapping"}.get
    assert A(ffi.Map[str, tuple[int, ...]]).repr(lambda n: rename(n, n)) == \
        "Mapping[str, Sequence[int]]"
    # A fallback prints in place of an origin nothing resolves.
    assert TypeSchema("my.Unknown", fallback=S("int")).repr() == "int"


def test_input_repr_uses_convert_type_schema_attr():
    index = _object_type_key_to_index("testing.TestIntPair")
    _register_type_attr(index, "__ffi_convert_type_schema__",
                        '{"type":"Union","args":[{"type":"int"},{"type":"testing.TestIntPair"}]}')
    try:
        schema = A(Optional[testing.TestIntPair])
        assert schema.output_repr() == "testing.TestIntPair | None"
        assert schema.input_repr() == "int | testing.TestIntPair | None"
    finally:
        _register_type_attr(index, "__ffi_convert_type_schema__", None)
    assert _lookup_type_attr(index, "__ffi_convert_type_schema__") is None


def test_equality_and_subtypes():
    assert A(int) == S("int") and A(int) != A(float) and A(int) != "int"
    with pytest.raises(TypeError):
        hash(A(int))
    base, der = A(testing.TestObjectBase), A(testing.TestObjectDerived)
    assert der.is_subtype_of(testing.TestObjectBase) and der.is_subtype_of(ffi.Object)
    assert not base.is_subtype_of(testing.TestObjectDerived)
    assert not A(int).is_subtype_of(testing.TestObjectBase)
    assert not der.is_subtype_of(int)


# ---------------------------------------------------------------------------
# Checking and converting
# ---------------------------------------------------------------------------
def test_scalars_convert_like_cpp():
    assert value_of(A(int), True) == 1 and type(value_of(A(int), True)) is int
    assert type(value_of(A(float), 3)) is float
    assert value_of(A(bool), 0) is False
    assert value_of(A(Optional[float]), None) is None
    result = value_of(A(str), "hello")
    assert result == "hello" and isinstance(result, ffi.String)
    result = value_of(A(bytes), bytearray(b"ab"))
    assert result == b"ab" and isinstance(result, ffi.Bytes)
    assert value_of(A(ctypes.c_void_p), None).value is None
    assert value_of(A(ffi.Device), "cuda:1") == ffi.device("cuda", 1)
    assert value_of(A(ffi.dtype), "int8") == "int8"
    assert A(int).check_value(5) is None


@pytest.mark.parametrize("schema,value,message", [
    (int, "x", "type check failed for int: expected int, got str"),
    (int, 3.5, "expected int, got float"),
    (int, 2 ** 63, "int64 range"),
    (str, None, "expected str, got None"),
    (Union[int, str], 1.5, "expected int | str, got float"),
    (tuple[int, ...], [1, "x"], r"element \[1\]: expected int, got str"),
    (tuple[int, ...], "xy", "expected Array, got str"),
    (ffi.Map[str, tuple[int, ...]], {"k": [1, "x"]},
     r"value for key 'k': element \[1\]: expected int"),
    (ffi.Map[str, int], {1: 2}, "key 1: expected str, got int"),
    (ffi.Map[str, int], [("a", 1)], "expected Map, got list"),
    (tuple[int, str], (1,), "expected tuple of length 2, got tuple of length 1"),
    (ffi.Device, "llvm", "invalid device string"),
    (ffi.dtype, "no_such_type", "invalid dtype string"),
    (Callable, 3, "expected Callable, got int"),
    (ffi.Object, 3, "expected Object, got int"),
    (testing.TestIntPair, None, r"expected testing\.TestIntPair, got None"),
])
def test_mismatches_name_the_path(schema, value, message):
    with pytest.raises(TypeError, match=message):
        A(schema).check_value(value)
    with pytest.raises(TypeError, match="type conversion failed"):
        A(schema).convert(value)


def test_containers_convert_items():
    result = value_of(A(ffi.Map[str, tuple[float, ...]]), {"a": [1, True]})
    assert isinstance(result, ffi.Map) and list(result["a"]) == [1.0, 1.0]
    assert all(type(x) is float for x in result["a"])
    result = value_of(A(tuple[int, Optional[float]]), [True, None])
    assert isinstance(result, ffi.Array) and list(result) == [1, None]
    result = value_of(A(Union[int, tuple[float, ...]]), (1, 2))
    assert list(result) == [1.0, 2.0]
    assert len(value_of(A(ffi.Map[str, int]), {})) == 0


def test_identity_is_kept():
    pair = testing.TestIntPair(1, 2)
    assert value_of(A(testing.TestIntPair), pair) is pair
    assert value_of(A(ffi.Object), pair) is pair
    assert value_of(A(Optional[testing.TestIntPair]), pair) is pair
    arr = ffi.Array([1, 2, 3])
    assert value_of(A(tuple[int, ...]), arr) is arr  # no item changed
    assert value_of(A(tuple), arr) is arr
    assert value_of(A(tuple[Any, ...]), arr) is arr
    m = ffi.Map({"a": 1})
    assert value_of(A(ffi.Map[str, int]), m) is m
    changed = value_of(A(tuple[float, ...]), arr)
    assert changed is not arr and list(changed) == [1.0, 2.0, 3.0]
    assert value_of(A(tuple[testing.TestIntPair, ...]), [pair])[0] is pair
    base = testing.create_object("testing.TestObjectBase")
    d = derived()
    assert value_of(A(tuple[testing.TestObjectBase, ...]), [base, d])[1] is d


def test_object_types_follow_the_hierarchy():
    base = testing.create_object("testing.TestObjectBase")
    A(testing.TestObjectBase).check_value(derived())
    with pytest.raises(TypeError, match=r"expected testing\.TestObjectDerived, "
                                        r"got testing\.TestObjectBase"):
        A(testing.TestObjectDerived).check_value(base)
    with pytest.raises(TypeError, match=r"element \[0\]: .*got testing\.TestIntPair"):
        A(tuple[testing.TestObjectBase, ...]).check_value([testing.TestIntPair(1, 2)])


def test_object_schema_accepts_what_becomes_an_object():
    A(ffi.Object).check_value([1, 2])           # an Array
    A(ffi.Object).check_value({"a": 1})         # a Map
    A(ffi.Object).check_value(lambda: None)     # a Function
    A(ffi.Object).check_value(object())         # an opaque Python object
    err = value_of(A(core.Error), ValueError("oops"))
    assert isinstance(err, core.Error) and err.kind == "ValueError"
    with pytest.raises(TypeError, match="expected Array"):
        A(ffi.Array).check_value(RuntimeError("x"))
    with pytest.raises(TypeError, match=r"got .*Custom"):
        class Custom:
            pass
        A(testing.TestIntPair).check_value(Custom())


def test_ffi_convert_type_attr_builds_shapes():
    shape = value_of(S("ffi.Shape"), [1, 2, 3])
    assert isinstance(shape, ffi.Shape) and tuple(shape) == (1, 2, 3)
    assert tuple(value_of(S("ffi.Shape"), ffi.Array([4]))) == (4,)
    with pytest.raises(TypeError) as info:
        S("ffi.Shape").convert([1, "x"])
    text = str(info.value)
    assert "expected ffi.Shape, got list" in text and "__ffi_convert__ failed" in text
    assert "Cannot cast from `ffi.Array` to `ffi.Shape`" in text
    for key in ("ffi.Object", "ffi.Function", "ffi.Array", "ffi.Map", "ffi.Shape"):
        assert _lookup_type_attr(_object_type_key_to_index(key), "__ffi_convert__") is not None
    assert _lookup_type_attr(_object_type_key_to_index("testing.TestObjectBase"),
                             "__ffi_convert__") is None


class _Holds:
    # The protocol classes hold their object on the instance: a class whose
    # methods close over a core object may outlive the test on PyPy (its
    # attribute lookup cache keeps the class), and the core object with it.
    def __init__(self, v):
        self.v = v


def test_protocols():
    pair = testing.TestIntPair(1, 2)

    class Obj(_Holds):
        def __tvm_ffi_object__(self):
            return self.v

    class Val(_Holds):
        def __tvm_ffi_value__(self):
            return self.v

    class Conv(_Holds, ObjectConvertible):
        def asobject(self):
            return self.v

    class IntLike:
        def __tvm_ffi_int__(self):
            return 7

    class DevLike:
        def __dlpack_device__(self):
            return (2, 1)

    assert value_of(A(testing.TestIntPair), Obj(pair)) is pair
    assert value_of(A(Union[testing.TestIntPair, int]), Conv(pair)) is pair
    assert value_of(A(int), Val(Val(Val(10)))) == 10
    assert list(value_of(A(tuple[int, ...]), [Val(True), 2])) == [1, 2]
    assert value_of(A(int), IntLike()) == 7
    assert value_of(A(ffi.Device), DevLike()) == ffi.device("cuda", 1)
    with pytest.raises(TypeError, match="expected int"):
        A(int).check_value(Val("nope"))


def test_protocol_failures_are_type_errors():
    class BadObj:
        def __tvm_ffi_object__(self):
            raise RuntimeError("broken")

    class Loop:
        def __tvm_ffi_value__(self):
            return self

    class Ping:
        def __tvm_ffi_value__(self):
            return Pong()

    class Pong:
        def __tvm_ffi_value__(self):
            return Ping()

    class BadConv(ObjectConvertible):
        def asobject(self):
            raise RuntimeError("broken")

    with pytest.raises(TypeError, match=r"__tvm_ffi_object__\(\) failed for .*BadObj"):
        A(Any).check_value(BadObj())
    with pytest.raises(TypeError, match="expected float"):
        A(Optional[Optional[float]]).check_value(Loop())
    with pytest.raises(TypeError, match="failed to convert Any from .*Loop"):
        A(Any).convert(Loop())
    with pytest.raises(TypeError, match="cycle"):
        A(int).check_value(Ping())
    with pytest.raises(TypeError, match=r"asobject\(\) failed"):
        A(ffi.Object).check_value(BadConv())


def test_unknown_origin_fails_on_use_only():
    schema = S("Optional", S("not_a_type"))
    with pytest.raises(TypeError, match="unknown TypeSchema origin: 'not_a_type'"):
        schema.check_value(1)
    with pytest.raises(TypeError, match="unknown TypeSchema origin"):
        S("Int").convert(1)


def test_list_and_dict_origins():
    if hasattr(ffi, "List"):
        assert isinstance(value_of(A(list[int]), [1]), ffi.List)
        assert isinstance(value_of(A(dict[str, int]), {"a": 1}), ffi.Dict)
    else:  # this build has no mutable containers: a clear error, not a wrong type
        with pytest.raises(TypeError, match="List containers are not available"):
            A(list[int]).convert([1])
        with pytest.raises(TypeError, match="Dict containers are not available"):
            S("dict").check_value({"a": 1})


# ---------------------------------------------------------------------------
# CAny
# ---------------------------------------------------------------------------
def test_cany_type_indices():
    assert [A(t).convert(v).type_index for t, v in
            [(int, 1), (bool, True), (float, 1.5), (None, None), (str, "abcdefg"),
             (str, "abcdefgh"), (bytes, b""), (bytes, b"x" * 8)]] == \
        [1, 2, 3, 0, 11, 65, 12, 66]
    assert A(tuple[int, ...]).convert([1]).type_index == 71
    assert A(ffi.Device).convert("cpu").type_index == 6
    assert A(ffi.dtype).convert("int8").type_index == 5
    assert CAny([1, 2]).type_index == 71 and CAny(ffi.String("abcdefgh")).type_index == 65
    with pytest.raises(OverflowError):
        CAny(2 ** 64)
    with pytest.raises(TypeError):
        _to_py_class_value(5)


def test_cany_repr_and_repeated_reads():
    assert repr(A(int).convert(42)) == "CAny(int: 42)"
    assert repr(A(None).convert(None)) == "CAny(None)"
    assert "ffi.Array" in repr(A(tuple[int, ...]).convert([1]))
    cany = A(tuple[int, ...]).convert([1, 2])
    first, second = _to_py_class_value(cany), _to_py_class_value(cany)
    del cany
    assert first is second and list(first) == [1, 2]


def test_cobject_and_datatype_names():
    pair = testing.TestIntPair(1, 2)
    assert isinstance(pair, CObject) and issubclass(testing.TestIntPair, CObject)
    assert not isinstance(3, CObject)
    assert core.DataType is ffi.dtype
    assert core.String is ffi.String and core.Bytes is ffi.Bytes


def test_class_device_override():
    class MyDevice(ffi.Device):
        pass

    old = core._CLASS_DEVICE
    core._set_class_device(MyDevice)
    try:
        assert core._CLASS_DEVICE is MyDevice
        result = value_of(A(ffi.Device), ffi.Device("cpu", 0))
        assert isinstance(result, MyDevice) and str(result) == "cpu:0"
    finally:
        core._set_class_device(old)
    assert type(value_of(A(ffi.Device), "cpu")) is ffi.Device


def test_numpy_values():
    import numpy as np  # installed on both interpreters (ci/install.sh)
    assert type(value_of(A(int), np.int64(4))) is int
    assert value_of(A(ffi.dtype), np.dtype("float32")) == "float32"
    t = value_of(A(ffi.Tensor), np.arange(3, dtype="int32"))
    assert isinstance(t, ffi.Tensor) and t.shape == (3,)


# ---------------------------------------------------------------------------
# Schemas the C++ registration writes (reflection.h, type_schema.h)
# ---------------------------------------------------------------------------
def _fields(cls):
    return {f.name: f for f in cls.__tvm_ffi_type_info__.fields}


def _methods(cls):
    return {m.name: m for m in cls.__tvm_ffi_type_info__.methods}


def test_cpp_fields_carry_their_schema():
    base, der = _fields(testing.TestObjectBase), _fields(testing.TestObjectDerived)
    assert base["v_i64"].metadata["type_schema"] == '{"type":"int"}'
    assert [repr(base[n].ty) for n in ("v_i64", "v_f64", "v_str")] == ["int", "float", "str"]
    assert (der["v_map"].ty, der["v_array"].ty) == (S("Map"), S("Array"))
    assert repr(_fields(testing.TestHolder)["value"].ty) == "Any"
    assert _fields(testing.TestIntPair)["a"].ty == A(int)


def test_cpp_methods_carry_their_signature():
    def schema(cls, name):
        return repr(TypeSchema.from_json_str(_methods(cls)[name].metadata["type_schema"]))

    assert schema(testing.TestIntPair, "sum") == "Callable[[testing.TestIntPair], int]"
    assert schema(testing.TestIntPair, "__ffi_init__") == \
        "Callable[[int, int], testing.TestIntPair]"
    assert schema(testing.TestObjectBase, "add_i64") == \
        "Callable[[testing.TestObjectBase, int], int]"
    assert schema(testing.TestHolder, "__ffi_init__") == "Callable[[Any], testing.TestHolder]"


def test_field_schema_from_static_type_index():
    from tvm_ffi_hpy.type_info import TypeField
    field = TypeField(name="x", doc="", size=8, offset=24, frozen=False, metadata="{}",
                      accessor=None, flags=0, has_default=False, default=None,
                      static_type_index=3)
    assert field.ty == S("float")
    field.static_type_index = -1
    assert field.ty == S("Any")


def test_ref_registration_gives_ffi_convert():
    # refl::ObjectDef<T>().ref() registers "__ffi_convert__" (value -> T):
    # TestIntPair has one, TestObjectBase none; a failed conversion says why.
    from tvm_ffi_hpy.type_converter import _lookup_type_attr
    convert = _lookup_type_attr(testing.TestIntPair.__tvm_ffi_type_index__, "__ffi_convert__")
    assert convert is not None
    assert _lookup_type_attr(testing.TestObjectBase.__tvm_ffi_type_index__,
                             "__ffi_convert__") is None
    pair = testing.TestIntPair(1, 2)
    assert convert(pair) is pair
    with pytest.raises(TypeError, match="Cannot convert from type `int` to `testing.TestIntPair`"):
        convert(3)
    with pytest.raises(TypeError, match="__ffi_convert__ failed"):
        TypeSchema.from_annotation(testing.TestIntPair).check_value(3)
