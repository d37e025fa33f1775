#!/usr/bin/env bash
# Sets Mekiki up on a Debian 12 machine from nothing: installs the Debian
# packages it builds and tests with, fetches the GeoIP/ASN databases (npm
# registry) and builds the host into build/. Safe to run again: every step
# skips what is already done.
#
#   scripts/setup.sh            packages + databases + build
#   MEKIKI_SKIP_GEO=1 ...       skip the GeoIP/ASN databases
#   MEKIKI_BUILD_DIR=DIR ...    build somewhere else (default: build)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${MEKIKI_BUILD_DIR:-$root/build}

# ---- Debian packages --------------------------------------------------------
packages=(
  build-essential cmake pkg-config git ca-certificates python3
  libjansson-dev libcurl4-openssl-dev libmaxminddb-dev mmdb-bin libgmime-3.0-dev libgumbo-dev
  libpsl-dev publicsuffix libidn2-dev libicu-dev libc-ares-dev libsqlite3-dev libuchardet-dev
  libcmocka-dev
  dnsmasq-base libmaxmind-db-writer-perl libnet-works-perl
  clang libclang-rt-14-dev
  nodejs npm
  thunderbird xvfb xdotool imagemagick xauth
  time
)

# The Windows build (scripts/build-windows.sh) and its tests under Wine need a
# cross toolchain and Wine; they are installed when asked for with
# MEKIKI_WINDOWS_TESTS=1 (scripts/test.sh then runs those suites too).
if [ -n "${MEKIKI_WINDOWS_TESTS:-}" ]; then
  packages+=(
    gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 mingw-w64-tools meson ninja-build dpkg-dev
    autoconf automake libtool autopoint gettext gtk-doc-tools tcl zip wine wine64 python3-distutils icu-devtools
  )
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# node/npm may come from elsewhere than Debian (e.g. a preinstalled Node.js).
if command -v node >/dev/null && command -v npm >/dev/null; then
  kept=()
  for p in "${missing[@]}"; do
    case "$p" in nodejs|npm) ;; *) kept+=("$p") ;; esac
  done
  missing=("${kept[@]+"${kept[@]}"}")
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# ---- GeoIP / ASN databases ---------------------------------------------------
if [ -z "${MEKIKI_SKIP_GEO:-}" ] && [ -x "$root/scripts/setup-geo.sh" ]; then
  "$root/scripts/setup-geo.sh"
fi

# ---- build ------------------------------------------------------------------
cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEKIKI_WERROR=ON >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
echo "setup: built $build_dir/mekiki"
