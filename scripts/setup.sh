#!/usr/bin/env bash
# Set up UngCuu in ./.venv (idempotent). Usage: bash scripts/setup.sh [--test]
# Installs the Python packages from PyPI with the desktop app (the `gui` extra); with --test also the test
# extras (pytest, ruff, mypy) and the Debian tools the tests use (mtools, dosfstools, e2fsprogs, sleuthkit,
# poppler-utils, xvfb, ntfs-3g, p7zip-full, unzip, qemu-utils for qemu-img to make VHDX images, and
# LibreOffice Writer without its GUI to lay the DOCX reports out), when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
want_test=0
[ "${1:-}" = "--test" ] && want_test=1

if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
stamp=.venv/.ungcuu-installed
deps_hash=$(cat pyproject.toml | sha256sum | cut -c1-16)$want_test
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$deps_hash" ]; then
    echo "installing UngCuu and its Python packages into .venv (first run only)..." >&2
    log=.venv/ungcuu-setup.log
    extra="[gui]"  # the desktop app; a headless install is `pip install .` (see README)
    [ $want_test = 1 ] && extra="[gui,test]"
    if ! { .venv/bin/python -m pip install -q --upgrade pip && \
           .venv/bin/python -m pip install -q -e ".$extra"; } >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        echo "setup failed: the whole log is in $log" >&2
        exit 1
    fi
    echo "$deps_hash" > "$stamp"
fi

if [ $want_test = 1 ]; then
    missing=()
    for pair in mcopy:mtools mkfs.vfat:dosfstools mke2fs:e2fsprogs debugfs:e2fsprogs fls:sleuthkit \
                /lib/systemd/systemd-journal-remote:systemd-journal-remote \
                pdftoppm:poppler-utils pdftotext:poppler-utils Xvfb:xvfb mkntfs:ntfs-3g 7z:p7zip-full unzip:unzip \
                soffice:libreoffice-writer-nogui db5.3_load:db5.3-util qemu-img:qemu-utils; do
        cmd=${pair%%:*}; pkg=${pair##*:}
        if ! command -v "$cmd" >/dev/null 2>&1 && ! [ -x "/sbin/$cmd" ] && ! [ -x "/usr/sbin/$cmd" ]; then
            missing+=("$pkg")
        fi
    done
    # Qt's xcb platform under Xvfb (the screenshot script) needs these two libraries.
    for pkg in libxcb-icccm4 libxcb-keysyms1; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        SUDO=""
        [ "$(id -u)" = 0 ] || SUDO="sudo"
        echo "installing Debian packages: ${missing[*]}" >&2
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
            $(printf '%s\n' "${missing[@]}" | sort -u) >/dev/null
    fi
fi

# Detection rules: parse the shipped Sigma rules once into resources/rules/compiled.jsonl (not committed).
.venv/bin/python -m analysis.detect.compile >/dev/null || echo "warning: detection rules not compiled" >&2

# Translations: compile the Qt Linguist sources (.ts -> .qm); not committed as binaries.
if [ -f desktop/i18n_build.py ]; then
    .venv/bin/python -m desktop.i18n_build >/dev/null || echo "warning: translations not built" >&2
fi
