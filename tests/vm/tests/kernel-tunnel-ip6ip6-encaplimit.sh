#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: patched
#
# ip6ip6 with the default tunnel encapsulation limit (4) on both ends: the
# router's fast path inserts the encapsulation limit destination option on
# transmit (the remote's ip6tnl must accept it: traffic passes, and the
# output hook never sees the outer packets), while received packets carry
# the option, an extension header, and are left to the slow path.
. "$FLOWD_TOP/tests/vm/lib.sh"
. "$FLOWD_TOP/tests/vm/kernel-tunnel-lib.sh"

KT_ENCAPLIMIT=keep kt_setup ip6ip6
check "tun0 sends the encapsulation limit option" \
	bash -c 'ip -n router -d link show tun0 | grep -q "encaplimit 4"'
kt_stream 6 tcp
check "ip6ip6 encaplimit 4: traffic passes" [ "$DELIVERED_OK" = yes ]
check "ip6ip6 encaplimit 4: flow is [OFFLOAD]" [ "$OFFLOADED" = yes ]
check "ip6ip6 encaplimit 4: tx accelerated with the option (output flat)" flat "$OUT_TUN"
check "ip6ip6 encaplimit 4: rx with the option takes the slow path (input grows)" grows "$IN_TUN"
topo_down
done_testing
