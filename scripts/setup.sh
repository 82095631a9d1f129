#!/usr/bin/env bash
# Installs the system packages ocrchat needs to build, run and test on Debian 12.
# Idempotent: installs only what is missing, so a second run does nothing and takes ~1 s.
set -euo pipefail

packages=(
  # build: C toolchain pieces, the OCR libraries build.rs checks for, D-Bus for the keyring
  pkg-config clang libclang-dev libtesseract-dev libleptonica-dev libdbus-1-dev libwayland-dev
  # OCR language data: English and Simplified Chinese
  tesseract-ocr-eng tesseract-ocr-chi-sim
  # the tesseract command line: the baseline the OCR benchmark compares with
  tesseract-ocr
  # the window: X11, Wayland + OpenGL (Mesa) libraries winit/glutin load at run time
  libx11-6 libxcursor1 libxrandr2 libxi6 libxkbcommon-x11-0 libgl1 libegl1 libgl1-mesa-dri
  # a CJK font so Chinese renders
  fonts-noto-cjk
  # tests: a virtual display, a real Secret Service on a private D-Bus, screenshots
  xvfb xauth xdotool xclip dbus dbus-x11 gnome-keyring libsecret-tools imagemagick procps
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "setup: all system packages present"
else
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo not found. Install Rust 1.95 or newer (rustup), then run this again." >&2
  exit 1
fi
