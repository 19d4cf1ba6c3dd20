#!/usr/bin/env bash
# apache tvm-ffi's own Python test suite, run unchanged against tvm_ffi_hpy on
# CPython and PyPy (issue 13's measure).  A documented long run, not part of
# ci/test.sh; docs/upstream-suite.md records its last run.
#
#   ci/upstream.sh                  the whole suite (about 5 min today)
#   ci/upstream.sh FILE...          only these files (paths inside tests/python)
#   ci/upstream.sh --doc            also write the table into docs/upstream-suite.md
#
# What it does:
#   1. ci/install.sh (our interpreters), the in-place build of tvm_ffi_hpy;
#   2. the apache-tvm-ffi sdist from the package index (PyPI's JSON simple API
#      names the file and its sha256; the download is checked against it), kept
#      in $ENV_DIR/upstream, its tests/python extracted there -- never into the
#      repository;
#   3. the released apache-tvm-ffi wheel (the venv ci/bench.sh uses) collects
#      the suite: its per-file test counts are the denominators;
#   4. ci/upstream/run.py runs each file in its own pytest process on each
#      interpreter, `tvm_ffi` aliased to `tvm_ffi_hpy` (ci/upstream/alias),
#      and writes build/upstream/results.{json,md}.
# Knob: TVM_FFI_UPSTREAM_VERSION (default 0.1.15.post2).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

doc=()
files=()
for a in "$@"; do
  case "$a" in
    --doc) doc=(--doc "$REPO/docs/upstream-suite.md") ;;
    *) files+=("$a") ;;
  esac
done

bash ci/install.sh >/dev/null
# shellcheck source=ci/env.sh
source ci/env.sh
ensure_tvmffi_venv

VERSION="${TVM_FFI_UPSTREAM_VERSION:-0.1.15.post2}"
UP="$ENV_DIR/upstream/$VERSION"
TESTS="$UP/apache_tvm_ffi-$VERSION/tests/python"
if [ ! -f "$TESTS/test_object.py" ]; then
  echo "[upstream] fetching the apache-tvm-ffi $VERSION sdist"
  mkdir -p "$UP"
  "$CPY" - "$VERSION" "$UP" <<'PY'
import hashlib, json, pathlib, sys, tarfile, urllib.request
version, dest = sys.argv[1], pathlib.Path(sys.argv[2])
req = urllib.request.Request("https://pypi.org/simple/apache-tvm-ffi/",
                             headers={"Accept": "application/vnd.pypi.simple.v1+json"})
files = json.load(urllib.request.urlopen(req, timeout=60))["files"]
name = f"apache_tvm_ffi-{version}.tar.gz"
entry = next(f for f in files if f["filename"] == name)
data = urllib.request.urlopen(entry["url"], timeout=120).read()
got = hashlib.sha256(data).hexdigest()
if got != entry["hashes"]["sha256"]:
    sys.exit(f"sha256 mismatch for {name}: {got}")
(dest / name).write_bytes(data)
with tarfile.open(dest / name) as tf:
    prefix = f"apache_tvm_ffi-{version}/tests/python/"
    members = [m for m in tf.getmembers() if m.name.startswith(prefix)]
    tf.extractall(dest, members=members)
print(f"[upstream] {name} sha256 {got}: {len(members)} entries of tests/python")
PY
fi

echo "[upstream] build (once): core + HPy universal extension, in place"
build_in_place >/dev/null

"$CPY" ci/upstream/run.py --tests "$TESTS" \
  --python "CPython=$CPY" --python "PyPy=$PYPY:$PYPY_SITE" \
  --reference "$TVMFFI_PY" --label "apache-tvm-ffi $VERSION tests/python, tvm_ffi_hpy $(git rev-parse --short HEAD)" \
  "${doc[@]}" ${files[@]+--only "${files[@]}"}
