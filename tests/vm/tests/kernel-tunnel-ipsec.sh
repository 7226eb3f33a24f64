#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: patched
# vm-reference: stock
# vm-cost: 135
# vm-timeout: 2400
#
# IPsec on a tunnel's outer packets is never bypassed by the flowtable's
# tunnel acceleration (kernel/patches/).  For an IPv4 outer (gre) and an
# IPv6 outer (ip6gre) tunnel, with transport mode ESP for the
# tunnel's outer protocol between the two underlay addresses:
#   esp     policies out and in on both ends: traffic passes, the outer
#           packets the router sends are ESP (the remote's eth1 ingress
#           sees ESP and no cleartext tunnel packet), and cleartext outer
#           packets the remote injects with the inner tuple of an
#           offloaded flow are not delivered: they reach the router's
#           input hook without IPsec (the slow path), whose policy check
#           drops them;
#   inonly  the router has only an inbound `level required` policy (the
#           remote sends ESP, the router in clear), added while a flow is
#           offloaded through the tunnel: the injected cleartext is
#           dropped by the slow path, then again after a stream set up
#           with the policy in place.
# The stock kernel does all of this in its slow path, so every check holds
# there too; the patched series before the IPsec fix failed the IPv6 ESP
# checks (cleartext on the wire, injected cleartext delivered) and the
# injected cleartext of both inbound-only cases.  So the stock run is the
# reference (run-tests.sh --reference), not part of every run.
. "$FLOWD_TOP/tests/vm/lib.sh"
. "$FLOWD_TOP/tests/vm/kernel-tunnel-lib.sh"

# ESP in software under TCG is slow: a shorter stream window is enough
# (every outer packet of it is counted on the wire).
KT_WIN_DATA=$((4 << 20))
# ESP in software under TCG costs the guest more per byte than anything
# else here: 20 Mbit/s fills the window in under 2 s and leaves CPU to the
# commands that read the counters.
STREAM_RATE=20M
KEY=0x0123456789abcdef0123456789abcdef01234567

# ipsec_addrs: R (router) and M (remote) underlay addresses and P, the
# tunnel's outer protocol (the policies' selector).
ipsec_addrs() {
	if [ "$(topo_underlay_family "$TOPO_KIND")" = 4 ]; then
		R=192.168.1.1 M=192.168.1.2
	else
		R=fd00:1::1 M=fd00:1::2
	fi
	case $TOPO_KIND in
	ipip | ipip6) P=4 ;;
	gre | ip6gre) P=47 ;;
	*) P=41 ;;
	esac
}

ipsec_states() {
	local ns
	for ns in router remote; do
		in_ns $ns ip xfrm state add src $R dst $M proto esp spi 0x1001 \
			mode transport aead 'rfc4106(gcm(aes))' $KEY 128 ||
			bail "xfrm state $R -> $M in $ns"
		in_ns $ns ip xfrm state add src $M dst $R proto esp spi 0x1002 \
			mode transport aead 'rfc4106(gcm(aes))' $KEY 128 ||
			bail "xfrm state $M -> $R in $ns"
	done
}

# ipsec_policy NS DIR SRC DST: ESP required for the tunnel's outer packets
# from SRC to DST.
ipsec_policy() {
	in_ns "$1" ip xfrm policy add src "$3" dst "$4" proto $P dir "$2" \
		tmpl src "$3" dst "$4" proto esp mode transport level required ||
		bail "xfrm policy $2 $3 -> $4 in $1"
}

# The remote counts what reaches its eth1 from the wire (before any
# decryption): ESP and cleartext tunnel packets.  The router counts the
# outer tunnel packets without IPsec that reach its input hook.
ipsec_counters() {
	in_ns remote nft -f - <<'NFT' || bail "remote wire counters"
table netdev wire {
	counter esp_pkts { }
	counter clear { }
	chain ingress {
		type filter hook ingress device eth1 priority 0; policy accept;
		# meta l4proto: past the IPv6 encapsulation limit option that
		# ip6gre sends by default (ip6 nexthdr would name that header).
		meta protocol { ip, ip6 } meta l4proto esp counter name esp_pkts
		meta protocol { ip, ip6 } meta l4proto { 4, 41, 47 } counter name clear
	}
}
NFT
	in_ns router nft -f - <<'NFT' || bail "router ipsec counters"
table inet xfrmtest {
	counter clear_in { }
	chain input {
		type filter hook input priority -10; policy accept;
		meta l4proto { 4, 41, 47 } meta ipsec missing counter name clear_in
	}
}
NFT
}

wire() {
	echo "$(nft_counter remote netdev wire esp_pkts) $(nft_counter remote netdev wire clear)"
}

# inject_clear FAM N WHAT [noflow]: the remote injects N cleartext outer
# packets carrying the inner tuple of the offloaded probe flow (opened
# first unless noflow); waits until each was either delivered to the
# client or counted at the router's input hook without IPsec, then checks
# that none was delivered.
inject_clear() {
	local fam=$1 n=$2 what=$3 g1 c1 g2 c2 end
	kt_probe_args "$fam"
	[ "${4:-}" = noflow ] || check "$what: probe flow offloaded" kt_probe_flow "$fam"
	g1=$(nft_counter client inet filter got)
	c1=$(nft_counter router inet xfrmtest clear_in)
	kt_injector_send "${PROBE[@]}" --count "$n" || bail "injector failed"
	end=$((SECONDS + $(deadline 20)))
	while :; do
		g2=$(nft_counter client inet filter got)
		c2=$(nft_counter router inet xfrmtest clear_in)
		[ $((g2 - g1 + c2 - c1)) -ge "$n" ] && break
		[ $SECONDS -ge $end ] && break
		sleep 0.2
	done
	note "$what: $n injected, client got $((g2 - g1)), router input without IPsec $((c2 - c1))"
	check "$what: injected cleartext outer packets are not delivered" \
		[ $((g2 - g1)) -eq 0 ]
	check "$what: they take the slow path, which drops them" \
		[ $((c2 - c1)) -eq "$n" ]
}

ipsec_run() {
	local kind=$1 mode=$2 fam what e1 c1 e2 c2
	kt_setup "$kind"
	ipsec_addrs
	ipsec_counters
	ipsec_states
	# ESP: the outer family inside.  Inbound only: the other family, so
	# that the route generation bump of the policy insertion (which
	# tears down flows whose route is of the policy's family) does not
	# hide a flow that keeps bypassing the new policy.
	fam=$(topo_underlay_family "$kind")
	[ "$mode" = inonly ] && fam=$((10 - fam))
	what="$kind ipv$fam $mode"
	note "kernel: $(kt_flavour) $(uname -r), tunnel $kind, inner IPv$fam, IPsec $mode"

	if [ "$mode" = esp ]; then
		ipsec_policy router out $R $M
		ipsec_policy router in $M $R
		ipsec_policy remote out $M $R
		ipsec_policy remote in $R $M
		wait_until "$(deadline 20)" ping_ok client "$(kt_dst "$fam")" ||
			bail "$what: no connectivity through the tunnel with ESP"
		read -r e1 c1 <<<"$(wire)"
		kt_stream "$fam" tcp
		read -r e2 c2 <<<"$(wire)"
		note "$what: the remote's eth1 received $((e2 - e1)) ESP, $((c2 - c1)) cleartext tunnel packets"
		check "$what: traffic passes" [ "$DELIVERED_OK" = yes ]
		check "$what: the flow is [OFFLOAD]" [ "$OFFLOADED" = yes ]
		check "$what: the router's outer packets are ESP on the wire" grows $((e2 - e1))
		check "$what: no cleartext outer packet from the router on the wire" \
			[ $((c2 - c1)) -eq 0 ]
		inject_clear "$fam" 20 "$what"
	else
		# The remote encrypts, the router only requires ESP inbound;
		# the policy arrives under an offloaded flow.
		ipsec_policy remote out $M $R
		wait_until "$(deadline 20)" ping_ok client "$(kt_dst "$fam")" ||
			bail "$what: no connectivity through the tunnel"
		kt_probe_args "$fam"
		check "$what: probe flow offloaded before the policy" kt_probe_flow "$fam"
		# Nothing is sent through the flow between the policy and
		# the injection.
		ipsec_policy router in $M $R
		inject_clear "$fam" 20 "$what, policy added under the flow" noflow
		kt_stream "$fam" tcp
		check "$what: traffic passes" [ "$DELIVERED_OK" = yes ]
		check "$what: the flow is [OFFLOAD]" [ "$OFFLOADED" = yes ]
		inject_clear "$fam" 20 "$what, flow set up under the policy"
	fi
	topo_down
}

ipsec_run gre esp
ipsec_run gre inonly
ipsec_run ip6gre esp
ipsec_run ip6gre inonly
done_testing
