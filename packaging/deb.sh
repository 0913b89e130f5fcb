#!/bin/sh
# deb.sh BUILD_DIR - make deb: configure BUILD_DIR for /usr with Debian's
# build flags, build the binary and its man pages and completion, pack
# the package (build-deb.sh) and check it: lintian without errors,
# systemd-analyze verify of the unit, and the unit's exposure score from
# systemd-analyze security --offline=true.  Prints the package's path
# last.  Needs WKSJOBS_PKG_DEPS=1 scripts/deps.sh.
set -eu
build=$1
src=$(cd "$(dirname "$0")/.." && pwd)
jobs=${JOBS:-2}

# Debian's hardening flags, all of them (PIE, bindnow, fortify...).
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_INSTALL_PREFIX=/usr \
    -DCMAKE_C_FLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)" \
    -DCMAKE_EXE_LINKER_FLAGS="$(dpkg-buildflags --get LDFLAGS)" >/dev/null
cmake --build "$build" -j"$jobs" --target wksjobs wksjobs-doc >/dev/null
deb=$("$src/packaging/build-deb.sh" "$build" "$build")

# What the package must hold (docs/OPERATIONS.md lists it).
contents=$(dpkg-deb -c "$deb")
for f in usr/bin/wksjobs etc/wksjobs/wksjobs.conf \
    lib/systemd/system/wksjobs.service \
    usr/share/bash-completion/completions/wksjobs \
    usr/share/doc/wksjobs/copyright usr/share/doc/wksjobs/changelog.Debian.gz \
    usr/share/man/man1/wksjobs.1.gz; do
	echo "$contents" | grep -q " \./$f\$" || {
		echo "deb.sh: $f missing from $deb" >&2
		exit 1
	}
done
for c in $("$src/packaging/helpdoc.sh" commands "$build/wksjobs" | cut -d' ' -f1); do
	echo "$contents" | grep -q "/man1/wksjobs-$c\.1\.gz\$" || {
		echo "deb.sh: no man page for $c in $deb" >&2
		exit 1
	}
done

# The completion completes commands, sub-commands and flags.
comp=$build/deb-root/usr/share/bash-completion/completions/wksjobs
got=$(bash -c '. "$1"; c() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
    _wksjobs; echo "${COMPREPLY[*]}"; }
    c wksjobs s; c wksjobs admin policy a; c wksjobs serve --internal-l' sh "$comp")
[ "$got" = "$(printf 'serve subjobs\nattach\n--internal-listen')" ] || {
	echo "deb.sh: the bash completion answers: $got" >&2
	exit 1
}

echo "lintian $deb"
# --fail-on error: warnings are reported, not fatal (docs/OPERATIONS.md
# explains the ones that remain).
lintian --fail-on error --tag-display-limit 0 "$deb"

stage=$(cd "$build/deb-root" && pwd)
unit=$stage/lib/systemd/system/wksjobs.service
# verify wants the commands to exist: a copy of the unit whose binary is
# the staging tree's, the man pages of Documentation= found there too.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s|/usr/bin/wksjobs|$stage/usr/bin/wksjobs|g" "$unit" \
    >"$tmp/wksjobs.service"
echo "systemd-analyze verify wksjobs.service"
MANPATH=$stage/usr/share/man systemd-analyze verify "$tmp/wksjobs.service"
score=$(systemd-analyze security --offline=true "$unit" 2>/dev/null |
    sed -n 's/.*Overall exposure level for .*: *//p')
echo "systemd-analyze security --offline=true: $score"
echo "$deb"
