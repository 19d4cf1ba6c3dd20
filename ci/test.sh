#!/usr/bin/env bash
# The test command (named in the README; .ci/run calls it).
#
#   ci/test.sh                 the whole suite, and the packaging checks
#   ci/test.sh ARGS...         pytest with exactly ARGS instead of the default suite
#
# On a fresh Debian 12/13 machine it installs what it needs (ci/install.sh:
# a CPython 3.11 venv with hpy 0.9.0, a CPython 3.13 one, PyPy 7.3.19), builds ONE wheel
# (`pip wheel .`: the core and the HPy universal extension, tagged
# py3-none-<platform>, then manylinux_X_Y where auditwheel finds that the
# binaries fit), installs that wheel into the CPython venv and for
# PyPy and into a CPython 3.13 venv (without hpy: the wheel carries HPy's
# runtime with our 3.13 patch, ci/hpy313.sh), runs the C++ tests (ctest), then pytest on CPython
# 3.11, CPython 3.13 and PyPy against the installed package (from a directory
# outside the clone, so that the source tree is not what gets imported), and
# checks that every interpreter loaded a file with the wheel's sha256.  Without ARGS it also
# runs the suite in HPy debug mode (handle leaks fail the tests) on CPython
# 3.11, on CPython 3.13 and on PyPy (there the tests marked reenters_extension are skipped;
# tests/conftest.py says why), then ci/packaging.sh: the sdist built by PyPy
# gives byte-identical binaries, the README's first command works, and the
# wheel installs and runs on CPython 3.10, 3.12 and 3.13 and on PyPy (the whole
# suite on 3.10 and 3.12 is the long run `ci/packaging.sh --suites WHEEL`,
# kept out to hold this command under 45 minutes; docs/packaging.md).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

# shellcheck source=ci/prepare.sh
source ci/prepare.sh

section "build (once): one wheel with the core and the HPy universal extension"
# No in-place build: the suite runs against the installed wheel.  It carries
# HPy's runtime patched for CPython 3.13 (setup.py, TVM_FFI_HPY_HPY313_WHEEL),
# taken from the hpy wheel that ci/install.sh built.
rm -f tvm_ffi_hpy/_ffi.hpy0.so tvm_ffi_hpy/libtvm_ffi_hpy_core.so
rm -rf build/dist tvm_ffi_hpy/_hpy313
start=$(date +%s)
HPY313_WHEEL="$(ls "$ENV_DIR"/hpy313/hpy-0.9.0+tvmffihpy.*-cp313-*.whl)"
TVM_FFI_HPY_HPY313_WHEEL="$HPY313_WHEEL" \
  "$CPY" -m pip wheel . --no-deps --disable-pip-version-check -w build/dist -q
WHEEL="$(ls "$REPO"/build/dist/tvm_ffi_hpy-*.whl)"
case "$WHEEL" in *-py3-none-*.whl) ;; *) echo "not a py3-none wheel: $WHEEL"; exit 1 ;; esac
BUILT_SHA="$(wheel_member_sha "$WHEEL" _ffi.hpy0.so)"
echo "built $(basename "$WHEEL") in $(( $(date +%s) - start )) s: _ffi.hpy0.so sha256=$BUILT_SHA"
# The manylinux tag that auditwheel finds the binaries consistent with (the
# glibc and libstdc++ symbol versions they use); the files are not changed.
MANYLINUX="$("$CPY" - "$WHEEL" <<'EOF'
import re, subprocess, sys
out = subprocess.run([sys.executable, "-m", "auditwheel", "show", sys.argv[1]],
                     capture_output=True, text=True).stdout
found = re.findall(r'"(manylinux_\d+_\d+_\w+)"', " ".join(out.split()))
print(found[0] if found else "")
EOF
)"
if [ -n "$MANYLINUX" ]; then
  WHEEL="$REPO/build/dist/$(cd build/dist && "$CPY" -m wheel tags --remove --platform-tag "$MANYLINUX" "$(basename "$WHEEL")")"
  echo "auditwheel: the binaries fit $MANYLINUX; the wheel is now $(basename "$WHEEL")"
else
  echo "auditwheel: no manylinux policy fits; the wheel keeps its platform tag"
fi

section "install the wheel: into the CPython venvs (3.11, 3.13), and for PyPy"
"$CPY" -m pip install --no-deps --force-reinstall --disable-pip-version-check -q "$WHEEL"
"$CPY313" -m pip install --no-deps --force-reinstall --disable-pip-version-check -q "$WHEEL"
PYPY_PKG="$ENV_DIR/pypy-tvm_ffi_hpy"
rm -rf "$PYPY_PKG"
"$CPY" -m pip install --no-deps --disable-pip-version-check -q --target "$PYPY_PKG" "$WHEEL"
echo "CPython: $("$CPY" -m pip show tvm_ffi_hpy 2>/dev/null | grep -i '^location')"
echo "PyPy:    $PYPY_PKG"
echo "CPython 3.13: $("$CPY313" -m pip show tvm_ffi_hpy 2>/dev/null | grep -i '^location'), HPy runtime: $(cd /tmp && "$CPY313" -c 'from tvm_ffi_hpy import _loader; print(_loader.hpy_runtime().__name__, _loader.hpy_version())')"

section "C++ core tests (ctest)"
cmake -S core -B build/core-tests -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/core-tests -j2 >/dev/null
ctest --test-dir build/core-tests --output-on-failure

# pytest runs in another directory: paths of the clone given as ARGS are made absolute.
PYTEST_ARGS=()
for arg in "$@"; do
  if [ -e "$REPO/${arg%%::*}" ]; then PYTEST_ARGS+=("$REPO/$arg"); else PYTEST_ARGS+=("$arg"); fi
done
[ "$#" -gt 0 ] || PYTEST_ARGS=("$REPO/tests" -q -p no:cacheprovider)
SHA_DIR="$(mktemp -d)"
trap 'rm -rf "$SHA_DIR"' EXIT

RUN_DIR="$REPO/build/pytest-run"   # outside the package's parent: imports find the installed one
mkdir -p "$RUN_DIR"
run_pytest() {  # label, CPython|PyPy, extra env...; returns pytest's status
  local label="$1" which="$2"; shift 2
  section "pytest on $label: ${PYTEST_ARGS[*]}"
  local start rc=0; start=$(date +%s)
  (cd "$RUN_DIR" && pytest_on "$which" "$@" TVM_FFI_HPY_SHA_FILE="$SHA_DIR/$label" -- \
     --rootdir "$REPO" -c "$REPO/pyproject.toml" "${PYTEST_ARGS[@]}") || rc=$?
  echo "$label: $(( $(date +%s) - start )) s, exit status $rc"
  if [ -s "$SHA_DIR/$label" ]; then
    echo "$label loaded: $(cat "$SHA_DIR/$label")"
  fi
  return $rc
}

# Two lanes, one per core: PyPy's runs in the background (its log is printed
# when it ends), the CPython runs (3.11, 3.13, both in HPy debug mode) and
# the packaging checks in the foreground.
# Each pytest process is single-threaded; run one after the other they took
# 39 minutes on 2 cores (docs/packaging.md, "Last run of the test command").
FULL=0; [ "$#" -gt 0 ] || FULL=1
PYPY_LOG="$REPO/build/pytest-pypy.log"
(
  set +e; rc=0
  run_pytest PyPy PyPy || rc=1
  if [ "$FULL" = 1 ]; then run_pytest PyPy-hpy-debug PyPy TVM_FFI_HPY_DEBUG=1 || rc=1; fi
  exit $rc
) > "$PYPY_LOG" 2>&1 &
PYPY_LANE=$!
echo "PyPy's runs started in the background; their log: $PYPY_LOG"
status=0
run_pytest CPython CPython || status=1
run_pytest CPython-3.13 CPython3.13 || status=1
if [ "$FULL" = 1 ]; then
  run_pytest CPython-hpy-debug CPython TVM_FFI_HPY_DEBUG=1 || status=1
  # about 2 minutes (1,352 passed + 8 skipped on 2026-12-04)
  run_pytest CPython-3.13-hpy-debug CPython3.13 TVM_FFI_HPY_DEBUG=1 || status=1
  TVM_FFI_HPY_SHA_DIR="$SHA_DIR" bash ci/packaging.sh "$WHEEL" || status=1
fi
wait "$PYPY_LANE" || status=1
section "PyPy's runs (log of the background lane)"
cat "$PYPY_LOG"

section "same binary on every interpreter"
for f in "$SHA_DIR"/*; do
  [ -e "$f" ] || continue
  read -r path sha < "$f"
  printf '%-20s %s  %s\n' "$(basename "$f")" "$sha" "$path"
  [ "$sha" = "$BUILT_SHA" ] || { echo "MISMATCH: $(basename "$f") loaded another binary"; status=1; }
done
ls "$SHA_DIR"/* >/dev/null 2>&1 || { echo "no interpreter reported the binary it loaded"; status=1; }
exit $status
