#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: patched
# vm-cost: 150
#
# flowd's cost does not grow with the routing table.  With flowd running,
# 200,000 IPv4 routes go into the main table (ip -batch, over a dummy
# device), then 20,000 of them are replaced.  flowd keeps no copy of any
# table: its RSS grows by less than 4 MiB (a copy costs ~450 bytes a
# route: ~90 MiB), the churn costs it less than a quarter of the CPU time
# the kernel and ip spend applying it (a copy re-read after each burst
# cost 1.8 times that), `flowctl status` answers within 3 s right after,
# and the tunnel is still planned and accelerated.
. "$FLOWD_TOP/tests/vm/lib.sh"

N=200000
CHURN=20000

topo_up ipip
in_ns router ip link add dum0 type dummy || bail "dum0"
in_ns router ip link add dum1 type dummy || bail "dum1"
in_ns router ip link set dum0 up || bail "dum0 up"
in_ns router ip link set dum1 up || bail "dum1 up"
conf=$TMPDIR/flowd.conf
sock=$TMPDIR/flowd.sock
flowd_conf "$conf"
# Quiet: a debug line per reconcile would be the test's own cost.
sed -i 's/level = "debug"/level = "info"/' "$conf"
flowd_start router "$conf" || bail "flowd did not start"
fc() { in_ns router "$FLOWCTL_BIN" -s "$sock" "$@"; }

rss_kb() { flowd_rss_kb; }
cpu_ticks() { flowd_cpu_ticks; }
HZ=$(getconf CLK_TCK)
# settle: flowd idle again within 60 s (the old copy of the table kept it
# busy longer).
settle() { flowd_settle 60; }
# /24s from 11.0.0.0 on: route I.
awk -v n=$N 'BEGIN { for (i = 0; i < n; i++)
	printf "route add %d.%d.%d.0/24 dev dum0\n", 11 + int(i / 65536), int(i / 256) % 256, i % 256 }' \
	>"$TMPDIR/load.batch"
awk -v n=$CHURN 'BEGIN { for (i = 0; i < n; i++)
	printf "route replace %d.%d.%d.0/24 dev dum1\n", 11 + int(i / 65536), int(i / 256) % 256, i % 256 }' \
	>"$TMPDIR/churn.batch"

settle
rss0=$(rss_kb)
cpu0=$(cpu_ticks)
t0=$(date +%s%N)
in_ns router ip -batch "$TMPDIR/load.batch" || bail "loading $N routes"
t1=$(date +%s%N)
check "flowd is idle again within 60 s after the load" settle
rss1=$(rss_kb)
cpu1=$(cpu_ticks)
routes=$(in_ns router ip -4 route show table main | wc -l)
note "main table: $routes routes, loaded in $(((t1 - t0) / 1000000)) ms"
note "flowd RSS: $rss0 kB before, $rss1 kB after $N routes (+$((rss1 - rss0)) kB);" \
	"CPU for the load: $(((cpu1 - cpu0) * 1000 / HZ)) ms"
check "the routes are in the kernel" [ "$routes" -ge "$N" ]
check "flowd's RSS grew by less than 4 MiB with $N routes" [ $((rss1 - rss0)) -lt 4096 ]

# The churn: ip's own CPU (user + sys: the kernel applying it) against flowd's.
cpu2=$(cpu_ticks)
read -r ip_ms wall_ms < <(python3 - "$TMPDIR/churn.batch" <<'PY'
import os, resource, subprocess, sys, time
t = time.monotonic()
subprocess.run(["ip", "netns", "exec", "router", "ip", "-batch", sys.argv[1]], check=True)
wall = time.monotonic() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(int((r.ru_utime + r.ru_stime) * 1000), int(wall * 1000))
PY
) || bail "churn"
t_status=$(date +%s%N)
fc status >"$TMPDIR/status.out" 2>&1
rc=$?
status_ms=$((($(date +%s%N) - t_status) / 1000000))
check "flowd is idle again within 60 s after the churn" settle
cpu3=$(cpu_ticks)
flowd_ms=$(((cpu3 - cpu2) * 1000 / HZ))
note "churn of $CHURN replacements: ip+kernel $ip_ms ms CPU ($wall_ms ms wall), flowd $flowd_ms ms CPU"
note "flowctl status right after the churn: exit $rc in $status_ms ms"
check "flowd's CPU for the churn is under a quarter of the kernel's" \
	[ $((flowd_ms * 4)) -lt "$ip_ms" ]
check "flowctl status answers within 3 s right after the churn" \
	[ "$rc" -eq 0 -a "$status_ms" -lt 3000 ]
check "the tunnel is still planned: flowtable = eth0 eth1 tun0" flowtable_is router "eth0 eth1 tun0"
check "and accelerated" grep -q '1 of 1 tunnel accelerated' "$TMPDIR/status.out"
grep -E 'lost|resync' "$TMPDIR/flowd.log" | head -n 5 | sed 's/^/#   log: /'

# A route change that moves the tunnel's underlay still shows: a /32 to
# the remote through eth0 leaves eth1 out.
in_ns router ip route add 192.168.1.2/32 dev eth0 || bail "/32 to the remote"
check "a route to the tunnel's remote is still reflected (eth0 becomes its underlay)" \
	wait_until "$REACT" flowtable_is router "eth0 tun0"
rss2=$(rss_kb)
note "flowd RSS at the end: $rss2 kB"

flowd_stop
topo_down
done_testing
