// SPDX-License-Identifier: GPL-2.0-or-later
/* Group name -> gid with getgrnam_r(), whatever size the entry has. */
#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <unistd.h>

#include "group_lookup.h"

int group_lookup(const char *name, gid_t *gid)
{
	long size = sysconf(_SC_GETGR_R_SIZE_MAX);
	struct group grp, *found = NULL;
	char *buf = NULL;
	int rc;

	if (size <= 0)
		size = 16384;
	/* A group with many members needs a bigger buffer: ERANGE, grow it. */
	for (;;) {
		char *nbuf = realloc(buf, (size_t)size);

		if (!nbuf) {
			rc = ENOMEM;
			break;
		}
		buf = nbuf;
		rc = getgrnam_r(name, &grp, buf, (size_t)size, &found);
		if (rc != ERANGE || size >= 1 << 20)
			break;
		size *= 2;
	}
	if (found)
		*gid = grp.gr_gid;
	free(buf);
	if (found)
		return 0;
	/* glibc reports "no such group" as 0, ENOENT, ESRCH, EBADF or EPERM. */
	if (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM)
		return -1;
	return rc;
}
