#!/usr/bin/env bash
# Set up everything the tests need, then run ruff and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system.sh test
bash scripts/setup-venv.sh test
export QT_QPA_PLATFORM=offscreen
.venv/bin/ruff check archive_app tests bench
.venv/bin/python -m pytest "$@"
