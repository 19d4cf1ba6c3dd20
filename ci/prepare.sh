# Sourced by the scripts that build and run the suite (ci/test.sh,
# ci/sanitize.sh): from the repository root, installs what is missing
# (ci/install.sh, idempotent), loads the environment (ci/env.sh: $ENV_DIR,
# $CPY, $PYPY, $PYPY_SITE) with the venv's tools first on PATH, and defines
# `section TITLE`, which prints a heading.
bash ci/install.sh
# shellcheck source=ci/env.sh
source ci/env.sh
export PATH="$ENV_DIR/cpython/bin:$PATH"

section() { printf '\n==== %s ====\n' "$*"; }
