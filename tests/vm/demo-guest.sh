#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Runs inside the VM for tests/demo.sh: the seed topology, flowd running
# the router's flowtable from a config file, a TCP stream through the IPIP
# tunnel, and what proves the stream took the fast path.
. "$FLOWD_TOP/tests/vm/lib.sh"

section() { printf '\n===== %s =====\n' "$*"; }

topo_up ipip
slow_path_counter_up router
# Outer IPIP packets the router's own stack handles: decapsulated on input
# (rx) or encapsulated on output (tx).  Protocol 4 by number: nft would
# read "ipip" from /etc/protocols, where it is 94.  Only the slow path of the outer
# header moves these; the patched kernel's tunnel fast path bypasses both.
in_ns router nft -f - <<'NFT' || bail "loading the outer counters"
table inet outer {
	counter rx { }
	counter tx { }
	chain input { type filter hook input priority 0; meta l4proto 4 counter name rx; }
	chain output { type filter hook output priority 0; meta l4proto 4 counter name tx; }
}
NFT

section "router: addresses and routes"
in_ns router ip -br addr
in_ns router ip route

conf=$TMPDIR/flowd.conf
cat >"$conf" <<CONF
# The router's LAN side is eth0; every tunnel is accelerated.
devices = [ "eth0" ];
tunnels = "all";
control: { socket = "$TMPDIR/flowd.sock"; };
CONF
section "/etc/flowd.conf (demo)"
cat "$conf"
section "flowd --check: the plan on this router"
in_ns router "$FLOWD_BIN" -n -c "$conf"

section "flowd starts"
flowd_start router "$conf" || exit 1
sleep 0.5
sed 's/^/  /' "$TMPDIR/flowd.log"
section "router: nft list table inet flowd (written by flowd)"
in_ns router nft list table inet flowd

if [ -x "$FLOWCTL_BIN" ] && in_ns router "$FLOWCTL_BIN" -s "$TMPDIR/flowd.sock" status >/dev/null 2>&1; then
	have_flowctl=1
else
	have_flowctl=0
fi

section "iperf3: client 10.0.0.2 -> server 10.2.0.2 through tun0"
# Runs until stopped below; the measurement is over a window of its
# packets, not of the clock, so a loaded machine only makes it longer.
stream_start
wait_until "$(deadline 30)" stream_offloaded
# A few more packets: those that were in the slow path at the offload
# are past.
wait_grown "$(deadline 30)" $((256 << 10)) "$(link_bytes server eth0 rx)" link_bytes server eth0 rx
section "router: conntrack -L during the stream"
in_ns router conntrack -L 2>/dev/null
if [ $have_flowctl -eq 1 ]; then
	section "flowctl status"
	in_ns router "$FLOWCTL_BIN" -s "$TMPDIR/flowd.sock" status
fi
n=$(ct_offloaded router 'dport=5201')
win=$((4 << 20))
rx1=$(nft_counter router inet outer rx)
tx1=$(nft_counter router inet outer tx)
window=yes
delta=$(slow_window router $win) || window=no
rx2=$(nft_counter router inet outer rx)
tx2=$(nft_counter router inet outer tx)
running=yes
stream_stop || running=no
# The client's own summary: stopped here, it has no receiver summary from
# the server (iperf3 prints one of 0 bytes), so that line is left out.
grep -E '^\[ ID\]|sender$' "$TMPDIR/iperf.out" | tail -n 2

section "offload proof"
echo "flows in [OFFLOAD] state:                    $n"
echo "slow-path forward counter while the server received 4 MiB of the stream: $delta packets (flat = fast path)"
echo "outer IPIP packets through the router's stack meanwhile:"
echo "    decapsulated on input (rx):  $((rx2 - rx1))"
echo "    encapsulated on output (tx): $((tx2 - tx1))"
if [ $((rx2 - rx1 + tx2 - tx1)) -le 4 ]; then
	echo "    -> flat: the tunnel's outer header is pushed and popped in the fast path (patched kernel)"
else
	echo "    -> growing: the inner flow is offloaded, the outer header still takes the slow path (stock kernel)"
fi
flowd_stop
if [ "$running" = yes ] && [ "$window" = yes ] && [ "$n" -gt 0 ] && [ "$delta" -le 2 ]; then
	echo "RESULT: flowd put the tunnel's TCP stream on the flowtable fast path"
else
	echo "RESULT: NOT offloaded"
	exit 1
fi
