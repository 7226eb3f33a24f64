# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Shared helpers for the VM test scripts in tests/vm/tests/.  Sourced, not
# run.  A test script:
#
#   . "$FLOWD_TOP/tests/vm/lib.sh"
#   topo_up ipip
#   check "traffic flows" ping_ok client 10.2.0.2
#   ...
#   done_testing
#
# check/check_not print TAP lines ("ok 3 - ...", "not ok 4 - ...") and
# done_testing exits non-zero when any check failed, so a test script is
# judged by its exit status and names what failed.

set -u

FLOWD_TOP=${FLOWD_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
FLOWD_BUILD=${FLOWD_BUILD:-$FLOWD_TOP}

t_count=0
t_failed=0

note() { echo "# $*"; }

check() {
	local desc=$1
	shift
	t_count=$((t_count + 1))
	if "$@"; then
		echo "ok $t_count - $desc"
	else
		echo "not ok $t_count - $desc"
		t_failed=$((t_failed + 1))
	fi
}

# The same, for a command that must fail.
check_not() {
	local desc=$1
	shift
	t_count=$((t_count + 1))
	if "$@"; then
		echo "not ok $t_count - $desc"
		t_failed=$((t_failed + 1))
	else
		echo "ok $t_count - $desc"
	fi
}

# Stop right away: the rest of the test makes no sense without this.
bail() {
	echo "Bail out! $*"
	exit 1
}

done_testing() {
	echo "1..$t_count"
	echo "# $((t_count - t_failed)) passed, $t_failed failed"
	[ "$t_failed" -eq 0 ]
}

# in_ns NS CMD...: CMD in the network namespace NS, with NS's /sys; through
# the static helper run-vm.sh built (tests/vm/netns-exec.c: a tenth of the
# cost of `ip netns exec` under TCG) when there is one.
in_ns() {
	local ns=$1
	shift
	if [ -n "${FLOWD_NETNS_EXEC:-}" ]; then
		"$FLOWD_NETNS_EXEC" "$ns" "$@"
	else
		ip netns exec "$ns" "$@"
	fi
}

# Kernel flavour the VM booted (stock or patched), set by run-vm.sh.
kernel_flavour() { echo "${FLOWD_KERNEL_FLAVOUR:-patched}"; }

# --- topology -------------------------------------------------------------
#
#   client --- router ===(tunnel over underlay)=== remote --- server
#   10.0.0.2   eth0 10.0.0.1                        eth2 10.2.0.1  10.2.0.2
#   fd00:a::2  eth0 fd00:a::1                       eth2 fd00:b::1 fd00:b::2
#              eth1 192.168.1.1 | fd00:1::1   eth1 192.168.1.2 | fd00:1::2
#              tun0 192.168.100.1 fd00:100::1 tun1 192.168.100.2 fd00:100::2
#
# This is the seed document's topology: the router forwards between eth0
# and tun0, and tun0's outer packets leave through eth1 (the underlay).
# The tunnel kind decides the underlay family:
#   ipip gre sit        IPv4 underlay
#   ip6ip6 ipip6 ip6gre IPv6 underlay (ip6tnl is ip6ip6 and ipip6)
# and which inner families it carries (TOPO_INNER: "4", "6" or "4 6").

TOPO_NAMESPACES="client router remote server"

topo_underlay_family() {
	case $1 in
	ipip | gre | sit) echo 4 ;;
	ip6ip6 | ipip6 | ip6gre) echo 6 ;;
	*) return 1 ;;
	esac
}

topo_inner_families() {
	case $1 in
	ipip | ipip6) echo 4 ;;
	sit | ip6ip6) echo 6 ;;
	gre | ip6gre) echo "4 6" ;;
	*) return 1 ;;
	esac
}

# ip link arguments for a tunnel of KIND between LOCAL and REMOTE.
topo_tunnel_args() {
	local kind=$1 local=$2 remote=$3
	case $kind in
	ipip) echo "type ipip local $local remote $remote" ;;
	gre) echo "type gre local $local remote $remote" ;;
	sit) echo "type sit local $local remote $remote mode ip6ip" ;;
	ip6ip6) echo "type ip6tnl mode ip6ip6 local $local remote $remote" ;;
	ipip6) echo "type ip6tnl mode ipip6 local $local remote $remote" ;;
	ip6gre) echo "type ip6gre local $local remote $remote" ;;
	esac
}

# topo_netns_forwarding [SYSCTL_PATH...]: the namespaces of
# TOPO_NAMESPACES, each forwarding IPv4, with 0 written to each
# /proc/sys/SYSCTL_PATH too (a test's own topology, not topo_up's).
topo_netns_forwarding() {
	local ns path zero=
	for path in "$@"; do
		zero+=" && echo 0 >/proc/sys/$path"
	done
	# shellcheck disable=SC2086 # the names, split on purpose
	printf 'netns add %s\n' $TOPO_NAMESPACES | ip -batch - || bail "ip netns add"
	for ns in $TOPO_NAMESPACES; do
		in_ns "$ns" sh -c "echo 1 >/proc/sys/net/ipv4/ip_forward$zero" ||
			bail "sysctl in $ns"
	done
}

# topo_ns_batch NS: the ip commands on stdin (one per line, `ip -batch`)
# in namespace NS, in one process: under TCG with the root on 9p every
# exec costs the guest tens of milliseconds, and the topology is some fifty
# commands.  Fails (with ip's own message and line) at the first that does.
topo_ns_batch() {
	ip -n "$1" -batch -
}

# topo_addr_lines DEV ADDR4 ADDR6: the batch lines of topo_addr.
topo_addr_lines() {
	printf 'addr add %s dev %s\naddr add %s dev %s nodad\nlink set %s up\n' \
		"$2" "$1" "$3" "$1" "$1"
}

# One idle process per namespace of the topology (topo_up starts them,
# topo_down ends them): /proc/PID/net/dev of a process is its namespace's
# device counters, which the shell reads itself (link_bytes), where a read
# through `ip netns exec ... cat` cost the guest two processes per poll.
declare -A TOPO_KEEPER=()
topo_keeper() {
	local ns=$1 pid
	ip netns exec "$ns" sleep infinity </dev/null >/dev/null 2>&1 &
	pid=$!
	# `ip netns exec` becomes the sleep, in the namespace once it entered it.
	wait_until "$(deadline 10)" [ "/proc/$pid/ns/net" -ef "/run/netns/$ns" ] ||
		bail "the keeper of namespace $ns did not enter it"
	TOPO_KEEPER[$ns]=$pid
}

# topo_up [KIND]: build the topology with a tunnel of KIND (default ipip).
topo_up() {
	local kind=${1:-ipip}
	local ufam
	ufam=$(topo_underlay_family "$kind") || bail "unknown tunnel kind $kind"
	TOPO_KIND=$kind
	TOPO_INNER=$(topo_inner_families "$kind")

	local ns
	printf 'netns add %s\n' $TOPO_NAMESPACES | ip -batch - || bail "ip netns add $TOPO_NAMESPACES"
	for ns in $TOPO_NAMESPACES; do
		topo_keeper "$ns"
		# The sysctls as plain writes: one shell, no sysctl process each.
		in_ns "$ns" sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward &&
			echo 1 >/proc/sys/net/ipv6/conf/all/forwarding &&
			echo 0 >/proc/sys/net/ipv6/conf/all/accept_dad &&
			echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad' ||
			bail "sysctl in $ns"
	done

	local rl rr
	if [ "$ufam" = 4 ]; then rl=192.168.1.1 rr=192.168.1.2; else rl=fd00:1::1 rr=fd00:1::2; fi
	# Each veth is made in one namespace with its peer in the next, so
	# the namespaces go in order, each after the one that made its link.
	{
		echo "link set lo up"
		echo "link add eth0 type veth peer name eth0 netns router"
		topo_addr_lines eth0 10.0.0.2/24 fd00:a::2/64
		echo "route add default via 10.0.0.1"
		echo "route add default via fd00:a::1"
	} | topo_ns_batch client || bail "topology: client"
	{
		echo "link set lo up"
		echo "link add eth1 type veth peer name eth1 netns remote"
		topo_addr_lines eth0 10.0.0.1/24 fd00:a::1/64
		topo_addr_lines eth1 192.168.1.1/24 fd00:1::1/64
		echo "link add tun0 $(topo_tunnel_args "$kind" "$rl" "$rr")"
		topo_addr_lines tun0 192.168.100.1/24 fd00:100::1/64
		# Inner traffic between the two LANs crosses the tunnel.
		echo "route add 10.2.0.0/24 dev tun0"
		echo "route add fd00:b::/64 dev tun0"
	} | topo_ns_batch router || bail "topology: router ($kind)"
	{
		echo "link set lo up"
		echo "link add eth2 type veth peer name eth0 netns server"
		topo_addr_lines eth1 192.168.1.2/24 fd00:1::2/64
		topo_addr_lines eth2 10.2.0.1/24 fd00:b::1/64
		echo "link add tun1 $(topo_tunnel_args "$kind" "$rr" "$rl")"
		topo_addr_lines tun1 192.168.100.2/24 fd00:100::2/64
		echo "route add 10.0.0.0/24 dev tun1"
		echo "route add fd00:a::/64 dev tun1"
	} | topo_ns_batch remote || bail "topology: remote ($kind)"
	{
		echo "link set lo up"
		topo_addr_lines eth0 10.2.0.2/24 fd00:b::2/64
		echo "route add default via 10.2.0.1"
		echo "route add default via fd00:b::1"
	} | topo_ns_batch server || bail "topology: server"
}

# topo_ecmp_underlay: after topo_up ipip, a second underlay link (router
# eth3 192.168.3.1 -- remote eth3 192.168.3.2) and the tunnel's end points
# moved to 192.168.10.1 / 192.168.10.2 (dummy devices), the router reaching
# the remote's end point by an ECMP route over eth1 and eth3.  The remote
# answers over eth1 only; reverse path filtering is off on both.
topo_ecmp_underlay() {
	local ns
	ip -n router link add eth3 type veth peer name eth3 netns remote || bail "veth eth3"
	topo_addr router eth3 192.168.3.1/24 fd00:3::1/64
	topo_addr remote eth3 192.168.3.2/24 fd00:3::2/64
	for ns in router remote; do
		in_ns $ns sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth3.rp_filter=0 \
			net.ipv4.conf.eth1.rp_filter=0
	done
	topo_dummy_endpoints ipip "nexthop via 192.168.1.2 dev eth1 nexthop via 192.168.3.2 dev eth3" \
		"via 192.168.1.1 dev eth1"
	note "router: $(in_ns router ip route show 192.168.10.2 | tr -s ' \n' ' ')"
	wait_until "$(deadline 20)" ping_ok client 10.2.0.2 || bail "no connectivity over the ECMP underlay"
}

# topo_dummy_endpoints TYPE ROUTER_VIA REMOTE_VIA: the tunnel's end points
# (tun0 and tun1, of link type TYPE) moved to 192.168.10.1 and 192.168.10.2
# on dummy devices of the router and the remote, which reach each other's by
# `ip route add ADDR/32 ROUTER_VIA` and `... REMOTE_VIA`.  The underlay
# devices then carry no address of the tunnel's.
topo_dummy_endpoints() {
	local type=$1 router_via=$2 remote_via=$3 ns
	for ns in router remote; do
		in_ns $ns ip link add dummy0 type dummy || bail "dummy0 in $ns"
		in_ns $ns ip link set dummy0 up || bail "dummy0 up in $ns"
	done
	in_ns router ip addr add 192.168.10.1/32 dev dummy0 || bail "router end point"
	in_ns remote ip addr add 192.168.10.2/32 dev dummy0 || bail "remote end point"
	# shellcheck disable=SC2086 # the words of a route
	in_ns router ip route add 192.168.10.2/32 $router_via || bail "route to the remote's end point"
	# shellcheck disable=SC2086
	in_ns remote ip route add 192.168.10.1/32 $remote_via || bail "route back"
	in_ns router ip link set tun0 type "$type" local 192.168.10.1 remote 192.168.10.2 || bail "tun0"
	in_ns remote ip link set tun1 type "$type" local 192.168.10.2 remote 192.168.10.1 || bail "tun1"
}

# udp_flows_send N COUNT: COUNT rounds of one 200-byte datagram from each
# of N client ports (7100...) to server:7000, 5 ms apart.
udp_flows_send() {
	in_ns client "$FLOWD_UDP_SEND" -b 7100 -f "$1" -n "$2" -i 5 -s 200 10.2.0.2 7000
}

# udp_flows_offloaded N: at least N flows to server:7000 are [OFFLOAD].
udp_flows_offloaded() {
	[ "$(ct_offloaded_count router . "-p udp --dport 7000")" -ge "$1" ]
}

# topo_addr NS DEV ADDR4 ADDR6: bring DEV up with both addresses.
topo_addr() {
	topo_addr_lines "$2" "$3" "$4" | topo_ns_batch "$1" || bail "addresses $3 $4 on $1/$2"
}

topo_down() {
	local ns
	if [ ${#TOPO_KEEPER[@]} -gt 0 ]; then
		kill "${TOPO_KEEPER[@]}" 2>/dev/null
		wait "${TOPO_KEEPER[@]}" 2>/dev/null
		TOPO_KEEPER=()
	fi
	for ns in $TOPO_NAMESPACES; do
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

# --- traffic ----------------------------------------------------------------

# ping_ok NS DST: a few pings get answers.
ping_ok() {
	in_ns "$1" ping -q -c 3 -i 0.2 -W 2 "$2" >/dev/null 2>&1
}

# --- nftables and conntrack observations ----------------------------------

# nft_counter NS FAMILY TABLE NAME: packets of a named counter (empty
# when there is none).
nft_counter() { nft_counters "$1" "$2" "$3" "$4" 2>/dev/null; }

# nft_counters NS FAMILY TABLE NAME...: the packets of several named
# counters of a table, on one line in the order asked (an empty field for
# a counter that is not there), from one netlink dump of
# tests/vm/nft-counters.c (run-vm.sh builds it).  Without it, from one nft
# run (each costs a good part of a second under TCG, seconds under KASAN)
# parsed by the shell itself: "counter NAME {" then "packets N bytes M".
nft_counters() {
	local ns=$1 family=$2 table=$3 all line name='' words out=()
	local -A packets=()
	shift 3
	if [ -n "${FLOWD_NFT_COUNTERS:-}" ]; then
		in_ns "$ns" "$FLOWD_NFT_COUNTERS" "$family" "$table" "$@"
		return
	fi
	all=$(in_ns "$ns" nft list counters table "$family" "$table") || return 1
	while read -r line; do
		read -ra words <<<"$line"
		if [ "${words[0]:-}" = counter ]; then
			name=${words[1]:-}
		elif [ "${words[0]:-}" = packets ] && [ -n "$name" ]; then
			packets[$name]=${words[1]:-}
			name=''
		fi
	done <<<"$all"
	for name in "$@"; do
		out+=("${packets[$name]:-}")
	done
	echo "${out[*]}"
}

# ct_offloaded NS [PATTERN]: conntrack entries in [OFFLOAD] state (matching
# the extended regular expression PATTERN), counted.
ct_offloaded() {
	ct_offloaded_count "$1" "${2:-.}" ""
}

# ct_offloaded_atleast NS N [PATTERN]: at least N of them.
ct_offloaded_atleast() {
	[ "$(ct_offloaded "$1" "${3:-.}")" -ge "$2" ]
}

# ct_offloaded_count NS PATTERN CONNTRACK_ARGS: the count of ct_offloaded,
# from one conntrack run filtered by the shell: the polls that wait for an
# offload run it every 0.1 s, and under TCG a grep costs the guest as
# much as the listing.
ct_offloaded_count() {
	local out line n=0 re=$2
	# shellcheck disable=SC2086 # CONNTRACK_ARGS: options, split on purpose
	out=$(in_ns "$1" conntrack -L $3 2>/dev/null)
	while IFS= read -r line; do
		[[ $line == *"[OFFLOAD]"* && $line =~ $re ]] && n=$((n + 1))
	done <<<"$out"
	echo "$n"
}

# udp_flows_start [SPORT]: 40 UDP flows from the client, a packet each
# every 50 ms: 10 to the server through the tunnel (10.2.0.2) and 30 to
# 192.168.1.3 (an address the test puts on the remote's eth1), ports
# 40000 up; send errors (no route for a while) are ignored.  With SPORT,
# from that source port: a sender started again sends in the same
# conntrack entries.  udp_flows_stop stops it: $UDP_FLOWS_PID is the
# subshell that runs in_ns, and python3, its child, outlives a kill of the
# subshell alone, so the child goes first.
udp_flows_start() {
	in_ns client python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if sys.argv[1]:
    s.bind(("0.0.0.0", int(sys.argv[1])))
while True:
    for dst, ports in (("10.2.0.2", range(40000, 40010)), ("192.168.1.3", range(40000, 40030))):
        for p in ports:
            try:
                s.sendto(b"x" * 64, (dst, p))
            except OSError:
                pass
    time.sleep(0.05)
' "${1:-}" &
	UDP_FLOWS_PID=$!
}
udp_flows_stop() {
	pkill -TERM -P "$UDP_FLOWS_PID" 2>/dev/null
	kill "$UDP_FLOWS_PID" 2>/dev/null
	wait "$UDP_FLOWS_PID" 2>/dev/null
	! pgrep -f 'range\(40000, 40010\)' >/dev/null || bail "the UDP sender did not stop"
}

# dev_bytes NS DEV: DEV_RX and DEV_TX, the byte counters of a device, and
# DEV_TXDROP, the packets it dropped on transmit, read by the shell from
# NS's keeper (topo_keeper) when there is one, else through a process in
# NS.  Fails when NS has no such device.
dev_bytes() {
	local pid=${TOPO_KEEPER[$1]:-} name rx tx txdrop
	if [ -n "$pid" ] && [ -r "/proc/$pid/net/dev" ]; then
		# "  eth1: rx_bytes rx_packets errs drop fifo frame compressed
		# multicast tx_bytes tx_packets errs drop ...": the transmit
		# "drop" column is the device's tx_dropped.
		while IFS=' :' read -r name rx _ _ _ _ _ _ _ tx _ _ txdrop _; do
			if [ "$name" = "$2" ]; then
				DEV_RX=$rx DEV_TX=$tx DEV_TXDROP=$txdrop
				return 0
			fi
		done <"/proc/$pid/net/dev"
		return 1
	fi
	read -r DEV_RX DEV_TX DEV_TXDROP <<<"$(in_ns "$1" cat "/sys/class/net/$2/statistics/rx_bytes" \
		"/sys/class/net/$2/statistics/tx_bytes" "/sys/class/net/$2/statistics/tx_dropped" |
		paste -sd' ')" && [ -n "$DEV_TXDROP" ]
}

# link_bytes NS DEV rx|tx: byte counter of a device.
link_bytes() {
	dev_bytes "$1" "$2" || return 1
	if [ "$3" = rx ]; then echo "$DEV_RX"; else echo "$DEV_TX"; fi
}

# The polls below run every 0.1 s while the guest is busy with the traffic
# they wait for, and under TCG with the root on 9p every process costs the
# guest tens of milliseconds: a `date` and a `sleep` per round took more
# than the round itself.  Bash has both built in: the clock
# ($EPOCHREALTIME, microseconds once its decimal point is dropped) and a
# timed read on a pipe that nobody writes to (this shell holds its only
# write end).
exec {NAP_FD}<> <(:)

# nap SECONDS: sleep without starting a process.
nap() {
	read -r -t "$1" -u "$NAP_FD" _ || :
}

# wait_until SECONDS CMD...: poll CMD until it succeeds.  The pause
# between polls grows from 0.1 s by 0.1 s a round up to 1 s: a condition
# that holds soon is seen soon, and a long wait (flowd starting under
# valgrind, a reaction on a loaded host) does not poll every 0.1 s.  Under
# TCG a poll that starts processes costs the guest more than 0.1 s, so a
# fixed 0.1 s pause kept one vCPU polling, and with two guests on two host
# cores that slowed down the very thing being waited for.
wait_until() {
	local end=$((${EPOCHREALTIME/[.,]/} + $1 * 1000000)) pause=1
	shift
	while ! "$@"; do
		[ "${EPOCHREALTIME/[.,]/}" -ge "$end" ] && return 1
		nap "$((pause / 10)).$((pause % 10))"
		[ "$pause" -lt 10 ] && pause=$((pause + 1))
	done
	return 0
}

# poll_until SECONDS CMD...: the same every 0.1 s, for a CMD that is a
# shell function starting no process (a byte counter read from /proc): a
# measurement window it closes must not run on for a second of traffic.
poll_until() {
	local end=$((${EPOCHREALTIME/[.,]/} + $1 * 1000000))
	shift
	while ! "$@"; do
		[ "${EPOCHREALTIME/[.,]/}" -ge "$end" ] && return 1
		nap 0.1
	done
	return 0
}

# --- flowd ------------------------------------------------------------------

FLOWD_BIN=${FLOWD_BIN:-$FLOWD_BUILD/flowd}
FLOWCTL_BIN=${FLOWCTL_BIN:-$FLOWD_BUILD/flowctl}

# flowd_conf FILE [EXTRA...]: a config for the router in the seed topology:
# eth0 configured, every tunnel kind accelerated; EXTRA lines appended.
flowd_conf() {
	local file=$1
	shift
	{
		echo 'devices = [ "eth0" ];'
		echo 'tunnels = "all";'
		echo 'log: { level = "debug"; };'
		echo "control: { socket = \"$TMPDIR/flowd.sock\"; };"
		local line
		for line in "$@"; do echo "$line"; done
	} >"$file"
}

# flowd_start NS CONF: run flowd in NS in the background (log in
# $TMPDIR/flowd.log) and wait until its table exists.
flowd_start() {
	local ns=$1 conf=$2
	# Not through in_ns: backgrounding a function forks a subshell, and
	# $! must be flowd itself (ip netns exec execs it).
	ip netns exec "$ns" "$FLOWD_BIN" -f -c "$conf" >>"${FLOWD_LOG:-$TMPDIR/flowd.log}" 2>&1 &
	FLOWD_PID=$!
	st_eval_start || note "no status evaluator: each flowd_st starts a python"
	# Ready = its table exists and it answers on its control socket (the
	# table alone may be one a previous flowd left behind).
	wait_until "$(deadline 30)" flowd_ready "$ns" "$conf" || {
		note "flowd did not become ready; log:"
		sed 's/^/#   /' "${FLOWD_LOG:-$TMPDIR/flowd.log}"
		return 1
	}
}

# flowd_ready NS CONF: the table is there and flowd answers status.
flowd_ready() {
	local sock
	sock=$(sed -n 's/.*socket = "\([^"]*\)".*/\1/p' "$2" | tail -n1)
	flowd_table_exists "$1" &&
		in_ns "$1" "$FLOWCTL_BIN" -s "${sock:-/run/flowd/flowd.sock}" status >/dev/null 2>&1
}

# flowd_rss_kb, flowd_cpu_ticks: the running flowd's ($FLOWD_PID) resident
# memory in kB and CPU time so far in clock ticks (utime + stime).
flowd_rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$FLOWD_PID/status"; }
flowd_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$FLOWD_PID/stat"; }

# flowd_settle TRIES: wait until flowd used no CPU for a second (its
# reaction to what came before is over); fails after TRIES seconds.
flowd_settle() {
	local a b i
	for i in $(seq "$1"); do
		a=$(flowd_cpu_ticks)
		sleep 1
		b=$(flowd_cpu_ticks)
		[ "$a" = "$b" ] && return 0
	done
	return 1
}

# flowd_st EXPR: a Python expression over `flowctl -j status` of the flowd
# on $TMPDIR/flowd.sock in the router (d: the status, t: its tunnels by
# name), printed.
flowd_st() { flowd_status_eval raw "$1"; }

# flowd_st_lines EXPR...: the same for several expressions over one status,
# one line each (newlines in a value become spaces).
flowd_st_lines() { flowd_status_eval lines "$@"; }

# flowd_status_eval MODE EXPR...: st_eval over one `flowctl -j status`.
flowd_status_eval() {
	local mode=$1 json
	shift
	json=$(in_ns router "$FLOWCTL_BIN" -s "$TMPDIR/flowd.sock" -j status) || return 1
	st_eval "$mode" "$json" "$@"
}

# The expressions are evaluated by one python process for the whole test
# (st_eval_start, from flowd_start in the test's shell): the tests poll
# flowd's status, and a python start costs the guest 0.4-1.5 s.  A call
# from a subshell talks to it through the inherited descriptors, one at a
# time (no test polls from two shells at once).  Without it, or once it
# failed, each call starts a python of its own with the same program.
#
# A request: "MODE COUNT\n", then the JSON and the COUNT expressions, each
# as "LENGTH\n" and that many bytes.  The answer: "ok\n" and per
# expression "LENGTH\n" and its value; or "err LENGTH\n" and the error.
ST_EVAL_PY='
import json, sys
inp, out = sys.stdin.buffer, sys.stdout.buffer
def chunk():
    return inp.read(int(inp.readline()))
def send(head, items):
    out.write(head + b"\n" + b"".join(b"%d\n%s" % (len(i), i) for i in items))
    out.flush()
while True:
    head = inp.readline()
    if not head:
        break
    mode, count = head.split()
    raw = chunk()
    exprs = [chunk().decode() for _ in range(int(count))]
    try:
        d = json.loads(raw)
        env = {"json": json, "sys": sys, "d": d, "t": {x["name"]: x for x in d["tunnels"]}}
        vals = [str(eval(e, env)) for e in exprs]
        if mode == b"lines":
            vals = [v.replace("\n", " ") for v in vals]
        send(b"ok", [v.encode() for v in vals])
    except Exception as e:
        msg = ("%s: %s" % (type(e).__name__, e)).encode()
        out.write(b"err %d\n%s" % (len(msg), msg))
        out.flush()
'
ST_EVAL_PID='' ST_EVAL_W='' ST_EVAL_R=''

st_eval_start() {
	[ -n "$ST_EVAL_PID" ] && kill -0 "$ST_EVAL_PID" 2>/dev/null && return 0
	local req=$TMPDIR/st-eval.req rep=$TMPDIR/st-eval.rep
	rm -f "$req" "$rep"
	mkfifo "$req" "$rep" || return 1
	/usr/bin/python3 -c "$ST_EVAL_PY" <"$req" >"$rep" &
	ST_EVAL_PID=$!
	# The same order as the python's redirections: no open blocks forever.
	exec {ST_EVAL_W}>"$req" {ST_EVAL_R}<"$rep"
}

# st_eval_stop: the evaluator has failed; later calls start their own.
st_eval_stop() {
	[ -n "$ST_EVAL_W" ] && exec {ST_EVAL_W}>&-
	[ -n "$ST_EVAL_R" ] && exec {ST_EVAL_R}<&-
	[ -n "$ST_EVAL_PID" ] && kill "$ST_EVAL_PID" 2>/dev/null
	ST_EVAL_PID='' ST_EVAL_W='' ST_EVAL_R=''
}

# st_eval_request MODE JSON EXPR...: the request, lengths in bytes.
st_eval_request() {
	local LC_ALL=C mode=$1 json=$2 e
	shift 2
	printf '%s %d\n%d\n%s' "$mode" $# "${#json}" "$json"
	for e in "$@"; do
		printf '%d\n%s' "${#e}" "$e"
	done
}

# st_eval_answer COUNT: read the answer to COUNT expressions on stdin and
# print each value on its own line (as print() would); fails on an error.
st_eval_answer() {
	local LC_ALL=C n=$1 head len val wait
	wait=$(deadline 60)
	IFS= read -r -t "$wait" head || return 1
	if [ "$head" != ok ]; then
		IFS= read -r -N "${head#err }" -t 5 val
		echo "flowd_st: ${val:-no answer from the evaluator}" >&2
		return 2
	fi
	while [ "$n" -gt 0 ]; do
		IFS= read -r -t "$wait" len || return 1
		val=''
		[ "$len" -gt 0 ] && { IFS= read -r -N "$len" -t "$wait" val || return 1; }
		printf '%s\n' "$val"
		n=$((n - 1))
	done
}

# st_eval MODE JSON EXPR...: the values of the expressions over JSON.
st_eval() {
	local n=$(($# - 2)) rc
	if [ -n "$ST_EVAL_PID" ] && kill -0 "$ST_EVAL_PID" 2>/dev/null; then
		st_eval_request "$@" >&"$ST_EVAL_W" || { st_eval_stop; return 1; }
		st_eval_answer "$n" <&"$ST_EVAL_R"
		rc=$?
		# 2: the evaluator's own error answer; anything else leaves the
		# conversation out of step.
		[ $rc -eq 0 ] || [ $rc -eq 2 ] || st_eval_stop
		[ $rc -eq 0 ]
		return
	fi
	st_eval_request "$@" | /usr/bin/python3 -c "$ST_EVAL_PY" | st_eval_answer "$n" || return 1
}

flowd_stop() {
	[ -n "${FLOWD_PID:-}" ] || return 0
	kill -TERM "$FLOWD_PID" 2>/dev/null
	wait "$FLOWD_PID"
	local rc=$?
	FLOWD_PID=
	return $rc
}

flowd_table_exists() {
	in_ns "$1" nft list table inet flowd >/dev/null 2>&1
}

# flowtable_devices NS [TABLE]: the flowtable's devices, sorted, one line.
flowtable_devices() {
	in_ns "$1" nft list flowtable inet "${2:-flowd}" ft 2>/dev/null |
		sed -n 's/.*devices = { \(.*\) }.*/\1/p' | tr -d ' ' | tr ',' '\n' | sort | paste -sd' '
}

# flowtable_is NS "DEV DEV...": the device list is exactly that (sorted).
flowtable_is() {
	[ "$(flowtable_devices "$1")" = "$2" ]
}

# slow_path_counter_up NS: a table counting TCP packets that reach the
# forward hook after flowd's chain: only the slow path moves it.
slow_path_counter_up() {
	in_ns "$1" nft -f - <<'NFT'
table inet test {
	counter slow { }
	chain forward {
		type filter hook forward priority 20; policy accept;
		meta l4proto tcp counter name slow
	}
}
NFT
}

# --- streams and measurement windows defined by traffic -------------------
#
# A counter that must stay flat (or grow) while a stream runs proves
# something only over a window in which the stream demonstrably carried
# traffic.  So windows are not taken by the clock: they end when the veth
# driver (which no code under test touches) has counted enough bytes,
# and streams run with a long ceiling until the test stops them.  A slow
# or loaded host makes a window take longer, never makes it empty.

# Deadlines scale with the kernel and the host: a KASAN build under TCG is
# several times slower, and so is any guest on a host busy with other work
# (run-vm.sh sets FLOWD_VM_SLOW from the host's load when the VM starts,
# 1 on a quiet host).  A deadline only bounds how long a check waits for
# something that should happen: a passing check returns as soon as it
# does, so a longer deadline costs nothing and a failing one still fails.
# deadline SECONDS: SECONDS x FLOWD_VM_SLOW, 4x that on debug.
deadline() {
	local n=$(($1 * ${FLOWD_VM_SLOW:-1}))
	if [ "$(kernel_flavour)" = debug ]; then echo $((n * 4)); else echo "$n"; fi
}

# How long flowd may take to act on an event before a check calls it
# wrong.  Not a latency requirement (a loaded host may stall the guest for
# seconds; the latency is measured in tests/bench/control-plane.sh): flowd
# has no periodic repair, so whatever fixes the table within this time is
# its reaction to the event, and a missing reaction still fails.
REACT=$(deadline 5)

# Ceiling of a stream that the test stops itself (stream_stop).
STREAM_CEILING=900

# wait_grown SECONDS MIN BASE CMD...: poll CMD (printing a number) until
# it has grown by MIN over BASE; GROWN is the last growth seen.  Fails
# after SECONDS.
wait_grown() {
	local end=$((${EPOCHREALTIME/[.,]/} + $1 * 1000000)) min=$2 base=$3 v
	shift 3
	while :; do
		v=$("$@") && [ -n "$v" ] || v=$base
		GROWN=$((v - base))
		[ "$GROWN" -ge "$min" ] && return 0
		[ "${EPOCHREALTIME/[.,]/}" -ge "$end" ] && return 1
		nap 0.1
	done
}

# tcp_listening NS PORT: a TCP socket of NS listens on PORT (IPv4 or
# IPv6), read by the shell from NS's keeper's /proc/PID/net/tcp{,6} when
# there is one (a poll of `ss` costs the guest a process start each
# time), else from ss in NS.
tcp_listening() {
	local pid=${TOPO_KEEPER[$1]:-} port f _sl laddr _rem state _
	printf -v port ':%04X' "$2"
	if [ -n "$pid" ] && [ -r "/proc/$pid/net/tcp" ]; then
		for f in "/proc/$pid/net/tcp" "/proc/$pid/net/tcp6"; do
			[ -r "$f" ] || continue
			# "sl local_address rem_address st ...": 0A is LISTEN.
			while read -r _sl laddr _rem state _; do
				[[ $laddr == *"$port" && $state == 0A ]] && return 0
			done <"$f"
		done
		return 1
	fi
	in_ns "$1" ss -ltn 2>/dev/null | grep -q ":$2 "
}

# stream_begin SRV_NS DST [IPERF3 CLIENT OPTIONS...]: an iperf3 server in
# SRV_NS and a client in the client namespace sending to DST until
# stream_stop ($STREAM_PID, $STREAM_SRV_PID; client output in
# $TMPDIR/iperf.out).
#
# At STREAM_RATE (100 Mbit/s unless the options give -b): every check
# measures over a window of bytes or packets, never over time, and at
# full speed (700 Mbit/s and more through the fast path under TCG) the
# stream took both of the guest's CPUs, which starved the commands that
# read the counters (a window took 4 s whatever its size) and cost the
# host a core for traffic no check looks at.  Full-speed transfers are
# kernel-tunnel-transfer's job.
STREAM_RATE=100M
stream_begin() {
	local srv=$1 dst=$2 _
	shift 2
	# Not through in_ns: $! must be iperf3 itself.
	ip netns exec "$srv" iperf3 -s -1 >"$TMPDIR/iperf-server.out" 2>&1 &
	STREAM_SRV_PID=$!
	for _ in $(seq 100); do
		tcp_listening "$srv" 5201 && break
		nap 0.1
	done
	ip netns exec client iperf3 -c "$dst" -t $STREAM_CEILING -i 0 -b "$STREAM_RATE" "$@" \
		>"$TMPDIR/iperf.out" 2>&1 &
	STREAM_PID=$!
}

# stream_stop: end the stream (and its server).  Fails when the client
# had ended on its own before (an error: the ceiling is never reached).
stream_stop() {
	local alive=0
	[ -n "${STREAM_PID:-}" ] || return 1
	kill -0 "$STREAM_PID" 2>/dev/null && alive=1
	kill -INT "$STREAM_PID" 2>/dev/null
	wait "$STREAM_PID" 2>/dev/null
	kill "$STREAM_SRV_PID" 2>/dev/null
	wait "$STREAM_SRV_PID" 2>/dev/null
	STREAM_PID='' STREAM_SRV_PID=''
	if [ $alive -eq 0 ]; then
		note "the iperf3 client had ended by itself:"
		sed 's/^/#   /' "$TMPDIR/iperf.out"
	fi
	[ $alive -eq 1 ]
}

# stream_start: the seed topology's TCP stream client -> server
# ($STREAM_PID) until stream_stop.
stream_start() {
	stream_begin server 10.2.0.2
}

stream_offloaded() {
	[ "$(ct_offloaded router 'dport=5201')" -gt 0 ]
}

# slow_window NS BYTES: slow-path packets counted over a window in which
# the stream crossed the router: the server's eth0 received BYTES (the
# veth driver counts them; at most 64 KiB a packet, so 4 MiB are at least
# 64 packets the slow path would count).  Prints the count; fails (after
# printing) when the window did not fill within the deadline.
slow_window() {
	local c1 c2 b1 rc=0
	c1=$(nft_counter "$1" inet test slow)
	b1=$(link_bytes server eth0 rx)
	wait_grown "$(deadline 60)" "$2" "$b1" link_bytes server eth0 rx || rc=1
	c2=$(nft_counter "$1" inet test slow)
	[ $rc -eq 0 ] || echo "# window: the server received only $GROWN bytes of the $2 wanted" >&2
	echo $((c2 - c1))
	return $rc
}
