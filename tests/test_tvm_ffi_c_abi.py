"""Code built against apache tvm-ffi's own C ABI runs on our core (docs/tvm_ffi_c_abi.md).

tests/tvm_ffi_c_lib/tvm_ffi_c_lib.c is plain C11 that includes only
<tvm/ffi/c_api.h> -- apache tvm-ffi's header, taken from the apache-tvm-ffi
wheel on PyPI -- and links against libtvm_ffi_hpy_core.so.  Nothing of
apache tvm-ffi is installed or imported: the wheel is downloaded with
`pip download` (a pinned version, no dependencies) and only its headers are
unpacked, into build/tvm_ffi_headers/<version>/include.  That step is cached
and idempotent; the library is built once per content hash into
build/tvm_ffi_c_lib/<hash>/, so the PyPy run of a tree reuses the CPython
run's build (and headers).
"""
import gc
import glob
import os
import shutil
import sys
import zipfile

import pytest

import tvm_ffi_hpy as ffi
from tvm_ffi_hpy import Array, libinfo

from build_cache import build_once, content_hash, run_or_fail
from conftest import live_objects

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = os.path.join(REPO, "tests", "tvm_ffi_c_lib", "tvm_ffi_c_lib.c")
LIB_NAME = "libtvm_ffi_c_lib.so"

# The apache-tvm-ffi release whose C header the library is compiled against.
TVM_FFI_VERSION = "0.1.15.post2"
# Any wheel of the release carries the same headers; pin one so that the
# download does not depend on the interpreter running pip.
_WHEEL_TAGS = ["--platform", "manylinux_2_28_x86_64", "--python-version", "3.11",
               "--implementation", "cp", "--abi", "cp311"]
HEADERS = ("tvm/ffi/c_api.h", "dlpack/dlpack.h")


def _env_dir():
    return os.path.abspath(os.environ.get("TVM_FFI_HPY_ENV") or os.path.join(REPO, ".env"))


def _pip_python():
    """A python with pip: the environment's CPython venv (ci/env.sh), else this one."""
    cpy = os.path.join(_env_dir(), "cpython", "bin", "python")
    return cpy if os.access(cpy, os.X_OK) else sys.executable


def fetch_tvm_ffi_headers():
    """Download apache-tvm-ffi==TVM_FFI_VERSION (the wheel only) and unpack its
    headers; return the include directory.  Does nothing when already done."""

    def fetch(tmp):
        wheel_dir = os.path.join(tmp, "wheel")
        os.makedirs(wheel_dir)
        cmd = [_pip_python(), "-m", "pip", "download", "apache-tvm-ffi==" + TVM_FFI_VERSION,
               "--no-deps", "--only-binary=:all:"] + _WHEEL_TAGS + [
               "--disable-pip-version-check", "-q", "-d", wheel_dir]
        run_or_fail(cmd, "downloading apache-tvm-ffi")
        wheels = glob.glob(os.path.join(wheel_dir, "apache_tvm_ffi-*.whl"))
        if len(wheels) != 1:
            pytest.fail("expected one apache-tvm-ffi wheel in %s, found %s" % (wheel_dir, wheels))
        # Unpack the headers only: tvm_ffi/include/{tvm/ffi/**, dlpack/**}.
        prefix = "tvm_ffi/include/"
        with zipfile.ZipFile(wheels[0]) as whl:
            for name in whl.namelist():
                rel = name[len(prefix):]
                if not name.startswith(prefix) or not rel.endswith(".h"):
                    continue
                dest = os.path.join(tmp, "include", *rel.split("/"))
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                with whl.open(name) as src, open(dest, "wb") as out:
                    shutil.copyfileobj(src, out)
        missing = [h for h in HEADERS if not os.path.isfile(os.path.join(tmp, "include", h))]
        if missing:
            pytest.fail("the apache-tvm-ffi wheel %s lacks %s" % (wheels[0], missing))
        shutil.rmtree(wheel_dir)

    root = os.path.join(REPO, "build", "tvm_ffi_headers", TVM_FFI_VERSION)
    return os.path.join(build_once(root, fetch), "include")


def build_library():
    """Compile tests/tvm_ffi_c_lib once per content; return the library's path."""
    include = fetch_tvm_ffi_headers()
    core_lib = libinfo.find_core_lib()
    cc = os.environ.get("CC") or shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        pytest.fail("no C compiler (gcc or $CC) found")
    core_dir = os.path.dirname(core_lib)

    def build(tmp_dir):
        # Only apache tvm-ffi's include directory is on the path: our headers
        # cannot be picked up.  --no-undefined proves that every symbol the
        # library uses is defined by our core (or libc).
        run_or_fail([cc, "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
                     "-I", include, SOURCE, "-o", os.path.join(tmp_dir, LIB_NAME),
                     "-L", core_dir, "-l:" + os.path.basename(core_lib),
                     "-Wl,-rpath," + core_dir, "-Wl,--no-undefined"],
                    "building the tvm-ffi C library")

    inputs = [SOURCE, core_lib] + [os.path.join(include, n) for n in HEADERS]
    out_dir = os.path.join(REPO, "build", "tvm_ffi_c_lib", content_hash(inputs, cc))
    return os.path.join(build_once(out_dir, build), LIB_NAME)


@pytest.fixture(scope="module")
def lib_path():
    return build_library()


@pytest.fixture(scope="module")
def mod(lib_path):
    return ffi.load_module(lib_path)


def test_built_against_upstream_header_only(lib_path):
    with open(SOURCE) as f:
        includes = [line.strip() for line in f if line.startswith("#include")]
    assert "#include <tvm/ffi/c_api.h>" in includes
    assert not any("tvm_ffi_hpy" in line for line in includes)
    assert os.path.basename(os.path.dirname(os.path.dirname(fetch_tvm_ffi_headers()))) == \
        "tvm_ffi_headers"


def test_add_one(mod):
    assert mod.add_one(1) == 2
    assert mod.add_one(-42) == -41
    assert mod.add_one(2 ** 62) == 2 ** 62 + 1
    assert isinstance(mod.add_one, ffi.Function)


def test_add_one_type_error(mod):
    with pytest.raises(TypeError, match=r"add_one: expected int, got a value of type index"):
        mod.add_one("x")
    with pytest.raises(TypeError, match=r"add_one: expected int"):
        mod.add_one(1.5)
    with pytest.raises(TypeError, match=r"add_one expects 1 argument\(s\), got 0"):
        mod.add_one()
    assert mod.add_one(3) == 4  # nothing stays raised


def test_raise_value_error(mod):
    with pytest.raises(ValueError, match="raised from plain C through the tvm-ffi C ABI"):
        mod.raise_value_error()


def test_array_roundtrip_same_wrapper(mod):
    arr = Array([1, "two", Array([3])])
    r = mod.array_roundtrip(arr)
    assert r is arr
    assert list(r[:2]) == [1, "two"]


def test_array_roundtrip_no_leak_many(mod):
    # A reference too many taken in C would keep arr alive (and be counted
    # here); one too few would free it under the wrapper.
    roundtrip = mod.array_roundtrip
    arr = Array([Array([i]) for i in range(4)])
    before = live_objects()
    for _ in range(200):
        assert roundtrip(arr) is arr
    assert live_objects() == before
    assert len(arr) == 4 and arr[3][0] == 3
    del arr
    assert live_objects() == before - 5  # the array and its four items are freed


def test_array_roundtrip_type_error(mod):
    with pytest.raises(TypeError, match="array_roundtrip: expected Array"):
        mod.array_roundtrip(1)


def test_array_first(mod):
    assert mod.array_first(Array([10, 20, 30])) == 10
    assert mod.array_first(Array(["a long string item", "b"])) == "a long string item"
    inner = Array([7])
    outer = Array([inner, 2])
    assert mod.array_first(outer) is inner


def test_array_first_error_propagates(mod):
    with pytest.raises(IndexError):
        mod.array_first(Array())


def test_call_back(mod):
    assert mod.call_back(lambda v: v + 1, 41) == 42
    assert mod.call_back(lambda s: s * 2, "ab") == "abab"
    arr = Array([1])
    assert mod.call_back(lambda a: a, arr) is arr


def test_call_back_exception_is_the_same_object(mod):
    boom = ZeroDivisionError("from the Python callback")

    def fail(_):
        raise boom
    with pytest.raises(ZeroDivisionError) as info:
        mod.call_back(fail, 1)
    assert info.value is boom
    assert mod.call_back(lambda v: v, 5) == 5


def test_tensor_layout_matches(mod):
    # The C library reads our Tensor through upstream's layout
    # { TVMFFIObject, DLTensor }; strided views included.
    import numpy as np
    a = np.arange(12, dtype="float64").reshape(3, 4)
    assert mod.tensor_sum(ffi.from_dlpack(a)) == 66.0
    assert mod.tensor_sum(ffi.from_dlpack(a[:, 1::2])) == a[:, 1::2].sum()
    with pytest.raises(TypeError, match="expected a float64 CPU tensor"):
        mod.tensor_sum(ffi.from_dlpack(np.zeros(2, dtype="float32")))
    with pytest.raises(TypeError, match="tensor_sum: expected Tensor"):
        mod.tensor_sum(Array([1]))


def test_tensor_from_upstream_dlpack_call(mod):
    # A tensor made in C with upstream's TVMFFITensorFromDLPackVersioned is
    # read by NumPy without a copy and deleted exactly once.
    import numpy as np
    deleted = mod.iota_deleted()
    t = mod.iota(5)
    assert t.shape == (5,) and t.dtype == "float64" and t.strides == (1,)
    n = np.from_dlpack(t)
    assert n.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert n.ctypes.data == t.data_ptr()
    del t
    gc.collect()
    assert mod.iota_deleted() == deleted  # NumPy still holds it
    del n
    for _ in range(3):
        gc.collect()
    assert mod.iota_deleted() == deleted + 1
