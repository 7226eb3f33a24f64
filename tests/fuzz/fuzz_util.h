/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the libFuzzer targets: input copies and message walking. */
#ifndef FLOWD_FUZZ_UTIL_H
#define FLOWD_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netlink.h>

/* Inputs past this are cut: the daemon's receive buffers are 64 KiB. */
#define FUZZ_MAX_INPUT (64 * 1024)

/*
 * A copy of the input, NUL-terminated, and zero-padded to the next 4-byte
 * boundary (netlink buffers are 4-byte aligned; libFuzzer's data need not
 * be).  The padding matters: libmnl's attribute walks run to
 * MNL_ALIGN(nlmsg_len), up to 3 bytes past an unaligned nlmsg_len.  The
 * kernel pads its messages and the daemon's receive buffers are 64 KiB or
 * more, so there those bytes are always inside the buffer; an exact-size
 * copy here would report that as an overflow.  NULL on ENOMEM.
 */
static inline void *fuzz_copy(const uint8_t *data, size_t size)
{
	char *p = calloc(1, ((size + 3) & ~(size_t)3) + 4);

	if (p && size)
		memcpy(p, data, size);
	return p;
}

/*
 * The whole input as one netlink message: its nlmsg_len set to the input
 * size, so the parsers see every byte as attributes instead of the
 * fuzzer having to keep the length field consistent.  NULL when too short.
 */
static inline struct nlmsghdr *fuzz_single_msg(const uint8_t *data, size_t size)
{
	struct nlmsghdr *nlh;

	if (size < sizeof(*nlh))
		return NULL;
	nlh = fuzz_copy(data, size);
	if (nlh)
		nlh->nlmsg_len = (uint32_t)size;
	return nlh;
}

#endif
