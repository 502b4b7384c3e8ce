#!/usr/bin/env bash
# Installs the system packages some tests need, when they are missing:
#   - a PostgreSQL server (initdb/pg_ctl): request-log and export tests start a throwaway cluster
#   - Chromium: the quarterly report's HTML page is rendered headless
#   - a Java JDK and the PostgreSQL JDBC driver: `redactor serve` is tested with JDBC's
#     extended protocol (Debian: default-jdk-headless, libpostgresql-jdbc-java)
# Needs root (or passwordless sudo) for apt-get; otherwise it says what is missing and the
# tests that need it are skipped with that reason.
set -uo pipefail

have_pg() {
  command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}
have_jdbc() {
  command -v javac >/dev/null 2>&1 && ls /usr/share/java/postgresql*.jar >/dev/null 2>&1
}
have_chromium() {
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1
}

missing=()
have_pg || missing+=(postgresql)
have_chromium || missing+=(chromium)
if ! have_jdbc; then
  command -v javac >/dev/null 2>&1 || missing+=(default-jdk-headless)
  ls /usr/share/java/postgresql*.jar >/dev/null 2>&1 || missing+=(libpostgresql-jdbc-java)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "system-deps: cannot install ${missing[*]} (not root); tests that need them will be skipped" >&2
    exit 0
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: no apt-get; install ${missing[*]} by hand or those tests will be skipped" >&2
  exit 0
fi
echo "system-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null 2>&1 || true
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
  || echo "system-deps: apt-get install ${missing[*]} failed; tests that need them will be skipped" >&2
exit 0
