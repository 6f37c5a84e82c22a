#!/usr/bin/env bash
# Set up and start UngCuu. With no display it says how to collect from the command line instead.
# Any arguments are passed to `ungcuu` (e.g. bash scripts/run.sh collect --case /media/usb/CASE-01).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# -B: no __pycache__ written beside the code (UngCuu runs from the responder's drive)
exec .venv/bin/python -B -m desktop "$@"
