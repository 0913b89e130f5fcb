#!/usr/bin/env bash
# deps.sh - install what the build and the tests need, only what is missing.
# Debian packages through apt-get (idempotent: dpkg is asked first), and the
# pinned npm packages of the API tests (tests/api/package-lock.json).
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(build-essential cmake pkg-config clang libclang-rt-14-dev
      libmicrohttpd-dev libgnutls28-dev openssl libjansson-dev
      libsqlite3-dev sqlite3
      libssl-dev libargon2-dev libcmocka-dev libcurl4-openssl-dev
      python3-yaml libsystemd-dev nodejs npm chromium
      postgresql-15 libpq-dev haproxy)
[ "${WKSJOBS_BENCH_DEPS:-0}" = 1 ] && PKGS+=(wrk nginx valgrind libmimalloc-dev gnuplot-nox)
# make install / make deb / make test-package: man pages, the package's
# checks and the chroot the package is tried in.
[ "${WKSJOBS_PKG_DEPS:-0}" = 1 ] &&
	PKGS+=(help2man dpkg-dev fakeroot lintian systemd debootstrap)

missing=()
for p in "${PKGS[@]}"; do
	# Node.js may come from elsewhere than Debian (as on the CI image).
	if [ "$p" = nodejs ] || [ "$p" = npm ]; then
		command -v "${p/nodejs/node}" >/dev/null 2>&1 && continue
	fi
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	SUDO=""
	[ "$(id -u)" -ne 0 ] && SUDO=sudo
	$SUDO apt-get update -q
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi

# API test clients: the official Huawei signer, pinned with its lock file
# (also playwright-core, which drives Debian's chromium: no browser is
# downloaded, and axe-core).
if [ -f tests/api/package-lock.json ]; then
	if [ ! -d tests/api/node_modules/@huaweicloud/huaweicloud-sdk-core ] ||
	   [ tests/api/package-lock.json -nt tests/api/node_modules/.package-lock.json ]; then
		echo "deps: npm ci in tests/api"
		(cd tests/api && npm ci --no-audit --no-fund --loglevel=error)
	fi
fi
echo "deps: ok"
