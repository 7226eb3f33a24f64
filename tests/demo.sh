#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The main job, from a fresh Debian 12 machine (as root): install what is
# needed, build flowd, boot the test kernel in QEMU and run the seed
# document's topology in it, printing what the router does and the proof
# that the tunnel's flows take the flowtable's fast path.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
"$top/tests/setup-host.sh"
if [ -f "$top/config.status" ]; then
	make -C "$top" distclean >/dev/null 2>&1
fi
autoreconf -fi
mkdir -p "$top/build"
(cd "$top/build" && "$top/configure" --enable-werror >/dev/null && make -j"$(nproc)" >/dev/null)
echo "flowd built in $top/build; booting the test VM (the first run builds the kernel: ~8 min)"
FLOWD_BUILD="$top/build" exec "$top/tests/vm/run-vm.sh" --timeout 600 "$top/tests/vm/demo-guest.sh"
