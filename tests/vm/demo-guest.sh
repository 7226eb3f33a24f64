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

section "iperf3: client 10.0.0.2 -> server 10.2.0.2 through tun0 (10 s)"
stream_start 10
sleep 4
section "router: conntrack -L during the stream"
in_ns router conntrack -L 2>/dev/null
if [ $have_flowctl -eq 1 ]; then
	section "flowctl status"
	in_ns router "$FLOWCTL_BIN" -s "$TMPDIR/flowd.sock" status
fi
n=$(ct_offloaded router 'dport=5201')
delta=$(slow_delta router 3)
wait "$STREAM_PID"
tail -n 4 "$TMPDIR/iperf.out"

section "offload proof"
echo "flows in [OFFLOAD] state:                    $n"
echo "slow-path forward counter over 3 s of stream: $delta packets (flat = fast path)"
flowd_stop
if [ "$n" -gt 0 ] && [ "$delta" -le 2 ]; then
	echo "RESULT: flowd put the tunnel's TCP stream on the flowtable fast path"
else
	echo "RESULT: NOT offloaded"
	exit 1
fi
