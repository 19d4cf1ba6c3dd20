"""JSON graph serialization: tvm_ffi_hpy.serialization (core/src/serialization.cc)."""
import json
import math

import pytest

import tvm_ffi_hpy as ffi
from tvm_ffi_hpy import dataclasses, testing
from tvm_ffi_hpy.serialization import from_json_graph_str, to_json_graph_str


@dataclasses.py_class("test_serialization.Node")
class Node(dataclasses.Object):
    label: str
    weight: float = 1.0
    next: object = None


def round_trip(value):
    return from_json_graph_str(to_json_graph_str(value))


@pytest.mark.parametrize("value", [None, True, False, 0, -7, 2**63 - 1, 1.5, -0.25, 1e300,
                                   "", "hello", "x" * 500, 'q"\\\n\t', "世界 🙂", b"", b"\x00\xff ab"])
def test_plain_values_round_trip(value):
    result = round_trip(value)
    assert type(result) is type(value) and result == value


def test_non_finite_floats_round_trip():
    assert math.isnan(round_trip(float("nan")))
    assert round_trip(float("inf")) == float("inf") and round_trip(-math.inf) == -math.inf


def test_dtype_device_shape_round_trip():
    assert round_trip(ffi.dtype("float8_e4m3fn")) == ffi.dtype("float8_e4m3fn")
    assert round_trip(ffi.device("cuda", 3)) == ffi.device("cuda", 3)
    assert tuple(round_trip(ffi.Shape((2, 0, 5)))) == (2, 0, 5)


def test_containers_round_trip_and_the_format():
    value = ffi.Array([1, "a", ffi.Array([1.5, None]), ffi.Map({"k": 2, 3: b"z"})])
    text = to_json_graph_str(value)
    graph = json.loads(text)
    root = graph["nodes"][graph["root_index"]]
    assert root["type"] == "ffi.Array" and len(root["data"]) == 4
    for index in root["data"]:  # children come before their parents
        assert index < graph["root_index"]
    back = from_json_graph_str(text)
    assert back[0] == 1 and back[1] == "a" and list(back[2]) == [1.5, None]
    assert dict(back[3]) == {"k": 2, 3: b"z"}


def test_equal_plain_values_and_shared_objects_are_one_node():
    shared = ffi.Array([1])
    graph = json.loads(to_json_graph_str(ffi.Array([7, 7, shared, shared])))
    data = graph["nodes"][graph["root_index"]]["data"]
    assert data[0] == data[1] and data[2] == data[3]
    back = round_trip(ffi.Array([shared, shared]))
    assert back[0] is back[1]  # one object again, one wrapper
    assert back[0] is not shared


def test_reflected_objects_round_trip_with_pod_fields_inlined():
    pair = testing.TestIntPair(3, -4)
    graph = json.loads(to_json_graph_str(pair))
    assert graph["nodes"][graph["root_index"]] == {"type": "testing.TestIntPair",
                                                   "data": {"a": 3, "b": -4}}
    back = round_trip(pair)
    assert type(back) is testing.TestIntPair and (back.a, back.b) == (3, -4)


def test_python_defined_objects_round_trip():
    chain = Node("a", 2.0, Node("b"))
    back = round_trip(chain)
    assert type(back) is Node and back.label == "a" and back.weight == 2.0
    assert back.next.label == "b" and back.next.next is None


def test_missing_fields_take_defaults_or_fail():
    text = json.dumps({"root_index": 0, "nodes": [{"type": "testing.TestObjectBase",
                                                   "data": {"v_i64": 5}}]})
    back = from_json_graph_str(text)
    assert (back.v_i64, back.v_f64, back.v_str) == (5, 10.0, "hello")  # C++ defaults
    missing = json.dumps({"root_index": 0, "nodes": [{"type": "testing.TestIntPair",
                                                      "data": {"a": 1}}]})
    with pytest.raises(TypeError, match="Required field `b` not set"):
        from_json_graph_str(missing)


def test_metadata():
    graph = json.loads(to_json_graph_str(1, {"version": "1.0", "n": [1, 2], "ok": True}))
    assert graph["metadata"] == {"version": "1.0", "n": [1, 2], "ok": True}
    assert "metadata" not in json.loads(to_json_graph_str(1))
    with pytest.raises(TypeError):
        to_json_graph_str(1, {"f": ffi.convert(lambda: 1)})


def test_what_cannot_be_written():
    with pytest.raises(TypeError, match="ffi.Function"):
        to_json_graph_str(ffi.convert(lambda: 1))
    loop = Node("loop")
    loop.next = loop
    with pytest.raises(ValueError, match="cycle"):
        to_json_graph_str(loop)
    loop.next = None  # no cycle left behind


@pytest.mark.parametrize("text", ["", "not json", "{}", '{"nodes": []}', '{"root_index": 0}',
                                  '{"root_index": 0, "nodes": []}',
                                  '{"root_index": 0, "nodes": [{"data": 1}]}',
                                  '{"root_index": 1, "nodes": [{"type": "ffi.Array", "data": [1]}, '
                                  '{"type": "int", "data": 1}]}',
                                  '{"root_index": 0, "nodes": [{"type": "int", "data": "x"}]}',
                                  '{"root_index": 0, "nodes": [{"type": "ffi.Bytes", "data": "%%"}]}',
                                  '[' * 5000])
def test_bad_text_is_a_value_error(text):
    with pytest.raises(ValueError):
        from_json_graph_str(text)


def test_unknown_type_is_a_type_error():
    with pytest.raises(TypeError, match="unknown type `no.such.Type`"):
        from_json_graph_str('{"root_index": 0, "nodes": [{"type": "no.such.Type", "data": {}}]}')


def test_too_deep_a_value_is_a_recursion_error_not_a_crash():
    value = 0
    for _ in range(20000):
        value = [value]
    value = ffi.convert(value)  # one conversion, no Python recursion
    with pytest.raises(RecursionError, match="maximum nesting depth"):
        to_json_graph_str(value)


def test_submodules_are_attributes_of_the_package():
    # `tvm_ffi.serialization.to_json_graph_str(...)` without importing the
    # submodule first (apache tvm-ffi's usage): a fresh interpreter.
    import subprocess
    import sys
    code = ("import tvm_ffi_hpy as f; "
            "assert f.serialization.from_json_graph_str(f.serialization.to_json_graph_str(3)) == 3; "
            "assert f.utils.lockfile.FileLock and f.libinfo.find_core_lib() and f.access_path; "
            "print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(__import__("os").environ,
                                  PYTHONPATH=__import__("os").pathsep.join(sys.path)))
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
