"""CPython 3.13: the same binary runs there on HPy's runtime with our patch.

HPy 0.9's CPython runtime marks its types with bit 2 of tp_flags, which
CPython 3.13 made Py_TPFLAGS_INLINE_VALUES: with a plain hpy 0.9.0 the first
object the extension makes crashes the process.  ci/hpy-patches/ moves HPy's
mark out of tp_flags on 3.13; ci/hpy313.sh builds that hpy as the wheel
hpy==0.9.0+tvmffihpy.1, and our wheel carries its runtime (setup.py,
TVM_FFI_HPY_HPY313_WHEEL) in tvm_ffi_hpy/_hpy313/, which the loader uses on
3.13: a plain `pip install` of our wheel runs there.  The CPython 3.13 venv
($CPY313) and pyenv's bare 3.13 have no hpy at all.  These tests spawn those
interpreters, so they run the same on every lane; the in-process checks at
the end look at the interpreter running the suite.
"""
import hashlib
import os
import platform
import re
import subprocess
import sys

import pytest

import tvm_ffi_hpy
from tvm_ffi_hpy import _loader, testing

PACKAGE_DIR = os.path.dirname(os.path.abspath(tvm_ffi_hpy.__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INLINE_VALUES = 1 << 2   # CPython 3.13's Py_TPFLAGS_INLINE_VALUES; HPy 0.9's type mark below 3.13
IS_CPYTHON = platform.python_implementation() == "CPython"


def _cpy313():
    path = os.environ.get("CPY313") or os.path.join(REPO_ROOT, ".env", "cpython313", "bin",
                                                    "python")
    if not os.path.isfile(path):
        pytest.fail("the CPython 3.13 venv with the patched hpy is not provisioned: %s does not "
                    "exist; run `bash ci/install.sh` (then `source ci/env.sh` for CPY313)" % path,
                    pytrace=False)
    return path


def _bare_cpy313():
    """pyenv's CPython 3.13 itself: no venv, no hpy, nothing installed."""
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True,
                              timeout=60).stdout.strip()
    except OSError:
        root = ""
    versions = os.path.join(root or os.path.expanduser("~/.pyenv"), "versions")
    found = [name for name in os.listdir(versions) if re.fullmatch(r"3\.13\.\d+", name)] \
        if os.path.isdir(versions) else []
    assert found, "this machine has no CPython 3.13 under pyenv (%s)" % versions
    newest = max(found, key=lambda name: int(name.split(".")[2]))
    return os.path.join(versions, newest, "bin", "python3.13")


def _package_copy(tmp_path, without=()):
    """A folder for PYTHONPATH holding only the package (as links to its
    entries, leaving out those named): the folder it is installed in may be
    another interpreter's site-packages."""
    path = tmp_path / "path"
    package = path / "tvm_ffi_hpy"
    package.mkdir(parents=True)
    for name in os.listdir(PACKAGE_DIR):
        if name not in without:
            (package / name).symlink_to(os.path.join(PACKAGE_DIR, name))
    return path


def _run(python, code, tmp_path, without=(), **extra):
    """`python -c code` from tmp_path, importing this very package (and binary)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(_package_copy(tmp_path, without))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    for name in ("PYTHONHOME", "PYTHONSTARTUP", "TVM_FFI_HPY_DEBUG", "TVM_FFI_HPY_TRACE",
                 "TVM_FFI_HPY_SHA_FILE"):
        env.pop(name, None)
    env.update(extra)
    return subprocess.run([python, "-X", "faulthandler", "-c", code], cwd=str(tmp_path),
                          env=env, capture_output=True, text=True, timeout=300)


def test_package_carries_the_patched_runtime():
    # what the wheel ships for 3.13 (setup.py): the runtime and HPy's license
    folder = os.path.join(PACKAGE_DIR, _loader.BUNDLED_RUNTIME_DIR)
    assert os.path.isdir(folder), (
        "%s is missing: the package was built without TVM_FFI_HPY_HPY313_WHEEL (ci/test.sh "
        "and ci/env.sh's build_in_place set it once ci/install.sh has built that hpy)" % folder)
    names = sorted(os.listdir(folder))
    assert names[:3] == ["ABOUT", "AUTHORS", "LICENSE"] and len(names) == 4, names
    assert re.fullmatch(r"universal\.cpython-313-[\w-]+\.so", names[3]), names
    with open(os.path.join(folder, "LICENSE")) as f:
        assert "Permission is hereby granted" in f.read()     # HPy's MIT license


def test_patched_hpy_version_agrees_everywhere():
    # the loader, the wheel's requirement (setup.py) and the build script
    # (ci/hpy313.sh) name one and the same version of the patched hpy
    assert _loader.PATCHED_HPY_313 == "0.9.0+tvmffihpy.1"
    for name, pattern in (("setup.py", r'HPY_313_VERSION = "([^"]+)"'),
                          (os.path.join("ci", "hpy313.sh"),
                           r'PATCHED_VERSION="\$HPY_VERSION(\+[^"]+)"')):
        path = os.path.join(REPO_ROOT, name)
        assert os.path.exists(path), "the tests run from the source tree: %s" % path
        with open(path) as f:
            found = re.findall(pattern, f.read())
        assert len(found) == 1, (name, found)
        version = found[0] if found[0][0] != "+" else "0.9.0" + found[0]
        assert version == _loader.PATCHED_HPY_313, (name, version)


def test_patched_hpy_is_recognised():
    assert _loader.is_patched_hpy("0.9.0+tvmffihpy.1")
    assert _loader.is_patched_hpy("0.9.0+tvmffihpy.2")
    assert not _loader.is_patched_hpy("0.9.0")
    assert not _loader.is_patched_hpy("0.9.1.dev61+g1234")   # PyPy's own HPy
    assert not _loader.is_patched_hpy("0.9.1+tvmffihpy.1")   # the patch is for 0.9.0 only
    assert not _loader.is_patched_hpy("")


# A plain hpy 0.9.0 on the path: its version string only, so nothing of it
# is loaded (a real one would crash 3.13 at the first object).
FAKE_PLAIN_HPY = ("import sys, types\n"
                  "universal = types.ModuleType('hpy.universal')\n"
                  "universal.get_version = lambda: ('0.9.0', 'f611473')\n"
                  "sys.modules['hpy'] = types.ModuleType('hpy')\n"
                  "sys.modules['hpy.universal'] = universal\n")

SAME_BINARY_CODE = r"""
import gc, hashlib, importlib.util, sys
import tvm_ffi_hpy as ffi
from tvm_ffi_hpy import _loader, testing
assert sys.version_info[:2] == (3, 13), sys.version
assert importlib.util.find_spec("hpy") is None     # no hpy package anywhere
pairs = [testing.TestIntPair(i, 2 * i) for i in range(2000)]
assert sum(p.sum() for p in pairs) == 3 * sum(range(2000))
h = testing.TestHolder(pairs[7])
assert h.value is pairs[7]
del pairs; gc.collect()
assert h.value.a == 7
assert ffi.get_global_func("testing.apply")(lambda x: x * 2, 21) == 42
path = sys.modules["tvm_ffi_hpy._ffi"].__file__
print(_loader.hpy_runtime().__name__)
print(_loader.hpy_version())
print(type(h).__flags__)
print(hashlib.sha256(open(path, "rb").read()).hexdigest())
"""


@pytest.mark.parametrize("which", ["venv", "bare"])
def test_same_binary_runs_on_cpython313_without_hpy(which, tmp_path):
    # import, objects made by HPy_New (the first one crashed before the
    # patch), attribute lookups on instances, a callback, a collection; in
    # the suite's 3.13 venv and in pyenv's bare 3.13, neither with any hpy
    python = _cpy313() if which == "venv" else _bare_cpy313()
    proc = _run(python, SAME_BINARY_CODE, tmp_path)
    assert proc.returncode == 0, proc.stderr          # a segfault would be -11
    runtime, version, flags, sha = proc.stdout.split()
    assert runtime == _loader.BUNDLED_RUNTIME_NAME    # the package's own runtime
    assert version == _loader.PATCHED_HPY_313
    assert not int(flags) & INLINE_VALUES             # the clash is gone
    with open(os.path.join(PACKAGE_DIR, _loader.EXTENSION_FILE), "rb") as f:
        assert sha == hashlib.sha256(f.read()).hexdigest()   # the binary of this run


def test_debug_mode_on_the_bundled_runtime(tmp_path):
    code = ("import tvm_ffi_hpy; from tvm_ffi_hpy import _loader, testing\n"
            "assert _loader.debug_mode()\n"
            "debug = _loader.hpy_runtime()._debug\n"
            "generation = debug.new_generation()\n"
            "assert testing.TestIntPair(2, 3).sum() == 5\n"
            "print(_loader.hpy_runtime().__name__, len(debug.get_open_handles(generation)))\n")
    proc = _run(_bare_cpy313(), code, tmp_path, TVM_FFI_HPY_DEBUG="1")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [_loader.BUNDLED_RUNTIME_NAME, "0"]


def test_bundled_runtime_wins_over_an_installed_plain_hpy(tmp_path):
    # a plain hpy 0.9.0 on the path (here: its version string, so nothing of
    # it is loaded) is not used: the package's runtime is
    code = (FAKE_PLAIN_HPY +
            "import tvm_ffi_hpy\n"
            "from tvm_ffi_hpy import _loader, testing\n"
            "print(_loader.hpy_runtime().__name__, testing.TestIntPair(1, 2).sum())\n")
    proc = _run(_bare_cpy313(), code, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [_loader.BUNDLED_RUNTIME_NAME, "3"]


@pytest.mark.parametrize("hpy", ["none", "plain"])
def test_without_the_bundled_runtime_a_clear_import_error(hpy, tmp_path):
    # a package built without TVM_FFI_HPY_HPY313_WHEEL, with no hpy or a plain
    # hpy 0.9.0 (its version string only), is refused before the binary is
    # touched: the process must not crash
    code = "import tvm_ffi_hpy\n"
    if hpy == "plain":
        code = FAKE_PLAIN_HPY + code
    proc = _run(_bare_cpy313(), code, tmp_path, without=(_loader.BUNDLED_RUNTIME_DIR,))
    assert proc.returncode == 1, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: tvm_ffi_hpy does not run on CPython 3.13"), last
    assert "HPy's runtime patched for 3.13" in last
    assert "hpy==%s" % _loader.PATCHED_HPY_313 in last
    assert ("this one has hpy 0.9.0" if hpy == "plain" else "this one has no hpy") in last


def test_hpy_type_mark_matches_the_interpreter():
    # Where HPy's CPython runtime marks its types: bit 2 of tp_flags below
    # 3.13 (hpy 0.9.0 as released), nowhere in tp_flags from 3.13 on (the
    # patch; there the bit means inline values).  PyPy has no such bit.
    if not IS_CPYTHON:
        pytest.skip("tp_flags and HPy's type mark are CPython's (this is %s)"
                    % platform.python_implementation())
    flags = type(testing.TestIntPair(1, 2)).__flags__
    if sys.version_info >= (3, 13):
        assert not flags & INLINE_VALUES
        assert _loader.is_patched_hpy(_loader.hpy_version())
    else:
        assert flags & INLINE_VALUES
