#!/usr/bin/env bash
# Bundles MapLibre GL JS for the map page from npm — no CDN at run time. Installs web/package-lock.json's exact
# maplibre-gl into web/node_modules (skipped when already there) and copies its built files into web/vendor/,
# which the server serves at /web/vendor/. Both folders are git-ignored; re-run after changing the pinned version.
set -euo pipefail
cd "$(dirname "$0")/.."

dist=web/node_modules/maplibre-gl/dist
if [ ! -f "$dist/maplibre-gl.js" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "vendor-web: npm is missing: install Debian's npm (apt-get install npm) or run scripts/browser-deps.sh" >&2
    exit 1
  fi
  echo "vendor-web: npm ci --prefix web" >&2
  npm ci --prefix web --no-audit --no-fund --loglevel=error
fi

mkdir -p web/vendor
cp "$dist/maplibre-gl.js" "$dist/maplibre-gl.css" web/vendor/
cp "$dist/LICENSE.txt" web/vendor/maplibre-gl.LICENSE.txt
# The source map (several MiB) is left out: browsers fetch it only with developer tools open.
version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' web/node_modules/maplibre-gl/package.json | head -n1)
echo "$version" > web/vendor/maplibre-gl.version
echo "vendor-web: maplibre-gl $version in web/vendor/" >&2
