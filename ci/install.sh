#!/usr/bin/env bash
# Provision everything the test command needs into one directory, ENV_DIR
# (default: <repo>/.env, override with TVM_FFI_HPY_ENV):
#
#   $ENV_DIR/cpython/    venv of the machine's CPython 3.11 with hpy==0.9.0,
#                        pytest, setuptools, wheel, hypothesis, cmake, ninja,
#                        mypy (tests/test_typing.py), numpy (tests/test_tensor.py),
#                        cffi (tests/test_plain_fields.py; PyPy ships its own)
#                        and, when the machine has PyTorch's CPU wheel for
#                        CPython 3.11 on disk (pip's find-links, e.g.
#                        /opt/wheels), torch from it (tests/test_torch.py;
#                        never downloaded: without the file those tests skip)
#   $ENV_DIR/cpython313/ venv of pyenv's CPython 3.13 with pytest, hypothesis,
#                        numpy and cffi, and no hpy: our wheel carries the runtime
#   $ENV_DIR/hpy313/     hpy 0.9.0 patched for 3.13 (ci/hpy313.sh: PyPI's sdist
#                        + ci/hpy-patches/, version 0.9.0+tvmffihpy.1), as a
#                        wheel, from which setup.py takes that runtime
#   $ENV_DIR/bin/pypy3   wrapper for a PyPy >= 7.3.14 (Python 3.11, HPy 0.9)
#   $ENV_DIR/pypy-root/  (Debian 12 only) PyPy 7.3.19 unpacked from Debian 13
#   $ENV_DIR/pypy-site/  pytest, hypothesis and numpy for PyPy (PYTHONPATH)
#   $ENV_DIR/bin/pypy3-old  wrapper for Debian 12's PyPy 7.3.11 (Python 3.9,
#                        HPy 0.0.4), unpacked into $ENV_DIR/pypy-old-root/ from
#                        the bookworm suite; tests/test_old_pypy.py checks that
#                        this older HPy ABI gets an ImportError, not a crash
#
# Debian 13: pypy3 comes from apt (7.3.19).  Debian 12: apt's pypy3 is 7.3.11,
# whose HPy ABI is too old, so it is never installed; instead the .debs of
# pypy3 and the libraries it needs (glibc included) are downloaded from the
# trixie suite of the machine's own Debian mirror with a private apt state
# (system apt untouched) and unpacked; the wrapper runs them through the
# unpacked dynamic loader.  PyPy 7.3.11 is side-loaded the same way from
# bookworm on every release (never installed system-wide).
#
# Idempotent: each step leaves a marker in $ENV_DIR/.stamps and is skipped on
# the next run when its marker matches and a quick check still passes.
# Usage: ci/install.sh [--force]      (--force redoes every step)
# Other knobs: TVM_FFI_HPY_PYTHON=/path/to/python3.11,
#              TVM_FFI_HPY_PYTHON313=/path/to/python3.13 (default: pyenv's),
#              TVM_FFI_HPY_PYPY_MODE=apt|sideload (default: by Debian release),
#              TVM_FFI_HPY_KEYRING=<keyring for the trixie and bookworm suites>.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=ci/env.sh
source "$REPO/ci/env.sh"   # ENV_DIR CPY PYPY PYPY_SITE

FORCE=0
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    -h|--help) sed -n '2,38p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

CPY_PKGS=(hpy==0.9.0 pytest setuptools wheel hypothesis cmake ninja mypy numpy ml_dtypes virtualenv auditwheel cffi)
# For PyPy: pure-Python wheels only (hypothesis also ships PyPy binary wheels
# built for a newer PyPy than Debian's 7.3.19: they fail to import), then
# numpy, the one binary wheel (pypy311_pp73), for the DLPack tests.
PYPY_SITE_PKGS=(pytest hypothesis)
PYPY_SITE_BINARY_PKGS=(numpy)
# Packages taken from trixie on Debian 12; the dependency closure of pypy3 is
# added to these at run time (apt-cache depends), and libstdc++6 so that a C++
# extension loaded into this PyPy gets a libstdc++ matching the unpacked libgcc.
SIDELOAD_PKGS=(pypy3 pypy3-lib libc6 libffi8 libexpat1 zlib1g libbz2-1.0 liblzma5
  libncursesw6 libtinfo6 libgcc-s1 libssl3t64 libsqlite3-0 libgdbm6t64 libzstd1
  libstdc++6)
DEFAULT_MIRROR="http://deb.debian.org/debian"
KEYRING="${TVM_FFI_HPY_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}"

STAMPS="$ENV_DIR/.stamps"
LOGS="$ENV_DIR/logs"
STEP="setup"
START=$SECONDS

say()  { printf '[install] %s\n' "$*"; }
warn() { printf '[install] WARNING: %s\n' "$*" >&2; }
die()  { printf '[install] ERROR (%s): %s\n' "$STEP" "$*" >&2; exit 1; }
trap 'rc=$?; printf "[install] ERROR: step \"%s\" failed at line %s (exit %s); logs in %s\n" "$STEP" "$LINENO" "$rc" "$LOGS" >&2' ERR

# run LOGNAME CMD...: run CMD quietly, output to $LOGS/LOGNAME.log; on failure
# show the end of the log and return the command's status.
run() {
  local log="$LOGS/$1.log" rc=0; shift
  printf '\n$ %s\n' "$*" >>"$log"
  "$@" >>"$log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    printf '[install] command failed (exit %s): %s\n' "$rc" "$*" >&2
    printf '[install] last lines of %s:\n' "$log" >&2
    tail -n 25 "$log" | sed 's/^/    | /' >&2
  fi
  return "$rc"
}

stamp_ok()  { [ "$FORCE" = 0 ] && [ -f "$STAMPS/$1" ] && [ "$(cat "$STAMPS/$1")" = "$2" ]; }
stamp_set() { printf '%s\n' "$2" >"$STAMPS/$1"; }

# ---------------------------------------------------------------- preflight
[ "$(id -u)" = 0 ] || { echo "install.sh: must run as root (it uses apt-get; no sudo is attempted)" >&2; exit 1; }
[ -r /etc/debian_version ] || die "not a Debian system (/etc/debian_version missing)"
# shellcheck disable=SC1091
CODENAME="$(. /etc/os-release 2>/dev/null; printf '%s' "${VERSION_CODENAME:-}")"
DEBVER="$(cat /etc/debian_version)"
case "$DEBVER" in
  [0-9]*) DEB_MAJOR="${DEBVER%%.*}" ;;
  *) case "$CODENAME" in bookworm) DEB_MAJOR=12 ;; trixie) DEB_MAJOR=13 ;; forky) DEB_MAJOR=14 ;; *) DEB_MAJOR=0 ;; esac ;;
esac
if grep -qs 'trixie' /etc/os-release && [ "$DEB_MAJOR" -lt 13 ]; then DEB_MAJOR=13; fi
for tool in dpkg apt-get flock; do command -v "$tool" >/dev/null || die "'$tool' not found"; done

mkdir -p "$ENV_DIR" "$STAMPS" "$LOGS" "$ENV_DIR/bin"
exec 9>"$ENV_DIR/.install.lock"
flock -w 1800 9 || die "another ci/install.sh holds $ENV_DIR/.install.lock"
say "env dir: $ENV_DIR (Debian $DEBVER${CODENAME:+, $CODENAME})"

# ------------------------------------------------------- 1. CPython venv
STEP="cpython"
pick_python() {
  local c real
  for c in ${TVM_FFI_HPY_PYTHON:-} python3 python3.11 /usr/bin/python3.11; do
    command -v "$c" >/dev/null 2>&1 || continue
    real="$("$c" -c 'import sys; print(sys.executable if sys.implementation.name == "cpython" and sys.version_info[:2] == (3, 11) else "")' 2>/dev/null)" || continue
    [ -n "$real" ] && { printf '%s\n' "$real"; return 0; }
  done
  return 1
}
cpython_check() {
  "$CPY" -c 'import hpy.universal, hpy.devel, pytest, hypothesis, setuptools, wheel, cmake, ninja, mypy, ml_dtypes, cffi
v = hpy.universal.get_version()[0]
assert v == "0.9.0", v' >/dev/null 2>&1
}
HOST_PY="$(pick_python)" || die "no CPython 3.11 found (tried python3, python3.11, /usr/bin/python3.11); set TVM_FFI_HPY_PYTHON=/path/to/python3.11"
FP_CPY="$HOST_PY $("$HOST_PY" -c 'import sys; print(sys.version.split()[0])') | ${CPY_PKGS[*]}"
if stamp_ok cpython "$FP_CPY" && cpython_check; then
  say "cpython venv: up to date"
else
  rm -f "$STAMPS/cpython" "$STAMPS/pypy-site"
  say "cpython venv: creating from $HOST_PY"
  : >"$LOGS/cpython.log"
  if ! run cpython "$HOST_PY" -m venv --clear "$ENV_DIR/cpython"; then
    # Debian's own python3.11 needs the python3.11-venv package for ensurepip.
    case "$HOST_PY" in
      /usr/bin/*)
        say "cpython venv: installing python3.11-venv with apt"
        run cpython env DEBIAN_FRONTEND=noninteractive apt-get -qq update || die "apt-get update failed"
        run cpython env DEBIAN_FRONTEND=noninteractive apt-get -y -qq install python3.11-venv \
          || die "could not install python3.11-venv"
        run cpython "$HOST_PY" -m venv --clear "$ENV_DIR/cpython" || die "venv creation failed" ;;
      *) die "'$HOST_PY -m venv' failed" ;;
    esac
  fi
  say "cpython venv: pip install ${CPY_PKGS[*]}"
  run cpython "$CPY" -m pip install --disable-pip-version-check --no-input "${CPY_PKGS[@]}" \
    || die "pip install into the venv failed (PyPI reachable? see $LOGS/cpython.log)"
  cpython_check || { "$CPY" -c 'import hpy.universal, hpy.devel; print(hpy.universal.get_version())' >&2 || true
                     die "venv built but 'import hpy.universal, hpy.devel' (hpy 0.9.0) fails"; }
  stamp_set cpython "$FP_CPY"
fi

# ------------------------------------------ 1b. torch (CPU, from disk only)
STEP="torch"
TORCH_VERSION=2.13.0
# The CPU wheel in one of pip's find-links folders; PyPI's torch is a CUDA
# build of gigabytes, so nothing is downloaded when the file is not there.
torch_wheel() {
  local dirs d f
  dirs="$("$CPY" -m pip config get global.find-links 2>/dev/null || true) /opt/wheels"
  for d in $dirs; do
    for f in "${d#file://}"/torch-"$TORCH_VERSION"+cpu-cp311-cp311-*.whl; do
      [ -f "$f" ] && { printf '%s\n' "$f"; return 0; }
    done
  done
  return 0
}
TORCH_WHEEL="$(torch_wheel)"
if [ -z "$TORCH_WHEEL" ]; then
  say "torch: no CPU wheel of torch $TORCH_VERSION on disk; tests/test_torch.py will skip"
elif stamp_ok torch "$TORCH_WHEEL" && "$CPY" -c 'import torch' >/dev/null 2>&1; then
  say "torch: up to date"
else
  say "torch: pip install $TORCH_WHEEL"
  : >"$LOGS/torch.log"
  run torch "$CPY" -m pip install --disable-pip-version-check --no-input "$TORCH_WHEEL" \
    || die "pip install of $TORCH_WHEEL failed (see $LOGS/torch.log)"
  stamp_set torch "$TORCH_WHEEL"
fi

# ------------------- 1c. CPython 3.13, and hpy 0.9.0 patched for it (a wheel)
STEP="cpython313"
CPY313_PKGS=(pytest hypothesis numpy ml_dtypes cffi)
HPY313_WHEEL_DIR="$ENV_DIR/hpy313"
# A CPython 3.13 with its headers (hpy is built from source): pyenv's, else
# python3.13 on PATH (Debian 13's needs python3.13-dev and python3.13-venv).
pick_python313() {
  local c real root
  root="$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"
  for c in ${TVM_FFI_HPY_PYTHON313:-} $(ls -d "$root"/versions/3.13.*/bin/python3.13 2>/dev/null | sort -V -r) python3.13; do
    command -v "$c" >/dev/null 2>&1 || continue
    real="$("$c" -c 'import os, sys, sysconfig
ok = sys.implementation.name == "cpython" and sys.version_info[:2] == (3, 13) and os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h"))
print(sys.executable if ok else "")' 2>/dev/null)" || continue
    [ -n "$real" ] && { printf '%s\n' "$real"; return 0; }
  done
  return 1
}
# The venv has no hpy: our wheel carries HPy's runtime patched for 3.13, made
# from the wheel that ci/hpy313.sh builds into $HPY313_WHEEL_DIR (setup.py,
# TVM_FFI_HPY_HPY313_WHEEL), so the suite on 3.13 is what a plain pip gives.
cpython313_check() {
  ls "$HPY313_WHEEL_DIR"/hpy-0.9.0+tvmffihpy.1-cp313-cp313-*.whl >/dev/null 2>&1 &&
  "$CPY313" -c 'import importlib.util, pytest, hypothesis, numpy, ml_dtypes, cffi
assert importlib.util.find_spec("hpy") is None' >/dev/null 2>&1
}
HOST_PY313="$(pick_python313)" || die "no CPython 3.13 with its headers found (pyenv's versions/3.13.*, python3.13 on PATH); set TVM_FFI_HPY_PYTHON313=/path/to/python3.13"
FP_CPY313="$HOST_PY313 $("$HOST_PY313" -c 'import sys; print(sys.version.split()[0])') | $(sha256sum "$REPO/ci/hpy313.sh" "$REPO/ci/hpy-patches/hpy-0.9.0-cpython313.patch" | cut -c1-16 | tr '\n' ' ')| ${CPY313_PKGS[*]} | no hpy in the venv"
if stamp_ok cpython313 "$FP_CPY313" && cpython313_check; then
  say "cpython313 venv: up to date"
else
  rm -f "$STAMPS/cpython313"
  say "cpython313 venv: creating from $HOST_PY313; hpy 0.9.0 patched for 3.13 built beside it (ci/hpy313.sh)"
  : >"$LOGS/cpython313.log"
  run cpython313 "$HOST_PY313" -m venv --clear "$ENV_DIR/cpython313" || die "'$HOST_PY313 -m venv' failed"
  rm -rf "$HPY313_WHEEL_DIR"
  run cpython313 bash "$REPO/ci/hpy313.sh" "$CPY313" "$HPY313_WHEEL_DIR" \
    || die "building the patched hpy for CPython 3.13 failed (see $LOGS/cpython313.log)"
  run cpython313 "$CPY313" -m pip install --disable-pip-version-check --no-input \
      "${CPY313_PKGS[@]}" \
    || die "pip install into the CPython 3.13 venv failed (see $LOGS/cpython313.log)"
  cpython313_check || die "CPython 3.13 venv built but the patched hpy wheel is not in $HPY313_WHEEL_DIR, or pytest/hypothesis/numpy do not import, or an hpy is installed there"
  stamp_set cpython313 "$FP_CPY313"
fi

# ------------------------------------------------------------- 2. PyPy
STEP="pypy"
# Exit 0 when $1 is a PyPy >= 7.3.14 on Python >= 3.11 whose hpy.universal is 0.9.x.
pypy_check() {
  "$@" -c 'import sys, hpy.universal
assert sys.implementation.name == "pypy" and sys.version_info[:2] >= (3, 11), sys.version
assert sys.pypy_version_info[:3] >= (7, 3, 14), sys.pypy_version_info
assert hpy.universal.get_version()[0].startswith("0.9"), hpy.universal.get_version()' >/dev/null 2>&1
}

# The Debian archive URI the machine's apt already uses for its release.
debian_mirror() {
  local f uri=""
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    uri="$(awk -v cn="$CODENAME" '
      function flush() {
        if (types ~ /(^| )deb( |$)/ && tolower(enabled) != "no" && uris != "") {
          n = split(suites, s, " ")
          for (i = 1; i <= n; i++) if (s[i] == cn) { split(uris, u, " "); print u[1]; done = 1; exit }
        }
        types = suites = uris = enabled = ""
      }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      /^[A-Za-z-]+:/ {
        key = tolower(substr($0, 1, index($0, ":") - 1)); val = substr($0, index($0, ":") + 1)
        gsub(/^[ \t]+|[ \t]+$/, "", val)
        if (key == "types") types = val; else if (key == "suites") suites = val
        else if (key == "uris") uris = val; else if (key == "enabled") enabled = val
      }
      END { if (!done) flush() }' "$f")"
    [ -n "$uri" ] && break
  done
  if [ -z "$uri" ]; then
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [ -r "$f" ] || continue
      uri="$(sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" | awk -v cn="$CODENAME" '$1 == "deb" && $3 == cn { print $2; exit }')"
      [ -n "$uri" ] && break
    done
  fi
  case "$uri" in http://*|https://*|file:/*) printf '%s\n' "${uri%/}" ;; *) printf '%s\n' "$DEFAULT_MIRROR" ;; esac
}

multiarch_triplet() {
  case "$(uname -m)" in
    x86_64) echo x86_64-linux-gnu ;; aarch64) echo aarch64-linux-gnu ;;
    ppc64le) echo powerpc64le-linux-gnu ;; s390x) echo s390x-linux-gnu ;;
    riscv64) echo riscv64-linux-gnu ;; i?86) echo i386-linux-gnu ;;
    *) echo unknown ;;
  esac
}

write_wrapper() {  # $1 = wrapper body after the shebang, $2 = wrapper path (default $PYPY)
  local dest="${2:-$PYPY}"
  local tmp="$dest.tmp.$$"
  printf '#!/bin/sh\n# generated by ci/install.sh; do not edit\n%s\n' "$1" >"$tmp"
  chmod 755 "$tmp"
  mv -f "$tmp" "$dest"
}

pypy_via_apt() {
  if ! pypy_check /usr/bin/pypy3; then
    say "pypy: apt-get install pypy3"
    : >"$LOGS/pypy.log"
    run pypy env DEBIAN_FRONTEND=noninteractive apt-get -qq update || die "apt-get update failed"
    run pypy env DEBIAN_FRONTEND=noninteractive apt-get -y -qq install pypy3 || die "apt-get install pypy3 failed"
  fi
  write_wrapper 'exec /usr/bin/pypy3 "$@"'
  pypy_check "$PYPY" || die "/usr/bin/pypy3 is not PyPy >= 7.3.14 / Python 3.11 with HPy 0.9: $(/usr/bin/pypy3 --version 2>&1 | tr '\n' ' ')"
}

# A private apt state for Debian suite $1 in directory $2, from mirror $3: sets
# APT_OPTS so that apt-get/apt-cache read and write only there (the system's
# apt state is untouched).
private_apt() {
  local suite="$1" dir="$2" mirror="$3"
  rm -rf "$dir"
  mkdir -p "$dir"/{lists/partial,cache/archives/partial,sources.list.d,preferences.d,debs}
  [ -r "$KEYRING" ] || die "keyring $KEYRING not found (apt-get install debian-archive-keyring)"
  printf 'deb [signed-by=%s] %s %s main\n' "$KEYRING" "$mirror" "$suite" >"$dir/sources.list"
  APT_OPTS=(-o "Dir::Etc::SourceList=$dir/sources.list" -o "Dir::Etc::SourceParts=$dir/sources.list.d"
            -o "Dir::Etc::Preferences=$dir/preferences" -o "Dir::Etc::PreferencesParts=$dir/preferences.d"
            -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache"
            -o "APT::Sandbox::User=root" -o "Acquire::Languages=none")
}

pypy_sideload() {
  local mirror apt_dir root new triplet ldso libdir lp pkgs deb f missing
  local -a o
  mirror="$(debian_mirror)"
  apt_dir="$ENV_DIR/apt-trixie"
  root="$ENV_DIR/pypy-root"
  new="$root.new"
  say "pypy: fetching pypy3 from $mirror (suite trixie) with a private apt state"
  : >"$LOGS/pypy.log"
  rm -rf "$new"
  private_apt trixie "$apt_dir" "$mirror"
  o=("${APT_OPTS[@]}")
  if ! run pypy apt-get "${o[@]}" -qq update; then
    if grep -qE 'NO_PUBKEY|not signed|signature' "$LOGS/pypy.log"; then
      # bookworm's debian-archive-keyring gained the trixie keys in a stable
      # update; refresh it through the system apt and retry once.
      warn "trixie Release signature not verifiable with $KEYRING; updating debian-archive-keyring"
      run pypy env DEBIAN_FRONTEND=noninteractive apt-get -qq update || true
      run pypy env DEBIAN_FRONTEND=noninteractive apt-get -y -qq install debian-archive-keyring || true
      run pypy apt-get "${o[@]}" -qq update \
        || die "cannot verify trixie's Release file with $KEYRING: it must hold a key trixie is signed with, the 12/bookworm or 13/trixie archive key (bookworm's /usr/share/keyrings/debian-archive-keyring.gpg has both); set TVM_FFI_HPY_KEYRING to such a keyring"
    else
      die "apt-get update for trixie from $mirror failed"
    fi
  fi
  # Everything pypy3 pre-depends/depends on, recursively, plus our own list.
  pkgs="$( { printf '%s\n' "${SIDELOAD_PKGS[@]}"
             apt-cache "${o[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts \
               --no-breaks --no-replaces --no-enhances pypy3 2>>"$LOGS/pypy.log" | grep -v '^[ <]' || true
           } | sort -u)"
  # shellcheck disable=SC2086
  (cd "$apt_dir/debs" && run pypy apt-get "${o[@]}" -qq download $pkgs) \
    || die "apt-get download from trixie failed (packages: $(tr '\n' ' ' <<<"$pkgs"))"
  mkdir -p "$new"
  for deb in "$apt_dir"/debs/*.deb; do
    run pypy dpkg -x "$deb" "$new" || die "dpkg -x $deb failed"
  done

  triplet="$(multiarch_triplet)"
  libdir="$new/usr/lib/$triplet"
  if [ ! -e "$libdir/libc.so.6" ]; then   # unknown uname -m: find where libc went
    f="$(find "$new/usr/lib" "$new/lib" -maxdepth 2 -name libc.so.6 2>/dev/null | head -n1)"
    [ -n "$f" ] || die "no libc.so.6 in the unpacked trixie libc6"
    libdir="$(dirname "$f")"; triplet="$(basename "$libdir")"
  fi
  ldso="$(find "$libdir" -maxdepth 1 -name 'ld-linux*.so.*' | head -n1)"
  [ -n "$ldso" ] || die "no ld-linux*.so.* in $libdir"
  [ -x "$new/usr/bin/pypy3.11" ] || die "unpacked pypy3 has no usr/bin/pypy3.11"
  lp="$libdir"; [ -d "$new/lib/$triplet" ] && lp="$lp:$new/lib/$triplet"

  # Every library the interpreter and its cffi modules need must resolve.
  missing="$("$ldso" --library-path "$lp" --list "$new/usr/bin/pypy3.11" 2>&1 | grep 'not found' || true)"
  [ -z "$missing" ] || die "unpacked pypy3.11 misses libraries: $missing"
  while IFS= read -r f; do
    missing="$("$ldso" --library-path "$lp" --list "$f" 2>&1 | grep 'not found' || true)"
    [ -z "$missing" ] || warn "$(basename "$f") misses: $(echo "$missing" | awk '{print $1}' | tr '\n' ' ')"
  done < <(find "$new/usr/lib/pypy3.11" -maxdepth 2 -name '*.so')

  rm -rf "$root"; mv "$new" "$root"
  # Relocatable wrapper: paths are found from the wrapper's own location, and
  # --argv0 makes sys.executable the wrapper, so subprocesses re-enter here.
  # shellcheck disable=SC2016  # $root is expanded by the wrapper, not here
  local lib_rel="${libdir#"$new/"}" wlp='$root/'"${libdir#"$new/"}"
  [ -d "$new/lib/$triplet" ] && wlp="$wlp:\$root/lib/$triplet"
  write_wrapper "here=\"\$(dirname \"\$(readlink -f \"\$0\")\")\"
root=\"\$here/../pypy-root\"
exec \"\$root/$lib_rel/$(basename "$ldso")\" --argv0 \"\$0\" --library-path \"$wlp\" \"\$root/usr/bin/pypy3.11\" \"\$@\""
  rm -rf "$apt_dir"
  pypy_check "$PYPY" || { "$PYPY" -c 'import sys, hpy.universal; print(sys.version, hpy.universal.get_version())' >&2 || true
                          die "$PYPY does not run or is not PyPy >= 7.3.14 with HPy 0.9"; }
  if ! "$PYPY" -c 'import ssl, sqlite3, lzma, bz2, zlib, ctypes, pyexpat, _curses' >>"$LOGS/pypy.log" 2>&1; then
    warn "some optional PyPy stdlib modules do not import (see $LOGS/pypy.log); tests need none of them"
  fi
}

PYPY_MODE="${TVM_FFI_HPY_PYPY_MODE:-}"
if [ -z "$PYPY_MODE" ]; then
  if [ "$DEB_MAJOR" -ge 13 ]; then PYPY_MODE=apt; else PYPY_MODE=sideload; fi
fi
case "$PYPY_MODE" in
  apt) FP_PYPY="apt" ;;
  sideload) FP_PYPY="sideload $(debian_mirror) $(uname -m) | ${SIDELOAD_PKGS[*]}" ;;
  *) die "TVM_FFI_HPY_PYPY_MODE must be 'apt' or 'sideload', not '$PYPY_MODE'" ;;
esac
if stamp_ok pypy "$FP_PYPY" && pypy_check "$PYPY"; then
  say "pypy ($PYPY_MODE): up to date"
else
  rm -f "$STAMPS/pypy"
  if [ "$PYPY_MODE" = apt ]; then pypy_via_apt; else pypy_sideload; fi
  stamp_set pypy "$FP_PYPY"
fi

# ------------------------------------------------- 3. pytest for PyPy
STEP="pypy-site"
# The venv's pip installs them for PyPy with --target (pytest and hypothesis
# are pure Python, numpy has pypy311_pp73 wheels); this needs neither
# ensurepip (stripped from Debian's pypy3) nor ssl in PyPy.
pypy_site_check() {
  PYTHONPATH="$PYPY_SITE" "$PYPY" -c 'import pytest, hypothesis, _pytest.config, numpy' >/dev/null 2>&1
}
FP_SITE="$("$CPY" -c 'import sys; print(sys.version.split()[0])') | ${PYPY_SITE_PKGS[*]} | ${PYPY_SITE_BINARY_PKGS[*]}"
if stamp_ok pypy-site "$FP_SITE" && pypy_site_check; then
  say "pypy-site: up to date"
else
  rm -f "$STAMPS/pypy-site"
  say "pypy-site: pip install --target for PyPy 3.11: ${PYPY_SITE_PKGS[*]} ${PYPY_SITE_BINARY_PKGS[*]}"
  : >"$LOGS/pypy-site.log"
  rm -rf "$PYPY_SITE.new"
  run pypy-site "$CPY" -m pip install --disable-pip-version-check --no-input \
      --target "$PYPY_SITE.new" --python-version 3.11 --implementation pp \
      --abi none --only-binary=:all: "${PYPY_SITE_PKGS[@]}" \
    || die "pip install --target for PyPy failed"
  run pypy-site "$CPY" -m pip install --disable-pip-version-check --no-input --no-deps \
      --target "$PYPY_SITE.new" --python-version 3.11 --implementation pp \
      --abi pypy311_pp73 --only-binary=:all: "${PYPY_SITE_BINARY_PKGS[@]}" \
    || die "pip install --target of ${PYPY_SITE_BINARY_PKGS[*]} for PyPy failed"
  rm -rf "$PYPY_SITE"; mv "$PYPY_SITE.new" "$PYPY_SITE"
  pypy_site_check || { PYTHONPATH="$PYPY_SITE" "$PYPY" -c 'import pytest, hypothesis, numpy' >&2 || true
                       die "pytest/hypothesis/numpy do not import on PyPy from $PYPY_SITE"; }
  stamp_set pypy-site "$FP_SITE"
fi

# ----------------------------------------- 4. old PyPy (negative test only)
STEP="pypy-old"
# Debian 12's PyPy 7.3.11 (Python 3.9, HPy 0.0.4) provides an HPy ABI older
# than the one _ffi.hpy0.so is built for; tests/test_old_pypy.py checks that
# importing the package there is a clean ImportError.  It is unpacked from the
# bookworm suite with a private apt state, like step 2, on Debian 12 and 13
# alike (the closure includes bookworm's glibc, so it runs on either).
PYPY_OLD="${PYPY_OLD:-$ENV_DIR/bin/pypy3-old}"
PYPY_OLD_ROOT="$ENV_DIR/pypy-old-root"
OLD_PKGS=(pypy3 pypy3-lib libc6 libffi8 libexpat1 zlib1g libbz2-1.0 liblzma5
  libncursesw6 libtinfo6 libgcc-s1 libssl3 libsqlite3-0 libgdbm6)
# Exit 0 when $1 is a PyPy older than 7.3.14 on Python 3.9 whose hpy.universal
# reports a version below 0.9.
pypy_old_check() {
  "$@" -c 'import sys, hpy.universal
assert sys.implementation.name == "pypy" and sys.version_info[:2] == (3, 9), sys.version
assert sys.pypy_version_info[:3] < (7, 3, 14), sys.pypy_version_info
v = hpy.universal.get_version()[0]
assert tuple(int(x) for x in v.split(".")[:2]) < (0, 9), v' >/dev/null 2>&1
}

pypy_old_sideload() {
  local mirror apt_dir new triplet ldso lp d f bin missing pkgs deb wlp
  local -a o
  mirror="$(debian_mirror)"
  apt_dir="$ENV_DIR/apt-bookworm"
  new="$PYPY_OLD_ROOT.new"
  say "pypy-old: fetching pypy3 7.3.11 from $mirror (suite bookworm) with a private apt state"
  : >"$LOGS/pypy-old.log"
  rm -rf "$new"
  private_apt bookworm "$apt_dir" "$mirror"
  o=("${APT_OPTS[@]}")
  run pypy-old apt-get "${o[@]}" -qq update \
    || die "apt-get update for bookworm from $mirror failed (a signature error means $KEYRING lacks the 12/bookworm archive keys; Debian 12 and 13's debian-archive-keyring have them; set TVM_FFI_HPY_KEYRING)"
  pkgs="$( { printf '%s\n' "${OLD_PKGS[@]}"
             apt-cache "${o[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts \
               --no-breaks --no-replaces --no-enhances pypy3 2>>"$LOGS/pypy-old.log" | grep -v '^[ <]' || true
           } | sort -u)"
  # shellcheck disable=SC2086
  (cd "$apt_dir/debs" && run pypy-old apt-get "${o[@]}" -qq download $pkgs) \
    || die "apt-get download from bookworm failed (packages: $(tr '\n' ' ' <<<"$pkgs"))"
  mkdir -p "$new"
  for deb in "$apt_dir"/debs/*.deb; do
    run pypy-old dpkg -x "$deb" "$new" || die "dpkg -x $deb failed"
  done

  # bookworm's libc6 is not merged-/usr: its files are under lib/<triplet>.
  triplet="$(multiarch_triplet)"
  if [ ! -e "$new/lib/$triplet/libc.so.6" ] && [ ! -e "$new/usr/lib/$triplet/libc.so.6" ]; then
    f="$(find "$new/lib" "$new/usr/lib" -maxdepth 2 -name libc.so.6 2>/dev/null | head -n1)"
    [ -n "$f" ] || die "no libc.so.6 in the unpacked bookworm libc6"
    triplet="$(basename "$(dirname "$f")")"
  fi
  ldso="$(find "$new/lib/$triplet" "$new/usr/lib/$triplet" -maxdepth 1 -name 'ld-linux*.so.*' 2>/dev/null | head -n1)"
  [ -n "$ldso" ] || die "no ld-linux*.so.* in the unpacked bookworm libc6"
  bin=""
  for f in "$new"/usr/bin/pypy3.[0-9]*; do
    [ -f "$f" ] && [ ! -L "$f" ] && [ -x "$f" ] && { bin="${f#"$new/"}"; break; }
  done
  [ -n "$bin" ] || die "unpacked bookworm pypy3 has no usr/bin/pypy3.<minor>"
  lp=""; wlp=""
  for d in "usr/lib/$triplet" "lib/$triplet"; do
    [ -d "$new/$d" ] || continue
    lp="${lp:+$lp:}$new/$d"; wlp="${wlp:+$wlp:}\$root/$d"
  done
  missing="$("$ldso" --library-path "$lp" --list "$new/$bin" 2>&1 | grep 'not found' || true)"
  [ -z "$missing" ] || die "unpacked $bin misses libraries: $missing"

  rm -rf "$PYPY_OLD_ROOT"; mv "$new" "$PYPY_OLD_ROOT"
  # Relocatable, like the PyPy 7.3.19 wrapper of step 2.
  write_wrapper "here=\"\$(dirname \"\$(readlink -f \"\$0\")\")\"
root=\"\$here/../pypy-old-root\"
exec \"\$root/${ldso#"$new/"}\" --argv0 \"\$0\" --library-path \"$wlp\" \"\$root/$bin\" \"\$@\"" "$PYPY_OLD"
  rm -rf "$apt_dir"
  pypy_old_check "$PYPY_OLD" || { "$PYPY_OLD" -c 'import sys; print(sys.version); import hpy.universal; print(hpy.universal.get_version())' >&2 || true
                                  die "$PYPY_OLD does not run or is not a PyPy < 7.3.14 (Python 3.9) with an HPy older than 0.9"; }
}

FP_PYPY_OLD="sideload bookworm $(debian_mirror) $(uname -m) | ${OLD_PKGS[*]}"
if stamp_ok pypy-old "$FP_PYPY_OLD" && pypy_old_check "$PYPY_OLD"; then
  say "pypy-old: up to date"
else
  rm -f "$STAMPS/pypy-old"
  pypy_old_sideload
  stamp_set pypy-old "$FP_PYPY_OLD"
fi

# ---------------------------------------------------------------- report
STEP="report"
trap - ERR
CPY_VER="$("$CPY" -c 'import sys, hpy.universal; print("CPython %s, hpy %s" % (sys.version.split()[0], hpy.universal.get_version()[0]))')"
CPY313_VER="$("$CPY313" -c 'import sys; print("CPython %s, no hpy" % sys.version.split()[0])'), the patched HPy runtime from $(basename "$(ls "$HPY313_WHEEL_DIR"/hpy-*.whl)")"
PYPY_VER="$("$PYPY" -c 'import sys, hpy.universal; print("PyPy %s (Python %s), hpy.universal %s" % (".".join(map(str, sys.pypy_version_info[:3])), sys.version.split()[0], hpy.universal.get_version()[0]))')"
PYPY_OLD_VER="$("$PYPY_OLD" -c 'import sys, hpy.universal; print("PyPy %s (Python %s), hpy.universal %s" % (".".join(map(str, sys.pypy_version_info[:3])), sys.version.split()[0], hpy.universal.get_version()[0]))')"
cat <<EOF
[install] done in $((SECONDS - START))s
  ENV_DIR=$ENV_DIR
  CPY=$CPY        # $CPY_VER
  CPY313=$CPY313   # $CPY313_VER
  PYPY=$PYPY      # $PYPY_VER ($PYPY_MODE)
  PYPY_SITE=$PYPY_SITE   # use as PYTHONPATH for \$PYPY
  PYPY_OLD=$PYPY_OLD   # $PYPY_OLD_VER (negative test only)
  source $REPO/ci/env.sh  to get these variables
EOF
