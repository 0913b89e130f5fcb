#!/bin/sh
# build-deb.sh BUILD_DIR OUT_DIR - the Debian package from a CMake build
# directory configured with CMAKE_INSTALL_PREFIX=/usr (make deb does it):
# what "cmake --install" puts in a staging tree, plus DEBIAN/ (control,
# conffiles, md5sums, maintainer scripts from packaging/debian/), the
# copyright file and changelogs, packed by dpkg-deb as
# OUT_DIR/wksjobs_<version>-<revision>_<arch>.deb.  The version is the
# one of CMakeLists.txt's project(); DEB_VERSION replaces the whole
# package version (make test-package builds an older one with it).
set -eu
build=$(cd "$1" && pwd) out=$2
src=$(cd "$(dirname "$0")/.." && pwd)
pkg=$src/packaging/debian
upstream=$(cat "$build/VERSION")
version=${DEB_VERSION:-$upstream-1}
arch=$(dpkg --print-architecture)
# Reproducible dates: the last commit's (or now, outside git).
: "${SOURCE_DATE_EPOCH:=$(git -C "$src" log -1 --format=%ct 2>/dev/null ||
    date +%s)}"
export SOURCE_DATE_EPOCH

stage=$build/deb-root
rm -rf "$stage"
DESTDIR=$stage cmake --install "$build" --strip >/dev/null
strip --remove-section=.comment --remove-section=.note "$stage/usr/bin/wksjobs"
doc=$stage/usr/share/doc/wksjobs
rm -f "$doc/LICENSE"		# the copyright file names common-licenses
mv "$doc/CHANGELOG.md" "$doc/changelog"
cp "$pkg/copyright" "$doc/copyright"
date=$(date -u -R -d "@$SOURCE_DATE_EPOCH")
cat >"$doc/changelog.Debian" <<CHANGES
wksjobs ($version) unstable; urgency=medium

  * Package of wksjobs $upstream (the release's changes are in
    /usr/share/doc/wksjobs/changelog.gz).

 -- wksjobs maintainers <wksjobs@example.org>  $date
CHANGES
gzip -9n "$doc/changelog" "$doc/changelog.Debian" "$doc/OPERATIONS.md"
gzip -9n "$stage"/usr/share/man/man1/*.1

mkdir -p "$stage/DEBIAN"
for s in postinst prerm postrm; do
	install -m 0755 "$pkg/$s" "$stage/DEBIAN/$s"
done
echo /etc/wksjobs/wksjobs.conf >"$stage/DEBIAN/conffiles"
# Shared libraries the binary links, as dpkg-shlibdeps finds them (it
# wants a debian/control beside it).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/debian"
printf 'Source: wksjobs\n\nPackage: wksjobs\nArchitecture: any\n' \
    >"$tmp/debian/control"
depends=$(cd "$tmp" && dpkg-shlibdeps -O "$stage/usr/bin/wksjobs" |
    sed -n 's/^shlibs:Depends=//p')
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" \
    -e "s/@SIZE@/$size/" -e "s/@DEPENDS@/$depends/" \
    "$pkg/control.in" >"$stage/DEBIAN/control"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -print |
    sed 's|^\./||' | LC_ALL=C sort | xargs md5sum) >"$stage/DEBIAN/md5sums"
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
chmod -R u+rwX,go+rX,go-w "$stage"
mkdir -p "$out"
deb=$out/wksjobs_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
