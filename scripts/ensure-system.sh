#!/usr/bin/env bash
# Check (and as root, install) the Debian packages Archive App needs outside its venv:
# python3-venv, the libraries Qt loads, a font, Tesseract OCR with English, Persian and
# Arabic data, antiword/catdoc (.doc) and readpst (.pst). Usage: ensure-system.sh test|app
#   test: what the offscreen test run needs;  app: that plus Qt's X11 (xcb) platform libs.
# When everything is present it prints nothing, exits 0 and never calls apt-get.
# ARCHIVE_APP_NO_INSTALL=1: only check and report (exit 1 when something is missing), never
# install, even as root or with sudo (tests/test_setup_scripts.py uses it).
# ldconfig, fc-list, python3 (or $PYTHON), id, apt-get and sudo are looked up on PATH.
set -euo pipefail
mode="${1:-app}"

# shared library -> Debian package that provides it
declare -A gui_libs=(
  [libEGL.so.1]=libegl1 [libGL.so.1]=libgl1 [libfontconfig.so.1]=libfontconfig1
  [libfreetype.so.6]=libfreetype6 [libxkbcommon.so.0]=libxkbcommon0
  [libglib-2.0.so.0]=libglib2.0-0 [libdbus-1.so.3]=libdbus-1-3 [libX11.so.6]=libx11-6
  [libxcb.so.1]=libxcb1
)
declare -A x11_libs=(
  [libxcb-cursor.so.0]=libxcb-cursor0 [libxcb-icccm.so.4]=libxcb-icccm4
  [libxcb-keysyms.so.1]=libxcb-keysyms1 [libxcb-image.so.0]=libxcb-image0
  [libxcb-randr.so.0]=libxcb-randr0 [libxcb-render-util.so.0]=libxcb-render-util0
  [libxcb-shape.so.0]=libxcb-shape0 [libxcb-xkb.so.1]=libxcb-xkb1
  [libxkbcommon-x11.so.0]=libxkbcommon-x11-0 [libX11-xcb.so.1]=libx11-xcb1
  [libxcb-util.so.1]=libxcb-util1
)

# Each tool's output is captured once and searched with bash patterns: no `| grep -q`,
# whose early exit kills the writer with SIGPIPE (under pipefail that read as "missing"
# whenever the output was larger than a pipe buffer, as `ldconfig -p` is on a desktop).
ldconfig_cmd=$(command -v ldconfig || true)
for candidate in /sbin/ldconfig /usr/sbin/ldconfig; do   # not on a normal user's PATH
  if [ -z "$ldconfig_cmd" ] && [ -x "$candidate" ]; then ldconfig_cmd=$candidate; fi
done
libcache=""
if [ -n "$ldconfig_cmd" ]; then libcache=$("$ldconfig_cmd" -p 2>/dev/null || true); fi
fonts=$(fc-list 2>/dev/null || true)

have_lib() {
  [[ $libcache == *$'\t'"$1 ("* ]] && return 0
  [ -n "$libcache" ] && return 1
  # no library cache to read: look in the usual folders instead
  local dir
  for dir in /lib/*-linux-gnu /usr/lib/*-linux-gnu /lib64 /usr/lib64 /lib /usr/lib; do
    [ -e "$dir/$1" ] && return 0
  done
  return 1
}

missing=()
for lib in "${!gui_libs[@]}"; do have_lib "$lib" || missing+=("${gui_libs[$lib]}"); done
if [ "$mode" = app ]; then
  for lib in "${!x11_libs[@]}"; do have_lib "$lib" || missing+=("${x11_libs[$lib]}"); done
fi
# programs the importers run as separate processes (GPL ones stay out of our process)
declare -A tools=(
  [tesseract]=tesseract-ocr [antiword]=antiword [catdoc]=catdoc [readpst]=pst-utils
)
for tool in "${!tools[@]}"; do command -v "$tool" >/dev/null || missing+=("${tools[$tool]}"); done
# Tesseract's language data: English, Persian, Arabic, and script detection (osd)
have_tessdata() {
  local dir
  for dir in "${TESSDATA_PREFIX:-/nonexistent}" /usr/share/tesseract-ocr/*/tessdata \
             /usr/share/tessdata; do
    [ -e "$dir/$1.traineddata" ] && return 0
  done
  return 1
}
for lang in eng fas ara osd; do have_tessdata "$lang" || missing+=("tesseract-ocr-$lang"); done
if [ "$mode" = test ]; then
  # the tests make their scans with an Arabic-script font, and archives with 7z
  [[ $fonts == *NotoNaskhArabic* ]] || [ -e /usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf ] \
    || missing+=(fonts-noto-core)
  command -v 7z >/dev/null || missing+=(p7zip-full)
  # .doc and .xls test files are made by LibreOffice, as a user's would be
  command -v soffice >/dev/null || missing+=(libreoffice-writer-nogui libreoffice-calc-nogui)
fi
"${PYTHON:-python3}" -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
[ -n "$fonts" ] || missing+=(fontconfig fonts-dejavu-core)
[[ $fonts == *DejaVuSans.ttf* ]] || [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] \
  || missing+=(fonts-dejavu-core)

[ ${#missing[@]} -eq 0 ] && exit 0
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
echo "Archive App needs these Debian packages: ${missing[*]}" >&2
if [ "${ARCHIVE_APP_NO_INSTALL:-}" != 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null
then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
elif [ "${ARCHIVE_APP_NO_INSTALL:-}" != 1 ] && command -v sudo >/dev/null && sudo -n true 2>/dev/null
then
  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "Install them with:  sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
