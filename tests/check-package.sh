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
# Without a reachable mirror (no chroot) it says NO CHROOT and checks the
# files unpacked with dpkg -x instead: no install, no maintainer scripts.
# Times on 2 cores: 1m17s with the chroot cached (4m08s on the first run
# of a day: debootstrap), of which the package build is most; 4m32s cached
# while other builds kept both cores busy (load 13).
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
mode=
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
# run_in CMD...: CMD in the chroot; without one, on this host with every
# absolute path that the unpacked package has taken from there.
run_in() {
	if [ "$mode" = chroot ]; then
		chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"
		return
	fi
	local a args=()
	for a in "$@"; do
		if [ "${a#/}" != "$a" ] && [ -e "$root$a" ]; then
			args+=("$root$a")
		else
			args+=("$a")
		fi
	done
	"${args[@]}"
}
export -f run_in
export mode root
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
# nocheck: the unit tests already ran on the package's own compiler flags
# (tests/run-all.sh builds with dpkg-buildflags' hardening=+all), plain
# under ASan and in distcheck; a fourth run here cost minutes of a cold run.
if (cd "$work/src" && DEB_BUILD_OPTIONS="nocheck parallel=2 ${DEB_BUILD_OPTIONS:-}" \
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
# Keyed by ISO week and by what goes in; older tarballs are removed.  The
# package's dependencies come from the mirror's current indexes anyway
# (apt-get update in the chroot); a daily key made every run on a new day,
# and every run across midnight, pay a debootstrap of a few minutes.
key=$(printf '%s %s %s' "$suite" "$mirror" "$chroot_pkgs" | sha256sum | cut -c1-12)
tarball=$cache/chroot-$suite-$(date -u +%G-W%V)-$key.tar
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
	else
		echo "# debootstrap $suite from $mirror failed:"
		tail -n 5 "$work/debootstrap.log" | sed 's/^/#   /'
	fi
	rm -rf --one-file-system "$work/boot"
fi
flock -u 9

if [ -s "$tarball" ]; then
	mode=chroot
	mkdir -p "$root"
	tar -C "$root" -xf "$tarball" || { bad "unpack $tarball"; finish; }
	ok "chroot $suite from $(basename "$tarball")"
	for m in proc dev; do
		if [ "$m" = proc ]; then
			mount -t proc proc "$root/proc"
		else
			mount --bind /dev "$root/dev"
		fi && mounted+=("$root/$m") || { bad "mount $m in the chroot"; finish; }
	done
	cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
	# Downloaded dependencies survive between runs.
	mkdir -p "$cache/archives"
	cp -a "$cache/archives/." "$root/var/cache/apt/archives/" 2>/dev/null
	cp "$deb" "$root/tmp/"
	# No daemon may start in a chroot: policy-rc.d tells invoke-rc.d and
	# deb-systemd-invoke (and there is no systemctl to call anyway).
	printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
	chmod +x "$root/usr/sbin/policy-rc.d"
	stamp "chroot ready"
	check "apt-get update in the chroot" run_in apt-get -q update
	check "apt-get install ./$(basename "$deb") (with its dependencies)" \
		run_in env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "/tmp/$(basename "$deb")"
	cp -a "$root/var/cache/apt/archives/"*.deb "$cache/archives/" 2>/dev/null
	stamp "installed"
	listed=$(run_in dpkg -L flowd)
	conffiles=$(run_in dpkg-query -W -f='${Conffiles}\n' flowd)
else
	# No mirror: the package cannot be installed with its dependencies.
	# Say so, and check what can be checked without it: the files
	# unpacked with dpkg -x (run with this host's libraries, which built
	# them) and the control data.
	mode=unpacked
	echo "# NO CHROOT: debootstrap could not reach $mirror; falling back to dpkg -x"
	echo "#   (no install with dependencies, no maintainer scripts, no purge)"
	mkdir -p "$root"
	check "dpkg -x $(basename "$deb")" dpkg -x "$deb" "$root"
	listed=$(dpkg-deb --fsys-tarfile "$deb" | tar -t | sed 's|^\./|/|; s|/$||')
	conffiles=$(dpkg-deb --info "$deb" conffiles 2>/dev/null | sed 's/^/ /; s/$/ (md5 set at install)/')
fi

# ---- smoke test of the installed files, no systemctl ----
check "flowd --version" run_in /usr/sbin/flowd --version
check "flowctl --help" run_in /usr/sbin/flowctl --help
check "flowd -n -c /etc/flowd.conf validates" run_in /usr/sbin/flowd -n -c /etc/flowd.conf
# -d adds the configuration as flowd understood it, every key.
plan=$(run_in /usr/sbin/flowd -n -d -c /etc/flowd.conf 2>&1)
check "the shipped /etc/flowd.conf selects no device and no tunnel" bash -c '
	grep -qx "devices = \[ \];" <<<"$1" && grep -qxP "\tkinds = \[ \];" <<<"$1" &&
		grep -qxP "\tnames = \[ \];" <<<"$1"' _ "$plan"
check "... so its plan has no flowtable device" grep -qx 'no flowtable devices' <<<"$plan"
for page in man8/flowd.8 man8/flowctl.8 man5/flowd.conf.5; do
	f=/usr/share/man/$page.gz
	# Renders, and man/groff have nothing to warn about.
	check "man -l $f renders" bash -c '
		out=$(run_in env MANWIDTH=80 man --warnings -l "$1" 2>&1 >/dev/null) || exit 1
		[ -z "$out" ] || { printf "%s\n" "$out"; exit 1; }
		[ "$(run_in env MANWIDTH=80 man -l "$1" | wc -l)" -gt 20 ]
	' _ "$f"
done
unit=/lib/systemd/system/flowd.service
check "unit $unit installed" test -f "$root$unit"
if [ "$mode" = chroot ]; then
	check "unit enabled (multi-user.target.wants)" \
		test -L "$root/etc/systemd/system/multi-user.target.wants/flowd.service"
fi
if command -v systemd-analyze >/dev/null; then
	# The chroot has no systemd: verify with the host's, the unit's
	# binaries and Documentation= pages pointed at the chroot.
	sed -e "s|/usr/sbin/flowd|$root/usr/sbin/flowd|g" -e "s|/usr/sbin/flowctl|$root/usr/sbin/flowctl|g" "$root$unit" >"$work/flowd.service"
	check "systemd-analyze verify flowd.service" bash -c '
		out=$(MANPATH="$1/usr/share/man" systemd-analyze verify "$2" 2>&1) &&
			[ -z "$out" ] || { printf "%s\n" "$out"; exit 1; }' _ "$root" "$work/flowd.service"
else
	echo "# systemd-analyze not available: unit not verified"
fi
for f in /usr/sbin/flowd /usr/sbin/flowctl /etc/flowd.conf "$unit" \
	/usr/share/man/man8/flowd.8.gz /usr/share/man/man8/flowctl.8.gz \
	/usr/share/man/man5/flowd.conf.5.gz /usr/share/doc/flowd/copyright \
	/usr/share/doc/flowd/changelog.gz /usr/share/doc/flowd/README.md.gz; do
	check "the package lists $f, and it is there" \
		bash -c 'grep -qxF "$1" <<<"$2" && [ -e "$3$1" ]' _ "$f" "$listed" "$root"
done
check "/etc/flowd.conf is a conffile" grep -q '^ /etc/flowd.conf ' <<<"$conffiles"

# ---- 4. purge ----
if [ "$mode" = chroot ]; then
	check "dpkg --purge flowd" run_in dpkg --purge flowd
	check "purge removed /etc/flowd.conf and the unit's enablement" bash -c \
		'[ ! -e "$1/etc/flowd.conf" ] && [ ! -e "$1/etc/systemd/system/multi-user.target.wants/flowd.service" ]' \
		_ "$root"
fi
stamp "done"
finish
