#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: patched
# vm-cost: 95
#
# flowctl against a running flowd: status counts the same offloaded flows
# as conntrack; flush returns them to the slow path (the slow-path counter
# moves) and they come back; an underlay change flushes stale flows which
# re-offload; only root may flush; a user flooding the socket cannot lock
# root out; 100 clients at once are answered; a silent client does not
# stall others; lost conntrack events end in a resync with the right
# counts.
. "$FLOWD_TOP/tests/vm/lib.sh"

topo_up ipip
ip -n router link add eth3 type veth peer name eth3 netns remote || bail "veth eth3"
topo_addr router eth3 192.168.2.1/24 fd00:2::1/64
topo_addr remote eth3 192.168.2.2/24 fd00:2::2/64
slow_path_counter_up router
# nogroup may use the socket, so the daemon's own root check is what stops
# a flush (not only the file mode); a small event buffer so a flood of new
# flows overflows it.
flowd_conf "$TMPDIR/flowd.conf" 'control: { socket = "'"$TMPDIR"'/flowd.sock"; group = "nogroup"; };' \
	'conntrack: { receive_buffer = 4096; };'
sed -i '/^control: { socket = "[^"]*"; };$/d' "$TMPDIR/flowd.conf"
flowd_start router "$TMPDIR/flowd.conf" || bail "flowd did not start"
sock=$TMPDIR/flowd.sock
fc() { in_ns router "$FLOWCTL_BIN" -s "$sock" "$@"; }
jq_tun0() { flowd_st 't["tun0"]["offloaded"]["sw"] + t["tun0"]["offloaded"]["hw"]'; }
counter() { flowd_st "d['counters']['$1']"; }

# --- several concurrent flows: status agrees with conntrack ---
# Rate-limited: unthrottled streams saturate the emulated guest, and this
# test is about function, not speed (that is tests/bench).
stream_begin server 10.2.0.2 -P 4 -b 20M
check "4 streams + control connection offloaded" \
	wait_until "$(deadline 30)" ct_offloaded_atleast router 5 dport=5201
agree() {
	local a b
	a=$(jq_tun0)
	b=$(ct_offloaded router 'dport=5201')
	note "flowctl says $a offloaded over tun0, conntrack says $b"
	[ "$a" = "$b" ]
}
check "flowctl status counts the same flows as conntrack -L" wait_until "$(deadline 10)" agree
fc status | sed -n '/^TUNNELS/,/^$/p' | sed 's/^/#   /'

# --- flush tunnel tun0: back to the slow path, then offloaded again ---
c1=$(nft_counter router inet test slow)
f0=$(counter flushed_flows)
out=$(fc flush tunnel tun0)
rc=$?
note "flowctl flush tunnel tun0: $out"
check "flush exits 0 and reports the flows" bash -c "[ $rc -eq 0 ] && grep -qE '^flushed [1-9][0-9]* offloaded flows? \(tunnel tun0\)' <<<'$out'"
wait_grown "$(deadline 10)" 4 "$c1" nft_counter router inet test slow
note "slow-path packets after the flush: $GROWN"
check "each flushed data stream took the slow path once" [ "$GROWN" -ge 4 ]
# The 4 data streams; iperf3's idle control connection sends nothing that
# would offload it again.
check "and were offloaded again" wait_until "$(deadline 20)" ct_offloaded_atleast router 4 dport=5201
# As many as the flush reported: 4 or 5, as iperf3's idle control
# connection may have left the flowtable already on a slow host.
nflushed=$(sed -n 's/^flushed \([0-9]*\) offloaded flow.*/\1/p' <<<"$out")
check "flushed_flows counter moved by the flows flushed (${nflushed:-?})" \
	[ $(($(counter flushed_flows) - f0)) -ge "${nflushed:-1}" ]

# --- the underlay moves: stale flows are flushed and re-offload ---
s1=$(counter stale_flushes)
in_ns router ip route add 192.168.1.2/32 via 192.168.2.2 dev eth3
check "underlay moved to eth3" wait_until "$REACT" flowtable_is router "eth0 eth3 tun0"
check "the path change flushed stale flows" wait_until "$(deadline 10)" bash -c "[ \$(ip netns exec router '$FLOWCTL_BIN' -s '$sock' -j status | python3 -c \"import json,sys; print(json.load(sys.stdin)['counters']['stale_flushes'])\") -gt $s1 ]"
check "the flows are offloaded again over the new path" wait_until "$(deadline 20)" ct_offloaded_atleast router 4 dport=5201
grep 'stale' "$TMPDIR/flowd.log" | sed 's/^/#   /'

# --- permissions ---
as_nobody() { in_ns router setpriv --reuid=nobody --regid=nogroup --clear-groups "$FLOWCTL_BIN" -s "$sock" "$@"; }
check "nobody (group nogroup) may read status" as_nobody status
as_nobody flush >"$TMPDIR/nobody.out" 2>&1
rc=$?
note "nobody's flush: exit $rc: $(cat "$TMPDIR/nobody.out")"
check "nobody cannot flush (exit 4, permission denied)" bash -c "[ $rc -eq 4 ] && grep -q 'permission denied' '$TMPDIR/nobody.out'"
check "nor reload" bash -c "! ip netns exec router setpriv --reuid=nobody --regid=nogroup --clear-groups '$FLOWCTL_BIN' -s '$sock' reload"

# --- nobody holds and re-opens connections for 6 s (x FLOWD_VM_SLOW): root is still served ---
# (issue 14: 400 such connections made root's flowctl time out.)
in_ns router setpriv --reuid=nobody --regid=nogroup --clear-groups python3 -c '
import json, socket, sys, time
STATUS = b"{\"version\":1,\"command\":\"status\"}\n"
def ask(s):
    try:
        s.sendall(STATUS)
    except OSError:
        pass    # refused and closed before we sent: the answer is there to read
    buf = b""
    while not buf.endswith(b"\n"):
        d = s.recv(65536)
        if not d:
            return None
        buf += d
    return json.loads(buf)
held, refused, other, opened = [], 0, 0, 0
end = time.time() + float(sys.argv[2])
last = time.time()
while time.time() < end:
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(sys.argv[1])
    opened += 1
    try:
        r = ask(s)
    except OSError:
        r = None
    if r and r.get("ok"):
        held.append(s)
        continue
    if r and "too many connections" in r["error"]["message"]:
        refused += 1
    else:
        other += 1
    s.close()
    if time.time() - last > 1:      # keep the held ones from timing out
        last = time.time()
        for h in held:
            ask(h)
print(f"held={len(held)} refused={refused} other={other} opened={opened}")
' "$sock" "$(deadline 6)" >"$TMPDIR/flood.out" 2>&1 &
flood=$!
sleep 1
t1=$(date +%s%N)
check "root's status is answered during the flood" timeout "$(deadline 2)" "$FLOWCTL_BIN" -s "$sock" status
check "and root's reload" timeout "$(deadline 2)" "$FLOWCTL_BIN" -s "$sock" reload
note "root's two requests took $((($(date +%s%N) - t1) / 1000000)) ms"
wait "$flood"
note "nobody's flood: $(cat "$TMPDIR/flood.out")"
check "nobody held 8 connections, every other one was refused with a reason" \
	grep -qE '^held=8 refused=[1-9][0-9]+ other=0 ' "$TMPDIR/flood.out"

# --- a silent client does not stall others; 100 clients at once ---
in_ns router python3 -c "
import socket, time
s = socket.socket(socket.AF_UNIX); s.connect('$sock'); time.sleep($(deadline 8))" &
silent=$!
sleep 0.3
check "status answers while a client sits silent" timeout "$(deadline 2)" "$FLOWCTL_BIN" -s "$sock" status
fails=0
pids=()
for i in $(seq 100); do
	in_ns router "$FLOWCTL_BIN" -s "$sock" -j status >/dev/null 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
note "100 concurrent clients: $fails failed"
check "100 clients at once all get answers" [ "$fails" -eq 0 ]
kill "$silent" 2>/dev/null
stream_stop

# --- event loss: a flood of new flows overflows the 4 KiB buffer ---
r1=$(counter ct_resyncs)
in_ns client python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for port in range(20000, 23000):
    s.sendto(b'x', ('10.2.0.2', port))
# 50 flows with two packets each get offloaded (UDP: on the 2nd packet)
for port in range(30000, 30050):
    s.sendto(b'x', ('10.2.0.2', port))
for port in range(30000, 30050):
    s.sendto(b'x', ('10.2.0.2', port))
"
wait_grown "$(deadline 20)" 1 "$r1" counter ct_resyncs
r2=$(counter ct_resyncs)
note "conntrack resyncs: $r1 -> $r2, lost events: $(counter ct_events_lost)"
check "lost events caused a resync" [ "$r2" -gt "$r1" ]
udp_agree() {
	local a b
	a=$(flowd_st 'd["counters"]["offloaded_sw"] + d["counters"]["offloaded_hw"]')
	b=$(ct_offloaded router)
	note "after the flood: flowctl $a offloaded, conntrack $b"
	[ "$a" = "$b" ] && [ "$b" -ge 50 ]
}
check "after the resync flowctl's count equals conntrack's" wait_until "$(deadline 10)" udp_agree
check "flowd still running" kill -0 "$FLOWD_PID"
check "flowd stops cleanly" flowd_stop
topo_down
done_testing
