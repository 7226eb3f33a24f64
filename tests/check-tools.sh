#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Before anything runs: is every program, library and file that a step of
# the test command uses on this machine?  tests/setup-host.sh installs
# them; this check is what keeps a missing one from showing up as a
# confusing failure half an hour into the run (valgrind was once missing
# on a fresh machine and only the valgrind VM test, near the end, said so).
#
#   tests/check-tools.sh      prints every missing item with the step that
#                             needs it and the Debian package that has it;
#                             exits 1 if any is missing
#
# Keep this list in step with tests/setup-host.sh and the steps of
# tests/run-all.sh: a step that starts using a new program adds it here.
set -uo pipefail

missing=0

# need STEP PACKAGE COMMAND...: each COMMAND must be on PATH.
need() {
	local step=$1 package=$2 cmd
	shift 2
	for cmd in "$@"; do
		if ! command -v "$cmd" >/dev/null 2>&1; then
			printf '  %-16s needs %-26s (Debian package %s)\n' "$step" "$cmd" "$package"
			missing=$((missing + 1))
		fi
	done
}

# need_pc STEP PACKAGE MODULE: a pkg-config module (a library to link).
need_pc() {
	if ! pkg-config --exists "$3" 2>/dev/null; then
		printf '  %-16s needs %-26s (Debian package %s)\n' "$1" "pkg-config $3" "$2"
		missing=$((missing + 1))
	fi
}

# need_file STEP PACKAGE PATH
need_file() {
	if [ ! -e "$3" ]; then
		printf '  %-16s needs %-26s (Debian package %s)\n' "$1" "$3" "$2"
		missing=$((missing + 1))
	fi
}

# need_glob STEP PACKAGE PATTERN: some file matches PATTERN.
need_glob() {
	local matches
	# shellcheck disable=SC2086
	matches=$(compgen -G "$3" | head -n1)
	if [ -z "$matches" ]; then
		printf '  %-16s needs %-26s (Debian package %s)\n' "$1" "$3" "$2"
		missing=$((missing + 1))
	fi
}

# need_py STEP PACKAGE MODULE: a python3 module.
need_py() {
	# Debian's interpreter: the one the steps and the guest use.
	if ! /usr/bin/python3 -c "import $3" >/dev/null 2>&1; then
		printf '  %-16s needs %-26s (Debian package %s)\n' "$1" "python3 module $3" "$2"
		missing=$((missing + 1))
	fi
}

need build autoconf autoreconf autoconf
need build automake automake aclocal
need build libtool libtoolize
need build pkgconf pkg-config
need build build-essential gcc make
need build bc bc
need_pc build libmnl-dev libmnl
need_pc build libnftnl-dev libnftnl
need_pc build libnl-3-dev libnl-3.0
need_pc build libnl-route-3-dev libnl-route-3.0
need_pc build libnetfilter-conntrack-dev libnetfilter_conntrack
need_pc build libconfig-dev libconfig
need_pc build libjansson-dev jansson
need_pc build libsystemd-dev libsystemd
need_pc build libcap-ng-dev libcap-ng
need_pc unit-tests libcmocka-dev cmocka
need_py unit-tests python3-prometheus-client prometheus_client
need_file build libev-dev /usr/include/ev.h

need static-analysis cppcheck cppcheck
need static-analysis clang-tidy clang-tidy
need fuzz clang-14 clang-14
need_glob fuzz libclang-rt-14-dev '/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a'
need docs-service groff groff
need docs-service man-db man
need docs-service systemd systemd-analyze
need distcheck xz-utils xz
need package dpkg-dev dpkg-buildpackage dpkg-architecture dpkg-buildflags
need package debhelper dh
need package lintian lintian
need package debootstrap debootstrap

need kernels linux-source-6.12 tar
need_file kernels linux-source-6.12 /usr/src/linux-source-6.12.tar.xz
need kernels flex flex
need kernels bison bison
need kernels git git
need kernels ccache ccache
need kernels cpio cpio
need kernels util-linux flock
need_file kernels libelf-dev /usr/include/libelf.h
need_file kernels libssl-dev /usr/include/openssl/ssl.h

need vm-tests qemu-system-x86 qemu-system-x86_64
need vm-tests iproute2 ip ss
need vm-tests nftables nft
need vm-tests conntrack conntrack
need vm-tests iperf3 iperf3
# the kernel's own selftests (kernel-upstream-flowtable, kernel-tunnel-selftest)
need vm-tests socat socat
need vm-tests ethtool ethtool
need vm-tests iputils-ping ping
need vm-tests netsniff-ng trafgen
need vm-tests tcpdump tcpdump
need vm-tests procps sysctl ps pgrep
need vm-tests coreutils timeout
need vm-tests kmod modprobe
# The guest runs the host's Debian python3, not whatever is first on PATH.
need_file vm-tests python3 /usr/bin/python3
need vm-tests valgrind valgrind
need bench gnuplot-nox gnuplot

# Steps added by later work register their tools in tests/check-tools.d/
# (one sourced file per step), so this file stays the one place to look.
shopt -s nullglob
for extra in "$(dirname "$0")"/check-tools.d/*.sh; do
	# shellcheck source=/dev/null
	. "$extra"
done
shopt -u nullglob

if [ $missing -gt 0 ]; then
	echo "check-tools: $missing missing (run tests/setup-host.sh as root, or install the packages above)"
	exit 1
fi
echo "check-tools: every program and library the test steps use is here"
