# shellcheck shell=bash
# Source this (bash) to get the paths that ci/install.sh provisions:
#   ENV_DIR    the environment directory (TVM_FFI_HPY_ENV, default <repo>/.env)
#   CPY        CPython 3.11 venv python with hpy 0.9.0, pytest, hypothesis
#   PYPY       PyPy >= 7.3.14 (Python 3.11, HPy 0.9) wrapper
#   PYPY_SITE  pytest + hypothesis for PyPy: run it as PYTHONPATH="$PYPY_SITE" "$PYPY" -m pytest
#   CPY313     CPython 3.13 venv python with pytest, hypothesis, numpy and no
#              hpy: the package brings HPy's runtime patched for 3.13 (setup.py)
_tvm_ffi_hpy_repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ENV_DIR="${TVM_FFI_HPY_ENV:-$_tvm_ffi_hpy_repo/.env}"
case "$ENV_DIR" in /*) ;; *) ENV_DIR="$PWD/$ENV_DIR" ;; esac
CPY="$ENV_DIR/cpython/bin/python"
PYPY="$ENV_DIR/bin/pypy3"
PYPY_SITE="$ENV_DIR/pypy-site"
CPY313="$ENV_DIR/cpython313/bin/python"
export ENV_DIR CPY PYPY PYPY_SITE CPY313
export PYPY_OLD="$ENV_DIR/bin/pypy3-old"   # PyPy 7.3.11 / HPy 0.0.4, for tests/test_old_pypy.py only
unset _tvm_ffi_hpy_repo

# The in-place build of the package (ci/bench.sh, ci/harden.sh; ci/test.sh
# builds a wheel instead).  Arguments go to setup.py build_ext.
# The patched HPy runtime for CPython 3.13 goes in too when ci/install.sh has
# built it (setup.py, TVM_FFI_HPY_HPY313_WHEEL).
build_in_place() {
  local hpy313; hpy313="$(ls "$ENV_DIR"/hpy313/hpy-*+tvmffihpy.*-cp313-*.whl 2>/dev/null | head -n1)"
  TVM_FFI_HPY_HPY313_WHEEL="${TVM_FFI_HPY_HPY313_WHEEL-$hpy313}" \
    "$CPY" setup.py -q build_ext --inplace --build-temp build/setup "$@"
}

# pytest on one of our interpreters, the one loop body of ci/test.sh and
# ci/harden.sh:  pytest_on CPython|CPython3.13|PyPy [NAME=value...] -- pytest arguments
# PyPy takes pytest from $PYPY_SITE, and the package from $PYPY_PKG when that
# is set (ci/test.sh: the installed wheel), else from the current directory.
pytest_on() {
  local which="$1"; shift
  local envs=()
  while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
  [ "$#" -gt 0 ] && shift
  case "$which" in
    CPython) env "${envs[@]}" "$CPY" -m pytest "$@" ;;
    CPython3.13) env "${envs[@]}" "$CPY313" -m pytest "$@" ;;
    PyPy) env PYTHONPATH="${PYPY_PKG:+$PYPY_PKG:}$PYPY_SITE" "${envs[@]}" "$PYPY" -m pytest "$@" ;;
    *) echo "pytest_on: CPython, CPython3.13 or PyPy, not $which" >&2; return 2 ;;
  esac
}

# sha256 of tvm_ffi_hpy/NAME inside a wheel file (ci/test.sh, ci/packaging.sh).
wheel_member_sha() {  # wheel, name
  "$CPY" -c 'import hashlib, sys, zipfile
print(hashlib.sha256(zipfile.ZipFile(sys.argv[1]).read("tvm_ffi_hpy/" + sys.argv[2])).hexdigest())' "$1" "$2"
}

# A SEPARATE CPython 3.11 venv, $ENV_DIR/tvmffi, with the released
# apache-tvm-ffi (ci/bench.sh: the column to beat; ci/upstream.sh: the
# reference collection of its test suite), matplotlib (bench's chart) and
# pytest.  apache-tvm-ffi never enters our venv.  Idempotent; sets TVMFFI_PY.
# Knob: TVM_FFI_BENCH_VERSION=<apache-tvm-ffi version> (default 0.1.15.post2).
ensure_tvmffi_venv() {
  local version="${TVM_FFI_BENCH_VERSION:-0.1.15.post2}"
  local dir="$ENV_DIR/tvmffi"
  local pkgs=("apache-tvm-ffi==$version" matplotlib pytest)
  local stamp="$ENV_DIR/.stamps/tvmffi" fp="${pkgs[*]}"
  TVMFFI_PY="$dir/bin/python"
  _tvmffi_ok() {
    "$TVMFFI_PY" -c 'import sys, tvm_ffi, tvm_ffi.testing, matplotlib
assert tvm_ffi.__version__ == sys.argv[1], tvm_ffi.__version__' "$version" >/dev/null 2>&1
  }
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$fp" ] && _tvmffi_ok; then
    echo "[tvmffi] apache-tvm-ffi venv: up to date ($dir)"
    return 0
  fi
  echo "[tvmffi] apache-tvm-ffi venv: creating $dir ($fp)"
  local base_py
  base_py="$("$CPY" -c 'import sys; print(sys._base_executable)')"
  "$base_py" -m venv --clear "$dir"
  "$TVMFFI_PY" -m pip install -q --disable-pip-version-check "${pkgs[@]}"
  _tvmffi_ok || { echo "[tvmffi] ERROR: $TVMFFI_PY cannot import tvm_ffi $version" >&2; return 1; }
  mkdir -p "$(dirname "$stamp")"
  printf '%s\n' "$fp" >"$stamp"
}
