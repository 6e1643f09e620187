#!/usr/bin/env bash
# Remakes docs/verify-report.png, the picture of the verify report in the
# README: runs the demo (generated Kustomer data, both simulators, init →
# verify, in a temporary directory), then photographs the report the demo's
# verify step wrote, with headless Chromium.
#
#   bash scripts/report-screenshot.sh [WIDTH [HEIGHT]]    # default 1100 × 1800 pixels
#
# CHROMIUM names the browser when it is not chromium on the PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

width=${1:-1100}
height=${2:-1800}
chromium=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}
if [ -z "$chromium" ]; then
  echo "no Chromium found: install it (apt-get install chromium), or set CHROMIUM" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== kzmap demo"
if ! go run ./cmd/kzmap demo --keep "$tmp/demo" >"$tmp/demo.log" 2>&1; then
  cat "$tmp/demo.log" >&2
  exit 1
fi
# demo --keep DIR leaves the mapping directory in DIR/acme, and verify's
# report in it.
report=$tmp/demo/acme/verify.html
if [ ! -f "$report" ]; then
  echo "the demo wrote no report at $report:" >&2
  cat "$tmp/demo.log" >&2
  exit 1
fi

echo "== photographing the report, ${width}×${height}"
mkdir -p docs
# A fresh profile, and nothing that reaches the network.
"$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$tmp/profile" --hide-scrollbars --window-size="$width,$height" \
  --screenshot="$PWD/docs/verify-report.png" "file://$report" >"$tmp/chromium.log" 2>&1 || {
  cat "$tmp/chromium.log" >&2
  exit 1
}
echo "wrote docs/verify-report.png"
