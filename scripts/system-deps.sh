#!/usr/bin/env bash
# Install the Debian packages Handbill needs when they are missing.
#   scripts/system-deps.sh run    — rendering: Pango (WeasyPrint) and fonts covering Latin, Cyrillic and Arabic
#   scripts/system-deps.sh test   — the above plus poppler-utils (pdftotext) and Chromium for browser tests
set -euo pipefail
need=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-core fonts-dejavu-core)
if [ "${1:-run}" = "test" ]; then
  need+=(poppler-utils chromium)
fi
missing=()
for pkg in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing system packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  echo "error: these Debian packages are missing: ${missing[*]}" >&2
  echo "       install them as root: apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/handbill-apt.log 2>&1; then
  $SUDO apt-get update -q >>/tmp/handbill-apt.log 2>&1 || true
  if ! $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/handbill-apt.log 2>&1; then
    echo "error: could not install ${missing[*]}; see /tmp/handbill-apt.log" >&2
    exit 1
  fi
fi
