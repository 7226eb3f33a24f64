/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Between ctl_server.c (the server and its clients) and ctl_socket.c (the
 * listening socket's file).
 */
#ifndef FLOWD_CTL_PRIV_H
#define FLOWD_CTL_PRIV_H

#include <stddef.h>
#include <sys/types.h>

#include "ctl.h"

/*
 * Create opts->path as a listening, non-blocking, close-on-exec socket
 * with opts->mode and opts->group.  Returns the fd and the file's identity
 * in *dev and *ino, or -1 with a message in err (and no file left behind).
 */
int ctl_socket_open(const struct ctl_options *opts, dev_t *dev, ino_t *ino, char *err,
		    size_t errlen);
/*
 * Give the socket file at opts->path, which must still be the one with
 * dev and ino, opts->mode and opts->group.  Returns 0, or -1 with a
 * message in err and the file's mode and group as they were.
 */
int ctl_socket_update(const struct ctl_options *opts, dev_t dev, ino_t ino, char *err,
		      size_t errlen);
/* Unlink path only if it is still the socket we created. */
void ctl_socket_unlink(const char *path, dev_t dev, ino_t ino);

#endif
