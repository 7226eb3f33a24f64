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
# stock and patched share one source tree, unpacked once from the tarball.
# A file in .flowd-state names the patch set the tree holds and every file
# that set changed or created; switching sets restores just those files
# (from the tarball, with a fresh mtime so that the objects built from the
# patched versions rebuild) and applies the new set.  Files the patches do
# not touch keep their mtime, so the object directory builds incrementally.
# debug has a tree and an object directory of its own, and a lock of its
# own: a cold test run builds it at the lowest priority from its first
# minute, beside stock and patched.  The trees are the cache's: do not
# edit them.
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

# stock and patched share one object directory (same config, so switching
# between them rebuilds only what the patches touch); debug has a config
# of its own and would rebuild everything each time it switched.
config_id=default
[ "$flavour" = debug ] && config_id=debug
tree="$cache/tree-$config_id"
obj="$cache/obj-$config_id"
state="$tree/.flowd-state"

mkdir -p "$cache"
# One build per tree at a time: parallel test runs share the cache and the
# trees.  The tarball's id below has a lock of its own.
exec 9>"$cache/lock.$config_id"
flock 9

# The tarball is hashed once per (path, size, mtime): 150 MB is not free.
tar_stat=$(stat -c '%s %Y' "$tarball")
tar_id_file="$cache/tarball.id"
exec 8>"$cache/lock.tarball"
flock 8
if [ -f "$tar_id_file" ] && [ "$(head -n1 "$tar_id_file")" = "$tarball $tar_stat" ]; then
	tar_sum=$(sed -n 2p "$tar_id_file")
else
	tar_sum=$(sha256sum "$tarball" | cut -c1-64)
	printf '%s %s\n%s\n' "$tarball" "$tar_stat" "$tar_sum" >"$tar_id_file.tmp"
	mv "$tar_id_file.tmp" "$tar_id_file"
fi
exec 8>&-

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

# git apply as a plain `patch` on the tree: never look for a repository
# above it (the cache may sit inside someone's checkout).
tree_apply() {
	(cd "$tree" && GIT_CEILING_DIRECTORIES=$(dirname "$tree") git apply "$@")
}

# The files a patch changes, one per line; renames and copies are refused
# (restoring the tree would not know where they came from).
patch_files() {
	local summary
	summary=$(tree_apply --summary "$1") || return 1
	if grep -qE '^ (rename|copy) ' <<<"$summary"; then
		echo "build-kernel: $(basename "$1") renames or copies a file; not supported" >&2
		return 1
	fi
	tree_apply --numstat "$1" | cut -f3
}

# unpack: a fresh tree from the tarball, marked pristine.
unpack() {
	echo "build-kernel: unpacking $tarball" >&2
	rm -rf "$tree" "$obj"
	mkdir -p "$tree"
	tar -xf "$tarball" -C "$tree" --strip-components=1 >>"$log" 2>&1 ||
		fail "unpacking $tarball failed"
	# The tarball's top directory, for extracting single files later.
	# (head ends tar early: its SIGPIPE is not a failure here.)
	(set +o pipefail; tar -tf "$tarball" 2>/dev/null | head -n1 | cut -d/ -f1) >"$tree/.flowd-prefix"
	[ -s "$tree/.flowd-prefix" ] || fail "reading the top directory of $tarball failed"
	echo pristine >"$state"
	# Written last: it marks a complete unpack.
	echo "$tar_sum" >"$tree/.flowd-source"
}

# restore LIST: back to pristine, from the list of a state file ("M path"
# existed in the tarball, "A path" was created).  -m: the restored file is
# newer than every object built from its patched version.
restore() {
	local kind path prefix members=()
	prefix=$(cat "$tree/.flowd-prefix") || return 1
	while read -r kind path; do
		rm -f "${tree:?}/$path"
		[ "$kind" = M ] && members+=("$prefix/$path")
	done < <(tail -n +2 "$1")
	if [ ${#members[@]} -gt 0 ]; then
		tar -xmf "$tarball" -C "$tree" --strip-components=1 "${members[@]}" >>"$log" 2>&1 ||
			return 1
	fi
}

tree_start=$(date +%s)
# A tree from another tarball, from before .flowd-state (a git repository),
# or left half-changed by an interrupted build: start from the tarball.
have=$(head -n1 "$state" 2>/dev/null || true)
if [ "$(cat "$tree/.flowd-source" 2>/dev/null)" != "$tar_sum" ] || [ -e "$tree/.git" ] ||
	[ -z "$have" ] || [ "$have" = changing ]; then
	unpack
	have=pristine
fi

# The patch set this flavour wants, test drivers included.
want="flowd-tree $({
	for p in "${patches[@]}" "${test_drivers[@]}"; do
		echo "$(basename "$p") $(sha256sum <"$p" | cut -c1-64)"
	done
} | sha256sum | cut -c1-16)"
if [ "$have" != "$want" ]; then
	# Until the new state is written, the tree is neither the old set nor
	# the new one: an interrupted build leaves "changing" (unpack again).
	mv "$state" "$state.old"
	echo changing >"$state"
	if [ "$have" != pristine ]; then
		{ echo "restoring the files of:"; cat "$state.old"; } >>"$log"
		restore "$state.old" || fail "restoring the pristine tree from $tarball failed"
	fi
	rm -f "$state.old"
	files=net/netfilter/Makefile
	for drv in "${test_drivers[@]}"; do
		files+=$'\n'"net/netfilter/$(basename "$drv")"
	done
	for p in "${patches[@]}"; do
		changed=$(patch_files "$p") || fail "reading $(basename "$p") failed"
		files+=$'\n'"$changed"
	done
	{
		echo "$want"
		sort -u <<<"$files" | while read -r path; do
			[ -n "$path" ] || continue
			if [ -e "$tree/$path" ]; then echo "M $path"; else echo "A $path"; fi
		done
	} >"$state.new"
	if [ ${#patches[@]} -gt 0 ]; then
		echo "build-kernel: applying ${#patches[@]} patch(es)" >&2
	fi
	for p in "${patches[@]}"; do
		tree_apply "$p" >>"$log" 2>&1 ||
			fail "$(basename "$p") in kernel/patches/ does not apply"
	done
	for drv in "${test_drivers[@]}"; do
		cp "$drv" "$tree/net/netfilter/" || fail "copying $drv"
		echo "obj-\$(CONFIG_NF_FLOW_TABLE) += $(basename "$drv" .c).o" >>"$tree/net/netfilter/Makefile"
	done
	mv "$state.new" "$state"
fi
echo "build-kernel: source tree ready in $(($(date +%s) - tree_start)) s" >&2

# An object directory built from another source tree would keep stale
# dependencies on it: start that one afresh.  (For a while obj-debug was
# built from tree-default.)
built_from=$(cat "$obj/.flowd-tree" 2>/dev/null || echo "$tree")
if [ "$built_from" != "$tree" ]; then
	rm -rf "$obj"
fi
mkdir -p "$obj"
echo "$tree" >"$obj/.flowd-tree"
kmake=(make -C "$tree" O="$obj" -j"$jobs")
if [ "$flavour" = debug ]; then
	# KASAN instruments the network stack only: net/ (the flowtable, the
	# tunnels, the core and netfilter the series touches) and
	# drivers/net/ (veth, the devices the packets cross).  The rest of
	# the kernel (exec, page faults, file systems, the scheduler) runs
	# uninstrumented, so each process a test starts in the guest (nft,
	# conntrack, python) costs what it costs on the patched kernel, not
	# several times that; those starts were most of a KASAN run's time.
	# What KASAN checks in the network stack is unchanged: every access
	# its code makes (to any memory) is checked, and the allocator's
	# hooks (redzones, the quarantine of freed objects) work for every
	# slab object.  Set on the command line, the value overrides every
	# directory's own KASAN_SANITIZE: outside the network stack it is
	# "n" (as in the directories that must never be instrumented), and
	# no directory under net/ or drivers/net/ sets one.  A file's own
	# KASAN_SANITIZE_file.o still comes first.
	# shellcheck disable=SC2016 # expanded by make, per directory
	kmake+=('KASAN_SANITIZE=$(if $(filter net net/% drivers/net drivers/net/%,$(obj)),,n)')
fi
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
# A later fragment overrides an earlier one (the debug fragment turns some
# of the base's options off): only the last word on each option counts.
missing=0
declare -A wanted=() wanted_by=()
for frag in "${fragments[@]}"; do
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) option=${line%%=*} ;;
		"# CONFIG_"*" is not set") option=${line#\# } option=${option%% *} ;;
		*) continue ;;
		esac
		wanted[$option]=$line wanted_by[$option]=$(basename "$frag")
	done <"$frag"
done
for option in "${!wanted[@]}"; do
	line=${wanted[$option]}
	case $line in
	CONFIG_*=*) ;;
	*) continue ;;
	esac
	if ! grep -qxF "$line" "$obj/.config"; then
		echo "build-kernel: ${wanted_by[$option]}: '$line' did not survive olddefconfig" >&2
		missing=1
	fi
done
[ $missing -eq 0 ] || exit 1

start=$(date +%s)
"${kmake[@]}" vmlinux >>"$log" 2>&1 || fail "kernel build failed"
# The image wraps the compressed kernel, which
# arch/x86/boot/compressed/piggy.S takes in with .incbin.  ccache does not
# see that input: piggy.S only holds the compressed kernel's lengths, and
# ccache handed back the piggy.o of an earlier build whose compressed
# kernel had the same length (a patched image that booted the kernel of
# the build before it, a test variant).  The image is always assembled
# again, without ccache; the kernel's own objects have no such input.
rm -f "$obj/arch/x86/boot/compressed/piggy.o"
CCACHE_DISABLE=1 "${kmake[@]}" bzImage >>"$log" 2>&1 || fail "kernel build failed"
# The symbols, for tests/bench/profile.sh: written before the image,
# whose presence marks a complete build.
cp "$obj/System.map" "$(dirname "$image")/System.map" || fail "copying System.map"
cp "$obj/arch/x86/boot/bzImage" "$image.tmp"
mv "$image.tmp" "$image"
echo "build-kernel: built in $(($(date +%s) - start)) s: $image" >&2
echo "$image"
