/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's side of `flowctl status`: the running state as a JSON
 * object following the schema in flowctl(8).  flowctl formats it.
 */
#ifndef FLOWD_STATUS_H
#define FLOWD_STATUS_H

#include <jansson.h>

struct flowd;

/* A new reference, or NULL when out of memory. */
json_t *status_build(const struct flowd *fd);

#endif
