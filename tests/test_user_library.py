"""A user C++ library built with CMake against the package and loaded with
``tvm_ffi_hpy.load_module`` (examples/user_library, docs/user_library.md).

The example is built once per content (its sources, the headers, the CMake
config), into build/user_library/<hash>/: the CPython run builds it, the PyPy
run of the same tree reuses it.  cmake and ninja come from the environment's
CPython venv (ci/env.sh: $ENV_DIR/cpython/bin), the running interpreter's bin
directory, the `cmake`/`ninja` Python packages, or PATH -- in that order.
"""
import os
import shutil
import subprocess
import sys

import pytest

import tvm_ffi_hpy as ffi
from tvm_ffi_hpy import libinfo, testing

from build_cache import build_once, content_hash, run_or_fail

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(REPO, "examples", "user_library")
LIB_NAME = "libuser_library.so"


def _env_dir():
    env = os.environ.get("TVM_FFI_HPY_ENV") or os.path.join(REPO, ".env")
    return os.path.abspath(env)


def _find_tool(name):
    candidates = [os.environ.get(name.upper(), ""),
                  os.path.join(_env_dir(), "cpython", "bin", name),
                  os.path.join(os.path.dirname(sys.executable), name)]
    try:
        module = __import__(name)
        candidates.append(os.path.join(getattr(module, name.upper() + "_BIN_DIR", ""), name))
    except ImportError:
        pass
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return shutil.which(name)


def _inputs():
    files = [os.path.join(EXAMPLE, n) for n in sorted(os.listdir(EXAMPLE))
             if n.endswith((".cc", ".h", ".txt"))]
    include = os.path.join(libinfo.find_include_path(), "tvm_ffi_hpy")
    files += [os.path.join(include, n) for n in sorted(os.listdir(include))]
    files.append(os.path.join(libinfo.find_cmake_path(), "tvm_ffi_hpy-config.cmake"))
    files.append(libinfo.find_core_lib())  # its path and name matter for the link
    return files


def build_example():
    """Build examples/user_library once per content; return the library's path."""
    cmake = _find_tool("cmake")
    if cmake is None:
        pytest.fail("cmake not found (looked in %s/cpython/bin, next to %s, the cmake package, "
                    "PATH)" % (_env_dir(), sys.executable))
    ninja = _find_tool("ninja")

    def build(tmp_dir):
        configure = [cmake, "-S", EXAMPLE, "-B", tmp_dir, "-DCMAKE_BUILD_TYPE=Release",
                     "-Dtvm_ffi_hpy_DIR=" + libinfo.find_cmake_path()]
        if ninja:
            configure += ["-G", "Ninja", "-DCMAKE_MAKE_PROGRAM=" + ninja]
        run_or_fail(configure, "configuring the example")
        run_or_fail([cmake, "--build", tmp_dir], "building the example")

    out_dir = os.path.join(REPO, "build", "user_library", content_hash(_inputs()))
    return os.path.join(build_once(out_dir, build), LIB_NAME)


@pytest.fixture(scope="module")
def lib_path():
    return build_example()


@pytest.fixture(scope="module")
def mod(lib_path):
    # Loading registers the library's types and global functions for good.
    return ffi.load_module(lib_path)


@pytest.fixture(scope="module")
def Point(mod):
    @ffi.register_object("user_lib.Point")
    class Point(ffi.Object):
        def describe(self):
            return "%s at (%g, %g)" % (self.label, self.x, self.y)
    return Point


# ---------------------------------------------------------------------------
# exported functions
# ---------------------------------------------------------------------------
def test_module_object(mod, lib_path):
    assert isinstance(mod, ffi.Module)
    assert mod.path == lib_path
    assert lib_path in repr(mod)
    assert mod._type_index() == 73  # kTVMFFIModule


@pytest.mark.reenters_extension
def test_exported_by_attribute_and_item(mod):
    assert mod.add_one(1) == 2
    assert mod["add_one"](41) == 42
    assert isinstance(mod.add_one, ffi.Function)
    assert mod.greet("world") == "hello, world!"
    assert mod["make_point"](1.0, 2.0).x == 1.0
    assert "greet" in mod and "nope" not in mod
    assert mod.implements_function("echo")
    assert mod.get_function("add_one")(5) == 6


def test_exported_argument_checks(mod):
    sig = r"`add_one\(0: int\) -> int`\. "  # the signature, as apache tvm-ffi shows it
    with pytest.raises(TypeError, match=r"Mismatched type on argument #0 when calling: " + sig
                       + r"Expected `int` but got `str`"):
        mod.add_one("x")
    with pytest.raises(TypeError, match=r"Mismatched number of arguments when calling: " + sig
                       + r"Expected 1 but got 0 arguments"):
        mod.add_one()


def test_error_crosses_with_kind_and_message(mod):
    with pytest.raises(ValueError, match="safe_sqrt of a negative number: -1"):
        mod.safe_sqrt(-1.0)
    assert mod.safe_sqrt(9.0) == 3.0


def test_python_callback_through_library(mod):
    assert mod.apply_twice(lambda v: v + 1, 40) == 42
    boom = ZeroDivisionError("from the callback")

    def fail(_):
        raise boom
    with pytest.raises(ZeroDivisionError) as info:
        mod.apply_twice(fail, 1)
    assert info.value is boom


def test_missing_symbol(mod):
    with pytest.raises(AttributeError, match="__tvm_ffi_no_such_function"):
        mod.no_such_function
    with pytest.raises(KeyError, match="__tvm_ffi_no_such_function"):
        mod["no_such_function"]
    assert mod.get_function("no_such_function", allow_missing=True) is None
    assert not hasattr(mod, "no_such_function")
    assert ffi.get_global_func("ffi.ModuleGetFunction")(mod, "no_such_function") is None


def test_missing_file(tmp_path):
    missing = str(tmp_path / "libmissing.so")
    with pytest.raises(OSError, match="cannot load module .*libmissing.so.*No such file"):
        ffi.load_module(missing)
    not_a_library = tmp_path / "libtext.so"
    not_a_library.write_text("not a shared library\n")
    with pytest.raises(OSError, match="libtext.so"):
        ffi.load_module(str(not_a_library))


def test_load_again(mod, lib_path):
    again = ffi.load_module(lib_path)
    assert again is not mod  # a new Module, the same library (no second static init)
    assert again.add_one(2) == 3


# ---------------------------------------------------------------------------
# the library's object type and global functions
# ---------------------------------------------------------------------------
def test_static_init_globals(mod):
    assert ffi.get_global_func("user_lib.version")() == "user_lib 1.0"
    assert "user_lib.sum_x" in ffi.list_global_func_names()


def test_object_fields_and_methods(Point, mod):
    p = Point(3.0, 4.0, "p")
    assert (p.x, p.y, p.label) == (3.0, 4.0, "p")
    assert p.norm() == 5.0
    p.x = 6.0
    assert p.x == 6.0
    with pytest.raises(AttributeError, match="read-only"):
        p.label = "q"
    with pytest.raises(TypeError):
        p.y = "not a number"
    q = p.translate(1.0, 1.0)
    assert type(q) is Point and (q.x, q.y, q.label) == (7.0, 5.0, "p")
    assert q.describe() == "p at (7, 5)"
    made = mod.make_point(1.5, 2.0)
    assert type(made) is Point and made.label == "made in C++"
    assert ffi.get_global_func("user_lib.sum_x")([p, q, made]) == 6.0 + 7.0 + 1.5
    created = testing.create_object("user_lib.Point", x=2.0)  # reflection creator, defaults
    assert (created.x, created.y, created.label) == (2.0, 0.0, "origin")


def test_objects_tie(Point, mod):
    p = Point(1.0, 2.0, "tied")
    assert mod.echo(p) is p
    made = mod.make_point(0.0, 1.0)  # allocated by the library, through the installed allocator
    assert mod.echo(made) is made
    holder = testing.TestHolder(made)
    assert holder.value is made
    arr = ffi.convert([made, p])
    assert arr[0] is made and arr[1] is p


# ---------------------------------------------------------------------------
# build support
# ---------------------------------------------------------------------------
def test_one_core_in_the_process(mod):
    """The library linked the core by soname: dlopen reused the loaded one."""
    with open("/proc/self/maps") as f:  # Linux, the platform this project targets
        paths = {line.split()[-1] for line in f if line.rstrip().endswith("libtvm_ffi_hpy_core.so")}
    assert len(paths) == 1, paths
    assert os.path.samefile(paths.pop(), libinfo.find_core_lib())


def test_libinfo_and_config(capsys):
    assert os.path.exists(os.path.join(libinfo.find_include_path(), "tvm_ffi_hpy", "ffi.h"))
    assert os.path.exists(os.path.join(libinfo.find_include_path(), "tvm_ffi_hpy", "module.h"))
    # apache tvm-ffi's header names ship next to ours (docs/cpp-compat.md)
    for name in ("tvm_ffi.h", "c_api.h", "function.h", os.path.join("container", "tensor.h"),
                 os.path.join("extra", "stl.h"), os.path.join("extra", "c_env_api.h")):
        assert os.path.exists(os.path.join(libinfo.find_include_path(), "tvm", "ffi", name))
    assert os.path.basename(libinfo.find_lib_path()[0]) == "libtvm_ffi_hpy_core.so"
    assert os.path.exists(os.path.join(libinfo.find_cmake_path(), "tvm_ffi_hpy-config.cmake"))
    from tvm_ffi_hpy import config
    assert config.main(["--cmakedir"]) == 0
    assert capsys.readouterr().out.strip() == libinfo.find_cmake_path()


def test_example_script(lib_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (REPO, env.get("PYTHONPATH")) if p)
    proc = subprocess.run([sys.executable, os.path.join(EXAMPLE, "run.py"), lib_path],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stdout
    assert "add_one(41) = 42" in proc.stdout
    assert "echo(p) is p: True" in proc.stdout
    assert "scaled in C++: [10.0, 20.0, 30.0]" in proc.stdout


def test_tensor_function_of_a_user_library(mod):
    import numpy as np
    a = np.arange(6.0).reshape(2, 3)
    mod.scale(ffi.from_dlpack(a), 2.0)
    assert a.tolist() == [[0.0, 2.0, 4.0], [6.0, 8.0, 10.0]]
    with pytest.raises(TypeError, match="scale expects a float64 CPU tensor, got float32"):
        mod.scale(ffi.from_dlpack(np.zeros(2, dtype="float32")), 2.0)
    with pytest.raises(ValueError, match="scale expects a contiguous tensor"):
        mod.scale(ffi.from_dlpack(a[:, ::2]), 2.0)


@pytest.mark.parametrize("wanted, found", [("0.1", True), ("0.1.0", True), ("0.0", False),
                                           ("0.2", False), ("1.0", False)])
def test_find_package_checks_the_version(tmp_path, wanted, found):
    # One version number everywhere: tvm_ffi_hpy.__version__ is the CMake
    # package's version (cmake/tvm_ffi_hpy-config-version.cmake).  Before 1.0
    # a minor version is a breaking one.
    cmake = _find_tool("cmake")
    (tmp_path / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.18)\n"
        "project(version_probe LANGUAGES CXX)\n"
        "find_package(tvm_ffi_hpy %s CONFIG)\n"
        'message(STATUS "probe: found=${tvm_ffi_hpy_FOUND} version=${tvm_ffi_hpy_VERSION}")\n'
        % wanted)
    proc = subprocess.run([cmake, "-S", str(tmp_path), "-B", str(tmp_path / "build"),
                           "-Dtvm_ffi_hpy_DIR=" + libinfo.find_cmake_path()],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = [l for l in proc.stdout.splitlines() if "probe:" in l][0]
    if found:
        assert line.endswith("found=1 version=%s" % ffi.__version__), line
    else:
        assert "found=0" in line, line
        assert ffi.__version__ in proc.stderr  # CMake names the version it saw


def test_find_package_under_apache_tvm_ffi_name(tmp_path):
    # A CMake project written for apache tvm-ffi finds us under its name
    # (cmake/tvm_ffi-config.cmake) and builds against <tvm/ffi/...>.
    cmake = _find_tool("cmake")
    (tmp_path / "probe.cc").write_text(
        "#include <tvm/ffi/c_api.h>\n"
        "extern \"C\" int probe_live(void) { return int(TVMFFIGetLiveObjectCount() >= 0); }\n")
    (tmp_path / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.18)\n"
        "project(name_probe LANGUAGES CXX)\n"
        "find_package(tvm_ffi CONFIG REQUIRED)\n"
        "add_library(probe SHARED probe.cc)\n"
        "target_link_libraries(probe PRIVATE tvm_ffi::shared)\n"
        'message(STATUS "probe: found=${tvm_ffi_FOUND} lib=${tvm_ffi_LIB_FILES}")\n')
    build = tmp_path / "build"
    proc = subprocess.run([cmake, "-S", str(tmp_path), "-B", str(build),
                           "-Dtvm_ffi_DIR=" + libinfo.find_cmake_path()],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = [l for l in proc.stdout.splitlines() if "probe:" in l][0]
    assert line.endswith("found=1 lib=%s" % libinfo.find_core_lib()), line
    proc = subprocess.run([cmake, "--build", str(build)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (build / "libprobe.so").is_file()


# ---------------------------------------------------------------------------
# The testing set: a user library of the core like the example
# ---------------------------------------------------------------------------
def test_testing_set_is_a_library_of_its_own():
    # Only a miss of a "testing." name loads the library (get_global_func).
    code = ("import tvm_ffi_hpy, sys\n"
            "assert 'tvm_ffi_hpy.testing' not in sys.modules\n"
            "assert tvm_ffi_hpy.get_global_func('nope.echo', allow_missing=True) is None\n"
            "assert 'tvm_ffi_hpy.testing' not in sys.modules\n"
            "assert tvm_ffi_hpy.get_global_func('testing.echo', allow_missing=True) is not None\n"
            "assert 'tvm_ffi_hpy.testing' in sys.modules\n"
            "assert tvm_ffi_hpy.get_global_func('testing.nope', allow_missing=True) is None\n"
            "from tvm_ffi_hpy import libinfo, testing\n"
            "assert testing.library.path == libinfo.find_testing_lib()\n"
            "print(tvm_ffi_hpy.get_global_func('testing.echo')(testing.TestIntPair(1, 2)).sum())\n")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (REPO, env.get("PYTHONPATH")) if p)
    proc = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, env=env,
                          cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.strip().endswith("3")
    assert os.path.basename(libinfo.find_testing_lib()) == "libtvm_ffi_hpy_testing.so"


def test_the_core_exports_its_c_abi_alone():
    nm = shutil.which("nm")
    if nm is None:
        pytest.fail("nm (binutils) not found: it comes with the C++ toolchain the build needs")
    out = subprocess.run([nm, "-D", "--defined-only", libinfo.find_core_lib()],
                         stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout
    names = [line.split()[-1] for line in out.splitlines() if line.strip()]
    assert "TVMFFIFunctionCall" in names and "TVMFFIObjectRefTransition" in names
    assert [n for n in names if not n.startswith("TVMFFI")] == []
    # The testing set lives in its own library, not in the core.
    assert not [n for n in names if "testing" in n.lower()]
