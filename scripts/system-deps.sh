#!/usr/bin/env bash
# Install the Debian packages Handbill needs when they are missing.
#   scripts/system-deps.sh run    — rendering: Pango (WeasyPrint) and fonts covering Latin, Cyrillic and Arabic
#   scripts/system-deps.sh test   — the above plus poppler-utils (pdftotext), qpdf and Chromium for the tests,
#                                   and, when Java and npm are present, the outside validators (Nu HTML Checker,
#                                   axe-core) at the versions pinned in .tools/package.json, into .tools/node_modules
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

validators() {
  # The HTML checker runs on Java; without it the validator tests skip and say so.
  if ! command -v java >/dev/null 2>&1; then
    echo "note: Java is not installed: the Nu HTML Checker test will be skipped"; return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "note: npm is not installed: the HTML and accessibility validator tests will be skipped"; return 0
  fi
  local stamp="$ROOT/.tools/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$ROOT/.tools/package-lock.json" -nt "$stamp" ]; then
    echo "Installing the validators pinned in .tools/package.json (vnu-jar, axe-core)"
    # --ignore-scripts: vnu-jar's install script would fetch a Java runtime; the system's Java is used instead
    npm ci --prefix "$ROOT/.tools" --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
  fi
}
need=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-core fonts-dejavu-core)
if [ "${1:-run}" = "test" ]; then
  need+=(poppler-utils qpdf chromium)
fi
missing=()
for pkg in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
finish() { if [ "${1:-run}" = "test" ]; then validators; fi; }
if [ ${#missing[@]} -eq 0 ]; then finish "${1:-run}"; exit 0; fi
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
finish "${1:-run}"
