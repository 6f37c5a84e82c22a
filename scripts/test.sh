#!/usr/bin/env bash
# Set up (Python packages and the Debian tools the tests need) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export QT_QPA_PLATFORM=offscreen
export UNGCUU_SLOW=${UNGCUU_SLOW:-1}   # include the real PyInstaller build of the portable bundle (~30 s)
exec .venv/bin/python -m pytest -q -n 2 --dist loadfile "$@"
