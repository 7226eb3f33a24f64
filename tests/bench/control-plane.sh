#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Control-plane benchmark for flowd.  Not part of the test suite.
#
#   FLOWD_BUILD=/path/to/build tests/bench/control-plane.sh
#
# On the host it boots the test VM (tests/vm/run-vm.sh) and runs itself
# inside with --guest, then adds the host-side measurements, prints a table
# and writes tests/bench/results/control-plane.json and the captured
# conntrack events (ct-events.bin.gz); the VM's raw output stays in
# tests/bench/results/vm/ (not committed).  The build must have run `make check`
# (for tests/bench/ct_replay and tests/unit/test_ct_flows).
#
# In the VM (seed topology, flowd with the default 8 MiB event buffer):
#  (a) conntrack event throughput: pktgen in the client netns sends 64-byte
#      UDP packets, each to a new 5-tuple, through the router at increasing
#      rates; each makes one conntrack NEW event (entries are not offloaded:
#      one packet each).  Per rate: the rate achieved, events flowd
#      counted, ct_events_lost and ct_resyncs.
#  (b) link/route event -> corrected flowtable, p50/p99 over 100 events
#      (tests/bench/nlwatch.py react).
#  (c) nft flush ruleset -> table restored, p50/p99 over 20.
#  (d) flowd's RSS idle and tracking ~100k offloaded UDP flows (two
#      packets per 5-tuple from pktgen, so each is offloaded).
#  (e) a capture of real conntrack events for the replay, and ct_replay's
#      speed in the VM (for the TCG factor).
# On the host:
#  (e) instructions per event: callgrind on ct_replay over that capture
#      and over 10k synthesized flows; ct_replay's native speed.
#  (d) bytes per flow of the flow table from tests/unit/test_ct_flows.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

# ------------------------------------------------------------------ guest
if [ "${1:-}" = "--guest" ]; then
	. "$top/tests/vm/lib.sh"
	out=/run/flowd-out
	res() { echo "$1=$2" >>"$out/results.env"; note "$1=$2"; }
	topo_up ipip
	ip -n router link add eth3 type veth peer name eth3 netns remote || bail "veth eth3"
	topo_addr router eth3 192.168.2.1/24 fd00:2::1/64
	topo_addr remote eth3 192.168.2.2/24 fd00:2::2/64
	# The load goes to 10.9.0.0/16: routed out of eth1 (in the flowtable as
	# tun0's underlay, so these flows can be offloaded), dropped by the remote.
	in_ns router ip route add 10.9.0.0/16 via 192.168.1.2 dev eth1
	in_ns remote ip route add blackhole 10.9.0.0/16
	sysctl -qw net.netfilter.nf_conntrack_max=1048576 2>/dev/null ||
		note "cannot raise nf_conntrack_max"
	note "nf_conntrack_max $(cat /proc/sys/net/netfilter/nf_conntrack_max), vCPUs $(nproc), icount ${FLOWD_ICOUNT:-0}"
	flowd_conf "$TMPDIR/flowd.conf" 'log: { level = "info"; };'
	sed -i '/level = "debug"/d' "$TMPDIR/flowd.conf"
	flowd_start router "$TMPDIR/flowd.conf" || bail "flowd did not start"
	sock=$TMPDIR/flowd.sock
	ctr() { in_ns router "$FLOWCTL_BIN" -s "$sock" -j status | python3 -c "import json,sys; c=json.load(sys.stdin)['counters']; print(' '.join(str(c[k]) for k in sys.argv[1:]))" "$@"; }
	rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$FLOWD_PID/status"; }

	# pktgen in the client netns, into eth0 towards the router.
	mac=$(in_ns router cat /sys/class/net/eth0/address)
	pg() { in_ns client sh -c "echo '$1' > /proc/net/pktgen/$2"; }
	pktgen_setup() {	# COUNT RATE(pps, 0 = flat out) IPS PORTS
		pg "rem_device_all" kpktgend_0
		pg "add_device eth0" kpktgend_0
		pg "count $1" eth0
		pg "pkt_size 64" eth0
		pg "delay 0" eth0
		[ "$2" -gt 0 ] && pg "ratep $2" eth0
		pg "dst_mac $mac" eth0
		pg "src_min 10.0.0.2" eth0
		pg "src_max 10.0.0.2" eth0
		pg "dst_min 10.9.0.1" eth0
		pg "dst_max 10.9.$((($3 - 1) / 250)).$((($3 - 1) % 250 + 1))" eth0
		pg "udp_src_min 9" eth0
		pg "udp_src_max 9" eth0
		pg "udp_dst_min 1000" eth0
		pg "udp_dst_max $((1000 + $4))" eth0
	}
	pktgen_run() {
		in_ns client sh -c 'echo start > /proc/net/pktgen/pgctrl'
		in_ns client sed -n 's/^ *\([0-9]*\)pps.*/pps \1/p' /proc/net/pktgen/eth0
	}
	ct_flush_all() {
		in_ns router conntrack -F >/dev/null 2>&1
		# flowd reads the DESTROY burst (or resyncs): wait until it is quiet.
		local a b
		a=$(ctr ct_events)
		for _ in $(seq 30); do
			sleep 1
			b=$(ctr ct_events)
			[ "$a" = "$b" ] && break
			a=$b
		done
	}
	in_ns client test -e /proc/net/pktgen/pgctrl || bail "no pktgen in the client netns"

	res vm_cpus "$(nproc)"
	res vm_clocksource "$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"

	# --- (d) idle RSS, first: nothing tracked yet ---
	sleep 1
	res rss_idle_kb "$(rss)"

	# --- (e) capture real events: TCP connections, UDP flows, a flush ---
	# Not through in_ns: $! must be python itself (ip netns exec execs it).
	ip netns exec router python3 "$here/nlwatch.py" record "$out/ct-events.bin" 6000 60 >"$TMPDIR/rec.out" 2>&1 &
	rec=$!
	sleep 1
	ip netns exec server python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 7000)); s.listen(512)
while True:
    c, _ = s.accept(); c.recv(100); c.sendall(b"y" * 100); c.close()' &
	srv=$!
	sleep 0.5
	in_ns client python3 -c '
import socket, time
for i in range(300):
    c = socket.create_connection(("10.2.0.2", 7000), timeout=5)
    c.sendall(b"x" * 100); c.recv(100); time.sleep(0.01); c.close()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for r in range(2):
    for p in range(20000, 21000):
        u.sendto(b"x", ("10.2.0.2", p))
'
	sleep 2
	in_ns router conntrack -F >/dev/null 2>&1
	sleep 2
	kill "$rec" "$srv" 2>/dev/null
	wait "$rec" "$srv" 2>/dev/null
	note "capture: $(cat "$TMPDIR/rec.out")"
	if [ -x "$FLOWD_BUILD/tests/bench/ct_replay" ] && [ -s "$out/ct-events.bin" ]; then
		"$FLOWD_BUILD/tests/bench/ct_replay" -r 20 "$out/ct-events.bin" | sed 's/^/# vm replay capture: /'
		"$FLOWD_BUILD/tests/bench/ct_replay" -r 20 "$out/ct-events.bin" | sed -n 's/ns_per_event \([0-9.]*\).*/\1/p' |
			while read -r v; do res vm_replay_capture_ns_per_event "$v"; done
		v=$("$FLOWD_BUILD/tests/bench/ct_replay" -q -s 10000 -r 5 | sed -n 's/ns_per_event \([0-9.]*\).*/\1/p')
		res vm_replay_synth_ns_per_event "$v"
	fi
	ct_flush_all

	# --- (a) event throughput at increasing rates ---
	secs=2
	echo "rate_pps achieved_pps events lost resyncs" >"$out/throughput.txt"
	for rate in 5000 10000 20000 40000 80000 160000 0; do
		read -r e1 l1 r1 <<<"$(ctr ct_events ct_events_lost ct_resyncs)"
		n=$((rate > 0 ? rate * secs : 200000))
		# 251 addresses x 1000 ports (coprime): 251k distinct 5-tuples.
		pktgen_setup "$n" "$rate" 251 1000
		got=$(pktgen_run | sed -n 's/^pps //p')
		sleep 2
		read -r e2 l2 r2 <<<"$(ctr ct_events ct_events_lost ct_resyncs)"
		echo "$rate ${got:-0} $((e2 - e1)) $((l2 - l1)) $((r2 - r1))" >>"$out/throughput.txt"
		note "target ${rate} pps: achieved ${got:-?} pps, events +$((e2 - e1)), lost +$((l2 - l1)), resyncs +$((r2 - r1)), conntrack $(in_ns router cat /proc/sys/net/netfilter/nf_conntrack_count)"
		ct_flush_all
	done

	# --- (b) reaction to link/route events, (c) restore after a flush ---
	in_ns router python3 "$here/nlwatch.py" react 100 "$out/react.json" | sed 's/^/# react: /'
	check_ft() { flowtable_is router "eth0 eth1 tun0"; }
	wait_until 2 check_ft || note "after (b) the flowtable is '$(flowtable_devices router)'"
	in_ns router python3 "$here/nlwatch.py" restore 20 "$out/restore.json" | sed 's/^/# restore: /'
	wait_until 2 check_ft || note "after (c) the flowtable is '$(flowtable_devices router)'"
	in_ns router ip route replace 10.2.0.0/24 dev tun0
	in_ns router ip route replace 10.9.0.0/16 via 192.168.1.2 dev eth1

	# --- (d) RSS with ~100k offloaded flows ---
	# 101 addresses x 1001 ports (coprime: every pair once per 101101
	# packets), sent twice: the second packet of each 5-tuple offloads it.
	ct_flush_all
	rss0=$(rss)
	pktgen_setup 202202 0 101 1001
	pktgen_run >/dev/null
	offl() { ctr offloaded_sw offloaded_hw | awk '{print $1 + $2}'; }
	best=0
	for _ in $(seq 20); do
		sleep 1
		o=$(offl)
		[ "$o" -gt "$best" ] && best=$o rss_at=$(rss)
		[ "$o" -ge 100000 ] && break
	done
	res flows_tracked "$best"
	res rss_before_kb "$rss0"
	res rss_flows_kb "${rss_at:-0}"
	res conntrack_entries "$(in_ns router cat /proc/sys/net/netfilter/nf_conntrack_count)"
	res ct_events_lost_total "$(ctr ct_events_lost)"
	check "flowd still running" kill -0 "$FLOWD_PID"
	check "flowd stops cleanly" flowd_stop
	topo_down
	done_testing
	exit
fi

# ------------------------------------------------------------------- host
build=${FLOWD_BUILD:-$top}
results=$here/results
vmout=$results/vm
mkdir -p "$vmout"
for t in tests/bench/ct_replay tests/unit/test_ct_flows; do
	[ -x "$build/$t" ] || { echo "control-plane: $build/$t missing: run make check first" >&2; exit 2; }
done

echo "# booting the VM (this takes a few minutes under TCG)"
start=$(date +%s)
FLOWD_BUILD=$build "$top/tests/vm/run-vm.sh" --kernel "${FLOWD_BENCH_KERNEL:-patched}" --mem 2048 \
	--timeout "${FLOWD_BENCH_TIMEOUT:-1200}" --out "$vmout" "$0" --guest | sed 's/^/  vm| /'
vm_rc=${PIPESTATUS[0]}
vm_secs=$(($(date +%s) - start))
[ -f "$vmout/results.env" ] || { echo "control-plane: the VM produced no results (exit $vm_rc)" >&2; exit 1; }

# Host: native replay speed and instructions per event.  The capture is
# kept (gzipped, ~70 KB) for `zcat ... | ct_replay -`.
capture=$vmout/ct-events.bin
gzip -9 -c "$capture" >"$results/ct-events.bin.gz"
host_capture_ns=$("$build/tests/bench/ct_replay" -r 200 "$capture" | sed -n 's/ns_per_event \([0-9.]*\).*/\1/p')
host_synth_ns=$("$build/tests/bench/ct_replay" -q -s 10000 -r 50 | sed -n 's/ns_per_event \([0-9.]*\).*/\1/p')
cg() {	# ct_replay ARGS -> "Ir events"
	local ev ir
	ev=$("$build/tests/bench/ct_replay" "$@" | sed -n 's/^events \([0-9]*\).*/\1/p')
	ir=$(valgrind --tool=callgrind --toggle-collect=ct_feed --callgrind-out-file=/dev/null \
		"$build/tests/bench/ct_replay" "$@" 2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
	echo "$ir $ev"
}
read -r cap_ir cap_ev <<<"$(cg "$capture")"
read -r syn_ir syn_ev <<<"$(cg -s 10000)"
flows_line=$("$build/tests/unit/test_ct_flows" 2>&1 | grep -m1 'bytes/flow')
unit_bpf=$(sed -n 's/.*, \([0-9.]*\) bytes\/flow.*/\1/p' <<<"$flows_line")
alloc_bpf=$("$build/tests/unit/test_ct_flows" 2>&1 | sed -n 's/^# allocator: .*, \([0-9.]*\) bytes\/flow/\1/p' | head -n1)

python3 - "$vmout" "$results/control-plane.json" "$cap_ir" "$cap_ev" "$syn_ir" "$syn_ev" \
	"$host_capture_ns" "$host_synth_ns" "$unit_bpf" "${alloc_bpf:-}" "$vm_secs" "$(nproc)" \
	"$(git -C "$top" rev-parse --short HEAD 2>/dev/null)" <<'PY'
import json, os, sys, time
(vmout, outp, cap_ir, cap_ev, syn_ir, syn_ev, h_cap_ns, h_syn_ns, unit_bpf, alloc_bpf,
 vm_secs, ncpu, rev) = sys.argv[1:]
env = dict(l.strip().split("=", 1) for l in open(os.path.join(vmout, "results.env")) if "=" in l)
def f(k):
    try:
        return float(env[k])
    except (KeyError, ValueError):
        return None
thr = []
for l in open(os.path.join(vmout, "throughput.txt")).read().split("\n")[1:]:
    if l.strip():
        r, a, e, lo, rs = map(int, l.split())
        thr.append({"target_pps": r or "max", "achieved_pps": a, "events": e, "lost": lo, "resyncs": rs})
ok = [t for t in thr if t["lost"] == 0 and t["resyncs"] == 0]
react = json.load(open(os.path.join(vmout, "react.json")))
restore = json.load(open(os.path.join(vmout, "restore.json")))
flows = f("flows_tracked") or 0
bpf_vm = ((f("rss_flows_kb") - f("rss_before_kb")) * 1024 / flows) if flows else None
ir_cap = int(cap_ir) / int(cap_ev) if cap_ir and cap_ev else None
ir_syn = int(syn_ir) / int(syn_ev) if syn_ir and syn_ev else None
vm_cap, vm_syn = f("vm_replay_capture_ns_per_event"), f("vm_replay_synth_ns_per_event")
tcg = {"capture": vm_cap / float(h_cap_ns) if vm_cap and h_cap_ns else None,
       "synth": vm_syn / float(h_syn_ns) if vm_syn and h_syn_ns else None}
res = {
    "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "revision": rev,
    "environment": {"vm": "QEMU TCG (thread=multi), -smp 2, 2 GiB", "host_cpus": int(ncpu),
                    "vm_cpus_online": env.get("vm_cpus"), "vm_clocksource": env.get("vm_clocksource"),
                    "note": "with the jiffies clocksource guest times are multiples of 4 ms (HZ=250)",
                    "vm_wall_s": int(vm_secs)},
    "targets": {"events_per_s": 200000, "reaction_p99_ms": 50, "bytes_per_flow": 128},
    "a_ct_event_throughput": {"steps": thr,
        "highest_achieved_pps_without_loss": max((t["achieved_pps"] for t in ok), default=0),
        "note": "one NEW event per packet; the generator and the router's conntrack share the guest"},
    "b_reaction": react, "c_restore": restore,
    "d_memory": {"rss_idle_kb": f("rss_idle_kb"), "rss_before_kb": f("rss_before_kb"),
                 "rss_with_flows_kb": f("rss_flows_kb"), "flows_tracked": flows,
                 "bytes_per_flow_vm_rss": round(bpf_vm, 1) if bpf_vm else None,
                 "bytes_per_flow_unit_table": float(unit_bpf) if unit_bpf else None,
                 "bytes_per_flow_unit_allocator": float(alloc_bpf) if alloc_bpf else None},
    "e_per_event": {"ir_per_event_capture": round(ir_cap) if ir_cap else None,
                    "capture_events": int(cap_ev) if cap_ev else None,
                    "ir_per_event_synth": round(ir_syn) if ir_syn else None,
                    "host_ns_per_event_capture": float(h_cap_ns) if h_cap_ns else None,
                    "host_ns_per_event_synth": float(h_syn_ns) if h_syn_ns else None,
                    "vm_ns_per_event_capture": vm_cap, "vm_ns_per_event_synth": vm_syn,
                    "tcg_slowdown": {k: round(v, 1) if v else None for k, v in tcg.items()},
                    "host_events_per_s_capture": round(1e9 / float(h_cap_ns)) if h_cap_ns else None},
}
json.dump(res, open(outp, "w"), indent=1)
r2 = lambda v: "-" if v is None else v
print()
print("%-52s %s" % ("measure", "result"))
print("-" * 90)
for t in thr:
    print("%-52s %s" % ("(a) %s pps target" % t["target_pps"],
          "achieved %d pps, %d events, lost %d, resyncs %d" % (t["achieved_pps"], t["events"], t["lost"], t["resyncs"])))
print("%-52s %s" % ("(a) highest rate without loss (in VM)", "%d events/s" % res["a_ct_event_throughput"]["highest_achieved_pps_without_loss"]))
for k in ("route", "link", "all"):
    x = react[k]
    print("%-52s p50 %s ms, p99 %s ms, max %s ms (n=%d)" % ("(b) " + x["what"], x["p50_ms"], x["p99_ms"], x["max_ms"], x["measured"]))
print("%-52s p50 %s ms, p99 %s ms, max %s ms (n=%d)" % ("(c) " + restore["what"], restore["p50_ms"], restore["p99_ms"], restore["max_ms"], restore["measured"]))
d = res["d_memory"]
print("%-52s %s kB" % ("(d) RSS idle", r2(d["rss_idle_kb"])))
print("%-52s %s kB with %d flows -> %s B/flow" % ("(d) RSS tracking offloaded flows (VM)", r2(d["rss_with_flows_kb"]), flows, r2(d["bytes_per_flow_vm_rss"])))
print("%-52s %s B/flow (allocator %s)" % ("(d) flow table, unit test (100k flows)", r2(d["bytes_per_flow_unit_table"]), r2(d["bytes_per_flow_unit_allocator"])))
e = res["e_per_event"]
print("%-52s %s Ir/event (%s events)" % ("(e) callgrind, captured events", r2(e["ir_per_event_capture"]), r2(e["capture_events"])))
print("%-52s %s Ir/event" % ("(e) callgrind, synthesized NEW/UPDATE/DESTROY", r2(e["ir_per_event_synth"])))
print("%-52s host %s ns/event (%s events/s), VM %s ns/event" % ("(e) ct_feed speed, capture", r2(e["host_ns_per_event_capture"]), r2(e["host_events_per_s_capture"]), r2(e["vm_ns_per_event_capture"])))
print("%-52s %s x (capture), %s x (synth)" % ("TCG slowdown (VM ns/event / host ns/event)", r2(e["tcg_slowdown"]["capture"]), r2(e["tcg_slowdown"]["synth"])))
print("%-52s %s CPU(s) online, clocksource %s" % ("VM", env.get("vm_cpus"), env.get("vm_clocksource")))
print()
print("written:", outp)
PY
echo "vm exit $vm_rc"
