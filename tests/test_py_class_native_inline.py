"""A py_class deriving from a C++ class of the user's own library (compiled
with cpp.load_inline) whose members the core does not know: an unreflected
std::string and a counter of live instances.  The C++ part must be built,
copied and destroyed by the class's own constructors and destructor."""
import copy
import gc
import os

import pytest

import tvm_ffi_hpy as ffi
from tvm_ffi_hpy import cpp, dataclasses

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD_DIR = os.path.join(REPO, "build", "py_class_native_inline")  # shared by both runs

SOURCE = r"""
#include <string>

using namespace tvm_ffi_hpy;

static int64_t g_live = 0;

class LabelObj : public Object {
 public:
  int64_t n = 1;
  // Not reflected: only T's constructor makes it valid (a zeroed libstdc++
  // string has a null data pointer).
  std::string label = "a label too long for the small-string buffer";
  LabelObj() { ++g_live; }
  LabelObj(const LabelObj& o) : Object(o), n(o.n), label(o.label + " (copy)") { ++g_live; }
  ~LabelObj() { --g_live; }
  String Describe() const { return String(label + " #" + std::to_string(n)); }
  TVM_FFI_HPY_DECLARE_OBJECT_INFO("py_class_native_inline.Label", LabelObj, Object)
};

int64_t live_labels() { return g_live; }

TVM_FFI_HPY_STATIC_INIT_BLOCK() {
  namespace refl = tvm_ffi_hpy::refl;
  refl::ObjectDef<LabelObj>()
      .def_rw("n", &LabelObj::n, refl::Default(int64_t(1)))
      .def("describe", &LabelObj::Describe);
}
"""


@pytest.fixture(scope="module")
def lib():
    mod = cpp.load_inline("py_class_native_inline", cpp_sources=SOURCE,
                          functions=["live_labels"], build_directory=BUILD_DIR)
    from tvm_ffi_hpy import registry
    label_cls = registry.register_object("py_class_native_inline.Label")(
        type("Label", (ffi.Object,), {"__slots__": ()}))

    @dataclasses.py_class("test_py_class_native_inline.Tagged")
    class Tagged(label_cls):
        tag: str = "t"

    return mod, Tagged


@pytest.mark.allow_core_growth  # the library and its classes stay loaded
def test_cxx_part_built_copied_destroyed_by_the_class(lib):
    mod, Tagged = lib
    gc.collect()
    live = mod.live_labels()
    t = Tagged(n=3, tag="x")
    assert mod.live_labels() == live + 1
    assert t.describe() == "a label too long for the small-string buffer #3"
    dup = copy.copy(t)  # the C++ copy constructor
    assert dup.describe() == "a label too long for the small-string buffer (copy) #3"
    assert (dup.n, dup.tag) == (3, "x")
    assert mod.live_labels() == live + 2
    del t, dup
    for _ in range(3):
        gc.collect()
    assert mod.live_labels() == live
