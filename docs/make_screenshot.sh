#!/usr/bin/env bash
# Rebuild docs/report-screenshot.png: run the quickstart on the bundled samples in a scratch
# folder, export the HTML report and photograph it with headless Chromium (Debian package
# `chromium`). Run from the repository root after the README's setup command.
set -euo pipefail
repo=$(pwd)
work=$(mktemp -d)
(cd "$work" && "$repo/.venv/bin/docsieve" run "$repo/data/samples" >/dev/null \
  && "$repo/.venv/bin/docsieve" report --export "$work/export" >/dev/null)
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/chromium" --hide-scrollbars --window-size=1280,2000 \
  --screenshot="$repo/docs/report-screenshot.png" "file://$work/export/run-1.html"
rm -rf "$work"
