#!/usr/bin/env bash
# Create .venv (Python 3.11+) and install the project into it; reinstall only when
# pyproject.toml changed. Usage: setup-venv.sh [EXTRAS], e.g. setup-venv.sh test
# Silent on success: pip's output goes to .venv/pip-install.log, shown (its tail and the
# log's path) only when the install fails. $PYTHON picks the interpreter (default python3).
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
log=".venv/pip-install.log"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  if ! { .venv/bin/python -m pip install --disable-pip-version-check --upgrade pip &&
         .venv/bin/python -m pip install --disable-pip-version-check -e "$spec"; } >"$log" 2>&1
  then
    echo "Installing Archive App into .venv failed. The end of pip's output:" >&2
    tail -n 30 "$log" >&2
    echo "The whole of it is in $PWD/$log" >&2
    exit 1
  fi
  touch "$stamp"
fi
