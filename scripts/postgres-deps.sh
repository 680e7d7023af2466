#!/usr/bin/env bash
# Installs what the PostGIS-backed tests need, when missing: Debian's PostgreSQL server and PostGIS (the tests start
# a throwaway cluster of their own on loopback; nothing is configured system-wide and no service is enabled), and
# gdal-bin's ogr2ogr (loads the sample into PostGIS). Idempotent: does nothing when everything is present.
set -euo pipefail
. "$(dirname "$0")/lib/apt.sh"

missing=()
dpkg -s postgresql >/dev/null 2>&1 || missing+=(postgresql)
dpkg -s postgresql-postgis >/dev/null 2>&1 || missing+=(postgresql-postgis)
command -v ogr2ogr >/dev/null 2>&1 || missing+=(gdal-bin)

apt_install postgres-deps "${missing[@]+"${missing[@]}"}"
