"""Which binary is loaded, on which interpreter, and the demo entry point."""
import json
import os
import platform
import subprocess
import sys

import pytest

import tvm_ffi_hpy
from tvm_ffi_hpy import _loader, core

PACKAGE_DIR = os.path.dirname(os.path.abspath(tvm_ffi_hpy.__file__))
IS_CPYTHON_313 = (platform.python_implementation() == "CPython"
                  and sys.version_info[:2] == (3, 13))
REPO_ROOT = os.path.dirname(PACKAGE_DIR)


def _subprocess_env(**extra):
    env = dict(os.environ)
    paths = [REPO_ROOT] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.update(extra)
    return env


def test_loaded_file_is_the_universal_binary():
    module = sys.modules["tvm_ffi_hpy._ffi"]
    assert module.__file__.endswith(".hpy0.so")
    assert os.path.basename(module.__file__) == "_ffi.hpy0.so"
    assert os.path.samefile(module.__file__, os.path.join(PACKAGE_DIR, "_ffi.hpy0.so"))


def test_core_module_uses_the_loaded_extension():
    assert core._ffi is sys.modules["tvm_ffi_hpy._ffi"]


def test_extension_path_matches_loaded_file():
    assert os.path.samefile(tvm_ffi_hpy._extension_path(), core._ffi.__file__)


def test_load_is_idempotent():
    assert _loader.load() is core._ffi


def test_core_library_next_to_extension():
    assert os.path.exists(os.path.join(PACKAGE_DIR, "libtvm_ffi_hpy_core.so"))


def test_hpy_version():
    version = tvm_ffi_hpy._hpy_version()
    assert isinstance(version, str)
    assert version.startswith("0.9")


def test_version_parsing():
    assert _loader._parse("0.9.0") == (0, 9)
    assert _loader._parse("0.9.0rc2") == (0, 9)
    assert _loader._parse("0.0.4") < _loader.REQUIRED_HPY
    assert _loader._parse("1.0") >= _loader.REQUIRED_HPY


def test_package_version():
    assert tvm_ffi_hpy.__version__ == "0.1.0"


def test_public_names_exported():
    for name in tvm_ffi_hpy.__all__:
        assert hasattr(tvm_ffi_hpy, name), name


def test_main_module_runs_in_subprocess():
    proc = subprocess.run([sys.executable, "-m", "tvm_ffi_hpy"], capture_output=True,
                          text=True, timeout=300, env=_subprocess_env(), cwd=REPO_ROOT)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert platform.python_implementation() in out
    assert "add_one(41) -> 42" in out
    assert "_ffi.hpy0.so" in out
    assert "C++ error -> ValueError('from C++')" in out


def test_same_binary_in_subprocess():
    code = "import tvm_ffi_hpy, sys; print(sys.modules['tvm_ffi_hpy._ffi'].__file__)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, env=_subprocess_env(), cwd=REPO_ROOT)
    assert proc.returncode == 0, proc.stderr
    assert os.path.samefile(proc.stdout.strip(), core._ffi.__file__)


def test_trace_mode_counts_hpy_calls_in_subprocess():
    # convert(5) (a module function) takes the int in (one HPyLong_AsInt64_t)
    # and gives a new one back (one HPyLong_FromInt32_t: hpy_ext/shim.h,
    # "Integers").  Counted through a
    # module function: PyPy 7.3.19's trace mode does not see the calls of
    # code entered through a type's slots (tp_call, getsets).
    code = ("import json, tvm_ffi_hpy; "
            "get_call_counts = tvm_ffi_hpy._loader.hpy_runtime()._trace.get_call_counts; "
            "tvm_ffi_hpy.convert(5); "
            "before = dict(get_call_counts()); [tvm_ffi_hpy.convert(5) for _ in range(100)]; "
            "after = get_call_counts(); "
            "print(json.dumps({k: after[k] - before.get(k, 0) for k in after}))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, cwd=REPO_ROOT,
                          env=_subprocess_env(TVM_FFI_HPY_TRACE="1", TVM_FFI_HPY_DEBUG=""))
    assert proc.returncode == 0, proc.stderr
    counts = json.loads(proc.stdout.strip().splitlines()[-1])
    assert counts["ctx_Long_AsInt64_t"] == 100
    assert counts["ctx_Long_FromInt32_t"] == 100
    assert counts["ctx_Long_FromInt64_t"] == 0


def test_trace_and_debug_mode_exclude_each_other():
    proc = subprocess.run([sys.executable, "-c", "import tvm_ffi_hpy"], capture_output=True,
                          text=True, timeout=300, cwd=REPO_ROOT,
                          env=_subprocess_env(TVM_FFI_HPY_TRACE="1", TVM_FFI_HPY_DEBUG="1"))
    assert proc.returncode != 0
    assert "exclude each other" in proc.stderr


def _run_in_debug_mode(code):
    """The words `code` prints, run by this interpreter with the extension in HPy debug mode."""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, env=_subprocess_env(TVM_FFI_HPY_DEBUG="1"),
                          cwd=REPO_ROOT)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_debug_mode_in_subprocess():
    code = ("import tvm_ffi_hpy, tvm_ffi_hpy.testing; from tvm_ffi_hpy import _loader; "
            "assert _loader.debug_mode(); "
            "print(tvm_ffi_hpy.get_global_func('testing.add_one')(1), "
            "tvm_ffi_hpy.testing.TestIntPair(2, 3).sum())")
    assert _run_in_debug_mode(code) == ["2", "5"]


def test_debug_module_of_the_runtime_sees_the_extensions_handles():
    # The leak check of the suite (conftest.py) asks hpy_runtime()._debug for
    # the handles opened since a generation began.  That module must be the
    # one watching this extension (on CPython 3.13 the package's own runtime,
    # not an installed hpy): inside a callback the extension holds open
    # handles (those of the call it is making); after the call, none.
    code = ("import tvm_ffi_hpy; from tvm_ffi_hpy import _loader; "
            "debug = _loader.hpy_runtime()._debug; generation = debug.new_generation(); "
            "seen = []; "
            "apply = tvm_ffi_hpy.get_global_func('testing.apply'); "
            "apply(lambda x: seen.append(len(debug.get_open_handles(generation))) or x, 1); "
            "print(seen[0], len(debug.get_open_handles(generation)))")
    during, after = map(int, _run_in_debug_mode(code))
    assert during > 0
    assert after == 0


# ---------------------------------------------------------------------------
# Interpreters that cannot run the binary: one clear ImportError each, raised
# before anything touches the binary.
# ---------------------------------------------------------------------------
def _pyenv_python(minor):
    """A CPython `minor` (e.g. "3.13") from pyenv, if this machine has one."""
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True,
                              timeout=60).stdout.strip()
    except OSError:
        root = os.path.expanduser("~/.pyenv")
    versions = os.path.join(root, "versions")
    if not os.path.isdir(versions):
        return None
    for name in sorted(os.listdir(versions), reverse=True):
        if name.startswith(minor + "."):
            path = os.path.join(versions, name, "bin", "python")
            if os.path.exists(path):
                return path
    return None


@pytest.mark.parametrize("minor, reason", [
    ("3.9", "Python 3.9 is older than 3.10"),
    # (pyenv's bare 3.13 runs it: tests/test_cpython313.py)
])
def test_unsupported_cpython_gets_a_clear_import_error(minor, reason, tmp_path):
    python = _pyenv_python(minor)
    # Machines of this project's kind have pyenv's 3.9 to 3.13 (ci/packaging.sh
    # needs 3.10 to 3.12 from there too).
    assert python is not None, "this machine has no CPython %s under pyenv" % minor
    # Only the package on its path: the folder it is installed in may hold this
    # lane's hpy (the CPython 3.13 lane's is the patched one, which would run).
    path = tmp_path / "path"
    path.mkdir()
    (path / "tvm_ffi_hpy").symlink_to(PACKAGE_DIR, target_is_directory=True)
    env = _subprocess_env()
    env["PYTHONPATH"] = str(path)
    proc = subprocess.run([python, "-c", "import tvm_ffi_hpy"], capture_output=True, text=True,
                          timeout=300, cwd=str(tmp_path), env=env)
    assert proc.returncode == 1, proc.stderr     # an exception, not a crash
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: tvm_ffi_hpy does not run on CPython %s." % minor), last
    assert reason in last
    assert _loader.SUPPORTED in last               # ... and what would work
    assert "_loader.py" in proc.stderr and "Fatal" not in proc.stderr


def test_interpreter_without_hpy_gets_a_clear_import_error(tmp_path):
    # Debian's PyPy 8.0.1 and GraalPy 25 have no hpy.universal: shown here by
    # hiding the module.
    code = "import sys; sys.modules['hpy.universal'] = None; import tvm_ffi_hpy"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, cwd=str(tmp_path), env=_subprocess_env())
    if IS_CPYTHON_313:  # the package carries its runtime there: no hpy.universal needed
        assert proc.returncode == 0, proc.stderr
        return
    assert proc.returncode == 1, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, cwd=str(tmp_path), env=_subprocess_env())
    if IS_CPYTHON_313:  # the package carries its runtime there: no hpy.universal needed
        assert proc.returncode == 0, proc.stderr
        return
    assert last.startswith("ImportError: tvm_ffi_hpy needs the HPy 0.9 universal ABI")
    assert "has no `hpy.universal` module" in last
    if platform.python_implementation() == "PyPy":
        assert "this PyPy was built without HPy" in last


def test_interpreter_problem_is_empty_here():
    assert _loader.interpreter_problem() == ""


def test_source_tree_without_binary_uses_the_installed_package(tmp_path):
    # `pip install . && python -m tvm_ffi_hpy` from the clone's root: Python
    # finds the source tree first, which has no binary.
    fake = tmp_path / "tvm_ffi_hpy"
    fake.mkdir()
    with open(os.path.join(REPO_ROOT, "tvm_ffi_hpy", "__init__.py")) as f:
        (fake / "__init__.py").write_text(f.read())
    env = _subprocess_env()
    env["PYTHONPATH"] = os.path.dirname(PACKAGE_DIR)  # where the package with its binary is
    proc = subprocess.run([sys.executable, "-m", "tvm_ffi_hpy"], capture_output=True, text=True,
                          timeout=300, cwd=str(tmp_path), env=env)
    assert proc.returncode == 0, proc.stderr
    assert "add_one(41) -> 42" in proc.stdout
    loaded = [line.split(":", 1)[1].strip() for line in proc.stdout.splitlines()
              if line.startswith("extension")][0]
    assert os.path.samefile(loaded, core._ffi.__file__)
