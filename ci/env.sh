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

# The in-place build of the package (ci/bench.sh, ci/harden.sh; ci/test.sh
# builds a wheel instead).  Arguments go to setup.py build_ext.
build_in_place() {
  "$CPY" setup.py -q build_ext --inplace --build-temp build/setup "$@"
}

# pytest on one of our interpreters, the one loop body of ci/test.sh and
# ci/harden.sh:  pytest_on CPython|PyPy [NAME=value...] -- pytest arguments
# PyPy takes pytest from $PYPY_SITE, and the package from $PYPY_PKG when that
# is set (ci/test.sh: the installed wheel), else from the current directory.
pytest_on() {
  local which="$1"; shift
  local envs=()
  while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
  [ "$#" -gt 0 ] && shift
  case "$which" in
    CPython) env "${envs[@]}" "$CPY" -m pytest "$@" ;;
    PyPy) env PYTHONPATH="${PYPY_PKG:+$PYPY_PKG:}$PYPY_SITE" "${envs[@]}" "$PYPY" -m pytest "$@" ;;
    *) echo "pytest_on: CPython or PyPy, not $which" >&2; return 2 ;;
  esac
}

# sha256 of tvm_ffi_hpy/NAME inside a wheel file (ci/test.sh, ci/packaging.sh).
wheel_member_sha() {  # wheel, name
  "$CPY" -c 'import hashlib, sys, zipfile
print(hashlib.sha256(zipfile.ZipFile(sys.argv[1]).read("tvm_ffi_hpy/" + sys.argv[2])).hexdigest())' "$1" "$2"
}
