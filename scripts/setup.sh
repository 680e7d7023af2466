#!/usr/bin/env bash
# Installs the system packages ecogate needs when they are missing (Debian/Ubuntu), and checks the Rust toolchain.
# Idempotent: installs nothing when everything is present.
set -euo pipefail
. "$(dirname "$0")/lib/apt.sh"

packages=(
  libgdal-dev libproj-dev    # the gdal and proj crates link against them
  clang libclang-dev pkg-config  # bindgen and library discovery
  libfreetype-dev            # the freetype-rs crate links it: map label glyphs are rendered with FreeType
  fonts-wqy-microhei         # WenQuanYi Micro Hei, the map labels' font (Latin and CJK; Apache-2.0 or GPL-3+ with font exception)
  gdal-bin                   # ogr2ogr/ogrinfo: test fixtures in other formats
  libsqlite3-dev             # rusqlite links the system SQLite (the one GDAL and PROJ use): the audit trail
  poppler-utils              # pdftoppm/pdftotext: the report tests render the PDF report and read its text back
)

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# Node.js and npm vendor the map page's JavaScript (maplibre-gl) and run MapLibre's style validator. Checked by
# command, not by package: a Node.js from another source ships npm inside its own nodejs package.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)

apt_install setup "${missing[@]+"${missing[@]}"}"

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo not found: install a Rust toolchain (rustup or Debian's cargo) and re-run" >&2
  exit 1
fi
