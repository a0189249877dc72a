#!/usr/bin/env bash
# Install the Debian/Ubuntu packages the registry needs, only those that are missing:
# Pango and HarfBuzz for WeasyPrint (PDF acknowledgements), the IPAex Japanese fonts they
# embed, Noto CJK and DejaVu for the pages, and qpdf and poppler-utils with which the
# tests inspect generated PDFs.
set -euo pipefail

PACKAGES=(
  libpango-1.0-0
  libpangoft2-1.0-0
  libharfbuzz-subset0
  fonts-ipaexfont-gothic
  fonts-ipaexfont-mincho
  fonts-noto-cjk
  fonts-dejavu-core
  qpdf
  poppler-utils
)

if ! command -v dpkg >/dev/null 2>&1; then
  echo "setup: no dpkg here, so system packages cannot be checked." >&2
  echo "setup: make sure these (or their equivalents) are installed: ${PACKAGES[*]}" >&2
  exit 0
fi

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg -s "$package" 2>/dev/null | grep -q '^Status: install ok installed'; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: missing system packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "setup: not root, so not installing them. Run:" >&2
  echo "    sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  echo "setup: then run make again." >&2
  exit 1
fi

apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
