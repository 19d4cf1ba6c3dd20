# shellcheck shell=bash
# Source this (bash) to get the paths that ci/install.sh provisions:
#   ENV_DIR    the environment directory (TVM_FFI_HPY_ENV, default <repo>/.env)
#   CPY        CPython 3.11 venv python with hpy 0.9.0, pytest, hypothesis
#   PYPY       PyPy >= 7.3.14 (Python 3.11, HPy 0.9) wrapper
#   PYPY_SITE  pytest + hypothesis for PyPy: run it as PYTHONPATH="$PYPY_SITE" "$PYPY" -m pytest
_tvm_ffi_hpy_repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ENV_DIR="${TVM_FFI_HPY_ENV:-$_tvm_ffi_hpy_repo/.env}"
case "$ENV_DIR" in /*) ;; *) ENV_DIR="$PWD/$ENV_DIR" ;; esac
CPY="$ENV_DIR/cpython/bin/python"
PYPY="$ENV_DIR/bin/pypy3"
PYPY_SITE="$ENV_DIR/pypy-site"
export ENV_DIR CPY PYPY PYPY_SITE
export PYPY_OLD="$ENV_DIR/bin/pypy3-old"   # PyPy 7.3.11 / HPy 0.0.4, for tests/test_old_pypy.py only
unset _tvm_ffi_hpy_repo

# sha256 of tvm_ffi_hpy/NAME inside a wheel file (ci/test.sh, ci/packaging.sh).
wheel_member_sha() {  # wheel, name
  "$CPY" -c 'import hashlib, sys, zipfile
print(hashlib.sha256(zipfile.ZipFile(sys.argv[1]).read("tvm_ffi_hpy/" + sys.argv[2])).hexdigest())' "$1" "$2"
}
