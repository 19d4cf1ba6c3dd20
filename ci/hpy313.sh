#!/usr/bin/env bash
# Build hpy 0.9.0 for CPython 3.13 with this project's patch of HPy's CPython
# runtime (ci/hpy-patches/hpy-0.9.0-cpython313.patch; docs/packaging.md,
# "CPython 3.13"):
#
#   ci/hpy313.sh PYTHON3.13 OUTDIR
#
# pip downloads hpy 0.9.0's sdist from PyPI (its sha256 is checked), the patch
# is applied, and PYTHON's pip builds the wheel
#   OUTDIR/hpy-0.9.0+tvmffihpy.1-cp313-cp313-<platform>.whl
# The local version label `+tvmffihpy.1` is the distribution's version and is
# compiled into the runtime (hpy.universal.get_version()), so the package's
# loader tells it from a plain hpy 0.9.0 (which crashes on 3.13).  Our wheel
# requires exactly this version on CPython 3.13: `pip install --find-links
# OUTDIR tvm_ffi_hpy-*.whl` then takes it.  A C compiler and PyPI (for the
# sdist and hpy's build requirements) are needed; about half a minute.
# Prints the wheel's path on its last line.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ "$#" = 2 ] || { sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
PYTHON="$1"
OUT="$(mkdir -p "$2" && cd "$2" && pwd)"

HPY_VERSION=0.9.0
HPY_SDIST_SHA256=4545310f3a7f9ac249c0f19a80a9b05f46565afb62b7e9225b79493b7b6c70cc
PATCH="$REPO/ci/hpy-patches/hpy-0.9.0-cpython313.patch"
# Keep in step with PATCHED_HPY_313 in tvm_ffi_hpy/_loader.py and setup.py
# (tests/test_cpython313.py checks all three agree).
PATCHED_VERSION="$HPY_VERSION+tvmffihpy.1"

"$PYTHON" -c 'import sys
assert sys.implementation.name == "cpython" and sys.version_info[:2] == (3, 13), sys.version' \
  || { echo "hpy313.sh: $PYTHON is not CPython 3.13" >&2; exit 1; }
command -v patch >/dev/null || { echo "hpy313.sh: the 'patch' tool is needed (apt-get install patch)" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
pip=("$PYTHON" -m pip --disable-pip-version-check --no-input)
"${pip[@]}" download -q --no-deps --no-binary :all: "hpy==$HPY_VERSION" -d "$WORK/sdist" >&2
SDIST="$WORK/sdist/hpy-$HPY_VERSION.tar.gz"
[ -f "$SDIST" ] || { echo "hpy313.sh: pip did not download $SDIST" >&2; exit 1; }
have="$(sha256sum "$SDIST" | cut -d' ' -f1)"
[ "$have" = "$HPY_SDIST_SHA256" ] || { echo "hpy313.sh: $SDIST has sha256 $have, not $HPY_SDIST_SHA256" >&2; exit 1; }
tar xzf "$SDIST" -C "$WORK"
SRC="$WORK/hpy-$HPY_VERSION"
(cd "$SRC" && patch -p1 --forward --batch --quiet < "$PATCH") \
  || { echo "hpy313.sh: $PATCH does not apply to hpy $HPY_VERSION's sdist" >&2; exit 1; }

# hpy's setup.py takes the version from setuptools_scm (so from this variable)
# and writes it into hpy/devel/include/hpy/version.h, which the runtime
# reports.  GIT_DIR: the git revision it also records must not be taken from
# a repository that happens to enclose the build directory.
rm -f "$OUT"/hpy-"$PATCHED_VERSION"-*.whl
SETUPTOOLS_SCM_PRETEND_VERSION="$PATCHED_VERSION" GIT_DIR=/nonexistent \
  "${pip[@]}" wheel -q --no-deps -w "$OUT" "$SRC" >&2
WHEEL="$(ls "$OUT"/hpy-"$PATCHED_VERSION"-cp313-cp313-*.whl)"
echo "$WHEEL"
