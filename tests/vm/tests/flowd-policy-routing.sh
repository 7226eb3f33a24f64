#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: patched
# vm-cost: 40
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
. "$FLOWD_TOP/tests/vm/lib.sh"

topo_up ipip
# A second tunnel between other addresses of the same two hosts.
in_ns router ip addr add 192.168.1.11/24 dev eth1 || bail "router 2nd address"
in_ns remote ip addr add 192.168.1.12/24 dev eth1 || bail "remote 2nd address"
in_ns router ip link add tun2 type ipip local 192.168.1.11 remote 192.168.1.12 || bail "tun2"
in_ns remote ip link add tun3 type ipip local 192.168.1.12 remote 192.168.1.11 || bail "tun3"
topo_addr router tun2 192.168.101.1/24 fd00:101::1/64
topo_addr remote tun3 192.168.101.2/24 fd00:101::2/64
# Marked traffic takes tun2 both ways: the router marks by port, the
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
check "the kernel routes marked packets to the server through tun2" \
	bash -c "ip netns exec router ip route get 10.2.0.2 mark 1 | grep -q 'dev tun2'"
check "and unmarked ones through tun0" \
	bash -c "ip netns exec router ip route get 10.2.0.2 | grep -q 'dev tun0'"

conf=$TMPDIR/flowd.conf
sock=$TMPDIR/flowd.sock
flowd_conf "$conf" 'flush: { method = "delete"; };'
flowd_start router "$conf" || bail "flowd did not start"
fc() { in_ns router "$FLOWCTL_BIN" -s "$sock" "$@"; }
check "flowtable = eth0 + tunnels tun0 tun2 + their underlay eth1" \
	flowtable_is router "eth0 eth1 tun0 tun2"

# Two streams, to ports 5201 (unmarked) and 5202 (marked): one TCP
# connection each, a 64 KiB write every 10 ms until killed.
pids=()
for port in 5201 5202; do
	ip netns exec server python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(1)
c, _ = s.accept()
while c.recv(1 << 16):
	pass' "$port" >"$TMPDIR/sink-$port.out" 2>&1 &
	pids+=($!)
done
for port in 5201 5202; do
	wait_until 10 bash -c "ip netns exec server ss -ltn | grep -q ':$port '" ||
		bail "sink $port"
done
for port in 5201 5202; do
	ip netns exec client python3 -c '
import socket, sys, time
c = socket.create_connection(("10.2.0.2", int(sys.argv[1])))
buf = bytes(1 << 16)
while True:
	c.sendall(buf)
	time.sleep(0.01)' "$port" >"$TMPDIR/source-$port.out" 2>&1 &
	pids+=($!)
done
# ids PORT: the conntrack ids of the offloaded entries to PORT, sorted.
ids() {
	in_ns router conntrack -L -p tcp --dport "$1" -o id 2>/dev/null | grep -F '[OFFLOAD]' |
		sed -n 's/.*id=\([0-9]*\).*/\1/p' | sort -n | paste -sd' '
}
n_ids() { local v; v=$(ids "$1"); set -- $v; echo $#; }
both_offloaded() { [ "$(n_ids 5201)" -ge 1 ] && [ "$(n_ids 5202)" -ge 1 ]; }
check "both streams are [OFFLOAD]" wait_until "$(deadline 30)" both_offloaded
check "the stream to 5202 carries conntrack mark 1" \
	bash -c "ip netns exec router conntrack -L -p tcp --dport 5202 2>/dev/null | grep -q 'mark=1'"
check_not "the stream to 5201 does not" \
	bash -c "ip netns exec router conntrack -L -p tcp --dport 5201 2>/dev/null | grep -q 'mark=1'"
# offloaded NAME: offloaded flows (sw + hw) flowctl counts for tunnel NAME.
offloaded() {
	fc -j status | python3 -c '
import json, sys
t = [t for t in json.load(sys.stdin)["tunnels"] if t["name"] == sys.argv[1]][0]
print(t["offloaded"]["sw"] + t["offloaded"]["hw"])' "$1"
}
# Settled: the entries (control connections offload a little later) and
# flowd's counts agree.
counts_ok() {
	[ "$(offloaded tun0)" = "$(n_ids 5201)" ] && [ "$(offloaded tun2)" = "$(n_ids 5202)" ]
}
wait_until "$(deadline 15)" counts_ok
keep=$(ids 5201)
gone=$(ids 5202)
note "offloaded entries: port 5201 [$keep], port 5202 [$gone]"
note "flowctl counts: tun0 $(offloaded tun0), tun2 $(offloaded tun2)"
check "flowctl status counts the unmarked port's entries on tun0" \
	[ "$(offloaded tun0)" = "$(n_ids 5201)" ]
check "and the marked port's on tun2" [ "$(offloaded tun2)" = "$(n_ids 5202)" ]

n_gone=$(n_ids 5202)
fc -j flush tunnel tun2 >"$TMPDIR/flush.json" 2>&1
note "flush tunnel tun2: $(tr -d '\n' <"$TMPDIR/flush.json")"
check "flowctl flush tunnel tun2 returns exactly the marked port's $n_gone entries" \
	python3 -c 'import json, sys; sys.exit(json.load(open(sys.argv[1]))["flushed"] != int(sys.argv[2]))' \
	"$TMPDIR/flush.json" "$n_gone"
has_id() {
	in_ns router conntrack -L -o id 2>/dev/null | grep -q "id=$1\b"
}
for i in $gone; do
	check_not "the marked port's entry $i is gone" has_id "$i"
done
check "the unmarked port's entries stay [OFFLOAD], same ids" [ "$(ids 5201)" = "$keep" ]

flowd_stop
for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
wait "${pids[@]}" 2>/dev/null
topo_down
done_testing
