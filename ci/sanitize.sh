#!/usr/bin/env bash
# The suite on CPython under AddressSanitizer + UndefinedBehaviorSanitizer.
#
#   ci/sanitize.sh                 the whole suite
#   ci/sanitize.sh ARGS...         pytest with exactly ARGS instead
#
# The source tree is copied to a temporary directory (tracked and untracked,
# not ignored, files: the working tree as it is) and built there with
# TVM_FFI_HPY_SANITIZE=1 (core and extension with -fsanitize=address,undefined),
# so the normal in-place build that ci/test.sh uses is never touched.  Then
# pytest runs on CPython with:
#   LD_PRELOAD=libasan.so libstdc++.so
#                           python itself is not instrumented, so the ASan
#                           runtime must come first in the process, and
#                           libstdc++ must be there from the start for ASan's
#                           __cxa_throw interceptor (else the first C++ throw
#                           aborts with "CHECK failed ... real___cxa_throw");
#   PYTHONMALLOC=malloc     Python objects come from malloc, where ASan sees
#                           use-after-free and overflows of them too;
#   detect_leaks=0          the interpreter keeps much memory until exit on
#                           purpose; leaks of core objects are checked by the
#                           suite itself (live_object_count per test);
#   halt_on_error=1         (ASan and UBSan) the first finding aborts the run;
#   allocator_may_return_null=1
#                           an impossible allocation fails as it does without
#                           ASan (malloc returns NULL -> std::bad_alloc ->
#                           MemoryError), which the tests check.
# Any "AddressSanitizer" or "runtime error:" line in the output fails
# the script even if pytest passed.  Set TVM_FFI_HPY_SANITIZE_KEEP=1 to keep
# the temporary tree (its path is printed).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

# shellcheck source=ci/prepare.sh
source ci/prepare.sh

WORK="$(mktemp -d "${TMPDIR:-/tmp}/tvm_ffi_hpy_sanitize.XXXXXX")"
if [ "${TVM_FFI_HPY_SANITIZE_KEEP:-0}" = "1" ]; then
  trap 'echo "kept $WORK"' EXIT
else
  trap 'rm -rf "$WORK"' EXIT
fi

section "copy the working tree to $WORK"
git ls-files -z --cached --others --exclude-standard \
  | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
  | tar --null -T - -cf - | tar -xf - -C "$WORK"

section "build with ASan + UBSan"
(cd "$WORK" && TVM_FFI_HPY_SANITIZE=1 "$CPY" setup.py -q build_ext --inplace \
   --build-temp build/setup > build.log 2>&1) || { tail -50 "$WORK/build.log"; exit 1; }
for lib in _ffi.hpy0.so libtvm_ffi_hpy_core.so; do
  [ "$(nm -D "$WORK/tvm_ffi_hpy/$lib" | grep -c ' __asan_' || true)" -gt 0 ] || {
    echo "$lib was not built with ASan"; exit 1; }
done

LIBASAN="$(gcc -print-file-name=libasan.so)"
LIBSTDCXX="$(g++ -print-file-name=libstdc++.so)"
for lib in "$LIBASAN" "$LIBSTDCXX"; do
  [ -e "$lib" ] || { echo "$lib not found (gcc -print-file-name)"; exit 1; }
done

if [ "$#" -gt 0 ]; then PYTEST_ARGS=("$@"); else PYTEST_ARGS=(tests -q -p no:cacheprovider); fi
section "pytest on CPython under ASan + UBSan: ${PYTEST_ARGS[*]}"
LOG="$WORK/pytest.log"
set +e
(cd "$WORK" && env \
   LD_PRELOAD="$LIBASAN $LIBSTDCXX" PYTHONMALLOC=malloc \
   ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1:allocator_may_return_null=1:detect_stack_use_after_return=0" \
   UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
   TVM_FFI_HPY_UNDER_SANITIZER=1 TVM_FFI_HPY_ENV="$ENV_DIR" \
   "$CPY" -m pytest "${PYTEST_ARGS[@]}" 2>&1) | tee "$LOG"
status=${PIPESTATUS[0]}
set -e

section "sanitizer findings"
if grep -E "AddressSanitizer|runtime error:|LeakSanitizer" "$LOG"; then
  echo "FAIL: sanitizer findings above"
  exit 1
fi
echo "none"
exit "$status"
