#!/usr/bin/env bash
# The test command (named in the README; .ci/run calls it).
#
#   ci/test.sh                 the whole suite
#   ci/test.sh ARGS...         pytest with exactly ARGS instead of the default suite
#
# On a fresh Debian 12/13 machine it installs what it needs (ci/install.sh:
# a CPython 3.11 venv with hpy 0.9.0, PyPy 7.3.19), builds the core and the
# HPy universal extension ONCE (in place, into tvm_ffi_hpy/), runs the C++
# tests (ctest), then pytest on CPython and on PyPy against that very file,
# and checks that both interpreters loaded a file with the same sha256.
# Without ARGS it also runs the suite once more in HPy debug mode (handle
# leaks fail the tests) on CPython and on PyPy; on PyPy the tests marked
# reenters_extension are skipped there (tests/conftest.py says why).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

# shellcheck source=ci/prepare.sh
source ci/prepare.sh

section "build (once): core + HPy universal extension"
rm -f tvm_ffi_hpy/_ffi.hpy0.so tvm_ffi_hpy/libtvm_ffi_hpy_core.so
"$CPY" setup.py -q build_ext --inplace --build-temp build/setup
BINARY="$REPO/tvm_ffi_hpy/_ffi.hpy0.so"
BUILT_SHA="$(sha256sum "$BINARY" | cut -d' ' -f1)"
echo "built $BINARY sha256=$BUILT_SHA"

section "C++ core tests (ctest)"
cmake -S core -B build/core-tests -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/core-tests -j2 >/dev/null
ctest --test-dir build/core-tests --output-on-failure

if [ "$#" -gt 0 ]; then PYTEST_ARGS=("$@"); else PYTEST_ARGS=(tests -q -p no:cacheprovider); fi
SHA_DIR="$(mktemp -d)"
trap 'rm -rf "$SHA_DIR"' EXIT

run_pytest() {  # label, interpreter, extra env...
  local label="$1" interp="$2"; shift 2
  section "pytest on $label: ${PYTEST_ARGS[*]}"
  env "$@" TVM_FFI_HPY_SHA_FILE="$SHA_DIR/$label" "$interp" -m pytest "${PYTEST_ARGS[@]}"
  if [ -s "$SHA_DIR/$label" ]; then
    echo "$label loaded: $(cat "$SHA_DIR/$label")"
  fi
}

run_pytest CPython "$CPY"
run_pytest PyPy "$PYPY" PYTHONPATH="$PYPY_SITE"
if [ "$#" -eq 0 ]; then
  run_pytest CPython-hpy-debug "$CPY" TVM_FFI_HPY_DEBUG=1
  run_pytest PyPy-hpy-debug "$PYPY" PYTHONPATH="$PYPY_SITE" TVM_FFI_HPY_DEBUG=1
fi

section "same binary on every interpreter"
status=0
for f in "$SHA_DIR"/*; do
  [ -e "$f" ] || continue
  read -r path sha < "$f"
  printf '%-20s %s  %s\n' "$(basename "$f")" "$sha" "$path"
  [ "$sha" = "$BUILT_SHA" ] || { echo "MISMATCH: $(basename "$f") loaded another binary"; status=1; }
done
ls "$SHA_DIR"/* >/dev/null 2>&1 || { echo "no interpreter reported the binary it loaded"; status=1; }
exit $status
