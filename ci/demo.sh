#!/usr/bin/env bash
# The README's install-and-demo command, checked in a fresh venv:
#   pip install . && python -m tvm_ffi_hpy
# (Not part of ci/test.sh, which builds the extension exactly once.)
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$REPO/ci/install.sh" >/dev/null
# shellcheck source=ci/env.sh
source "$REPO/ci/env.sh"
DEMO_VENV="$ENV_DIR/demo-venv"
rm -rf "$DEMO_VENV"
"$CPY" -m venv "$DEMO_VENV"
"$DEMO_VENV/bin/python" -m pip install -q --disable-pip-version-check "$REPO"
cd "$ENV_DIR"   # not the source tree: import the installed package
"$DEMO_VENV/bin/python" -m tvm_ffi_hpy
