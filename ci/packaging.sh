#!/usr/bin/env bash
# The packaging checks of the test command (ci/test.sh runs this after the
# suite; it can also run alone after ci/test.sh has built the wheel):
#
#   ci/packaging.sh WHEEL             checks 1-4 (what ci/test.sh runs)
#   ci/packaging.sh --suites WHEEL    and 5: a documented long run (about 8 min;
#                                     docs/packaging.md keeps its last run)
#
# Each in a fresh environment of its own, under build/packaging/:
#   1. the sdist (built here) installs on PyPy: pip builds it there with PyPy,
#      in pip's own directory, and the binaries it installs are
#      byte-identical to the wheel's, which CPython built in the clone;
#   2. the README's first command, `pip install . && python -m tvm_ffi_hpy`,
#      from the clone's root on CPython 3.11, and the same binaries again;
#   3. the wheel installs with plain `pip install WHEEL` on CPython 3.10,
#      3.12 and 3.13 (pyenv) and on PyPy (on 3.13 no hpy gets installed: the
#      wheel carries HPy's runtime patched for it); `python -m tvm_ffi_hpy`
#      runs from another directory on each;
#   4. a user's C++ library shipped as a wheel (examples/user_library,
#      docs/user_library.md): built once by CPython 3.12's pip against this
#      wheel (--find-links), tagged py3-none-<platform>; it installs into the
#      3.12 environment and into a fresh PyPy one (pulling tvm_ffi_hpy in as
#      its dependency) and `python -m user_library` runs on both;
#   5. (--suites) on 3.10 and 3.12 the whole suite runs against the installed wheel
#      (TVM_FFI_HPY_SHA_DIR=DIR: each run records there which binary it
#      loaded, as ci/test.sh's runs do).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
# shellcheck source=ci/env.sh
source ci/env.sh
SUITES=0
if [ "${1:-}" = "--suites" ]; then SUITES=1; shift; fi
WHEEL="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
WORK="$REPO/build/packaging"
rm -rf "$WORK"; mkdir -p "$WORK"
section() { printf '\n==== %s ====\n' "$*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }
pip_quiet=(--disable-pip-version-check --no-input -q --progress-bar off)
pip_log="$WORK/pip.log"   # pip's warnings about this machine's index go there
pip_install() {  # python, args...: pip install, its output shown only when it fails
  local python="$1"; shift
  "$python" -m pip install "${pip_quiet[@]}" "$@" >> "$pip_log" 2>&1 || { tail -n 40 "$pip_log"; fail "pip install $*"; }
}

# sha256 of NAME inside the wheel (wheel_member_sha: ci/env.sh), or inside an
# installed package directory.
installed_sha() {  # python, file name
  local dir; dir="$(cd "$WORK" && "$1" -c 'import os, tvm_ffi_hpy._loader as l; print(os.path.dirname(l.__file__))')"
  sha256sum "$dir/$2" | cut -d' ' -f1
}
same_binaries() {  # label, python
  for name in _ffi.hpy0.so libtvm_ffi_hpy_core.so libtvm_ffi_hpy_testing.so; do
    local want have; want="$(wheel_member_sha "$WHEEL" "$name")"; have="$(installed_sha "$2" "$name")"
    printf '%-28s %-24s %s\n' "$1" "$name" "$have"
    [ "$have" = "$want" ] || fail "$1: $name differs from the wheel's ($want): the build is not reproducible"
  done
}
demo() {  # label, python: the demo from a directory outside the clone
  (cd "$WORK" && "$2" -m tvm_ffi_hpy) > "$WORK/demo.out" 2>&1 || { cat "$WORK/demo.out"; fail "$1: python -m tvm_ffi_hpy"; }
  grep -q "add_one(41) -> 42" "$WORK/demo.out" || { cat "$WORK/demo.out"; fail "$1: demo output"; }
  echo "$1: python -m tvm_ffi_hpy ran ($(grep '^interpreter' "$WORK/demo.out"))"
}
pyenv_python() {  # minor version -> path of a pyenv CPython, or fail
  local root; root="$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"
  local found; found="$(ls -d "$root"/versions/"$1".*/bin/python 2>/dev/null | sort -V | tail -n1)"
  [ -n "$found" ] || fail "no CPython $1 under pyenv ($root/versions): this machine kind has 3.10 to 3.13"
  echo "$found"
}

section "packaging 1: the sdist, installed on PyPy (built there by PyPy)"
"$CPY" setup.py -q sdist -d "$WORK/sdist" > "$WORK/sdist.log" 2>&1 || { cat "$WORK/sdist.log"; fail "sdist"; }
SDIST="$(ls "$WORK"/sdist/tvm_ffi_hpy-*.tar.gz)"
tar tzf "$SDIST" > "$WORK/sdist.files"
for must in core/CMakeLists.txt core/include/tvm_ffi_hpy/c_api.h core/include/tvm/ffi/tvm_ffi.h hpy_ext/shim.cc hpy_ext/CMakeLists.txt setup.py \
            pyproject.toml LICENSE README.md tests/conftest.py; do
  grep -q "^tvm_ffi_hpy-[^/]*/$must\$" "$WORK/sdist.files" || fail "the sdist lacks $must"
done
echo "sdist: $(basename "$SDIST") ($(wc -l < "$WORK/sdist.files") entries)"
"$CPY" -m virtualenv -q -p "$PYPY" "$WORK/pypy-sdist" >/dev/null
start=$(date +%s)
pip_install "$WORK/pypy-sdist/bin/python" "$SDIST"
echo "PyPy: pip install of the sdist took $(( $(date +%s) - start )) s"
same_binaries "PyPy, from the sdist" "$WORK/pypy-sdist/bin/python"
demo "PyPy, from the sdist" "$WORK/pypy-sdist/bin/python"

section "packaging 2: the README's first command, from the clone's root (CPython 3.11)"
PY311="$(pyenv_python 3.11)"
"$PY311" -m venv "$WORK/readme"
( # shellcheck disable=SC1091
  source "$WORK/readme/bin/activate" && cd "$REPO" &&
  pip install --disable-pip-version-check -q . && python -m tvm_ffi_hpy ) > "$WORK/readme.out" 2>&1 ||
  { tail -n 30 "$WORK/readme.out"; fail "pip install . && python -m tvm_ffi_hpy"; }
grep -q "add_one(41) -> 42" "$WORK/readme.out" || { cat "$WORK/readme.out"; fail "README demo output"; }
echo "pip install . && python -m tvm_ffi_hpy: ran from $REPO"
same_binaries "CPython 3.11, pip install ." "$WORK/readme/bin/python"

section "packaging 3: the one wheel on CPython 3.10, 3.12, 3.13 and PyPy"
for minor in 3.10 3.12; do
  "$(pyenv_python "$minor")" -m venv "$WORK/cp$minor"
  pip_install "$WORK/cp$minor/bin/python" "$WHEEL"
  same_binaries "CPython $minor, the wheel" "$WORK/cp$minor/bin/python"
  demo "CPython $minor, the wheel" "$WORK/cp$minor/bin/python"
done
# CPython 3.13: plain pip too.  The wheel carries HPy's runtime patched for
# 3.13 (tvm_ffi_hpy/_hpy313/, setup.py) and requires no hpy there: nothing
# named hpy may get installed, and the demo runs on that runtime.
"$(pyenv_python 3.13)" -m venv "$WORK/cp3.13"
pip_install "$WORK/cp3.13/bin/python" "$WHEEL"
same_binaries "CPython 3.13, the wheel" "$WORK/cp3.13/bin/python"
if "$WORK/cp3.13/bin/python" -m pip show hpy >/dev/null 2>&1; then fail "CPython 3.13: pip installed an hpy"; fi
runtime="$(cd "$WORK" && "$WORK/cp3.13/bin/python" -c 'from tvm_ffi_hpy import _loader; print(_loader.hpy_runtime().__name__, _loader.hpy_version())')"
[ "$runtime" = "tvm_ffi_hpy._hpy313.universal 0.9.0+tvmffihpy.1" ] || fail "CPython 3.13: HPy runtime is '$runtime'"
echo "CPython 3.13, plain pip install of the wheel: no hpy installed; HPy runtime $runtime"
demo "CPython 3.13, the wheel" "$WORK/cp3.13/bin/python"
"$CPY" -m virtualenv -q -p "$PYPY" "$WORK/pypy-wheel" >/dev/null
pip_install "$WORK/pypy-wheel/bin/python" "$WHEEL"
same_binaries "PyPy, the wheel" "$WORK/pypy-wheel/bin/python"
demo "PyPy, the wheel" "$WORK/pypy-wheel/bin/python"

section "packaging 4: a user's C++ library as a wheel, on CPython 3.12 and PyPy"
cp -r examples/user_library "$WORK/user_library-src"   # a copy: pip builds in the source tree
rm -rf "$WORK/user_library-src/build"
start=$(date +%s)
"$WORK/cp3.12/bin/python" -m pip wheel "${pip_quiet[@]}" --no-deps --find-links "$(dirname "$WHEEL")" \
   -w "$WORK/user-dist" "$WORK/user_library-src" >> "$pip_log" 2>&1 || { tail -n 40 "$pip_log"; fail "pip wheel examples/user_library"; }
USER_WHEEL="$(ls "$WORK"/user-dist/user_library-*.whl)"
case "$(basename "$USER_WHEEL")" in *-py3-none-linux_*.whl) ;; *) fail "user wheel tag: $(basename "$USER_WHEEL")";; esac
echo "built $(basename "$USER_WHEEL") in $(( $(date +%s) - start )) s"
"$CPY" -m virtualenv -q -p "$PYPY" "$WORK/pypy-user" >/dev/null
for python in "$WORK/cp3.12/bin/python" "$WORK/pypy-user/bin/python"; do
  pip_install "$python" --find-links "$(dirname "$WHEEL")" "$USER_WHEEL"
  (cd "$WORK" && "$python" -m user_library) > "$WORK/user.out" 2>&1 || { cat "$WORK/user.out"; fail "$python -m user_library"; }
  for want in "add_one(41) = 42" "echo(p) is p: True" "made in C++: Point(1.5, 2, 'made in C++') Point" \
              "scaled in C++: [10.0, 20.0, 30.0]"; do
    grep -qF "$want" "$WORK/user.out" || { cat "$WORK/user.out"; fail "$python -m user_library: no '$want'"; }
  done
  echo "$python -m user_library: ran from the installed user wheel"
done
same_binaries "PyPy, as the user wheel's dependency" "$WORK/pypy-user/bin/python"

[ "$SUITES" = 1 ] || { echo "packaging: checks 1-4 passed (the suites on 3.10/3.12: --suites)"; exit 0; }
for minor in 3.10 3.12; do
  section "packaging 5: the whole suite on CPython $minor, against the installed wheel"
  pip_install "$WORK/cp$minor/bin/python" pytest hypothesis numpy
  start=$(date +%s)
  sha_file="${TVM_FFI_HPY_SHA_DIR:+$TVM_FFI_HPY_SHA_DIR/CPython-$minor}"
  (cd "$WORK" && TVM_FFI_HPY_SHA_FILE="$sha_file" "$WORK/cp$minor/bin/python" -m pytest \
     "$REPO/tests" -q -p no:cacheprovider --rootdir "$REPO" -c "$REPO/pyproject.toml")
  echo "CPython $minor: suite took $(( $(date +%s) - start )) s"
done
echo "packaging: all checks passed"
