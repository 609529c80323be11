#!/usr/bin/env bash
# Check (and as root, install) the Debian packages Archive App needs outside its venv:
# python3-venv, the libraries Qt loads, and a font. Usage: ensure-system.sh test|app
#   test: what the offscreen test run needs;  app: that plus Qt's X11 (xcb) platform libs.
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

missing=()
have_lib() { ldconfig -p 2>/dev/null | grep -qF "	$1 ("; }
for lib in "${!gui_libs[@]}"; do have_lib "$lib" || missing+=("${gui_libs[$lib]}"); done
if [ "$mode" = app ]; then
  for lib in "${!x11_libs[@]}"; do have_lib "$lib" || missing+=("${x11_libs[$lib]}"); done
fi
python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
fc-list 2>/dev/null | grep -qi . || missing+=(fontconfig fonts-dejavu-core)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)

[ ${#missing[@]} -eq 0 ] && exit 0
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
echo "Archive App needs these Debian packages: ${missing[*]}" >&2
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "Install them with:  sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
