#!/usr/bin/env bash
# Set up Archive App and open it on the bundled corpus/ (data kept in ./demo-home).
# Extra arguments go to the window, e.g. scripts/run-app.sh --query '"Camp Liberty"'.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system.sh app
bash scripts/setup-venv.sh
export ARCHIVE_APP_HOME="${ARCHIVE_APP_HOME:-$PWD/demo-home}"
.venv/bin/archive-app index corpus
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  echo "No display found (DISPLAY/WAYLAND_DISPLAY unset): showing a search instead of the window."
  exec .venv/bin/archive-app search 'refugees' --limit 3
fi
exec .venv/bin/archive-app gui "$@"
