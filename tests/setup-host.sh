#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install what building flowd and running all its tests needs on Debian 12.
# Idempotent: a machine that has everything only pays for dpkg's check.
set -euo pipefail

packages=(
	# build
	build-essential autoconf automake libtool pkgconf git
	libmnl-dev libnftnl-dev libnl-3-dev libnl-route-3-dev
	libnetfilter-conntrack-dev libev-dev libsystemd-dev libconfig-dev
	libjansson-dev libcmocka-dev libcap-ng-dev
	# the test kernel (linux-source-6.12 comes from bookworm-security)
	linux-source-6.12 flex bison bc libelf-dev libssl-dev ccache xz-utils cpio kmod
	qemu-system-x86
	# tools used inside the VM (the guest's root is the host's /)
	iproute2 iputils-ping nftables conntrack iperf3 netsniff-ng tcpdump procps ethtool
	util-linux python3
	# the kernel's own selftests run in the VM (nft_flowtable.sh and the
	# series' nft_flowtable_tunnel.sh) need socat
	socat
	# checks on docs and the service unit
	groff man-db systemd
	# the Debian package: build, lintian, install in a debootstrap chroot
	# (tests/check-package.sh)
	dpkg-dev debhelper lintian debootstrap
	# `make check` parses flowctl's metrics with prometheus_client's parser
	# (tests/unit/check-metrics.sh); Debian 12's promtool comes only in the
	# whole prometheus package (19 MB, 96 MB installed)
	python3-prometheus-client
	# flowd under valgrind in the VM (tests/vm/flowd-valgrind.sh)
	valgrind
	# fuzzing (clang, libFuzzer + sanitizers) and static analysis
	clang-14 libclang-rt-14-dev clang-tidy cppcheck
	# the data-plane benchmark's plot (tests/bench/run.sh)
	gnuplot-nox
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "setup-host: all ${#packages[@]} packages present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "setup-host: missing packages and not root: ${missing[*]}" >&2
	exit 1
fi
echo "setup-host: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
