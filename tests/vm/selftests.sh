#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The kernel's own network selftests (tools/testing/selftests/net: lib.sh,
# lib/ and netfilter/) as the test kernel of a flavour has them, for the VM
# tests that run them; prints the directory that holds net/.
#
#   tests/vm/selftests.sh [stock|patched|debug]
#
# stock: as in the kernel source tarball; patched and debug: with what
# kernel/patches/ adds or changes under tools/testing/ (the series' own
# selftest), and nothing else of the patches.  Unpacked once per tarball
# and patch set into the kernel cache: the kernel trees there switch
# between patch sets, so they cannot serve a run of another flavour.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${FLOWD_VM_CACHE:-/var/cache/flowd-vm}/selftests
tarball=${FLOWD_KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}

# The patches' selftests go with every flavour but stock.
patches=()
shopt -s nullglob
case ${1:-patched} in
stock) ;;
patched | debug) patches=("$top"/kernel/patches/*.patch) ;;
*)
	echo "selftests: unknown flavour '$1' (stock, patched, debug)" >&2
	exit 2
	;;
esac
shopt -u nullglob
[ -r "$tarball" ] || {
	echo "selftests: $tarball not found (apt-get install linux-source-6.12)" >&2
	exit 1
}

key=$({
	echo "$tarball $(stat -c '%s %Y' "$tarball")"
	sha256sum "$0" | cut -c1-64
	for p in "${patches[@]}"; do
		echo "patch $(basename "$p") $(sha256sum <"$p" | cut -c1-64)"
	done
} | sha256sum | cut -c1-16)
dir=$cache/$key
if [ -d "$dir/net/netfilter" ]; then
	echo "$dir"
	exit 0
fi

mkdir -p "$cache"
tmp=$(mktemp -d "$cache/.new.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# The tarball's one top directory (linux-source-6.12/) is dropped.
tar -xJf "$tarball" -C "$tmp" --strip-components=1 --wildcards \
	'*/tools/testing/selftests/net/lib.sh' \
	'*/tools/testing/selftests/net/lib/*' \
	'*/tools/testing/selftests/net/netfilter/*' ||
	{ echo "selftests: unpacking $tarball failed" >&2; exit 1; }
for p in "${patches[@]}"; do
	# Only the selftest hunks; outside any git repository, so that git
	# applies to this directory and not to a repository above it.
	(cd "$tmp" && GIT_CEILING_DIRECTORIES=$cache git apply -p1 \
		--include='tools/testing/selftests/net/*' "$p") ||
		{ echo "selftests: applying $(basename "$p") failed" >&2; exit 1; }
done
mkdir -p "$tmp/out" && mv "$tmp/tools/testing/selftests/net" "$tmp/out/net" || exit 1
# Two runs may prepare the same set side by side: the first rename wins.
if ! mv -T "$tmp/out" "$dir" 2>/dev/null && [ ! -d "$dir/net/netfilter" ]; then
	echo "selftests: cannot create $dir" >&2
	exit 1
fi
echo "$dir"
