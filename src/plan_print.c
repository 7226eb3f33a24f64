// SPDX-License-Identifier: GPL-2.0-or-later
/* The plan as text: `flowd --check` and debug logs. Columns like ip/nft. */
#include <stdio.h>
#include <string.h>

#include "plan.h"

static const struct {
	unsigned int bit;
	const char *name;
} reason_names[] = {
	{ PLAN_REASON_CONFIGURED, "configured" },
	{ PLAN_REASON_TUNNEL, "tunnel" },
	{ PLAN_REASON_UNDERLAY, "underlay" },
};

const char *plan_reasons_str(unsigned int reasons, char *buf, size_t len)
{
	size_t off = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(reason_names) / sizeof(reason_names[0]); i++) {
		int n;

		if (!(reasons & reason_names[i].bit))
			continue;
		n = snprintf(buf + off, len - off, "%s%s", off ? "," : "", reason_names[i].name);
		if (n < 0 || (size_t)n >= len - off) {
			buf[off] = '\0';	/* whole names only */
			break;
		}
		off += (size_t)n;
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "-");
	return buf;
}

static int maxw(int w, const char *s)
{
	int n = (int)strlen(s);

	return n > w ? n : w;
}

static void print_devices(FILE *out, const struct plan *plan)
{
	char reasons[64];
	int wn = (int)strlen("DEVICE"), wr = (int)strlen("REASON");

	if (plan->n_devices == 0) {
		fprintf(out, "no flowtable devices\n");
		return;
	}
	for (size_t i = 0; i < plan->n_devices; i++) {
		wn = maxw(wn, plan->devices[i].name);
		wr = maxw(wr, plan_reasons_str(plan->devices[i].reasons, reasons, sizeof(reasons)));
	}
	fprintf(out, "%-*s  %-7s  %-*s  %s\n", wn, "DEVICE", "IFINDEX", wr, "REASON", "TUNNEL");
	for (size_t i = 0; i < plan->n_devices; i++) {
		const struct plan_device *d = &plan->devices[i];

		fprintf(out, "%-*s  %-7d  %-*s  %s\n", wn, d->name, d->ifindex, wr,
			plan_reasons_str(d->reasons, reasons, sizeof(reasons)),
			d->tunnel[0] ? d->tunnel : "-");
	}
}

static void print_tunnels(FILE *out, const struct plan *plan)
{
	char local[ADDR_STRLEN], remote[ADDR_STRLEN];
	int wn = (int)strlen("TUNNEL"), wk = (int)strlen("KIND"), wl = (int)strlen("LOCAL");
	int wr = (int)strlen("REMOTE"), wu = (int)strlen("UNDERLAY");

	if (plan->n_tunnels == 0) {
		fprintf(out, "no tunnels\n");
		return;
	}
	for (size_t i = 0; i < plan->n_tunnels; i++) {
		const struct plan_tunnel *t = &plan->tunnels[i];

		wn = maxw(wn, t->name);
		wk = maxw(wk, t->kind);
		wl = maxw(wl, addr_ntop(&t->local, local, sizeof(local)));
		wr = maxw(wr, addr_ntop(&t->remote, remote, sizeof(remote)));
		wu = maxw(wu, t->underlay);
	}
	fprintf(out, "%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", wn, "TUNNEL", wk, "KIND", wl, "LOCAL",
		wr, "REMOTE", wu, "UNDERLAY", "STATUS");
	for (size_t i = 0; i < plan->n_tunnels; i++) {
		const struct plan_tunnel *t = &plan->tunnels[i];

		fprintf(out, "%-*s  %-*s  %-*s  %-*s  %-*s  ", wn, t->name, wk, t->kind, wl,
			t->l2 ? "-" : addr_ntop(&t->local, local, sizeof(local)), wr,
			t->l2 ? "-" : addr_ntop(&t->remote, remote, sizeof(remote)), wu,
			t->underlay[0] ? t->underlay : "-");
		if (t->accelerated)
			fprintf(out, "accelerated\n");
		else
			fprintf(out, "not accelerated: %s\n", t->why_not ? t->why_not : "unknown");
	}
}

void plan_print(FILE *out, const struct plan *plan)
{
	print_devices(out, plan);
	fprintf(out, "\n");
	print_tunnels(out, plan);
}

void plan_print_accel(FILE *out, const struct plan *plan, enum accel_kernel kernel,
		      const char *kernel_why)
{
	int wn = (int)strlen("TUNNEL");

	fprintf(out, "kernel tunnel offload: %s", accel_kernel_name(kernel));
	if (kernel_why && kernel_why[0])
		fprintf(out, " (%s)", kernel_why);
	fputc('\n', out);
	if (plan->n_tunnels == 0)
		return;
	for (size_t i = 0; i < plan->n_tunnels; i++)
		wn = maxw(wn, plan->tunnels[i].name);
	fprintf(out, "%-*s  %-7s  %-7s  %s\n", wn, "TUNNEL", "RX", "TX", "WHY");
	for (size_t i = 0; i < plan->n_tunnels; i++) {
		const struct plan_tunnel *t = &plan->tunnels[i];
		struct accel a;

		plan_tunnel_accel(t, kernel, &a);
		fprintf(out, "%-*s  %-7s  %-7s  ", wn, t->name, accel_state_name(a.rx.state),
			accel_state_name(a.tx.state));
		if (a.rx.why == a.tx.why)
			fprintf(out, "%s\n", a.rx.why);
		else
			fprintf(out, "rx: %s; tx: %s\n", a.rx.why, a.tx.why);
	}
}
