#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Check the man pages (groff -ww and man --warnings: no warnings at all)
# and the installed service unit (systemd-analyze verify: clean), against a
# staged `make install` of the build directory given as $1.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
failed=0

for page in "$top"/man/*.[1-8]; do
	out=$( { groff -ww -man -z "$page" && man --warnings -l "$page" >/dev/null; } 2>&1)
	if [ -n "$out" ]; then
		echo "FAIL man page $(basename "$page"):"
		echo "$out" | sed 's/^/    /'
		failed=1
	else
		echo "ok   man page $(basename "$page")"
	fi
done

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
if ! make -C "$build" install DESTDIR="$stage" >"$stage.log" 2>&1; then
	echo "FAIL make install"
	tail -n 20 "$stage.log"
	exit 1
fi
rm -f "$stage.log"
unit=$(find "$stage" -name flowd.service)
[ -n "$unit" ] || { echo "FAIL no flowd.service installed"; exit 1; }
for f in flowd flowctl; do
	[ -x "$(find "$stage" -path "*sbin/$f")" ] || { echo "FAIL $f not installed"; failed=1; }
done
[ -n "$(find "$stage" -name flowd.conf -path '*etc*')" ] || { echo "FAIL flowd.conf not installed"; failed=1; }

# `systemctl reload` must fail on a bad file: only `flowctl reload` waits
# for flowd's answer (kill -HUP succeeds whatever the file says).
if grep -qx "ExecReload=.*/sbin/flowctl reload" "$unit"; then
	echo "ok   ExecReload runs flowctl reload"
else
	echo "FAIL ExecReload does not run flowctl reload: $(grep '^ExecReload' "$unit")"
	failed=1
fi

# systemd-analyze checks that ExecStart binaries and the Documentation man
# pages exist: point both at the staged install.
prefix_sbin=$(sed -n 's|^ExecStart=\(.*\)/flowd .*|\1|p' "$unit")
sed "s|$prefix_sbin|$stage$prefix_sbin|g" "$unit" >"$stage/flowd.service"
manroot=$(dirname "$(dirname "$(find "$stage" -name flowd.8 | head -n1)")")
if out=$(MANPATH="$manroot" systemd-analyze verify "$stage/flowd.service" 2>&1) && [ -z "$out" ]; then
	echo "ok   systemd-analyze verify flowd.service"
else
	echo "FAIL systemd-analyze verify flowd.service:"
	echo "$out" | sed 's/^/    /'
	failed=1
fi
exit $failed
