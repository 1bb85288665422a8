#!/usr/bin/env bash
# Browser tests need Debian's chromium (no browser download works on our machines).
# Locate it, or install it from apt. Prints the path it found.
set -euo pipefail
for c in "${SEALDESK_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$c" ] && [ -x "$c" ]; then echo "$c"; exit 0; fi
done
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "installing chromium from apt…" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
  echo /usr/bin/chromium
  exit 0
fi
echo "chromium not found: install Debian's 'chromium' package or set SEALDESK_CHROMIUM" >&2
exit 1
