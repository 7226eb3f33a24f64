#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Full-table benchmark for flowd.  Not part of the test suite (the VM test
# flowd-route-scale checks the same properties at 200k routes).
#
#   FLOWD_BUILD=/path/to/build tests/bench/route-scale.sh [SIZES...]
#
# SIZES: IPv4 route counts, default "0 100000 1000000"; at the largest one
# 200,000 IPv6 routes are loaded too (a full Internet table is about 1M
# IPv4 + 200k IPv6).  On the host it boots the test VM (patched kernel,
# 3 GiB) and runs itself inside with --guest, then prints a table and
# writes tests/bench/results/route-scale.json.
#
# In the VM, seed topology, flowd running with one ipip tunnel (info log):
# for each size, the routes are added (ip -batch, /24s and /48s over dummy
# devices) and then, with flowd idle again:
#   rss      flowd's RSS against the empty table;
#   churn    20,000 route replacements in one ip -batch, as fast as the
#            kernel applies them: the rate achieved, flowd's CPU time over
#            it (per 1k route events, and as a share of one core over the
#            churn's wall time); below 20,000 routes the churned ones are
#            added for it and removed after;
#   react    tests/bench/nlwatch.py react: a route to the tunnel's remote
#            moved to eth3 and back, tun0 down and up, each timed from the
#            rtnetlink notification to flowd's nftables batch (p50/p99).
# Guest times under TCG are slower than native; the ratios between sizes
# are what the benchmark is for (flowd's cost must not grow with the table).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
CHURN=20000

# ------------------------------------------------------------------ guest
if [ "${1:-}" = "--guest" ]; then
	shift
	. "$top/tests/vm/lib.sh"
	out=/run/flowd-out
	res() { echo "$1=$2" >>"$out/results.env"; note "$1=$2"; }
	sizes=("$@")
	[ ${#sizes[@]} -gt 0 ] || sizes=(0 100000 1000000)
	largest=${sizes[-1]}

	topo_up ipip
	ip -n router link add eth3 type veth peer name eth3 netns remote || bail "veth eth3"
	topo_addr router eth3 192.168.2.1/24 fd00:2::1/64
	topo_addr remote eth3 192.168.2.2/24 fd00:2::2/64
	for d in dum0 dum1; do
		in_ns router ip link add $d type dummy || bail "$d"
		in_ns router ip link set $d up || bail "$d up"
	done
	in_ns router ip -6 addr add fd00:99::1/64 dev dum0 nodad
	in_ns router ip -6 addr add fd00:98::1/64 dev dum1 nodad
	in_ns router sysctl -qw net.ipv6.route.max_size=4194304 2>/dev/null
	flowd_conf "$TMPDIR/flowd.conf"
	sed -i 's/level = "debug"/level = "info"/' "$TMPDIR/flowd.conf"
	flowd_start router "$TMPDIR/flowd.conf" || bail "flowd did not start"

	rss_kb() { flowd_rss_kb; }
	cpu_ticks() { flowd_cpu_ticks; }
	# utime and stime apart: flowd's own work against kernel work done
	# on its behalf (netlink receive, dumps, route lookups).
	utime_ticks() { awk '{ print $14 }' "/proc/$FLOWD_PID/stat"; }
	stime_ticks() { awk '{ print $15 }' "/proc/$FLOWD_PID/stat"; }
	# Wakeups (voluntary context switches): the cost per event against
	# the cost per wakeup.
	wakeups() { sed -n 's/^voluntary_ctxt_switches:[[:space:]]*//p' "/proc/$FLOWD_PID/status"; }
	HZ=$(getconf CLK_TCK)
	settle() { flowd_settle 120; }
	# v4_batch FROM TO DEV: "route add" for /24s number FROM..TO-1 from
	# 11.0.0.0 on; v6_batch likewise /48s from 2001:db8::/32 on.
	v4_batch() {
		awk -v a="$1" -v b="$2" -v d="$3" -v op="$4" 'BEGIN { for (i = a; i < b; i++)
			printf "route %s %d.%d.%d.0/24 dev %s\n", op, 11 + int(i / 65536), int(i / 256) % 256, i % 256, d }'
	}
	v6_batch() {
		awk -v a="$1" -v b="$2" -v d="$3" 'BEGIN { for (i = a; i < b; i++)
			printf "route add 2001:%x:%x::/48 dev %s\n", 3512 + int(i / 65536), i % 65536, d }'
	}

	# batch FILE [ip options]: ip -batch in pieces of 100k lines (one ip
	# -batch of a million routes grows to ~3 GB and is OOM-killed).
	batch() {
		local file=$1 piece
		shift
		rm -f "$file".part.*
		split -l 100000 -d -a 3 "$file" "$file.part." || return 1
		for piece in "$file".part.*; do
			in_ns router ip "$@" -batch "$piece" || return 1
		done
		rm -f "$file".part.*
	}

	settle
	rss0=$(rss_kb)
	res rss_empty_kb "$rss0"
	loaded=0 loaded6=0
	for size in "${sizes[@]}"; do
		t0=$(date +%s%N)
		if [ "$size" -gt "$loaded" ]; then
			v4_batch "$loaded" "$size" dum0 add >"$TMPDIR/load.batch"
			batch "$TMPDIR/load.batch" || bail "loading $size IPv4 routes"
			loaded=$size
		fi
		if [ "$size" = "$largest" ] && [ "$size" -ge 1000000 ]; then
			v6_batch 0 200000 dum0 >"$TMPDIR/load6.batch"
			batch "$TMPDIR/load6.batch" -6 || bail "loading 200k IPv6 routes"
			loaded6=200000
		fi
		load_ms=$((($(date +%s%N) - t0) / 1000000))
		settle || note "flowd still busy 120 s after loading $size routes"
		n4=$(in_ns router ip -4 route show table main | wc -l)
		n6=$(in_ns router ip -6 route show table main | wc -l)
		res "s${size}_routes_v4" "$n4"
		res "s${size}_routes_v6" "$n6"
		res "s${size}_load_ms" "$load_ms"
		res "s${size}_rss_kb" "$(rss_kb)"

		# The churn: the first CHURN /24s replaced onto the other dummy
		# (added first when the table is smaller than that).
		churn_n=$CHURN
		if [ "$loaded" -lt "$CHURN" ]; then
			v4_batch "$loaded" "$CHURN" dum0 add >"$TMPDIR/pre.batch"
			in_ns router ip -batch "$TMPDIR/pre.batch" || bail "churn routes"
			settle
		fi
		v4_batch 0 "$churn_n" dum1 replace >"$TMPDIR/churn.batch"
		c1=$(cpu_ticks) u1=$(utime_ticks) k1=$(stime_ticks) w1=$(wakeups)
		t1=$(date +%s%N)
		in_ns router ip -batch "$TMPDIR/churn.batch" || bail "churn"
		t2=$(date +%s%N)
		settle || note "flowd still busy 120 s after the churn"
		c2=$(cpu_ticks) u2=$(utime_ticks) k2=$(stime_ticks) w2=$(wakeups)
		churn_ms=$(((t2 - t1) / 1000000))
		res "s${size}_flowd_churn_utime_ms" "$(((u2 - u1) * 1000 / HZ))"
		res "s${size}_flowd_churn_stime_ms" "$(((k2 - k1) * 1000 / HZ))"
		res "s${size}_flowd_churn_wakeups" "$((w2 - w1))"
		in_ns router "$FLOWCTL_BIN" -s "$TMPDIR/flowd.sock" -j status >"$out/status-$size.json" 2>&1
		res "s${size}_churn_events" "$churn_n"
		res "s${size}_churn_ms" "$churn_ms"
		res "s${size}_flowd_churn_cpu_ms" "$(((c2 - c1) * 1000 / HZ))"
		# Back onto dum0 for the next size, with the control: a bare
		# listener's cost for the same churn (events, run time, wakeups).
		in_ns router python3 "$here/nlwatch.py" listen "$churn_n" 300 >"$TMPDIR/listen.out" \
			2>"$TMPDIR/listen.err" &
		listener=$!
		wait_until 30 grep -q listening "$TMPDIR/listen.err" || bail "the listener did not start"
		v4_batch 0 "$churn_n" dum0 replace >"$TMPDIR/back.batch"
		in_ns router ip -batch "$TMPDIR/back.batch" || bail "churn back"
		wait "$listener"
		for kv in $(cat "$TMPDIR/listen.out"); do
			res "s${size}_listener_${kv%%=*}" "${kv#*=}"
		done
		if [ "$loaded" -lt "$CHURN" ]; then
			v4_batch "$loaded" "$CHURN" dum0 del >"$TMPDIR/undo.batch"
			in_ns router ip -batch "$TMPDIR/undo.batch" || bail "churn undo"
		fi
		settle

		in_ns router python3 "$here/nlwatch.py" react 40 "$out/react-$size.json" |
			sed "s/^/# react $size: /"
		wait_until 5 flowtable_is router "eth0 eth1 tun0" ||
			note "after react the flowtable is '$(flowtable_devices router)'"
		res "s${size}_rss_end_kb" "$(rss_kb)"
	done
	res sizes "${sizes[*]}"
	res loaded_v6 "$loaded6"
	check "flowd still running" kill -0 "$FLOWD_PID"
	check "flowctl status answers" in_ns router "$FLOWCTL_BIN" -s "$TMPDIR/flowd.sock" status
	check "flowd stops cleanly" flowd_stop
	topo_down
	done_testing
	exit
fi

# ------------------------------------------------------------------- host
build=${FLOWD_BUILD:-$top}
results=$here/results
vmout=$results/vm-route-scale
mkdir -p "$vmout"
rm -f "$vmout/results.env"

echo "# booting the VM (loading a million routes under TCG takes a while)"
start=$(date +%s)
# FLOWD_BENCH_BZIMAGE: boot that image instead of building the kernel.
FLOWD_BUILD=$build "$top/tests/vm/run-vm.sh" --kernel "${FLOWD_BENCH_KERNEL:-patched}" --mem 3072 \
	${FLOWD_BENCH_BZIMAGE:+--bzimage "$FLOWD_BENCH_BZIMAGE"} \
	--timeout "${FLOWD_BENCH_TIMEOUT:-5400}" --out "$vmout" "$0" --guest "$@" | sed 's/^/  vm| /'
vm_rc=${PIPESTATUS[0]}
vm_secs=$(($(date +%s) - start))
[ -f "$vmout/results.env" ] || { echo "route-scale: the VM produced no results (exit $vm_rc)" >&2; exit 1; }

python3 - "$vmout" "$results/route-scale.json" "$vm_secs" \
	"$(git -C "$top" rev-parse --short HEAD 2>/dev/null)" <<'PY'
import json, os, sys, time
vmout, outp, vm_secs, rev = sys.argv[1:]
env = dict(l.strip().split("=", 1) for l in open(os.path.join(vmout, "results.env")) if "=" in l)
num = lambda k: float(env[k]) if k in env else None
def status_counters(size):
    """flowd's route counters after that size's churn (status-SIZE.json)."""
    try:
        c = json.load(open(os.path.join(vmout, "status-%s.json" % size)))["counters"]
    except (OSError, ValueError, KeyError):
        return None
    return {k: c.get(k) for k in ("route_events", "route_overruns", "route_reconciles",
                                  "route_path_updates", "route_lookups", "path_lookups",
                                  "reconciles")}

rows = []
for s in env.get("sizes", "").split():
    react = json.load(open(os.path.join(vmout, "react-%s.json" % s)))
    ev, ms, cpu = num("s%s_churn_events" % s), num("s%s_churn_ms" % s), num("s%s_flowd_churn_cpu_ms" % s)
    rows.append({
        "ipv4_routes": int(num("s%s_routes_v4" % s) or 0), "ipv6_routes": int(num("s%s_routes_v6" % s) or 0),
        "load_ms": num("s%s_load_ms" % s),
        "rss_kb": num("s%s_rss_kb" % s), "rss_growth_kb": num("s%s_rss_kb" % s) - num("rss_empty_kb"),
        "churn_events": ev, "churn_events_per_s": round(ev * 1000 / ms) if ms else None,
        "flowd_cpu_ms_per_1k_events": round(cpu * 1000 / ev, 2) if ev else None,
        "flowd_cpu_share_of_one_core_during_churn": round(cpu / ms, 4) if ms else None,
        "flowd_churn_utime_ms": num("s%s_flowd_churn_utime_ms" % s),
        "flowd_churn_stime_ms": num("s%s_flowd_churn_stime_ms" % s),
        "flowd_churn_wakeups": num("s%s_flowd_churn_wakeups" % s),
        "listener_cpu_ms_per_1k_events": round(num("s%s_listener_run_us" % s) / num("s%s_listener_events" % s), 2)
            if num("s%s_listener_events" % s) else None,
        "flowd_counters": status_counters(s),
        "react_p50_ms": react["all"]["p50_ms"], "react_p99_ms": react["all"]["p99_ms"],
        "react_measured": react["all"]["measured"], "react_missed": react.get("missed"),
        # The split (nlwatch.py react): the kernel's own notifications
        # spread over this long, and flowd's batch came this long after
        # the last of them.
        "react_route_p99_ms": react["route"]["p99_ms"], "react_link_p99_ms": react["link"]["p99_ms"],
        "react_kernel_link_p99_ms": react.get("kernel_link", {}).get("p99_ms"),
        "react_flowd_p50_ms": react.get("flowd_all", {}).get("p50_ms"),
        "react_flowd_p99_ms": react.get("flowd_all", {}).get("p99_ms"),
    })
res = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "revision": rev,
       "environment": "QEMU TCG (thread=multi), -smp 2, 3 GiB, patched kernel; VM wall %s s" % vm_secs,
       "targets": {"rss_growth_kb_full_table": 5120, "cpu_share_at_10k_events_per_s": 0.05,
                   "react_p99_ms": 100},
       "rss_empty_kb": num("rss_empty_kb"), "sizes": rows}
json.dump(res, open(outp, "w"), indent=1)
print()
print("%-10s %-8s %10s %12s %12s %12s %12s %10s %10s %12s %12s" % ("IPv4", "IPv6", "RSS +kB",
      "churn ev/s", "CPU ms/1k", "listener/1k", "CPU share", "react p50", "react p99",
      "kernel link", "flowd p99"))
for r in rows:
    print("%-10d %-8d %10d %12s %12s %12s %12s %10s %10s %12s %12s" % (r["ipv4_routes"], r["ipv6_routes"],
          r["rss_growth_kb"], r["churn_events_per_s"], r["flowd_cpu_ms_per_1k_events"],
          r["listener_cpu_ms_per_1k_events"], r["flowd_cpu_share_of_one_core_during_churn"],
          r["react_p50_ms"], r["react_p99_ms"], r["react_kernel_link_p99_ms"], r["react_flowd_p99_ms"]))
print("react: event -> flowd's batch, p50/p99 ms; kernel link: the kernel's first notification")
print("of a link down/up -> the change applied (p99); flowd p99: change applied -> the batch")
print()
print("written:", outp)
PY
echo "vm exit $vm_rc"
