#!/usr/bin/env bash
# Run bench/tying.py on CPython and on PyPy (same universal binary) and merge
# the two results into one side-by-side markdown table:
#   bench/results/tying.md (printed too), plus the raw JSON of each run.
# Usage: bench/run.sh [--quick] [--sizes 1000,100000,1000000]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
# shellcheck source=/dev/null
source "$repo/ci/env.sh"
out="$here/results"
mkdir -p "$out"

so="$repo/tvm_ffi_hpy/_ffi.hpy0.so"
sha="$(sha256sum "$so" | cut -d' ' -f1)"
echo "binary: tvm_ffi_hpy/_ffi.hpy0.so sha256 $sha"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
machine="$(nproc) CPUs, ${cpu}, $(uname -sr), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $machine"

echo "== CPython"
PYTHONPATH="$repo" "$CPY" "$here/tying.py" --json "$out/tying.cpython.json" "$@"
echo "== PyPy"
PYTHONPATH="$PYPY_SITE:$repo" "$PYPY" "$here/tying.py" --json "$out/tying.pypy.json" "$@"

# The .so may be rebuilt concurrently: both runs must have used the same one.
sha_after="$(sha256sum "$so" | cut -d' ' -f1)"
if [ "$sha" != "$sha_after" ]; then
  echo "error: $so changed during the run ($sha -> $sha_after); rerun" >&2
  exit 1
fi

"$CPY" - "$out/tying.cpython.json" "$out/tying.pypy.json" "$sha" "$machine" \
    > "$out/tying.md" <<'PY'
import json, sys
cpy, pypy = (json.load(open(p)) for p in sys.argv[1:3])
sha, machine = sys.argv[3], sys.argv[4]

def fmt(v, res):
    if v < 2 * res:
        return "< {:,.0f}".format(2 * res)
    return "%.1f" % v if abs(v) < 1000 else "{:,.0f}".format(v)

pypy_rows = {row[0]: row for row in pypy["rows"]}
print("Binary `tvm_ffi_hpy/_ffi.hpy0.so` sha256 `%s` (the same file on both)." % sha)
print("Machine: %s. Interpreters: %s; %s.%s" % (
    machine, cpy["interpreter"], pypy["interpreter"],
    " Quick run (fewer repeats)." if cpy["quick"] else ""))
print()
print("| operation | CPython | PyPy | PyPy/CPython |")
print("|---|---:|---:|---:|")
for label, c, unit, cres in cpy["rows"]:
    name = label if unit == "ns" else "%s (%s)" % (label, unit)
    if label not in pypy_rows:
        print("| %s | %s | n/a | |" % (name, fmt(c, cres)))
        continue
    _, p, _, pres = pypy_rows[label]
    exact = c >= 2 * cres and p >= 2 * pres and c > 0
    ratio = "%.2f" % (p / c) if exact else "n/a"
    print("| %s | %s | %s | %s |" % (name, fmt(c, cres), fmt(p, pres), ratio))
print()
print("Times in ns per operation (min of %d/%d timed runs after warm-up; "
      "GC rows: min of several collections). Minor GC: CPython gc.collect(0) wall time; "
      "PyPy gc.collect() ignores its argument, so a minor collection is provoked by "
      "allocation and timed by the GC itself (gc.hooks.on_gc_minor, about 1 us steps). "
      "\"every keeper written\": one pinned value replaced per 1024 bound objects just "
      "before the collection." % (cpy["repeats"], pypy["repeats"]))
PY
cat "$out/tying.md"
