#!/usr/bin/env bash
# The long hardening checks, too slow for ci/test.sh (their last result is
# recorded in the README, "Hardening"):
#
#   ci/harden.sh
#
# On CPython and on PyPy, against the in-place build (made here if missing:
# `python setup.py build_ext --inplace --build-temp build/setup`):
#   - tests/test_stress.py with TVM_FFI_HPY_LONG=1: 16 threads for
#     TVM_FFI_HPY_STRESS_SECONDS (default 10 s), and 1,000 processes started
#     and ended while objects are bound (ci/test.sh runs 40);
#   - tests/test_properties.py with TVM_FFI_HPY_LONG=1: hypothesis profile
#     "tvm_ffi_hpy-long" (20x the examples of ci/test.sh);
#   - tests/test_cpp_exceptions.py and tests/test_interrupt.py;
# and on PyPy in HPy debug mode, the tests that ci/test.sh runs at a tenth of
# their size there (tests/conftest.py, `scaled`): the 100,000-cycle no-leak
# tests of tests/test_tying.py and the 20,000-deep nesting of
# tests/test_nesting.py.
# ci/sanitize.sh (ASan + UBSan) is the third hardening command.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
# shellcheck source=ci/env.sh
source ci/env.sh
[ -x "$CPY" ] && [ -x "$PYPY" ] || { echo "no environment: run ci/install.sh (or ci/test.sh)"; exit 1; }
# ci/test.sh tests the installed wheel and leaves no in-place build: make one.
[ -e tvm_ffi_hpy/_ffi.hpy0.so ] || build_in_place

TESTS=(tests/test_stress.py tests/test_properties.py tests/test_cpp_exceptions.py
       tests/test_interrupt.py)
status=0
for label in CPython PyPy; do
  printf '\n==== %s: %s (TVM_FFI_HPY_LONG=1) ====\n' "$label" "${TESTS[*]}"
  start=$(date +%s)
  pytest_on "$label" TVM_FFI_HPY_LONG=1 -- "${TESTS[@]}" -q -s -p no:cacheprovider || status=1
  echo "$label: $(( $(date +%s) - start )) s"
done

DEBUG_TESTS=(tests/test_tying.py tests/test_nesting.py)
printf '\n==== PyPy, HPy debug mode: %s (TVM_FFI_HPY_LONG=1) ====\n' "${DEBUG_TESTS[*]}"
start=$(date +%s)
pytest_on PyPy TVM_FFI_HPY_LONG=1 TVM_FFI_HPY_DEBUG=1 -- "${DEBUG_TESTS[@]}" -q -s \
  -p no:cacheprovider || status=1
echo "PyPy, HPy debug mode: $(( $(date +%s) - start )) s"
exit $status
