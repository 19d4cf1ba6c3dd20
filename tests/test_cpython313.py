"""CPython 3.13: the same binary runs there on hpy 0.9.0 with our patch.

HPy 0.9's CPython runtime marks its types with bit 2 of tp_flags, which
CPython 3.13 made Py_TPFLAGS_INLINE_VALUES: with a plain hpy 0.9.0 the first
object the extension makes crashes the process.  ci/hpy-patches/ moves HPy's
mark out of tp_flags on 3.13; ci/hpy313.sh builds that hpy as the wheel
hpy==0.9.0+tvmffihpy.1, and ci/install.sh installs it into the CPython 3.13
venv ($CPY313).  These tests spawn that interpreter (and pyenv's bare 3.13),
so they run the same on every lane; the in-process checks at the end look at
the interpreter running the suite.
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


def _run(python, code, tmp_path, **extra):
    """`python -c code` from tmp_path, importing this very package (and binary).

    PYTHONPATH names a folder holding only a link to the package: the folder
    the package is installed in may be another interpreter's site-packages."""
    path = tmp_path / "path"
    path.mkdir()
    (path / "tvm_ffi_hpy").symlink_to(PACKAGE_DIR, target_is_directory=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(path)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    for name in ("PYTHONHOME", "PYTHONSTARTUP", "TVM_FFI_HPY_DEBUG", "TVM_FFI_HPY_TRACE",
                 "TVM_FFI_HPY_SHA_FILE"):
        env.pop(name, None)
    env.update(extra)
    return subprocess.run([python, "-X", "faulthandler", "-c", code], cwd=str(tmp_path),
                          env=env, capture_output=True, text=True, timeout=300)


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


def test_same_binary_runs_on_cpython313(tmp_path):
    # import, objects made by HPy_New (the first one crashed before the
    # patch), attribute lookups on instances, a callback, a collection
    code = r"""
import gc, hashlib, sys
import hpy.universal
import tvm_ffi_hpy as ffi
from tvm_ffi_hpy import testing
assert sys.version_info[:2] == (3, 13), sys.version
pairs = [testing.TestIntPair(i, 2 * i) for i in range(2000)]
assert sum(p.sum() for p in pairs) == 3 * sum(range(2000))
h = testing.TestHolder(pairs[7])
assert h.value is pairs[7]
del pairs; gc.collect()
assert h.value.a == 7
assert ffi.get_global_func("testing.apply")(lambda x: x * 2, 21) == 42
path = sys.modules["tvm_ffi_hpy._ffi"].__file__
print(hpy.universal.get_version()[0])
print(type(h).__flags__)
print(hashlib.sha256(open(path, "rb").read()).hexdigest())
"""
    proc = _run(_cpy313(), code, tmp_path)
    assert proc.returncode == 0, proc.stderr          # a segfault would be -11
    version, flags, sha = proc.stdout.split()
    assert version == _loader.PATCHED_HPY_313
    assert not int(flags) & INLINE_VALUES             # the clash is gone
    with open(os.path.join(PACKAGE_DIR, _loader.EXTENSION_FILE), "rb") as f:
        assert sha == hashlib.sha256(f.read()).hexdigest()   # the binary of this run


def test_unpatched_hpy_on_cpython313_gets_a_clear_import_error(tmp_path):
    # a plain hpy 0.9.0 (here: its version string, so nothing is loaded) is
    # refused before the binary is touched: the process must not crash
    code = ("import sys, types\n"
            "universal = types.ModuleType('hpy.universal')\n"
            "universal.get_version = lambda: ('0.9.0', 'f611473')\n"
            "sys.modules['hpy'] = types.ModuleType('hpy')\n"
            "sys.modules['hpy.universal'] = universal\n"
            "import tvm_ffi_hpy\n")
    proc = _run(_cpy313(), code, tmp_path)
    assert proc.returncode == 1, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: tvm_ffi_hpy does not run on CPython 3.13"), last
    assert "needs hpy==%s" % _loader.PATCHED_HPY_313 in last
    assert "this one has hpy 0.9.0" in last


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
