"""Data types and devices cross as values (kTVMFFIDataType, kTVMFFIDevice),
and C++ signatures typed with them, with ArrayOf/MapOf/Variant, or with
TypedFunction check what crosses and carry precise type schemas."""
import json
import platform

import pytest

import tvm_ffi_hpy as ffi
from tvm_ffi_hpy import get_global_func_metadata

echo = ffi.get_global_func("testing.echo")
schema_of = lambda name: json.loads(get_global_func_metadata(name)["type_schema"])  # noqa: E731


@pytest.mark.parametrize("text", ["float32", "int8", "uint16", "bfloat16", "bool", "float32x4"])
def test_dtype_round_trips_as_a_dtype(text):
    result = echo(ffi.dtype(text))
    assert type(result) is ffi.dtype
    assert result == text
    assert (result.type_code, result.bits, result.lanes) == (
        ffi.dtype(text).type_code, ffi.dtype(text).bits, ffi.dtype(text).lanes)
    assert repr(result) == "dtype(%r)" % text


def test_dtype_is_a_value_not_a_string_in_the_core():
    # the core sees a data type, so a str parameter refuses it and a dtype
    # parameter takes both forms
    to_dtype = ffi.get_global_func("testing.schema_id_dtype")
    assert to_dtype("int32") == ffi.dtype("int32") and type(to_dtype("int32")) is ffi.dtype
    assert to_dtype(ffi.dtype("float16")) == "float16"
    with pytest.raises(TypeError):
        ffi.get_global_func("testing.schema_id_string")(ffi.dtype("float32"))
    with pytest.raises(TypeError):
        to_dtype("not_a_type")
    with pytest.raises(TypeError):
        to_dtype(3)


def test_plain_str_subclasses_still_cross_as_strings():
    class Name(str):
        pass

    result = echo(Name("abc"))
    assert type(result) is str and result == "abc"


@pytest.mark.parametrize("device", [ffi.device("cpu"), ffi.device("cuda", 1), ffi.device("rocm", 3)])
def test_device_round_trips_as_a_device(device):
    result = echo(device)
    assert type(result) is ffi.Device
    assert result == device and str(result) == str(device)


def test_device_parameter_takes_text():
    to_device = ffi.get_global_func("testing.schema_id_device")
    assert to_device("cpu") == ffi.device("cpu", 0)
    assert to_device("cuda:1") == ffi.device("cuda", 1)
    for bad in ["gpu", "cuda:", "cuda:x", 5]:
        with pytest.raises(TypeError):
            to_device(bad)


def test_device_and_dtype_as_map_keys_and_array_items():
    key = ffi.dtype("int8")
    m = ffi.Map({key: 1, ffi.device("cuda", 2): 2})
    assert m[ffi.dtype("int8")] == 1
    assert m[ffi.device("cuda", 2)] == 2
    arr = ffi.Array([ffi.dtype("float64"), ffi.device("cpu")])
    assert type(arr[0]) is ffi.dtype and type(arr[1]) is ffi.Device


def test_dtype_and_device_fields():
    obj = ffi.testing._SchemaAllTypes.make_with(1, 2.0, "s")
    assert obj.v_device == ffi.device("cpu", 0) and type(obj.v_dtype) is ffi.dtype
    obj.v_device = "cuda:3"
    obj.v_dtype = ffi.dtype("uint8")
    assert obj.v_device == ffi.device("cuda", 3)
    assert obj.v_dtype == "uint8"
    with pytest.raises(TypeError):
        obj.v_device = "nowhere"


def test_typed_containers_check_their_items():
    arr_int = ffi.get_global_func("testing.schema_id_arr_int")
    a = ffi.Array([1, 2, 3])
    assert arr_int(a) is a  # checked, not copied
    with pytest.raises(TypeError, match=r"Array\[int\]"):
        arr_int(ffi.Array([1, "x"]))
    map_str_int = ffi.get_global_func("testing.schema_id_map_str_int")
    assert dict(map_str_int({"a": 1})) == {"a": 1}
    with pytest.raises(TypeError, match=r"Map\[str, int\]"):
        map_str_int({"a": "b"})
    variant = ffi.get_global_func("testing.schema_id_variant_int_str")
    assert variant(3) == 3 and variant("x") == "x"
    with pytest.raises(TypeError, match=r"int \| str"):
        variant(1.5)


def test_typed_function_parameter():
    typed = ffi.get_global_func("testing.schema_id_func_typed")
    seen = []
    f = typed(lambda i, x, g: seen.append((i, x)))
    f(1, 2.0, ffi.convert(lambda: None))
    assert seen == [(1, 2.0)]
    with pytest.raises(TypeError):
        typed(5)


def test_type_schemas_of_typed_signatures():
    assert schema_of("testing.schema_id_arr_int")["named_args"]["params"] == [
        {"type": "ffi.Array", "args": [{"type": "int"}]}]
    assert schema_of("testing.schema_id_map_str_obj")["named_args"]["return"] == [
        {"type": "ffi.Map", "args": [{"type": "ffi.String"}, {"type": "ffi.Object"}]}]
    assert schema_of("testing.schema_id_variant_int_str")["named_args"]["params"] == [
        {"type": "Variant", "args": [{"type": "int"}, {"type": "ffi.String"}]}]
    assert schema_of("testing.schema_id_device")["named_args"]["params"] == [{"type": "Device"}]
    assert schema_of("testing.schema_id_dtype")["named_args"]["params"] == [{"type": "DataType"}]
    assert schema_of("testing.schema_packed") == {"type": "ffi.Function"}
    assert schema_of("testing.schema_no_args_no_return")["named_args"] == {
        "return": [{"type": "None"}], "params": []}
    meta = get_global_func_metadata("testing.schema_id_int")
    assert (meta["bool_attr"], meta["int_attr"], meta["str_attr"]) == (True, 1, "hello")


def test_error_backtrace_names_the_throwing_function():
    with pytest.raises(ValueError) as info:
        ffi.get_global_func("testing.test_raise_error")("ValueError", "boom")
    assert "TestRaiseError" in info.value.__tvm_ffi_error__.backtrace


@pytest.mark.parametrize("text, fields", [
    ("f32", (2, 32, 1)), ("bf16", (4, 16, 1)), ("i8", (0, 8, 1)), ("u64", (1, 64, 1)),
    ("float8_e4m3fn", (10, 8, 1)), ("fp8_e5m2", (12, 8, 1)), ("float6_e3m2fn", (16, 6, 1)),
    ("f4_e2m1fn_x2", (17, 4, 2)), ("boolx4", (6, 8, 4)), ("handle", (3, 64, 1)),
    ("complex64", (5, 64, 1)), ("complex128x2", (5, 128, 2)),
])
def test_dtype_names_and_short_names(text, fields):
    t = ffi.dtype(text)
    assert str(t) == text  # kept as written
    assert (t.type_code, t.bits, t.lanes) == fields
    back = echo(t)  # the core's own name for the same fields
    assert (back.type_code, back.bits, back.lanes) == fields


def test_dtype_methods_and_errors():
    f32 = ffi.dtype("float32")
    assert f32.with_lanes(4) == "float32x4" and f32.with_lanes(4).itemsize == 16
    assert (f32.is_float, f32.is_integer, f32.is_bool, f32.is_handle) == (True, False, False, False)
    assert ffi.dtype("uint8").is_integer and ffi.dtype("bool").is_bool
    with pytest.raises(ValueError, match="scalable"):
        ffi.dtype("int32xvscalex4").itemsize
    for bad in ["float", "int0", "floaty32", "f32x", "int32x0", ""]:
        with pytest.raises(ValueError, match="unknown data type"):
            ffi.dtype(bad)
    with pytest.raises(TypeError):
        ffi.dtype(32)
    assert ffi.int8 == "int8" and ffi.float4_e2m1fnx2.lanes == 2 and type(ffi.bool) is ffi.dtype


def test_numpy_dtypes_cross_as_data_types():
    np = pytest.importorskip("numpy")
    for name in ["int8", "uint16", "float32", "float64", "bool"]:
        result = echo(np.dtype(name))
        assert type(result) is ffi.dtype and result == ffi.dtype(name)
    assert echo(np.dtype(object)) == np.dtype(object)  # no data type: crosses as itself


@pytest.mark.parametrize("name, code, bits", [
    ("bfloat16", 4, 16), ("float8_e4m3fn", 10, 8), ("int4", 0, 4), ("float4_e2m1fn", 17, 4),
    # NumPy calls this one a float kind ("f") of one byte: it once crossed as
    # itself, taken for one of NumPy's own non-numeric dtypes
    ("float8_e5m2", 12, 8)])
def test_ml_dtypes_cross_as_data_types(name, code, bits):
    if platform.python_implementation() == "PyPy":
        pytest.skip("ml_dtypes publishes no wheel for PyPy (the rule is the same Python code)")
    import ml_dtypes  # ci/install.sh puts it into the CPython venvs
    import numpy as np
    for value in (np.dtype(getattr(ml_dtypes, name)), getattr(ml_dtypes, name)):
        result = echo(np.dtype(value))
        assert type(result) is ffi.dtype
        assert (result.type_code, result.bits, result.lanes) == (code, bits, 1)
        assert ffi.convert(np.dtype(value)) == result


def test_device_index_rules():
    np = pytest.importorskip("numpy")
    assert ffi.device("cpu", np.int32(1)).index == 1
    with pytest.raises(TypeError):
        ffi.device("cpu", "?")
    with pytest.raises(ValueError, match="^Unknown device: llvm$"):
        ffi.device("llvm")
    with pytest.raises(ValueError):
        ffi.device("cpu", -1)


def test_device_class_override():
    class MyDevice(ffi.Device):
        pass

    old = ffi.core._CLASS_DEVICE
    ffi.core._set_class_device(MyDevice)
    try:
        assert type(ffi.device("cuda", 0)) is MyDevice
        assert type(echo(ffi.device("cuda", 0))) is MyDevice
    finally:
        ffi.core._set_class_device(old)
    assert type(echo(ffi.device("cuda", 0))) is ffi.Device


def test_cuda_stream_protocol_is_an_opaque_pointer():
    class Stream:
        def __cuda_stream__(self):
            return ("cuda", 0x40)

    result = echo(Stream())
    assert result.value == 0x40
