/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * When the daemon works: the debounce of events and the backoff after a
 * failed reconcile, as plain arithmetic on times (seconds), so that it is
 * tested without an event loop.  reconcile.c drives one ev_timer with it.
 *
 * Events ask for a reconcile (links, tunnels, our table) or only for the
 * offloaded flows' paths (route events no tunnel feels).  Either kind
 * runs 20 ms after the last event of a burst and never later than 100 ms
 * after its first; a burst with any reconcile event in it reconciles,
 * which updates the paths too.  After a failed reconcile the next one
 * waits 0.2 s, doubled per failure in a row up to 30 s; events in
 * between do not cut that wait short for paths, but a reconcile event
 * does (something changed: it may work now).
 */
#ifndef FLOWD_RECONCILE_SCHED_H
#define FLOWD_RECONCILE_SCHED_H

#include <stdbool.h>

#define SCHED_QUIET	0.020	/* s after the last event */
#define SCHED_MAX	0.100	/* s after the first event of a burst */
#define SCHED_RETRY_MIN	0.2	/* s, doubled per failure in a row */
#define SCHED_RETRY_MAX	30.0

enum sched_work {
	SCHED_RECONCILE,	/* the whole pass (it updates paths too) */
	SCHED_PATHS,		/* only the flow paths route events dropped */
};

struct reconcile_sched {
	bool armed;			/* work is due at `due` */
	bool reconcile;			/* ... the whole pass (else paths) */
	unsigned int failures;		/* failed passes in a row */
	double burst_start;
	double due;
};

/*
 * An event at `now` asks for work (reconcile: the whole pass).  Returns
 * when it is due (absolute; the caller (re)arms its timer for it).
 */
double sched_event(struct reconcile_sched *s, double now, bool reconcile);
/*
 * The timer fired: what to do now.  ready says a pass has worked once;
 * before that every run is a whole pass.  Disarms.
 */
enum sched_work sched_fire(struct reconcile_sched *s, bool ready);
/* The pass failed at `now`: returns when to try again (armed for it). */
double sched_failed(struct reconcile_sched *s, double now);
/* The pass worked: the backoff starts over. */
void sched_succeeded(struct reconcile_sched *s);

#endif
