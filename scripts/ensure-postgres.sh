#!/usr/bin/env bash
# The PostgreSQL tests start their own throwaway server (test/helpers/postgres.ts) from Debian's
# `postgresql` binaries. Locate them, or install them from apt. Prints the bin directory found.
set -euo pipefail
find_bin() {
  if [ -n "${SEALDESK_PG_BIN:-}" ] && [ -x "$SEALDESK_PG_BIN/postgres" ]; then echo "$SEALDESK_PG_BIN"; return 0; fi
  # Newest major version first.
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
    if [ -x "$d/postgres" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  return 1
}
if find_bin; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "installing postgresql from apt…" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  # Debian's package also creates and starts a system cluster; the tests never use it.
  find_bin && exit 0
fi
echo "PostgreSQL server binaries not found: install Debian's 'postgresql' package or set SEALDESK_PG_BIN" >&2
exit 1
