/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the kernel's flowtable really does with a tunnel's traffic, per
 * direction (rx: from the remote, tx: into the tunnel):
 *
 *	outer	the outer header is handled in the fast path too (kernel
 *		with the tunnel series, flowtable with the tunnel flag, tunnel
 *		and underlay in the flowtable)
 *	inner	the inner flow is offloaded through the tunnel device; the
 *		stack encapsulates/decapsulates (any kernel with flowtables)
 *	slow	the packets go through the forward path
 *	unknown	outer or inner: the kernel's capability is not known yet
 *
 * Pure: the plan supplies the facts, the daemon what the kernel said about
 * the flowtable's tunnel flag.  The refusals below mirror the series'
 * ndo_fill_forward_path() and receive checks (kernel/patches/).
 */
#ifndef FLOWD_ACCEL_H
#define FLOWD_ACCEL_H

#include <stdbool.h>

#include "model.h"

/* Does the running kernel offload tunnel outer headers? */
enum accel_kernel {
	ACCEL_KERNEL_UNKNOWN = 0,	/* not applied nor probed yet */
	ACCEL_KERNEL_OUTER,		/* accepted NFT_FLOWTABLE_TUNNEL */
	ACCEL_KERNEL_INNER,		/* refused it: inner flow offload only */
};

enum accel_state {
	ACCEL_UNKNOWN = 0,
	ACCEL_SLOW,
	ACCEL_INNER,
	ACCEL_OUTER,
};

/* What the plan knows about one tunnel. */
struct accel_facts {
	bool tunnel_in_ft;		/* the tunnel device is in the flowtable */
	bool underlay_in_ft;		/* and its underlay (plan: accelerated) */
	const char *why_not;		/* the plan's reason when not (static) */
	const char *refused;		/* accel_refusals(): both directions */
	const char *rx_refused;		/* accel_refusals(): receive only */
};

struct accel_dir {
	enum accel_state state;
	const char *why;		/* static text, never NULL */
};

struct accel {
	struct accel_dir rx, tx;
};

/*
 * The settings of a layer 3 tunnel that the kernel series does not
 * accelerate: *both (the tunnel stays on inner offload both ways) and *rx
 * (receive only, e.g. IPv6 extension headers).  NULL when none; static.
 */
void accel_refusals(const struct tunnel_params *tun, const char **both, const char **rx);

void accel_compute(enum accel_kernel kernel, const struct accel_facts *f, struct accel *out);

/* "outer", "inner", "slow", "unknown". */
const char *accel_state_name(enum accel_state state);
/* "outer" (accepted), "inner" (refused), "unknown". */
const char *accel_kernel_name(enum accel_kernel kernel);

#endif
