#!/usr/bin/env bash
# install-host.sh - registers the Mekiki host with Thunderbird (Linux, macOS).
#
# Thunderbird starts a native host only if it finds a manifest named after
# the host in a fixed per-user (or system) folder, and only for the add-ons
# the manifest lists. This script writes that manifest from
# manifests/mekiki.<os>.json.in with the absolute path of the host and
# allowed_extensions limited to Mekiki's id.
#
# When environment variables must reach the host (--env NAME=VALUE, e.g.
# MEKIKI_DATA_DIR for a host run from a build tree), the manifest points to a
# small wrapper script that exports them and execs the host, since the
# manifest itself cannot carry arguments or environment.
#
# Usage: scripts/install-host.sh [--binary PATH] [--system] [--env NAME=VALUE]... [--uninstall]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
binary=""
system=0
uninstall=0
envs=()

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary="${2:?--binary needs a path}"; shift 2 ;;
    --system) system=1; shift ;;
    --env) envs+=("${2:?--env needs NAME=VALUE}"); shift 2 ;;
    --uninstall) uninstall=1; shift ;;
    -h|--help) usage ;;
    *) echo "install-host.sh: unknown argument: $1" >&2; usage ;;
  esac
done

case "$(uname -s)" in
  Linux) os=linux
    if [ $system = 1 ]; then dir=/usr/lib/mozilla/native-messaging-hosts
    else dir="$HOME/.mozilla/native-messaging-hosts"; fi ;;
  Darwin) os=macos
    if [ $system = 1 ]; then dir="/Library/Application Support/Mozilla/NativeMessagingHosts"
    else dir="$HOME/Library/Application Support/Mozilla/NativeMessagingHosts"; fi ;;
  *) echo "install-host.sh: use scripts/install-host.ps1 on Windows" >&2; exit 1 ;;
esac
manifest="$dir/mekiki.json"
wrapper_dir="${XDG_DATA_HOME:-$HOME/.local/share}/mekiki"
[ $system = 1 ] && wrapper_dir=/usr/local/lib/mekiki
wrapper="$wrapper_dir/mekiki-native"

if [ $uninstall = 1 ]; then
  rm -f "$manifest" "$wrapper"
  echo "removed $manifest"
  exit 0
fi

# Find the host: explicit, on PATH, or a build in this tree.
if [ -z "$binary" ]; then
  binary="$(command -v mekiki || true)"
  for candidate in "$root"/build/mekiki "$root"/build-*/mekiki; do
    [ -z "$binary" ] && [ -x "$candidate" ] && binary="$candidate"
  done
fi
if [ -z "$binary" ] || [ ! -x "$binary" ]; then
  echo "install-host.sh: cannot find the mekiki program; build it (cmake) or pass --binary PATH" >&2
  exit 1
fi
binary="$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")"

host_path="$binary"
if [ ${#envs[@]} -gt 0 ]; then
  mkdir -p "$wrapper_dir"
  {
    echo '#!/bin/sh'
    echo '# Written by install-host.sh: sets the environment of the Mekiki host.'
    for kv in "${envs[@]}"; do
      name="${kv%%=*}"
      value="${kv#*=}"
      case "$name" in ''|*[!A-Za-z0-9_]*) echo "install-host.sh: bad --env name: $name" >&2; exit 1 ;; esac
      printf "export %s='%s'\n" "$name" "$(printf '%s' "$value" | sed "s/'/'\\\\''/g")"
    done
    printf "exec '%s' \"\$@\"\n" "$(printf '%s' "$binary" | sed "s/'/'\\\\''/g")"
  } > "$wrapper.tmp"
  chmod 755 "$wrapper.tmp"
  mv "$wrapper.tmp" "$wrapper"
  host_path="$wrapper"
fi

# JSON-escape the path (backslashes and quotes) before substituting it.
escaped="$(printf '%s' "$host_path" | sed 's/\\/\\\\/g; s/"/\\"/g')"
mkdir -p "$dir"
sed "s|@MEKIKI_HOST_PATH@|$(printf '%s' "$escaped" | sed 's/[|&]/\\&/g')|" \
  "$root/manifests/mekiki.$os.json.in" > "$manifest.tmp"
mv "$manifest.tmp" "$manifest"
echo "installed $manifest -> $host_path"
