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


# ---------------------------------------------------------------------------
# apache tvm-ffi's C++ spellings (tvm/ffi/*.h, docs/cpp-compat.md)
# ---------------------------------------------------------------------------
COMPAT_SOURCE = r"""
#include <tvm/ffi/container/tensor.h>
#include <tvm/ffi/error.h>
#include <tvm/ffi/extra/c_env_api.h>
#include <tvm/ffi/extra/stl.h>
#include <tvm/ffi/function.h>

namespace ffi = tvm::ffi;

void scale_into(ffi::TensorView x, ffi::TensorView y, double k) {
  TVM_FFI_ICHECK(x.ndim() == 1) << "x must be 1D";
  TVM_FFI_ICHECK_EQ(x.size(0), y.size(-1));
  DLDataType f32{kDLFloat, 32, 1};
  TVM_FFI_ICHECK(x.dtype() == f32 && y.dtype() == f32) << "float32 only, got " << x.dtype();
  for (int64_t i = 0; i < x.numel(); ++i) {
    static_cast<float*>(y.data_ptr())[i] = static_cast<const float*>(x.data_ptr())[i] * k;
  }
}
std::vector<int64_t> describe(ffi::TensorView t) {
  std::vector<int64_t> out(t.shape().begin(), t.shape().end());
  for (int64_t s : t.strides()) out.push_back(s);
  out.push_back(t.numel());
  out.push_back(t.IsContiguous());
  out.push_back(t.device().device_type);
  out.push_back(t.stride(-1));
  return out;
}
ffi::TensorView same_view(ffi::TensorView t) { return t; }
int64_t dim_at(ffi::Tensor t, int64_t i) { return t.size(i); }

std::tuple<std::string, int64_t> swap_pair(std::tuple<int64_t, std::string> p) {
  return {std::get<1>(p), std::get<0>(p)};
}
std::optional<std::vector<int64_t>> row_sums(std::optional<std::vector<std::array<int64_t, 2>>> rows) {
  if (!rows) return std::nullopt;
  std::vector<int64_t> out;
  for (const auto& r : *rows) out.push_back(r[0] + r[1]);
  return out;
}
std::variant<std::string, std::vector<std::string>> kind_of(
    std::variant<int64_t, double, std::vector<std::variant<int64_t, double>>> v) {
  if (std::holds_alternative<int64_t>(v)) return "int";
  if (std::holds_alternative<double>(v)) return "float";
  std::vector<std::string> out;
  for (const auto& item : std::get<2>(v)) out.push_back(item.index() == 0 ? "int" : "float");
  return out;
}
std::map<int64_t, std::string> invert(const std::unordered_map<std::string, int64_t>& m) {
  std::map<int64_t, std::string> out;
  for (const auto& [k, v] : m) out[v] = k;
  return out;
}
std::function<int64_t(int64_t)> compose_add(std::function<int64_t(int64_t)> f, int64_t k) {
  return [f = std::move(f), k](int64_t x) { return f(x) + k; };
}

uint64_t current_stream(int32_t device_type, int32_t device_id) {
  return reinterpret_cast<uint64_t>(TVMFFIEnvGetStream(device_type, device_id));
}

// RValueRef: `moved` is emptied when the RValueRef is made; the callee may
// take the reference over.  Returns whether `moved` still holds something and
// how obj's use count changed over the call.
std::tuple<bool, int64_t> move_into(ffi::Function cb, ffi::ObjectRef obj) {
  int64_t before = obj.use_count();
  ffi::ObjectRef moved = obj;
  try {
    cb(ffi::RValueRef(std::move(moved)));
  } catch (const ffi::Error&) {
  }
  return {moved.defined(), int64_t(obj.use_count()) - before};
}
// apache's detail:: names over a C call that may fail.
ffi::Any int_from_words(ffi::Bytes words) {
  TVMFFIByteArray input{words.data(), words.size()};
  TVMFFIAny out;
  if (TVMFFIBigIntFromByteArray(&input, &out) != 0) throw ffi::detail::MoveFromSafeCallRaised();
  return ffi::detail::AnyUnsafe::MoveTVMFFIAnyRawToAny(out);
}
int64_t view_type_index(ffi::Any v) { return ffi::AnyView(v).CopyToTVMFFIAny().type_index; }
"""

COMPAT_FUNCTIONS = {
    "scale_into": 'Scale x into y.\n\n"quoted" \\ back\u00e9',
    "describe": "",
    "same_view": "",
    "dim_at": "",
    "swap_pair": "",
    "row_sums": "",
    "kind_of": "",
    "invert": "",
    "compose_add": "",
    "current_stream": "",
    "move_into": "",
    "int_from_words": "",
    "view_type_index": "",
}


@pytest.fixture(scope="module")
def compat():
    return cpp.load_inline("cpp_compat_test", cpp_sources=COMPAT_SOURCE,
                           functions=COMPAT_FUNCTIONS,
                           extra_cflags=["-DTVM_FFI_DLL_EXPORT_INCLUDE_METADATA=1"],
                           build_directory=os.path.join(BUILD_DIR, "compat"))


@pytest.mark.reenters_extension  # NumPy arrays cross through from_dlpack (the protocol hook)
def test_tensor_view_arguments(compat):
    np = pytest.importorskip("numpy")
    x = np.arange(4, dtype=np.float32)
    y = np.zeros(4, dtype=np.float32)
    assert compat.scale_into(x, y, 2.5) is None
    assert y.tolist() == [0.0, 2.5, 5.0, 7.5]
    t = ffi.from_dlpack(x)  # a Tensor works as well as a NumPy array
    compat.scale_into(t, y, 1.0)
    assert y.tolist() == [0.0, 1.0, 2.0, 3.0]
    with pytest.raises(Exception, match=r"Check failed: \(x.ndim\(\) == 1\) is false: x must be 1D"):
        compat.scale_into(np.zeros((2, 2), np.float32), y, 1.0)
    with pytest.raises(Exception, match=r"Check failed: x.size\(0\) == y.size\(-1\) \(4 vs. 3\)"):
        compat.scale_into(x, np.zeros(3, np.float32), 1.0)
    with pytest.raises(Exception, match="float32 only, got int32"):
        compat.scale_into(np.zeros(4, np.int32), y, 1.0)
    with pytest.raises(TypeError):
        compat.scale_into([1.0], y, 1.0)  # a list is no tensor


@pytest.mark.reenters_extension  # NumPy arrays cross through from_dlpack (the protocol hook)
def test_tensor_view_accessors(compat):
    np = pytest.importorskip("numpy")
    a = np.zeros((3, 4), dtype=np.float64)
    assert list(compat.describe(a)) == [3, 4, 4, 1, 12, 1, 1, 1]
    b = a[:, ::2]  # strided: not contiguous
    assert list(compat.describe(b)) == [3, 2, 4, 2, 6, 0, 1, 2]
    t = ffi.from_dlpack(a)
    assert compat.same_view(t) is t  # a returned view hands back the viewed Tensor
    assert compat.dim_at(t, -1) == 4 and compat.dim_at(t, 0) == 3
    with pytest.raises(IndexError, match="index 2 out of range"):
        compat.dim_at(t, 2)


def test_exported_metadata_and_docs(compat, mod):
    meta = compat.get_function_metadata("scale_into")
    assert schema(meta)["named_args"] == {
        "return": [{"type": "None"}],
        "params": [{"type": "ffi.Tensor"}, {"type": "ffi.Tensor"}, {"type": "float"}]}
    assert compat.get_function_doc("scale_into") == COMPAT_FUNCTIONS["scale_into"]
    assert compat.get_function_doc("describe") is None  # an empty doc is not exported
    assert compat.get_function_metadata("no_such") is None
    # built without TVM_FFI_DLL_EXPORT_INCLUDE_METADATA: no metadata at all
    assert mod.get_function_metadata("add_one") is None
    assert mod.get_function_doc("add_one") is None


@pytest.mark.reenters_extension  # std::function arguments call back into Python
def test_stl_conversions(compat):
    assert list(compat.swap_pair([1, "a"])) == ["a", 1]
    with pytest.raises(TypeError):
        compat.swap_pair(["a", 1])
    with pytest.raises(TypeError):
        compat.swap_pair([1, "a", 2])  # a tuple takes exactly its length
    assert compat.row_sums(None) is None
    assert list(compat.row_sums([[1, 2], [3, 4]])) == [3, 7]
    with pytest.raises(TypeError):
        compat.row_sums([[1, 2, 3]])  # std::array<_, 2>
    assert compat.kind_of(1) == "int"
    assert compat.kind_of(1.5) == "float"
    assert list(compat.kind_of([1, 2.0, 3])) == ["int", "float", "int"]
    with pytest.raises(TypeError):
        compat.kind_of("text")
    assert dict(compat.invert({"a": 1, "b": 2})) == {1: "a", 2: "b"}
    with pytest.raises(TypeError):
        compat.invert({"a": "b"})
    f = compat.compose_add(lambda x: x * 10, 1)
    assert f(4) == 41
    with pytest.raises(TypeError):
        f()  # the returned Function is typed: one argument
    with pytest.raises(TypeError):
        compat.compose_add(lambda x: "not an int", 1)(4)


def test_raw_stream_reaches_cpp(compat):
    dev = ffi.device("cuda:1")
    kind = dev.dlpack_device_type()
    assert ffi.get_raw_stream(dev) == 0
    with ffi.use_raw_stream(dev, 1234):
        assert compat.current_stream(kind, 1) == 1234
        assert ffi.get_raw_stream(dev) == 1234
        assert compat.current_stream(kind, 0) == 0  # another device
        with ffi.use_raw_stream(dev, 99):
            assert compat.current_stream(kind, 1) == 99
        assert ffi.get_raw_stream(dev) == 1234
    assert ffi.get_raw_stream(dev) == 0
    with pytest.raises(ZeroDivisionError):
        with ffi.use_raw_stream(dev, 5):
            1 / 0
    assert ffi.get_raw_stream(dev) == 0  # restored after an exception


def test_build_c_and_object_files(tmp_path):
    c_file = tmp_path / "plain.c"
    c_file.write_text(r"""
#include <tvm/ffi/c_api.h>
TVM_FFI_DLL_EXPORT int __tvm_ffi_c_mul(void* self, const TVMFFIAny* args, int32_t n,
                                       TVMFFIAny* result) {
  result->type_index = kTVMFFIInt;
  result->zero_padding = 0;
  result->v_int64 = args[0].v_int64 * args[1].v_int64;
  return 0;
}
""")
    build_dir = str(tmp_path / "build")
    obj = cpp.build("plain_c", sources=[str(c_file)], output="plain.o", build_directory=build_dir)
    assert obj == os.path.join(build_dir, "plain.o") and os.path.exists(obj)
    inline_obj = cpp.build_inline("inline_obj", cpp_sources="int64_t twice(int64_t x) { return 2 * x; }",
                                  functions=["twice"], output="inline.o",
                                  build_directory=build_dir)
    lib = cpp.build("linked", sources=[obj, inline_obj], build_directory=build_dir)
    linked = ffi.load_module(lib)
    assert linked.c_mul(6, 7) == 42
    assert linked.twice(21) == 42
    c_lib = ffi.load_module(cpp.load("from_c", sources=str(c_file),
                                     build_directory=build_dir).path)
    assert c_lib.c_mul(3, 3) == 9
    with pytest.raises(ValueError, match="exactly one"):
        cpp.build("two", sources=[str(c_file), obj], output="x.o", build_directory=build_dir)
    with pytest.raises(ValueError, match="cannot tell how to build"):
        cpp.build("odd", sources=[str(tmp_path / "x.txt")], build_directory=build_dir)


def test_rvalue_ref_and_apache_detail_names(compat):
    from tvm_ffi_hpy.conversion_protocols import int_to_words
    obj = ffi.convert([1, 2])
    seen = []
    assert compat.move_into(seen.append, obj) == (False, 0)
    assert seen[0] is obj  # the callee got the caller's own wrapper

    def failing(o):
        raise ValueError("callback failed")

    assert compat.move_into(failing, obj) == (False, 0)
    big = (1 << 100) + 7
    assert compat.int_from_words(int_to_words(big)) == big
    with pytest.raises(ValueError, match="whole 64-bit words"):
        compat.int_from_words(b"\0" * 7)
    assert compat.view_type_index(3) == ffi.core._ffi.kTVMFFIInt
    assert compat.view_type_index(obj) == obj.__tvm_ffi_type_index__
