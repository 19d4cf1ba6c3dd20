"""The package ships type information, and mypy --strict passes on it and on
the examples (mypy from the CPython venv of ci/install.sh, on either
interpreter's test run)."""
import os
import re
import subprocess

import pytest

import tvm_ffi_hpy
from tvm_ffi_hpy import core

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE_DIR = os.path.dirname(os.path.abspath(tvm_ffi_hpy.__file__))
STUB = os.path.join(PACKAGE_DIR, "_ffi.pyi")


def _venv_python():
    env_dir = os.environ.get("TVM_FFI_HPY_ENV") or os.path.join(REPO, ".env")
    if not os.path.isabs(env_dir):
        env_dir = os.path.join(REPO, env_dir)
    return os.path.join(env_dir, "cpython", "bin", "python")


def test_type_information_is_shipped():
    assert os.path.isfile(os.path.join(PACKAGE_DIR, "py.typed"))
    assert os.path.isfile(STUB)


def test_stub_lists_every_public_name_of_the_extension():
    with open(STUB) as f:
        text = f.read()
    defined = set(re.findall(r"^(?:def|class)\s+(\w+)", text, re.MULTILINE))
    # Functions and types; PyPy's HPy loader also leaves a `spec` (ModuleSpec).
    exposed = {name for name in dir(core._ffi)
               if not (name.startswith("__") and name.endswith("__"))
               and callable(getattr(core._ffi, name))}
    assert exposed - defined == set(), "missing from _ffi.pyi"
    assert {"Object", "Function", "FieldAccessor"} <= defined


def test_mypy_strict():
    python = _venv_python()
    if not os.path.exists(python):
        pytest.fail("no CPython venv at %s: run ci/install.sh" % python)
    # The examples' setup.py build hooks subclass setuptools' commands, which
    # ship no type stubs; the rest of the examples is user-facing code.
    proc = subprocess.run([python, "-m", "mypy", "--strict", "tvm_ffi_hpy", "examples",
                           "--exclude", r"^examples/.*/setup\.py$"],
                          cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=600)
    assert proc.returncode == 0, "mypy --strict failed:\n" + proc.stdout
