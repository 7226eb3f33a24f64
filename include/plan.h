/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The desired state of flowd's nftables table, computed purely from the
 * config and the topology model.  nft.c diffs it against what the kernel
 * has; flowctl shows the reasons.
 */
#ifndef FLOWD_PLAN_H
#define FLOWD_PLAN_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "accel.h"
#include "conf.h"
#include "model.h"

/* Why a device is in the flowtable; a device may have several reasons. */
enum plan_reason {
	PLAN_REASON_CONFIGURED = 1u << 0,	/* matched `devices` */
	PLAN_REASON_TUNNEL = 1u << 1,		/* a selected tunnel device */
	PLAN_REASON_UNDERLAY = 1u << 2,		/* carries a tunnel's outer packets */
};

struct plan_device {
	char name[IFNAMSIZ];
	int ifindex;
	int l3mdev_ifindex;			/* its VRF device, 0 if none */
	unsigned int reasons;			/* enum plan_reason bits */
	char tunnel[IFNAMSIZ];			/* for TUNNEL/UNDERLAY: the (first) tunnel */
};

/* Per tunnel: accelerated or not, and why. */
struct plan_tunnel {
	char name[IFNAMSIZ];
	int ifindex;
	bool selected;				/* config asks for it */
	bool accelerated;			/* selected, up and resolved: underlay
						 * in the flowtable (accel.h says what
						 * the kernel then does) */
	bool in_flowtable;			/* the tunnel device is in it */
	const char *why_not;			/* static text when !accelerated */
	const char *refused;			/* accel_refusals(): both ways */
	const char *rx_refused;			/* accel_refusals(): receive */
	int underlay_ifindex;			/* the bottom device, 0 if unresolved */
	char underlay[IFNAMSIZ];		/* for a bridge: the bridge */
	char kind[16];				/* IFLA_INFO_KIND */
	bool l2;				/* gretap & co: listed, never accelerated */
	struct addr local, remote;
	struct addr nexthop;			/* where outer packets go, when resolved */
	int *underlay_ifindexes;		/* every device added as its underlay */
	size_t n_underlay_ifindexes;
};

/* Walking down stacked devices gives up after this many levels. */
#define PLAN_MAX_DEPTH 8

struct plan {
	struct plan_device *devices;		/* sorted by name, unique */
	size_t n_devices;
	struct plan_tunnel *tunnels;		/* sorted by name */
	size_t n_tunnels;
};

/*
 * conf + topology -> plan.  Pure: no I/O, no logging.  Returns 0, or -1 on
 * allocation failure (*out then empty).  Free with plan_free().
 */
int plan_compute(const struct conf *conf, const struct topo *topo, struct plan *out);
void plan_free(struct plan *plan);
/* Is dev one of the devices carrying tunnel t's outer packets? */
bool plan_tunnel_uses(const struct plan *plan, const struct plan_tunnel *t,
		      const struct plan_device *dev);
/* "configured,underlay": the reason bits as text, into buf; returns buf. */
const char *plan_reasons_str(unsigned int reasons, char *buf, size_t len);
/* Same device names in the same order. */
bool plan_devices_equal(const struct plan *a, const struct plan *b);
/* The `flowd --check` report: each device and why, each tunnel and why. */
void plan_print(FILE *out, const struct plan *plan);
/* What the kernel does with tunnel t's traffic, per direction (accel.h). */
void plan_tunnel_accel(const struct plan_tunnel *t, enum accel_kernel kernel, struct accel *out);
/*
 * Per tunnel: rx and tx state and why, for a kernel whose tunnel offload
 * is `kernel` (kernel_why: how flowd knows, may be NULL).
 */
void plan_print_accel(FILE *out, const struct plan *plan, enum accel_kernel kernel,
		      const char *kernel_why);

#endif
