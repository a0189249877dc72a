#!/usr/bin/env bash
# Install what the browser tests (tests/browser) need, only what is missing:
#   - Debian's Chromium (/usr/bin/chromium), which Playwright drives: a browser download
#     of Playwright's own cannot work here;
#   - a Java runtime for the Nu HTML Checker (Debian's default-jre-headless);
#   - axe-core and vnu-jar (the checker's jar) from the npm registry, at the versions
#     pinned in tools/package-lock.json, into tools/node_modules (git ignores it).
# Quick when everything is there already. Set BROWSER_TOOLS_SKIP_APT=1 to leave the
# system packages alone (then it only says what is missing).
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS=tools
AXE="$TOOLS/node_modules/axe-core/axe.min.js"
VNU="$TOOLS/node_modules/vnu-jar/build/dist/vnu.jar"

apt_packages=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || apt_packages+=(chromium)
command -v java >/dev/null 2>&1 || apt_packages+=(default-jre-headless)
if ! command -v npm >/dev/null 2>&1 && { [ ! -f "$AXE" ] || [ ! -f "$VNU" ]; }; then
  apt_packages+=(npm)
fi

if [ ${#apt_packages[@]} -gt 0 ]; then
  echo "browser-tools: missing system packages: ${apt_packages[*]}"
  if [ -n "${BROWSER_TOOLS_SKIP_APT:-}" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "browser-tools: install them (Debian/Ubuntu: apt-get install ${apt_packages[*]})." >&2
    exit 1
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "browser-tools: not root, so not installing them. Run:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${apt_packages[*]}" >&2
    exit 1
  fi
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${apt_packages[@]}"
fi

# npm ci installs exactly the lockfile. --ignore-scripts: vnu-jar's postinstall would
# download a Java runtime of its own, which we neither need nor can fetch here.
if [ ! -f "$AXE" ] || [ ! -f "$VNU" ] || [ "$TOOLS/package-lock.json" -nt "$TOOLS/node_modules" ]; then
  echo "browser-tools: installing axe-core and vnu-jar into $TOOLS/node_modules"
  npm ci --prefix "$TOOLS" --ignore-scripts --no-audit --no-fund --loglevel=error
  touch "$TOOLS/node_modules"
fi
