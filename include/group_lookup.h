/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FLOWD_GROUP_LOOKUP_H
#define FLOWD_GROUP_LOOKUP_H

#include <sys/types.h>

/*
 * The gid of group `name`: 0 and *gid set when it exists, -1 when it does
 * not, or a positive errno when the lookup itself failed (NSS down, out of
 * memory).  Used where the config is checked and where the control socket
 * is given to its group, so that both judge a name the same way.
 */
int group_lookup(const char *name, gid_t *gid);

#endif
