// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Per tunnel and direction: outer, inner or slow, and why (accel.h).
 *
 * The refusals are read from the kernel series, not guessed:
 *   ip_tunnel_fill_forward_path (ipip, sit, gre): metadata mode, FOU/GUE,
 *     no remote or a multicast remote, GRE checksums or sequence numbers;
 *   sit: ISATAP (also 6to4/6rd, which have no remote);
 *   gre: multipoint (header_ops: no or multicast remote);
 *   ip6_tnl_fill_forward_path (ip6tnl, ip6gre): metadata mode, FOU/GUE,
 *     end points not both configured, fwmark inherit, DSCP copy on
 *     receive, GRE checksums or sequence numbers;
 *   receive (nf_flow_tunnel_ipv6_rx): no IPv6 extension header, so a
 *     remote sending the encapsulation limit option takes the slow path.
 * Whatever the series refuses is forwarded as on a stock kernel: the
 * inner flow through the tunnel device.  FOU/GUE encapsulation and a link
 * in another namespace are refused too, but flowd does not model them.
 */
#include <stddef.h>
#include <sys/socket.h>

#include "accel.h"
#include "tunnel_kind.h"

/*
 * The uapi values (linux/if_tunnel.h, linux/ip6_tunnel.h, which clash with
 * net/if.h): GRE flags in host order as struct tunnel_params keeps them.
 */
#define GRE_F_CSUM			0x8000
#define GRE_F_SEQ			0x1000
#define TUN_SIT_ISATAP			0x0001
#define TUN_IP6_F_RCV_DSCP_COPY		0x10
#define TUN_IP6_F_USE_ORIG_FWMARK	0x20

static const char WHY_OUTER[] = "outer header in the fast path";
static const char WHY_NOT_IN_FT[] = "not in the flowtable";
static const char WHY_KERNEL_INNER[] =
	"kernel without tunnel offload (flowtable flag refused): inner flow through the tunnel device";
static const char WHY_KERNEL_UNKNOWN[] =
	"outer if the kernel accepts the flowtable tunnel flag, else inner (not applied yet)";
static const char WHY_UNDERLAY[] = "underlay not in the flowtable";

static const char REF_COLLECT_MD[] = "metadata (external) tunnel";
static const char REF_NO_REMOTE[] = "no fixed remote (multipoint)";
static const char REF_MCAST[] = "multicast remote (multipoint)";
static const char REF_CSUM[] = "GRE checksums";
static const char REF_SEQ[] = "GRE sequence numbers";
static const char REF_ISATAP[] = "ISATAP";
static const char REF_MPLS[] = "mode mplsip (the tunnel carries MPLS only)";
static const char REF_ENDPOINTS[] = "end points not both configured";
static const char REF_FWMARK[] = "fwmark inherit (routing by the inner mark)";
static const char REF_DSCP_COPY[] = "DSCP copy on receive";

static bool addr_multicast(const struct addr *a)
{
	if (a->family == AF_INET)
		return (a->bytes[0] & 0xf0) == 0xe0;
	if (a->family == AF_INET6)
		return a->bytes[0] == 0xff;
	return false;
}

void accel_refusals(const struct tunnel_params *tun, const char **both, const char **rx)
{
	const struct tunnel_kind_info *tk = tunnel_kind_info(tun->kind);
	bool v6 = tk != NULL && tk->outer_family == AF_INET6;
	bool gre = tk != NULL && tk->gre;
	/* ipip's and sit's mode picks the inner protocol; mplsip means MPLS only. */
	bool has_mode = tk != NULL && tk->default_proto != 0;

	*both = NULL;
	*rx = NULL;
	if (tun->collect_md)
		*both = REF_COLLECT_MD;
	else if (v6 && (!addr_is_set(&tun->local) || !addr_is_set(&tun->remote)))
		*both = REF_ENDPOINTS;
	else if (!addr_is_set(&tun->remote))
		*both = REF_NO_REMOTE;
	else if (addr_multicast(&tun->remote))
		*both = REF_MCAST;
	else if (gre && ((tun->iflags | tun->oflags) & GRE_F_CSUM))
		*both = REF_CSUM;
	else if (gre && ((tun->iflags | tun->oflags) & GRE_F_SEQ))
		*both = REF_SEQ;
	else if (tun->kind == TUNNEL_KIND_SIT && (tun->flags & TUN_SIT_ISATAP))
		*both = REF_ISATAP;
	else if (has_mode && tun->proto == IPPROTO_MPLS)
		*both = REF_MPLS;
	else if (v6 && (tun->flags & TUN_IP6_F_USE_ORIG_FWMARK))
		*both = REF_FWMARK;
	else if (v6 && (tun->flags & TUN_IP6_F_RCV_DSCP_COPY))
		*both = REF_DSCP_COPY;
	/*
	 * No setting refuses one direction only today: the series accepts the
	 * encapsulation limit option that ip6tnl and ip6gre send by default
	 * on receive too (kernel patch 0015).
	 */
}

static void set(struct accel_dir *d, enum accel_state state, const char *why)
{
	d->state = state;
	d->why = why;
}

void accel_compute(enum accel_kernel kernel, const struct accel_facts *f, struct accel *out)
{
	if (!f->tunnel_in_ft && !f->underlay_in_ft) {
		set(&out->rx, ACCEL_SLOW, f->why_not ? f->why_not : WHY_NOT_IN_FT);
		out->tx = out->rx;
		return;
	}
	/*
	 * Without the underlay the kernel finds no outer path: the inner
	 * flow goes through the tunnel device, series or not.
	 */
	if (!f->underlay_in_ft) {
		set(&out->rx, ACCEL_INNER, f->why_not ? f->why_not : WHY_UNDERLAY);
		out->tx = out->rx;
		return;
	}
	/* No tunnel offload at all: that is the reason, whatever the settings. */
	if (kernel == ACCEL_KERNEL_INNER) {
		set(&out->rx, ACCEL_INNER, WHY_KERNEL_INNER);
		out->tx = out->rx;
		return;
	}
	if (f->refused) {
		set(&out->rx, ACCEL_INNER, f->refused);
		out->tx = out->rx;
		return;
	}
	switch (kernel) {
	case ACCEL_KERNEL_INNER:
		break;
	case ACCEL_KERNEL_UNKNOWN:
		set(&out->rx, ACCEL_UNKNOWN, WHY_KERNEL_UNKNOWN);
		out->tx = out->rx;
		return;
	case ACCEL_KERNEL_OUTER:
		break;
	}
	set(&out->tx, ACCEL_OUTER, WHY_OUTER);
	/*
	 * The flow's receive tuple expects the outer header on the underlay:
	 * a packet the series' receive refuses is decapsulated by the stack
	 * and misses the flow on the tunnel device, so it is not even inner.
	 */
	if (f->rx_refused)
		set(&out->rx, ACCEL_SLOW, f->rx_refused);
	else
		set(&out->rx, ACCEL_OUTER, WHY_OUTER);
}

const char *accel_state_name(enum accel_state state)
{
	switch (state) {
	case ACCEL_SLOW:	return "slow";
	case ACCEL_INNER:	return "inner";
	case ACCEL_OUTER:	return "outer";
	case ACCEL_UNKNOWN:	break;
	}
	return "unknown";
}

const char *accel_kernel_name(enum accel_kernel kernel)
{
	switch (kernel) {
	case ACCEL_KERNEL_OUTER:	return "outer";
	case ACCEL_KERNEL_INNER:	return "inner";
	case ACCEL_KERNEL_UNKNOWN:	break;
	}
	return "unknown";
}
