// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The debounce and retry arithmetic of reconcile_sched.h: no loop, no
 * clock of its own (the caller passes ev_now()), so tests can step time.
 */
#include "reconcile_sched.h"

static double debounce_due(struct reconcile_sched *s, double now)
{
	double at;

	if (!s->armed) {
		s->armed = true;
		s->burst_start = now;
	}
	at = now + SCHED_QUIET;
	if (at > s->burst_start + SCHED_MAX)
		at = s->burst_start + SCHED_MAX;
	if (at < now)
		at = now;
	s->due = at;
	return at;
}

double sched_event(struct reconcile_sched *s, double now, bool reconcile)
{
	/* Waiting out a failure: paths are part of the retry. */
	if (!reconcile && s->armed && s->reconcile && s->failures > 0)
		return s->due;
	if (reconcile)
		s->reconcile = true;
	return debounce_due(s, now);
}

enum sched_work sched_fire(struct reconcile_sched *s, bool ready)
{
	bool reconcile = s->reconcile || !ready;

	s->armed = false;
	s->reconcile = false;
	return reconcile ? SCHED_RECONCILE : SCHED_PATHS;
}

double sched_failed(struct reconcile_sched *s, double now)
{
	double delay = SCHED_RETRY_MIN;

	for (unsigned int i = 0; i < s->failures && delay < SCHED_RETRY_MAX; i++)
		delay *= 2;
	if (delay > SCHED_RETRY_MAX)
		delay = SCHED_RETRY_MAX;
	s->failures++;
	s->armed = true;
	s->reconcile = true;
	s->burst_start = now;
	s->due = now + delay;
	return s->due;
}

void sched_succeeded(struct reconcile_sched *s)
{
	s->failures = 0;
}
