#!/bin/sh
# test-package.sh BUILD_DIR - make test-package: the package of BUILD_DIR
# (make deb) in a Debian 12 chroot that debootstrap makes in a temporary
# directory from this machine's apt mirror.  Installs an older build of
# the same tree (version <upstream>-0), initialises the data directory
# the way the unit's ExecStartPre does and creates a job as the service
# user, upgrades to the new package, serves the same data directory with
# the new binary (schema migrations run when it opens it) and finds the
# job, then removes and purges the package.  Nothing outside the
# temporary directory changes (the .debs debootstrap fetches are kept in
# BUILD_DIR/debootstrap-cache for the next run).  Needs root (chroot).
set -eu
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "test-package: needs root (chroot)" >&2; exit 77; }
new=$(ls "$build"/wksjobs_*.deb | tail -n 1)
upstream=$(cat "$build/VERSION")

# The Debian mirror apt uses here (deb822 .sources or one-line lists).
mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
	/^URIs:/ { u = $2 } /^Suites:/ { for (i = 2; i <= NF; i++)
	    if ($i == "bookworm" && m == "") m = u } END { print m }')
[ -n "$mirror" ] || mirror=$(cat /etc/apt/sources.list 2>/dev/null |
    awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }')
[ -n "$mirror" ] || { echo "test-package: no bookworm mirror in apt's sources" >&2; exit 1; }

tmp=$(mktemp -d /var/tmp/wksjobs-test-package.XXXXXX)
root=$tmp/root
serve_pid=
cleanup() {
	[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null || true
	for m in proc sys dev/pts dev; do
		mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m" || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
fail() { echo "test-package: FAIL: $*" >&2; exit 1; }

# The libraries the package needs, so that dpkg -i works offline.
deps=$(dpkg-deb -f "$new" Depends | tr ',' '\n' | sed 's/(.*)//; s/ //g' |
    grep . | paste -sd,)
cache=$build/debootstrap-cache
mkdir -p "$cache"
echo "test-package: debootstrap bookworm from $mirror"
timeout 1200 debootstrap --variant=minbase --include="$deps" \
    --cache-dir="$cache" bookworm "$root" "$mirror" >"$tmp/debootstrap.log" 2>&1 ||
    { tail -n 20 "$tmp/debootstrap.log" >&2; fail "debootstrap"; }

# The previous build: the same tree packed as an older version.
old=$(DEB_VERSION=$upstream-0 "$src/packaging/build-deb.sh" "$build" "$tmp")
"$src/packaging/build-deb.sh" "$build" "$build" >/dev/null	# restage new
cp "$old" "$new" "$root/tmp/"
old_in=/tmp/$(basename "$old") new_in=/tmp/$(basename "$new")

echo "test-package: install $(basename "$old")"
in_root dpkg -i "$old_in" >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log" >&2; fail "dpkg -i old"; }
in_root getent passwd wksjobs >/dev/null || fail "no wksjobs user"
in_root getent group wksjobs >/dev/null || fail "no wksjobs group"
for f in /lib/systemd/system/wksjobs.service /etc/wksjobs/wksjobs.conf \
    /usr/share/man/man1/wksjobs-serve.1.gz \
    /usr/share/bash-completion/completions/wksjobs; do
	[ -f "$root$f" ] || fail "$f missing"
done
if v=$(in_root wksjobs --version 2>/dev/null); then
	echo "test-package: wksjobs --version: $v"
	echo "$v" | grep -q "$upstream" || fail "--version says $v"
else
	in_root wksjobs --help >/dev/null || fail "wksjobs does not run"
	echo "test-package: (this build has no --version; --help runs)"
fi

# What systemd would do on the first start: the state directory, then
# the unit's own ExecStartPre and ExecStart lines as the service user.
unit=$root/lib/systemd/system/wksjobs.service
pre=$(sed -n 's/^ExecStartPre=//p' "$unit")
start=$(sed -n 's/^ExecStart=//p' "$unit")
mkdir -p "$root/var/lib/wksjobs"
chmod 0700 "$root/var/lib/wksjobs"
in_root chown wksjobs:wksjobs /var/lib/wksjobs
as_service() { in_root setpriv --reuid=wksjobs --regid=wksjobs --init-groups \
    sh -c "umask 077; $1"; }
serve() {
	rm -f "$root/tmp/serve.pid"
	# $$ of that shell is the server's PID once it execs.
	as_service "echo \$\$ >/tmp/serve.pid; \
	    WKSJOBS_LISTEN=127.0.0.1:0 WKSJOBS_INTERNAL_LISTEN=127.0.0.1:0 \
	    exec $start" >"$tmp/serve.out" 2>"$tmp/serve.err" &
	serve_job=$!
	i=0
	while ! grep -q '^ready ' "$tmp/serve.out"; do
		i=$((i + 1))
		[ $i -lt 100 ] || { cat "$tmp/serve.err" >&2; fail "serve not ready"; }
		sleep 0.1
	done
	serve_pid=$(cat "$root/tmp/serve.pid")
	pub=$(sed -n 's/^ready public=\([^ ]*\) .*/\1/p' "$tmp/serve.out")
	int=$(sed -n 's/.* internal=\(.*\)$/\1/p' "$tmp/serve.out")
}
stop_serve() {
	kill -TERM "$serve_pid"
	wait "$serve_job" || fail "serve exited $?: $(tail -n 5 "$tmp/serve.err")"
	serve_pid=
}
as_service "$pre" 2>>"$tmp/init.log" || fail "ExecStartPre (init)"
cred=$root/var/lib/wksjobs/initial-credentials
grep -q '^secret key ' "$cred" || fail "no credentials in $cred"
mode=$(in_root stat -c %U:%a /var/lib/wksjobs/master.key)
[ "$mode" = wksjobs:600 ] || fail "master.key is $mode"
as_service "$pre" 2>>"$tmp/init.log" || fail "ExecStartPre on an initialised directory"
export WKSJOBS_AK=$(sed -n 's/^access key //p' "$cred")
export WKSJOBS_SK=$(sed -n 's/^secret key //p' "$cred")
export WKSJOBS_PROJECT_ID=$(sed -n 's/^project .*(\(.*\))$/\1/p' "$cred")
serve
job=$("$build/wksjobs" job create --type createDesktops --count 3 \
    --internal-endpoint "http://$int" --output json --quiet |
    grep -o '[0-9a-f]\{32\}' | head -n 1)
[ -n "$job" ] || fail "job create"
stop_serve
echo "test-package: old package serves; job $job created"

echo "test-package: upgrade to $(basename "$new")"
in_root dpkg -i "$new_in" >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log" >&2; fail "dpkg -i new (upgrade)"; }
[ "$(in_root dpkg-query -W -f '${Version}' wksjobs)" = "$(dpkg-deb -f "$new" Version)" ] ||
    fail "version after upgrade"
sum=$(md5sum <"$cred")
as_service "$pre" 2>>"$tmp/init.log" || fail "ExecStartPre after the upgrade"
[ "$(md5sum <"$cred")" = "$sum" ] || fail "init ran again"
serve
"$build/wksjobs" job show "$job" --endpoint "http://$pub" --output json |
    grep -q "$job" || fail "job $job lost in the upgrade"
stop_serve
echo "test-package: new package serves the old data directory; job kept"

in_root dpkg -r wksjobs >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log" >&2; fail "dpkg -r"; }
[ ! -e "$root/usr/bin/wksjobs" ] || fail "binary left after remove"
[ -f "$root/etc/wksjobs/wksjobs.conf" ] || fail "conffile gone after remove"
in_root dpkg -P wksjobs >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log" >&2; fail "dpkg -P"; }
[ ! -e "$root/etc/wksjobs/wksjobs.conf" ] || fail "conffile left after purge"
[ -f "$root/var/lib/wksjobs/wksjobs.db" ] || fail "data removed by purge"
in_root getent passwd wksjobs >/dev/null || fail "user removed by purge"
echo "test-package: removed and purged (data directory and user kept)"
echo "test-package: ok"
