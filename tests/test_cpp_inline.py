"""tvm_ffi_hpy.cpp: C++ source compiled with the machine's compiler against
the package's headers, linked with the core, loaded with load_module; and
the metadata (type schema, refl::Metadata entries) that C++ registrations
carry (get_global_func_metadata, TypeField.metadata, TypeMethod.metadata)."""
import json
import os

import pytest

import tvm_ffi_hpy as ffi
from tvm_ffi_hpy import cpp

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Built once per content; the CPython and PyPy runs share it.
BUILD_DIR = os.path.join(REPO, "build", "cpp_inline")

SOURCE = r"""
#include <optional>
#include <string>

using namespace tvm_ffi_hpy;

class InlinePointObj : public Object {
 public:
  double x = 0.0;
  int64_t tag = 0;
  InlinePointObj() = default;
  InlinePointObj(double x, int64_t tag) : x(x), tag(tag) {}
  double Scaled(double k) const { return x * k; }
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("cpp_inline.Point", InlinePointObj, Object)
};

int64_t add_one(int64_t x) { return x + 1; }
String greet(const String& who) { return String("hello " + std::string(who.view())); }
// apache tvm-ffi's namespace name works for the names both APIs share.
int64_t call_with_str(tvm::ffi::Function f) { return f("text").cast<int64_t>(); }
ObjectPtr<InlinePointObj> make_point(double x, int64_t tag) {
  return make_object<InlinePointObj>(x, tag);
}

TVM_FFI_HPY_STATIC_INIT_BLOCK() {
  namespace refl = tvm_ffi_hpy::refl;
  refl::ObjectDef<InlinePointObj>()
      .def_rw("x", &InlinePointObj::x, "the x", refl::Metadata{{"unit", "m"}})
      .def_ro("tag", &InlinePointObj::tag)
      .def("scaled", &InlinePointObj::Scaled, "x * k",
           refl::Metadata{{"pure", true}, {"cost", 2}});
  refl::GlobalDef()
      .def("cpp_inline.scale", [](double x, double k) { return x * k; },
           refl::Metadata{{"bool_attr", true}, {"int_attr", 1}, {"str_attr", "hello \"q\""},
                          {"float_attr", 0.5}})
      .def("cpp_inline.maybe_len",
           [](std::optional<String> s) -> std::optional<int64_t> {
             if (!s) return std::nullopt;
             return int64_t(s->size());
           })
      .def("cpp_inline.nothing", []() {})
      .def_packed("cpp_inline.packed",
                  [](const AnyView* args, int32_t n, Any* rv) { *rv = int64_t(n); });
}
"""


@pytest.fixture(scope="module")
def mod():
    return cpp.load_inline("cpp_inline_test", cpp_sources=SOURCE,
                           functions=["add_one", "greet", "call_with_str", "make_point"],
                           build_directory=BUILD_DIR)


@pytest.mark.reenters_extension  # Python run by the extension calls it again
def test_load_inline_functions(mod):
    assert mod.add_one(41) == 42
    assert mod.greet("you") == "hello you"
    assert mod.call_with_str(lambda s: len(s) if s == "text" else -1) == 4
    p = mod.make_point(1.5, 7)
    assert (p.x, p.tag, p.scaled(2.0)) == (1.5, 7, 3.0)
    with pytest.raises(TypeError, match="Mismatched type"):
        mod.add_one("x")
    assert ffi.get_global_func("cpp_inline.scale")(2.0, 4.0) == 8.0


def test_build_inline_reuses_the_library(mod):
    path = cpp.build_inline("cpp_inline_test", cpp_sources=SOURCE,
                            functions=["add_one", "greet", "call_with_str", "make_point"],
                            build_directory=BUILD_DIR)
    assert os.path.dirname(path) == BUILD_DIR and os.path.exists(path)
    mtime = os.stat(path).st_mtime_ns
    assert cpp.build_inline("cpp_inline_test", cpp_sources=SOURCE,
                            functions=["add_one", "greet", "call_with_str", "make_point"],
                            build_directory=BUILD_DIR) == path
    assert os.stat(path).st_mtime_ns == mtime  # not built again


def test_build_errors(tmp_path):
    with pytest.raises(RuntimeError, match="no_such_function"):
        cpp.build_inline("broken", cpp_sources="int f() { return no_such_function(); }",
                         build_directory=str(tmp_path))
    with pytest.raises(ValueError, match="module name"):
        cpp.build_inline("bad name", cpp_sources="", build_directory=str(tmp_path))
    with pytest.raises(ValueError, match="identifiers"):
        cpp.build_inline("ok", cpp_sources="", functions=["a-b"], build_directory=str(tmp_path))
    with pytest.raises(NotImplementedError, match="CUDA"):
        cpp.build_inline("ok", cuda_sources="__global__ void k() {}",
                         build_directory=str(tmp_path))
    assert not os.listdir(str(tmp_path)) or all(not n.endswith(".so") for n in os.listdir(
        str(tmp_path)))


def schema(metadata):
    return json.loads(metadata["type_schema"])


def test_global_function_metadata(mod):
    meta = ffi.get_global_func_metadata("cpp_inline.scale")
    assert schema(meta) == {"type": "ffi.Function", "named_args": {
        "return": [{"type": "float"}], "params": [{"type": "float"}, {"type": "float"}]}}
    assert (meta["bool_attr"], meta["int_attr"], meta["str_attr"], meta["float_attr"]) == (
        True, 1, 'hello "q"', 0.5)
    assert len(meta) == 5
    opt = schema(ffi.get_global_func_metadata("cpp_inline.maybe_len"))
    assert opt["named_args"] == {"return": [{"type": "Optional", "args": [{"type": "int"}]}],
                                 "params": [{"type": "Optional",
                                             "args": [{"type": "ffi.String"}]}]}
    assert schema(ffi.get_global_func_metadata("cpp_inline.nothing"))["named_args"] == {
        "return": [{"type": "None"}], "params": []}
    assert schema(ffi.get_global_func_metadata("cpp_inline.packed")) == {"type": "ffi.Function"}
    assert ffi.get_global_func("cpp_inline.maybe_len")(None) is None
    assert ffi.get_global_func("cpp_inline.maybe_len")("abc") == 3


def test_metadata_of_python_and_missing_functions():
    ffi.register_global_func("cpp_inline_test.py_func", lambda x: x)
    try:
        assert ffi.get_global_func_metadata("cpp_inline_test.py_func") == {}
    finally:
        ffi.remove_global_func("cpp_inline_test.py_func")
    with pytest.raises(ValueError, match="cpp_inline_test.py_func"):
        ffi.get_global_func_metadata("cpp_inline_test.py_func")
    assert ffi.registry.get_global_func_metadata is ffi.get_global_func_metadata
    meta = ffi.get_global_func_metadata("testing.add_one")
    assert schema(meta)["named_args"]["params"] == [{"type": "int"}]


@pytest.mark.reenters_extension  # Python run by the extension calls it again
def test_field_and_method_metadata(mod):
    info = type(mod.make_point(0.0, 0)).__tvm_ffi_type_info__
    fields = {f.name: f for f in info.fields}
    assert fields["x"].metadata == {"type_schema": '{"type":"float"}', "unit": "m"}
    assert fields["x"].doc == "the x"
    assert fields["tag"].metadata == {"type_schema": '{"type":"int"}'}
    method = {m.name: m for m in info.methods}["scaled"]
    assert method.doc == "x * k"
    assert method.metadata["pure"] is True and method.metadata["cost"] == 2
    assert schema(method.metadata)["named_args"] == {
        "return": [{"type": "float"}],
        "params": [{"type": "cpp_inline.Point"}, {"type": "float"}]}
