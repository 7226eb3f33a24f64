#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The Debian package, as a distribution would build and ship it:
#   1. build flowd_*.deb with dpkg-buildpackage -b from a clean copy of the
#      tree (tracked and untracked-but-not-ignored files: no build products,
#      and the source directory itself is left alone);
#   2. lintian on the .changes: any E: fails (W: and I: are shown);
#   3. a minimal Debian 12 chroot (debootstrap, cached per day), the .deb
#      installed in it with apt-get (its dependencies from the mirror), and
#      a smoke test of the installed files without systemctl;
#   4. purge: the conffile and the unit's enablement are gone.
# Prints "N passed, N failed"; exits non-zero on any failure.  Root only
# (chroot, mounts).
#
# Environment: FLOWD_VM_CACHE (default /var/cache/flowd-vm) holds the
# chroot tarballs under pkg/; FLOWD_PKG_MIRROR overrides the mirror (by
# default the one apt uses here for the host's release); KEEP=1 keeps the
# work directory.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${FLOWD_VM_CACHE:-/var/cache/flowd-vm}/pkg
suite=bookworm
# man-db (and its groff-base) to render the pages; nothing else beyond
# minbase: flowd's own dependencies must come from the .deb's Depends.
chroot_pkgs=man-db

passed=0
failed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
bad() { echo "FAIL $*"; failed=$((failed + 1)); }
# check "what" cmd...: run cmd, output shown only on failure.
check() {
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$what"
	else
		bad "$what"
		printf '%s\n' "$out" | tail -n 20 | sed 's/^/    /'
	fi
}
finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

if [ "$(id -u)" -ne 0 ]; then
	echo "check-package: needs root (chroot, mounts)" >&2
	exit 1
fi
for tool in dpkg-buildpackage lintian debootstrap dh; do
	command -v "$tool" >/dev/null ||
		{ echo "check-package: $tool missing: run tests/setup-host.sh" >&2; exit 1; }
done

work=$(mktemp -d /var/tmp/flowd-pkg.XXXXXX)
root=$work/chroot
mounted=()
cleanup() {
	local i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount -l "${mounted[i]}" 2>/dev/null
	done
	if [ "${KEEP:-0}" = 1 ]; then
		echo "# kept $work"
	else
		rm -rf --one-file-system "$work"
	fi
}
trap cleanup EXIT
start=$SECONDS
stamp() { echo "# $1 ($((SECONDS - start)) s)"; }

# ---- 1. build from a clean copy ----
mkdir -p "$work/src"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	# What git would commit, from the working tree (a file deleted but not
	# yet committed is left out).
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - -cf -) | tar -xf - -C "$work/src"
else
	# A release tarball: copy it, leaving out any build directory.
	(cd "$top" && tar --exclude=./build --exclude='./build-*' --exclude=./debian/build \
		-cf - .) | tar -xf - -C "$work/src"
fi
if (cd "$work/src" && DEB_BUILD_OPTIONS="parallel=2 ${DEB_BUILD_OPTIONS:-}" \
	nice -n 10 dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1; then
	ok "dpkg-buildpackage -b -us -uc"
else
	bad "dpkg-buildpackage -b -us -uc (log: $work/build.log)"
	tail -n 30 "$work/build.log" | sed 's/^/    /'
	KEEP=1
	finish
fi
deb=$(ls "$work"/flowd_*.deb 2>/dev/null | head -n1)
changes=$(ls "$work"/flowd_*.changes 2>/dev/null | head -n1)
[ -n "$deb" ] && [ -n "$changes" ] && ok "built $(basename "$deb")" ||
	{ bad "no flowd_*.deb / .changes"; finish; }
stamp "built"

# ---- 2. lintian ----
# --pedantic shows every tag; only errors fail.
lintian --pedantic --display-info --tag-display-limit 0 "$changes" >"$work/lintian.log" 2>&1
rc=$?
sed -n "/^[EWIPX]: /s/^/    /p" "$work/lintian.log"
if grep -q '^E: ' "$work/lintian.log"; then
	bad "lintian: $(grep -c '^E: ' "$work/lintian.log") error(s)"
elif [ "$rc" -ne 0 ]; then
	bad "lintian exited $rc:"
	sed 's/^/    /' "$work/lintian.log"
else
	ok "lintian: no errors ($(grep -c '^W: ' "$work/lintian.log") warning(s))"
fi
stamp "lintian"

# ---- 3. a Debian 12 chroot, the package installed in it ----
# The mirror apt uses here for the host's release (deb822 or one-line
# sources alike): debootstrap needs nothing else.
mirror=${FLOWD_PKG_MIRROR:-$(apt-get indextargets --format '$(SITE) $(RELEASE) $(COMPONENT)' \
	'Identifier: Packages' 2>/dev/null | awk -v s="$suite" '$2 == s && $3 == "main" { print $1; exit }')}
mirror=${mirror:-http://deb.debian.org/debian}
# Keyed by day (fresh packages, daily at most one cold start) and by what
# goes in; older tarballs are removed.
key=$(printf '%s %s %s' "$suite" "$mirror" "$chroot_pkgs" | sha256sum | cut -c1-12)
tarball=$cache/chroot-$suite-$(date -u +%Y%m%d)-$key.tar
mkdir -p "$cache"
exec 9>"$cache/lock"
flock 9
if [ ! -s "$tarball" ]; then
	echo "# creating $(basename "$tarball") from $mirror (cold: a few minutes)"
	mkdir -p "$work/boot"
	if debootstrap --variant=minbase --include="$chroot_pkgs" "$suite" "$work/boot" "$mirror" \
		>"$work/debootstrap.log" 2>&1; then
		rm -rf "$work/boot/var/cache/apt/archives/"*.deb
		tar -C "$work/boot" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
		find "$cache" -maxdepth 1 -name 'chroot-*.tar' ! -path "$tarball" -delete
		rm -rf --one-file-system "$work/boot"
	else
		rm -rf --one-file-system "$work/boot"
		bad "debootstrap $suite from $mirror (log: $work/debootstrap.log)"
		tail -n 20 "$work/debootstrap.log" | sed 's/^/    /'
		KEEP=1
		finish
	fi
fi
flock -u 9
mkdir -p "$root"
tar -C "$root" -xf "$tarball" || { bad "unpack $tarball"; finish; }
ok "chroot $suite from $(basename "$tarball")"
stamp "chroot ready"

for m in proc dev; do
	if [ "$m" = proc ]; then
		mount -t proc proc "$root/proc"
	else
		mount --bind /dev "$root/dev"
	fi && mounted+=("$root/$m") || { bad "mount $m in the chroot"; finish; }
done
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
# Downloaded dependencies survive between runs (apt keeps what it fetched).
mkdir -p "$cache/archives"
cp -a "$cache/archives/." "$root/var/cache/apt/archives/" 2>/dev/null
cp "$deb" "$root/tmp/"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }

# No daemon may start in a chroot: policy-rc.d says so to invoke-rc.d and
# deb-systemd-invoke (systemctl is not there to call anyway).
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"
check "apt-get update in the chroot" in_root apt-get -q update
check "apt-get install ./$(basename "$deb") (with its dependencies)" \
	in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	"/tmp/$(basename "$deb")"
cp -a "$root/var/cache/apt/archives/"*.deb "$cache/archives/" 2>/dev/null
stamp "installed"

# ---- smoke test of the installed files, no systemctl ----
check "flowd --version" in_root /usr/sbin/flowd --version
check "flowctl --help" in_root /usr/sbin/flowctl --help
check "flowd -n -c /etc/flowd.conf validates" in_root /usr/sbin/flowd -n -c /etc/flowd.conf
# -d adds the configuration as flowd understood it, every key.
plan=$(in_root /usr/sbin/flowd -n -d -c /etc/flowd.conf 2>&1)
check "the shipped /etc/flowd.conf selects no device and no tunnel" bash -c '
	grep -qx "devices = \[ \];" <<<"$1" && grep -qxP "\tkinds = \[ \];" <<<"$1" &&
		grep -qxP "\tnames = \[ \];" <<<"$1"' _ "$plan"
check "... so its plan has no flowtable device" grep -qx 'no flowtable devices' <<<"$plan"
for page in man8/flowd.8 man8/flowctl.8 man5/flowd.conf.5; do
	f=/usr/share/man/$page.gz
	# Renders, and man/groff have nothing to warn about.
	check "man -l $f renders" bash -c '
		out=$(chroot "$1" env -i PATH=/usr/bin:/bin LANG=C.UTF-8 MANWIDTH=80 \
			man --warnings -l "$2" 2>&1 >/dev/null) || exit 1
		[ -z "$out" ] || { printf "%s\n" "$out"; exit 1; }
		[ "$(chroot "$1" env -i PATH=/usr/bin:/bin MANWIDTH=80 man -l "$2" | wc -l)" -gt 20 ]
	' _ "$root" "$f"
done
unit=/lib/systemd/system/flowd.service
check "unit $unit installed" test -f "$root$unit"
check "unit enabled (multi-user.target.wants)" \
	test -L "$root/etc/systemd/system/multi-user.target.wants/flowd.service"
if command -v systemd-analyze >/dev/null; then
	# The chroot has no systemd: verify with the host's, the unit's
	# binaries and Documentation= pages pointed at the chroot.
	sed "s|/usr/sbin/flowd|$root/usr/sbin/flowd|g" "$root$unit" >"$work/flowd.service"
	check "systemd-analyze verify flowd.service" bash -c '
		out=$(MANPATH="$1/usr/share/man" systemd-analyze verify "$2" 2>&1) &&
			[ -z "$out" ] || { printf "%s\n" "$out"; exit 1; }' _ "$root" "$work/flowd.service"
else
	echo "# systemd-analyze not available: unit not verified"
fi
listed=$(in_root dpkg -L flowd)
for f in /usr/sbin/flowd /usr/sbin/flowctl /etc/flowd.conf "$unit" \
	/usr/share/man/man8/flowd.8.gz /usr/share/man/man8/flowctl.8.gz \
	/usr/share/man/man5/flowd.conf.5.gz /usr/share/doc/flowd/copyright \
	/usr/share/doc/flowd/changelog.gz /usr/share/doc/flowd/README.md.gz; do
	check "dpkg -L flowd lists $f, and it is there" \
		bash -c 'grep -qxF "$1" <<<"$2" && [ -e "$3$1" ]' _ "$f" "$listed" "$root"
done
check "/etc/flowd.conf is a conffile" bash -c \
	'chroot "$1" dpkg-query -W -f="\${Conffiles}\n" flowd | grep -q "^ /etc/flowd.conf [0-9a-f]\{32\}$"' \
	_ "$root"

# ---- 4. purge ----
check "dpkg --purge flowd" in_root dpkg --purge flowd
check "purge removed /etc/flowd.conf and the unit's enablement" bash -c \
	'[ ! -e "$1/etc/flowd.conf" ] && [ ! -e "$1/etc/systemd/system/multi-user.target.wants/flowd.service" ]' \
	_ "$root"
stamp "done"
finish
