#!/usr/bin/env bash
# Create .venv (Python 3.11+) and install the project into it; reinstall only when
# pyproject.toml changed. Usage: setup-venv.sh [EXTRAS], e.g. setup-venv.sh test
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
python=${PYTHON:-python3}
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "Archive App needs Python 3.11 or newer; $("$python" --version 2>&1) found." >&2; exit 1; }
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
spec="."; [ -n "$extras" ] && spec=".[${extras}]"
stamp=".venv/.installed-${extras:-app}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e "$spec"
  touch "$stamp"
fi
