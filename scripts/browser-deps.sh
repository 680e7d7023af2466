#!/usr/bin/env bash
# Installs what the map page's browser test needs, when missing: Debian's chromium (the test drives it; no browser
# is ever downloaded by npm), a small CJK font (so screenshots show the Chinese interface rather than boxes), node and
# npm, and tests/browser's npm packages (playwright-core, exact version from the lock file). Idempotent: does nothing
# when everything is present.
set -euo pipefail
. "$(dirname "$0")/lib/apt.sh"
cd "$(dirname "$0")/.."

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || missing+=(fonts-wqy-microhei)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

apt_install browser-deps "${missing[@]+"${missing[@]}"}"

if [ ! -d tests/browser/node_modules/playwright-core ]; then
  echo "browser-deps: npm ci --prefix tests/browser" >&2
  # playwright-core has no install script and downloads nothing; the flags keep npm quiet and offline-friendly.
  npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
fi
