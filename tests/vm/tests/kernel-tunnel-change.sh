#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: patched
# vm-reference: stock
# vm-cost: 120
# vm-timeout: 1800
#
# A reconfigured tunnel never keeps its old parameters in the flowtable's
# fast path (kernel/patches/).  Keyed tunnels (router tun0: ikey 1, okey 2,
# ttl/hop limit 64), changed with `ip link set ... type KIND` while inner
# IPv6 flows are offloaded through them (inner IPv6: an IPv4 route flush
# of the tunnel change does not tear the flow down by chance):
#   ikey    (gre and ip6gre) 1 -> 3 under an offloaded probe flow: probes
#           the remote injects with the old key are not delivered (the slow
#           path has no tunnel for that key and drops them; with a marked
#           outer header the router's prerouting drop rule counts them, so
#           they took the slow path); probes with the new key are delivered,
#           on the patched kernel by the fast path;
#   hop limit, okey  (ip6gre) 64 -> 33, 2 -> 4 under a TCP stream: after
#           the change the remote's eth1 sees the router's outer packets
#           with the new values only;
#   remote  (ip6gre) fd00:1::2 -> fd00:1::3 (the remote moves its end
#           there) under the same stream: the stream goes on, to the new
#           address only;
#   ikey by `ip tunnel change` (gre, the ioctl, which sets the key flags
#           after announcing the change) on a tunnel made without keys,
#           under an offloaded probe flow: probes without a key are no
#           longer delivered and take the slow path; probes with the new
#           key are delivered, on the patched kernel by the fast path.
# The stock kernel does this in its slow path, so every check holds there
# too; the patched series before the fix kept the old key, hop limit and
# remote.  So the stock run is the reference (run-tests.sh --reference),
# not part of every run.
. "$FLOWD_TOP/tests/vm/lib.sh"
. "$FLOWD_TOP/tests/vm/kernel-tunnel-lib.sh"

# set_tun NS DEV ARGS...: change the tunnel, keeping what ARGS do not name
# (iproute2 starts from the current parameters).
set_tun() {
	local ns=$1 dev=$2
	shift 2
	in_ns "$ns" ip link set "$dev" type "$TOPO_KIND" "$@" ||
		bail "ip link set $dev type $TOPO_KIND $* in $ns"
	note "$ns: $(in_ns "$ns" ip -d link show "$dev" | sed -n 's/.*\(gre6\? remote.*\) addrgenmode.*/\1/p' | tr -s ' ')"
}

# keyed_tunnel KIND: the topology with a keyed tunnel of KIND.
keyed_tunnel() {
	kt_setup "$1"
	set_tun router tun0 ikey 1 okey 2 ttl 64
	set_tun remote tun1 ikey 2 okey 1 ttl 64
	wait_until "$(deadline 20)" ping_ok client fd00:b::2 ||
		bail "no connectivity through the keyed $1 tunnel"
	note "kernel: $(kt_flavour) $(uname -r), tunnel $1"
}

# ikey_change KIND
ikey_change() {
	local n=20 what="$1 ikey"
	keyed_tunnel "$1"
	KT_KEY=1
	kt_probe_args 6
	check "$what: probe flow offloaded" kt_probe_flow 6
	probes_delivered "$what 1" probes $n
	set_tun router tun0 ikey 3
	set_tun remote tun1 okey 3
	key_now_3 "$what" "$what changed to 3" 1 "with the old key" $n
	topo_down
}

# probes_delivered LABEL WHAT N: N probes (PROBE) are delivered, on the
# patched kernel by the fast path.
probes_delivered() {
	kt_inject --count "$3"
	check "$1: $2 delivered" [ "$GOT" -eq "$3" ]
	if [ "$(kt_flavour)" != stock ]; then
		check "$1: by the fast path" [ "$PSLOW" -eq 0 ]
	fi
}

# key_now_3 WHAT LABEL OLD OLD_WHAT N: the router's ikey was just changed
# to 3 under the probe flow.  Probes with the old key OLD (a number, or
# none) are not delivered and take the slow path; the flow is offloaded
# again and probes with key 3 are delivered.
key_now_3() {
	local what=$1 label=$2 old=$3 old_what=$4 n=$5
	# The marker after the probes carries the new key (the last --key
	# wins).
	KT_KEY=3
	kt_probe_args 6
	kt_inject --count "$n" --key "$old"
	check "$label: probes $old_what are not delivered" [ "$GOT" -eq 0 ]
	kt_inject --count "$n" --key "$old" --ident 0xbeef
	check "$label: probes $old_what take the slow path" \
		both_eq "$GOT" 0 "$SPOOF" "$n"
	check "$what 3: probe flow offloaded again" kt_probe_flow 6
	probes_delivered "$what 3" "probes with the new key" "$n"
	KT_KEY=
}

# What the remote's eth1 receives from the router's ip6gre end.
wire_counters() {
	in_ns remote nft -f - <<'NFT' || bail "remote wire counters"
table netdev wire {
	counter ttl_old { }
	counter ttl_new { }
	counter okey_old { }
	counter okey_new { }
	counter to_old { }
	counter to_new { }
	chain ingress {
		type filter hook ingress device eth1 priority 0; policy accept;
		# meta l4proto: past the encapsulation limit option ip6gre sends.
		ip6 saddr fd00:1::1 meta l4proto gre jump gre
	}
	chain gre {
		ip6 hoplimit 64 counter name ttl_old
		ip6 hoplimit 33 counter name ttl_new
		@th,32,32 2 counter name okey_old
		@th,32,32 4 counter name okey_new
		ip6 daddr fd00:1::2 counter name to_old
		ip6 daddr fd00:1::3 counter name to_new
	}
}
NFT
}

wire() {
	local all name out=()
	all=$(in_ns remote nft list counters table netdev wire)
	for name in ttl_old ttl_new okey_old okey_new to_old to_new; do
		out+=("$(awk -v n="$name" '$1 == "counter" && $2 == n { f = 1 }
			f && /packets/ { for (i = 1; i <= NF; i++) if ($i == "packets") print $(i + 1); exit }' <<<"$all")")
	done
	echo "${out[*]}"
}

# after WHAT: the wire counters over a window that starts once the stream
# carried 1 MiB more over the underlay after a change (the packets under
# way at the change are past) and ends 2 MiB later; sets W_* and WIN.
after() {
	local a1 a2 i
	kt_wait_underlay "$(deadline 60)" $((1 << 20)) 0 ||
		note "$1: the stream did not go on after the change"
	read -r -a a1 <<<"$(wire)"
	WIN=no
	kt_wait_underlay "$(deadline 60)" $((2 << 20)) 0 && WIN=yes
	read -r -a a2 <<<"$(wire)"
	for i in 0 1 2 3 4 5; do a2[i]=$((a2[i] - a1[i])); done
	read -r W_TTL_OLD W_TTL_NEW W_KEY_OLD W_KEY_NEW W_TO_OLD W_TO_NEW <<<"${a2[*]}"
	note "$1: window $WIN: hop limit 64 $W_TTL_OLD, 33 $W_TTL_NEW, okey 2 $W_KEY_OLD, okey 4 $W_KEY_NEW, to ::2 $W_TO_OLD, to ::3 $W_TO_NEW"
}

# Hop limit, okey and remote of an ip6gre tunnel under an inner IPv6 stream.
stream_change() {
	local alive=no
	keyed_tunnel ip6gre
	wire_counters
	stream_begin server fd00:b::2
	check "stream: [OFFLOAD]" wait_until "$(deadline 30)" kt_offloaded 6 'dport=5201'
	kt_wait_underlay "$(deadline 30)" $KT_WARM 0 || note "the stream did not start"

	set_tun router tun0 ttl 33 okey 4
	set_tun remote tun1 ikey 4
	after "hop limit 33, okey 4"
	check "hop limit/okey changed: the stream goes on" [ "$WIN" = yes ]
	check "hop limit/okey changed: no outer packet with the old hop limit" [ "$W_TTL_OLD" -eq 0 ]
	check "hop limit/okey changed: outer packets with the new hop limit" grows "$W_TTL_NEW"
	check "hop limit/okey changed: no outer packet with the old key" [ "$W_KEY_OLD" -eq 0 ]
	check "hop limit/okey changed: outer packets with the new key" grows "$W_KEY_NEW"

	in_ns remote ip -6 addr add fd00:1::3/64 dev eth1 nodad || bail "fd00:1::3 on the remote"
	set_tun remote tun1 local fd00:1::3
	set_tun router tun0 remote fd00:1::3
	after "remote fd00:1::3"
	check "remote changed: the stream goes on" [ "$WIN" = yes ]
	check "remote changed: no outer packet to the old remote" [ "$W_TO_OLD" -eq 0 ]
	check "remote changed: outer packets to the new remote" grows "$W_TO_NEW"
	stream_stop && alive=yes
	check "the stream never failed" [ "$alive" = yes ]
	topo_down
}

# ioctl_key_on: a key set on a keyless gre tunnel by `ip tunnel change`.
ioctl_key_on() {
	local n=20 what="gre ikey by ip tunnel change"
	kt_setup gre
	wait_until "$(deadline 20)" ping_ok client fd00:b::2 ||
		bail "no connectivity through the gre tunnel"
	KT_KEY=
	kt_probe_args 6
	check "$what: probe flow offloaded, no key" kt_probe_flow 6
	probes_delivered "$what: no key yet" probes $n
	in_ns router ip tunnel change tun0 ikey 3 || bail "ip tunnel change tun0 ikey 3"
	in_ns remote ip tunnel change tun1 okey 3 || bail "ip tunnel change tun1 okey 3"
	note "router: $(in_ns router ip tunnel show tun0)"
	key_now_3 "$what" "$what 3" none "without a key" $n
	topo_down
}

ikey_change gre
ikey_change ip6gre
stream_change
ioctl_key_on
done_testing
