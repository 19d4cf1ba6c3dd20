"""An interpreter with an older HPy ABI gets a clear ImportError, never a crash.

Debian 12's PyPy 7.3.11 (Python 3.9) ships HPy 0.0.4, whose universal ABI
(context layout, ``*.hpy.so`` file names) is incompatible with the package's
``_ffi.hpy0.so``: loading that binary there would crash the process.  The
package's loader must refuse first.  ci/install.sh provisions that PyPy as
``$ENV_DIR/bin/pypy3-old`` (env var PYPY_OLD); these tests only spawn it, so
they run the same on CPython and PyPy.
"""
import json
import os
import subprocess

import pytest

from tvm_ffi_hpy import _loader

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOADER_PY = os.path.join(REPO_ROOT, "tvm_ffi_hpy", "_loader.py")


def _pypy_old():
    path = os.environ.get("PYPY_OLD") or os.path.join(REPO_ROOT, ".env", "bin", "pypy3-old")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail("the old PyPy (7.3.11, HPy 0.0.4) is not provisioned: %s does not exist; "
                    "run `bash ci/install.sh` (then `source ci/env.sh` for PYPY_OLD)" % path,
                    pytrace=False)
    return path


def _run_old(code, cwd):
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO_ROOT
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    for name in ("PYTHONHOME", "PYTHONSTARTUP", "TVM_FFI_HPY_DEBUG"):
        env.pop(name, None)
    return subprocess.run([_pypy_old(), "-c", code], cwd=str(cwd), env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=300)


def _describe(proc):
    status = ("killed by signal %d" % -proc.returncode if proc.returncode < 0
              else "exit status %d" % proc.returncode)
    return "%s\n--- stdout ---\n%s\n--- stderr ---\n%s" % (status, proc.stdout, proc.stderr)


def _old_interpreter(tmp_path):
    """Version facts of the old PyPy, computed by _loader.py itself (loaded as a
    standalone file: importing tvm_ffi_hpy._loader would run the package's
    __init__, which is what must fail there)."""
    code = ("import importlib.util, json, sys\n"
            "spec = importlib.util.spec_from_file_location('_standalone_loader', %r)\n"
            "m = importlib.util.module_from_spec(spec)\n"
            "spec.loader.exec_module(m)\n"
            "print(json.dumps({'hpy': m.hpy_version(), 'interpreter': m._interpreter(),\n"
            "                  'pypy': list(sys.pypy_version_info[:3]),\n"
            "                  'python': list(sys.version_info[:2])}))\n" % LOADER_PY)
    proc = _run_old(code, tmp_path)
    assert proc.returncode == 0, _describe(proc)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_old_pypy_reports_hpy_older_than_required(tmp_path):
    info = _old_interpreter(tmp_path)
    assert info["python"] == [3, 9], info
    assert tuple(info["pypy"]) < (7, 3, 14), info
    version = info["hpy"]
    assert version == "" or _loader._parse(version) < _loader.REQUIRED_HPY, info


def test_import_on_old_pypy_is_a_clean_import_error(tmp_path):
    info = _old_interpreter(tmp_path)
    proc = _run_old("import tvm_ffi_hpy", tmp_path)
    # 1 = an uncaught Python exception; a crash would be a signal (negative
    # status) or 134/139 from a shell-style report of SIGABRT/SIGSEGV.
    assert proc.returncode == 1, _describe(proc)
    lines = proc.stderr.strip().splitlines()
    assert lines and lines[-1].startswith("ImportError: "), _describe(proc)
    message = lines[-1]
    assert "HPy 0.9" in message, _describe(proc)
    assert info["interpreter"] in message, _describe(proc)   # e.g. PyPy 7.3.11 (Python 3.9.16)
    if info["hpy"]:
        assert "provides HPy %s" % info["hpy"] in message, _describe(proc)
    else:
        assert "has no `hpy.universal` module" in message, _describe(proc)
    # Raised by the loader, before anything touched _ffi.hpy0.so.
    assert "_loader.py" in proc.stderr, _describe(proc)
    assert "tvm_ffi_hpy._ffi" not in proc.stderr, _describe(proc)
    assert "Fatal Python error" not in proc.stderr, _describe(proc)
