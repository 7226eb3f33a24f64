#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: patched
# vm-cost: 200
#
# Flows are attributed as the kernel routes them, ip rules included.  Two
# IPIP tunnels lead to the same remote network: tun0 (main table) and tun2
# (table 100, chosen by `ip rule fwmark 1`).  Two TCP streams go from the
# client to the same server; nft gives the one to port 5202 conntrack mark
# 1 (and the packets the mark), so the kernel sends it through tun2 and
# the other through tun0.  The streams are single TCP connections that
# never idle (iperf3's idle control connection would go in and out of
# the flowtable as it times out).  `flowctl status` counts for each tunnel
# exactly its port's offloaded entry, and `flowctl flush tunnel tun2`
# deletes exactly the marked port's entry: the other stays [OFFLOAD] with
# its conntrack id.  flowd's old longest-prefix copy of the main table put every flow
# on tun0.
#
# A VRF too: a second client link (client eth1, router eth2) is enslaved on
# the router to VRF "blue" (table 200) with a third tunnel, tun4, whose
# table sends the same server network through it.  A third stream, to
# port 5203 from the client's address on that link, is routed by the
# kernel through tun4 only because of the VRF of its input device (the
# main table, with a default route, would send it and its replies
# elsewhere): flowctl counts it on tun4, and `flowctl flush tunnel tun4`
# deletes exactly its entry.
#
# Last, the main table's route to the server network moves from tun0 to
# tun2: flowd follows the kernel (the unmarked stream counted on tun2)
# with a flow path update, not a reconcile.
. "$FLOWD_TOP/tests/vm/lib.sh"

topo_up ipip
# A second tunnel between other addresses of the same two hosts.
in_ns router ip addr add 192.168.1.11/24 dev eth1 || bail "router 2nd address"
in_ns remote ip addr add 192.168.1.12/24 dev eth1 || bail "remote 2nd address"
in_ns router ip link add tun2 type ipip local 192.168.1.11 remote 192.168.1.12 || bail "tun2"
in_ns remote ip link add tun3 type ipip local 192.168.1.12 remote 192.168.1.11 || bail "tun3"
topo_addr router tun2 192.168.101.1/24 fd00:101::1/64
topo_addr remote tun3 192.168.101.2/24 fd00:101::2/64
# Marked traffic takes tun2 both ways: the router marks by port (either
# direction: after a flush the entry may be picked up from a reply), the
# remote end marks what arrived on tun3 so that its replies go back there.
in_ns router ip route add 10.2.0.0/24 dev tun2 table 100 || bail "table 100 route"
in_ns router ip rule add fwmark 1 table 100 || bail "router rule"
in_ns remote ip route add 10.0.0.0/24 dev tun3 table 100 || bail "remote table 100 route"
in_ns remote ip rule add fwmark 1 table 100 || bail "remote rule"
in_ns router nft -f - <<'NFT' || bail "router marking"
table inet pbr {
	chain pre {
		type filter hook prerouting priority mangle; policy accept;
		tcp dport 5202 ct mark set 1
		tcp sport 5202 ct mark set 1
		meta mark set ct mark
	}
}
NFT
in_ns remote nft -f - <<'NFT' || bail "remote marking"
table inet pbr {
	chain pre {
		type filter hook prerouting priority mangle; policy accept;
		iifname "tun3" ct mark set 1
		meta mark set ct mark
	}
}
NFT
# The VRF leg: client eth1 <-> router eth2 in VRF blue, tun4 in blue too.
ip link add eth1 netns client type veth peer name eth2 netns router || bail "VRF link"
in_ns router ip link add tun4 type ipip local 192.168.1.13 remote 192.168.1.14 || bail "tun4"
in_ns remote ip link add tun5 type ipip local 192.168.1.14 remote 192.168.1.13 || bail "tun5"
# The router's main table has a default route, as routers do: it covers
# the VRF's client network too, so only the VRF's table knows it better.
topo_ns_batch router <<'IP' || bail "router VRF"
route add default via 192.168.1.2 dev eth1
address add 192.168.1.13/24 dev eth1
link add blue type vrf table 200
link set blue up
link set eth2 master blue
link set tun4 master blue
address add 10.9.0.1/24 dev eth2
link set eth2 up
address add 192.168.102.1/24 dev tun4
link set tun4 up
route add 10.2.0.0/24 dev tun4 table 200
IP
topo_ns_batch remote <<'IP' || bail "remote VRF leg"
address add 192.168.1.14/24 dev eth1
address add 192.168.102.2/24 dev tun5
link set tun5 up
route add 10.9.0.0/24 dev tun5
IP
# The client sends what comes from its eth1 address out of eth1.
topo_ns_batch client <<'IP' || bail "client VRF leg"
address add 10.9.0.2/24 dev eth1
link set eth1 up
rule add from 10.9.0.2 table 10
route add default via 10.9.0.1 dev eth1 table 10
IP
check "the kernel routes from the VRF's client link to the server through tun4" \
	bash -c "ip netns exec router ip route get 10.2.0.2 from 10.9.0.2 iif eth2 | grep -q 'dev tun4'"
check "the kernel routes marked packets to the server through tun2" \
	bash -c "ip netns exec router ip route get 10.2.0.2 mark 1 | grep -q 'dev tun2'"
check "and unmarked ones through tun0" \
	bash -c "ip netns exec router ip route get 10.2.0.2 | grep -q 'dev tun0'"

conf=$TMPDIR/flowd.conf
sock=$TMPDIR/flowd.sock
flowd_conf "$conf" 'flush: { method = "delete"; };'
sed -i 's/^devices = .*/devices = [ "eth0", "eth2" ];/' "$conf"
flowd_start router "$conf" || bail "flowd did not start"
fc() { in_ns router "$FLOWCTL_BIN" -s "$sock" "$@"; }
check "flowtable = eth0 eth2 + tunnels tun0 tun2 tun4 + their underlay eth1" \
	flowtable_is router "eth0 eth1 eth2 tun0 tun2 tun4"

# Three streams, to ports 5201 (unmarked), 5202 (marked) and 5203 (from
# the VRF's link): one TCP connection each, a 64 KiB write every 10 ms
# until killed.
pids=()
# The sink of 5203 also talks back (1 KiB every 20 ms), so that its
# stream has packets of the server's own to be picked up from (below).
for port in 5201 5202 5203; do
	ip netns exec server python3 -c '
import socket, sys, threading, time
def talk(c):
	while True:
		c.sendall(bytes(1024))
		time.sleep(0.02)
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(1)
c, _ = s.accept()
if sys.argv[1] == "5203":
	threading.Thread(target=talk, args=(c,), daemon=True).start()
while c.recv(1 << 16):
	pass' "$port" >"$TMPDIR/sink-$port.out" 2>&1 &
	pids+=($!)
done
for port in 5201 5202 5203; do
	wait_until "$(deadline 10)" tcp_listening server "$port" ||
		bail "sink $port"
done
for port in 5201 5202 5203; do
	src=10.0.0.2
	[ $port = 5203 ] && src=10.9.0.2
	ip netns exec client python3 -c '
import socket, sys, threading, time
def drain(c):
	while c.recv(1 << 16):
		pass
c = socket.create_connection(("10.2.0.2", int(sys.argv[1])), source_address=(sys.argv[2], 0))
threading.Thread(target=drain, args=(c,), daemon=True).start()
buf = bytes(1 << 16)
while True:
	c.sendall(buf)
	time.sleep(0.01)' "$port" "$src" >"$TMPDIR/source-$port.out" 2>&1 &
	pids+=($!)
done
# ids PORT: the conntrack ids of the offloaded entries of the stream to
# PORT, sorted.  An entry deleted under a running stream is created again
# by whichever of its packets reaches the router first (TCP pickup): when
# that is the server's reply, the entry's original direction runs *from*
# PORT.  So PORT is matched as either port of the entry (client ports are
# ephemeral, far above these), in one listing.
ids() {
	in_ns router conntrack -L -p tcp -o id 2>/dev/null | grep -F '[OFFLOAD]' |
		grep -E "[sd]port=$1 " | sed -n 's/.*id=\([0-9]*\).*/\1/p' | sort -n | paste -sd' '
}
n_ids() { local v; v=$(ids "$1"); set -- $v; echo $#; }
all_offloaded() { [ "$(n_ids 5201)" -ge 1 ] && [ "$(n_ids 5202)" -ge 1 ] && [ "$(n_ids 5203)" -ge 1 ]; }
check "all three streams are [OFFLOAD]" wait_until "$(deadline 30)" all_offloaded
check "the stream to 5202 carries conntrack mark 1" \
	bash -c "ip netns exec router conntrack -L -p tcp --dport 5202 2>/dev/null | grep -q 'mark=1'"
check_not "the stream to 5201 does not" \
	bash -c "ip netns exec router conntrack -L -p tcp --dport 5201 2>/dev/null | grep -q 'mark=1'"
# offloaded NAME: offloaded flows (sw + hw) flowctl counts for tunnel NAME.
offloaded() {
	flowd_st "t['$1']['offloaded']['sw'] + t['$1']['offloaded']['hw']"
}
# Settled: the entries (control connections offload a little later) and
# flowd's counts agree.
counts_ok() {
	[ "$(offloaded tun0)" = "$(n_ids 5201)" ] && [ "$(offloaded tun2)" = "$(n_ids 5202)" ] &&
		[ "$(offloaded tun4)" = "$(n_ids 5203)" ]
}
wait_until "$(deadline 15)" counts_ok
keep=$(ids 5201)
gone=$(ids 5202)
vrf=$(ids 5203)
note "offloaded entries: port 5201 [$keep], port 5202 [$gone], port 5203 [$vrf]"
note "flowctl counts: tun0 $(offloaded tun0), tun2 $(offloaded tun2), tun4 $(offloaded tun4)"
check "flowctl status counts the unmarked port's entries on tun0" \
	[ "$(offloaded tun0)" = "$(n_ids 5201)" ]
check "and the marked port's on tun2" [ "$(offloaded tun2)" = "$(n_ids 5202)" ]
check "and the VRF link's on tun4" [ "$(offloaded tun4)" = "$(n_ids 5203)" ]

has_id() {
	in_ns router conntrack -L -o id 2>/dev/null | grep -q "id=$1\b"
}
# flush_exactly TUNNEL WHAT IDS: `flowctl flush tunnel TUNNEL` reports as
# many entries as IDS has and deletes each of them.
flush_exactly() {
	local tun=$1 what=$2 ids=$3 n i
	n=$(wc -w <<<"$ids")
	fc -j flush tunnel "$tun" >"$TMPDIR/flush-$tun.json" 2>&1
	note "flush tunnel $tun: $(tr -d '\n' <"$TMPDIR/flush-$tun.json")"
	check "flowctl flush tunnel $tun returns exactly the $what's $n entries" \
		python3 -c 'import json, sys; sys.exit(json.load(open(sys.argv[1]))["flushed"] != int(sys.argv[2]))' \
		"$TMPDIR/flush-$tun.json" "$n"
	for i in $ids; do
		check_not "the $what's entry $i is gone" has_id "$i"
	done
}

flush_exactly tun2 "marked port" "$gone"
# The marked stream goes on: its entry comes back.  Picked up from the
# server's side (when a reply reached the router first), it runs from
# port 5202.
reoffloaded() { [ "$(n_ids 5202)" -ge 1 ]; }
wait_until "$(deadline 15)" reoffloaded
in_ns router conntrack -L -p tcp --orig-port-src 5202 2>/dev/null | grep -q OFFLOAD &&
	note "the marked stream's entry was re-created from the server's side"
check "the unmarked port's entries stay [OFFLOAD], same ids" [ "$(ids 5201)" = "$keep" ]
check "and so do the VRF link's" [ "$(ids 5203)" = "$vrf" ]
# The VRF stream's entry is picked up again from the server's side: the
# client's packets are dropped before conntrack (raw priority) until the
# server's have created the entry, which then runs from 10.2.0.2:5203.
# Main and the VRF both route 10.2.0.0/24; only the destination tells
# flowd that this entry is the VRF's (checked after the route move).
in_ns router nft -f - <<'NFT' || bail "pickup table"
table inet pickup {
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		ip saddr 10.9.0.2 tcp dport 5203 drop
	}
}
NFT
flush_exactly tun4 "VRF link" "$vrf"
from_server() {
	in_ns router conntrack -L -p tcp --orig-port-src 5203 2>/dev/null | grep -q 'dst=10.9.0.2'
}
check "the VRF stream's entry is re-created from the server's side" \
	wait_until "$(deadline 20)" from_server
in_ns router nft delete table inet pickup || bail "pickup table removal"
check "the unmarked port's entries still stay [OFFLOAD], same ids" [ "$(ids 5201)" = "$keep" ]

# A route move no tunnel feels: the main table's route to the server
# network goes from tun0 to tun2 (and the remote's way back from tun1 to
# tun3).  The kernel's check of the flows' cached routes returns the
# unmarked stream to the slow path, which offloads it again through tun2.
# flowd must follow by looking up the dropped flow paths alone: no
# reconcile (no topology dump, plan or table read) for it.
pr_counters() {
	flowd_st '" ".join(str(d["counters"].get(k, "none")) for k in
		("route_reconciles", "route_path_updates", "reconciles", "path_lookups"))'
}
rx_bytes() { in_ns remote cat "/sys/class/net/$1/statistics/rx_bytes"; }
read -r rr0 pu0 rc0 pl0 < <(pr_counters)
# The way back moves first.  The flowtable sets a flow up from whichever of
# its packets reaches the forward chain first, and looks the other
# direction up out of the device that packet came in on (stock
# nft_flow_route()): moved in the other order, a flow set up again from a
# server packet that still came in on tun0 keeps sending through tun0
# until the router's routes change again, whatever its table says.  Seen
# once under load: in the second measured below the remote's tun1 and
# tun3 received 4923 full-size packets each.  Dropping the client's
# packets before conntrack for 2.5 s after the router's move, so that a
# server packet on tun0 sets the flow up again, did the same at once.
in_ns remote ip route replace 10.0.0.0/24 dev tun3 || bail "remote route via tun3"
in_ns router ip route replace 10.2.0.0/24 dev tun2 || bail "main route via tun2"
# The VRF link's stream stays on tun4: its table did not change.  Its
# entry, re-created after the flush, may run from the server (pickup),
# whose address main and the VRF both route by the same /24: flowd must
# tell the VRF's flow by its destination, not count it on tun2.
moved() {
	[ "$(n_ids 5201)" -ge 1 ] && [ "$(offloaded tun0)" = 0 ] &&
		[ "$(offloaded tun2)" = "$(($(n_ids 5201) + $(n_ids 5202)))" ] &&
		[ "$(offloaded tun4)" = "$(n_ids 5203)" ]
}
check "after the move flowctl counts the unmarked port's entries on tun2, none on tun0, the VRF's on tun4" \
	wait_until "$(deadline 20)" moved
# What each side saw when they did not agree: conntrack's entries and
# flowd's counts, and the entries as flowd attributes them.
if ! moved; then
	note "after the move: entries port 5201 [$(ids 5201)], port 5202 [$(ids 5202)];" \
		"port 5203 [$(ids 5203)]; flowctl counts tun0 $(offloaded tun0)," \
		"tun2 $(offloaded tun2), tun4 $(offloaded tun4)"
	in_ns router conntrack -L -p tcp 2>/dev/null | grep -F '[OFFLOAD]' | sed 's/^/# ct: /'
	fc -j status | sed 's/^/# status: /'
	tail -n 40 "${FLOWD_LOG:-$TMPDIR/flowd.log}" | sed 's/^/# flowd: /'
fi
read -r rr1 pu1 rc1 pl1 < <(pr_counters)
note "route_reconciles $rr0 -> $rr1, route_path_updates $pu0 -> $pu1," \
	"reconciles $rc0 -> $rc1, path_lookups $pl0 -> $pl1"
# What the kernel does: the stream's outer packets reach the remote on tun3.
t1=$(rx_bytes tun1) t3=$(rx_bytes tun3)
sleep 1
t1=$(($(rx_bytes tun1) - t1)) t3=$(($(rx_bytes tun3) - t3))
note "remote rx in 1 s: tun1 $t1 bytes, tun3 $t3 bytes"
via_tun2() { [ "$t3" -gt 100000 ] && [ "$t1" -lt 10000 ]; }
check "the kernel sends the stream through tun2 now (the remote's tun3 receives it)" via_tun2
# If not: whether that lasts (another second), and the entries.
if ! via_tun2; then
	r1=$(rx_bytes tun1) r3=$(rx_bytes tun3)
	sleep 1
	note "a second later: remote rx tun1 $(($(rx_bytes tun1) - r1))," \
		"tun3 $(($(rx_bytes tun3) - r3)) bytes"
	in_ns router conntrack -L -p tcp 2>/dev/null | sed 's/^/# ct: /'
fi
check "the unmarked port's entries are [OFFLOAD] again" [ "$(n_ids 5201)" -ge 1 ]
check "the route events asked for flow path updates" [ "$pu1" -gt "$pu0" ]
check "and the paths were looked up again" [ "$pl1" -gt "$pl0" ]
check "but for no reconcile" [ -n "$rc0" -a "$rr1" = "$rr0" -a "$rc1" = "$rc0" ]

flowd_stop
for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
wait "${pids[@]}" 2>/dev/null
topo_down
done_testing
