#!/usr/bin/env bash
# The benchmark command (named in the README): tvm_ffi_hpy on CPython 3.11 and
# PyPy 7.3.19 against apache-tvm-ffi (PyPI wheel) on CPython 3.11, side by side.
#
#   ci/bench.sh            full run (about 30 s on 2 cores, after the first install)
#   ci/bench.sh --quick    fewer repeats, shorter timings
#   (other arguments go to bench/compare.py: --sizes, --memory-objects, --out)
#
# Installs what it needs (idempotent): our interpreters through ci/install.sh,
# and a SEPARATE CPython 3.11 venv, $ENV_DIR/tvmffi, with apache-tvm-ffi,
# matplotlib (the chart) and pytest (tvm_ffi.testing imports it); apache-tvm-ffi
# never enters our venv.  Builds our extension once (in place), runs
# bench/compare.py: prints the tables and writes bench/results/compare.md,
# compare.json and the chart compare.png; then bench/hpy_costs/run.py: the
# price of single HPy calls on each interpreter (bench/results/hpy_costs.md).
# Knob: TVM_FFI_BENCH_VERSION=<apache-tvm-ffi version> (see ensure_tvmffi_venv
# in ci/env.sh).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

bash ci/install.sh
# shellcheck source=ci/env.sh
source ci/env.sh

ensure_tvmffi_venv

echo "[bench] build (once): core + HPy universal extension"
build_in_place >/dev/null

# The chart is drawn by the apache-tvm-ffi venv's python (it has matplotlib).
"$CPY" bench/compare.py --cpython "$CPY" --pypy "$PYPY" --tvm-ffi-python "$TVMFFI_PY" \
  --chart-python "$TVMFFI_PY" "$@"

echo "[bench] the price of HPy calls on each interpreter (bench/hpy_costs)"
"$CPY" bench/hpy_costs/run.py --pypy "$PYPY" --out bench/results/hpy_costs.md
