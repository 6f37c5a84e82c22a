#!/usr/bin/env bash
# Set up and start UngCuu. With no display it says how to collect from the command line instead.
# Any arguments are passed to `ungcuu` (e.g. bash scripts/run.sh collect --case /media/usb/CASE-01).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/ungcuu "$@"
