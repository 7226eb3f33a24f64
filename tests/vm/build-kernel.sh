#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build (or find in the cache) the test kernel for the VM tests and print
# the path of its bzImage on stdout.
#
#   tests/vm/build-kernel.sh [stock|patched|debug]
#
#   stock    tinyconfig + tests/vm/kernel.config, no patches
#   patched  stock + kernel/patches/*.patch applied in order (default)
#   debug    patched + tests/vm/kernel-debug.config (KASAN, UBSAN)
#
# Every flavour also builds in the test-only drivers of kernel/tests/.
#
# The bzImage is cached outside the tree, keyed by a hash of everything that
# goes into it: the kernel source tarball, the config fragments, the patches,
# this script and the compiler version.  A warm run only hashes and returns.
#
# All flavours share one source tree, a git repository, so that switching
# patch sets is `git reset --hard` + `git am`: files the patches do not touch
# keep their mtime, and each config's object directory builds incrementally.
# The tree's last commit names the patch set it holds; a build that wants
# the same set (debug after patched) leaves the tree alone.
set -euo pipefail

flavour=${1:-patched}
case $flavour in
stock | patched | debug) ;;
*)
	echo "build-kernel: unknown flavour '$flavour' (stock, patched, debug)" >&2
	exit 2
	;;
esac

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${FLOWD_VM_CACHE:-/var/cache/flowd-vm}
tarball=${FLOWD_KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
jobs=${FLOWD_KERNEL_JOBS:-$(($(nproc) + 1))}

if [ ! -r "$tarball" ]; then
	echo "build-kernel: $tarball not found (apt-get install linux-source-6.12)" >&2
	exit 1
fi

fragments=("$here/kernel.config")
[ "$flavour" = debug ] && fragments+=("$here/kernel-debug.config")
# Test-only drivers the VM tests need (kernel/tests/*.c, never part of the
# series), built into every flavour; each stays off until a test enables it.
shopt -s nullglob
test_drivers=("$top"/kernel/tests/*.c)
shopt -u nullglob
patches=()
if [ "$flavour" != stock ]; then
	shopt -s nullglob
	patches=("$top"/kernel/patches/*.patch)
	shopt -u nullglob
fi

mkdir -p "$cache"
# One build at a time: parallel test runs share the cache and the trees.
exec 9>"$cache/lock"
flock 9

# The tarball is hashed once per (path, size, mtime): 150 MB is not free.
tar_stat=$(stat -c '%s %Y' "$tarball")
tar_id_file="$cache/tarball.id"
if [ -f "$tar_id_file" ] && [ "$(head -n1 "$tar_id_file")" = "$tarball $tar_stat" ]; then
	tar_sum=$(sed -n 2p "$tar_id_file")
else
	tar_sum=$(sha256sum "$tarball" | cut -c1-64)
	printf '%s %s\n%s\n' "$tarball" "$tar_stat" "$tar_sum" >"$tar_id_file.tmp"
	mv "$tar_id_file.tmp" "$tar_id_file"
fi

key=$({
	echo "tarball $tar_sum"
	gcc --version | head -n1
	sha256sum "$0" "${fragments[@]}" "${test_drivers[@]}" | cut -c1-64
	for p in "${patches[@]}"; do
		echo "patch $(basename "$p") $(sha256sum <"$p" | cut -c1-64)"
	done
} | sha256sum | cut -c1-16)

image="$cache/images/$key/bzImage"
if [ -f "$image" ]; then
	echo "$image"
	exit 0
fi

log="$cache/logs/$key.log"
mkdir -p "$cache/logs" "$(dirname "$image")"
echo "build-kernel: building $flavour kernel $key (log: $log)" >&2
: >"$log"

fail() {
	echo "build-kernel: $*" >&2
	echo "---- last lines of $log ----" >&2
	tail -n 40 "$log" >&2
	exit 1
}

# stock and patched share one object directory (same config, so switching
# between them rebuilds only what the patches touch); debug has a config of
# its own and would rebuild everything each time it switched.
config_id=default
[ "$flavour" = debug ] && config_id=debug
tree="$cache/tree-default"
obj="$cache/obj-$config_id"
git_q=(git -C "$tree" -c user.name=flowd-vm -c user.email=flowd-vm@localhost)
# Debug once had a source tree of its own: 1.5 GB nothing uses any more.
rm -rf "$cache/tree-debug"

tree_start=$(date +%s)
# (Re)create the pristine source repository when the tarball changed.
if [ ! -f "$tree/.flowd-source" ] || [ "$(cat "$tree/.flowd-source")" != "$tar_sum" ]; then
	echo "build-kernel: unpacking $tarball" >&2
	rm -rf "$tree" "$cache"/obj-*
	mkdir -p "$tree"
	tar -xf "$tarball" -C "$tree" --strip-components=1 >>"$log" 2>&1 ||
		fail "unpacking $tarball failed"
	{
		"${git_q[@]}" init -q
		"${git_q[@]}" add -A -f
		"${git_q[@]}" commit -q -m pristine
		"${git_q[@]}" tag pristine
	} >>"$log" 2>&1 || fail "creating the source repository failed"
	# Written last and kept out of git: it marks a complete unpack.
	echo "$tar_sum" >"$tree/.flowd-source"
	echo .flowd-source >>"$tree/.git/info/exclude"
fi

# The patch set this flavour wants, test drivers included; the commit that
# finishes preparing the tree carries it in its subject.
want="flowd-tree $({
	for p in "${patches[@]}" "${test_drivers[@]}"; do
		echo "$(basename "$p") $(sha256sum <"$p" | cut -c1-64)"
	done
} | sha256sum | cut -c1-16)"
have=$("${git_q[@]}" log -1 --format=%s 2>>"$log") || fail "reading the source tree's state failed"
if [ "$have" != "$want" ] || ! "${git_q[@]}" diff --quiet HEAD >>"$log" 2>&1; then
	"${git_q[@]}" am --abort >/dev/null 2>&1 || true
	# A tree fresh from the tarball is pristine already: resetting and
	# cleaning it would only read 1.5 GB again.
	if [ "$have" != pristine ] || ! "${git_q[@]}" diff --quiet HEAD >>"$log" 2>&1; then
		"${git_q[@]}" reset -q --hard pristine >>"$log" 2>&1 || fail "git reset failed"
		"${git_q[@]}" clean -q -fdx -e .flowd-source >>"$log" 2>&1 || fail "git clean failed"
	fi
	if [ ${#patches[@]} -gt 0 ]; then
		echo "build-kernel: applying ${#patches[@]} patch(es)" >&2
		"${git_q[@]}" am -q "${patches[@]}" >>"$log" 2>&1 ||
			fail "a patch in kernel/patches/ does not apply"
	fi
	for drv in "${test_drivers[@]}"; do
		cp "$drv" "$tree/net/netfilter/" || fail "copying $drv"
		echo "obj-\$(CONFIG_NF_FLOW_TABLE) += $(basename "$drv" .c).o" >>"$tree/net/netfilter/Makefile"
	done
	{
		"${git_q[@]}" add -A net/netfilter
		"${git_q[@]}" commit -q --allow-empty -m "$want"
	} >>"$log" 2>&1 || fail "recording the source tree's state failed"
fi
echo "build-kernel: source tree ready in $(($(date +%s) - tree_start)) s" >&2

# An object directory built from another source tree would keep stale
# dependencies on it: start that one afresh.
# (Before the tree was shared, obj-X was built from tree-X.)
built_from=$(cat "$obj/.flowd-tree" 2>/dev/null || echo "$cache/tree-$config_id")
if [ "$built_from" != "$tree" ]; then
	rm -rf "$obj"
fi
mkdir -p "$obj"
echo "$tree" >"$obj/.flowd-tree"
kmake=(make -C "$tree" O="$obj" -j"$jobs")
if command -v ccache >/dev/null; then
	export CCACHE_DIR="$cache/ccache"
	# Depend mode takes the headers from the compiler's own -MMD output.
	# ccache's default runs the preprocessor a second time on every miss:
	# measured on net/ipv4 + net/core from an empty cache, 112 s against
	# 81 s without ccache; depend mode took 76 s, and 3 s warm.
	export CCACHE_DEPEND=1
	kmake+=(CC="ccache gcc")
fi

{
	"${kmake[@]}" tinyconfig &&
		"$tree/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${fragments[@]}" &&
		"${kmake[@]}" olddefconfig
} >>"$log" 2>&1 || fail "configuring failed"

# Kconfig drops options whose dependencies are unmet without a word: check
# that every option the fragments ask for made it into the final config.
missing=0
for frag in "${fragments[@]}"; do
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			if ! grep -qxF "$line" "$obj/.config"; then
				echo "build-kernel: $(basename "$frag"): '$line' did not survive olddefconfig" >&2
				missing=1
			fi
			;;
		esac
	done <"$frag"
done
[ $missing -eq 0 ] || exit 1

start=$(date +%s)
"${kmake[@]}" bzImage >>"$log" 2>&1 || fail "kernel build failed"
cp "$obj/arch/x86/boot/bzImage" "$image.tmp"
mv "$image.tmp" "$image"
echo "build-kernel: built in $(($(date +%s) - start)) s: $image" >&2
echo "$image"
