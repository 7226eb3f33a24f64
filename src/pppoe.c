// SPDX-License-Identifier: GPL-2.0-or-later
/* PPPoE lower-device discovery from /proc/net/pppoe (see pppoe.h). */
#include <stdio.h>
#include <string.h>

#include "pppoe.h"

size_t pppoe_parse_sessions(const char *text, char first_dev[IFNAMSIZ])
{
	const char *line, *next;
	size_t n = 0;

	if (first_dev != NULL)
		first_dev[0] = '\0';
	if (text == NULL)
		return 0;
	/* Kernel: "%08X %pM %8s\n" per session after the header line. */
	for (line = text; *line != '\0'; line = next) {
		char buf[128], mac[32], dev[IFNAMSIZ];
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		unsigned int sid;

		next = line + len + (end ? 1 : 0);
		if (len == 0 || len >= sizeof(buf))
			continue;
		memcpy(buf, line, len);
		buf[len] = '\0';
		/* NOLINTNEXTLINE(cert-err34-c): sid only checks the line's shape, its value is unused */
		if (sscanf(buf, "%x %31s %15s", &sid, mac, dev) != 3 || strchr(mac, ':') == NULL)
			continue;
		if (n == 0 && first_dev != NULL)
			snprintf(first_dev, IFNAMSIZ, "%s", dev);
		n++;
	}
	return n;
}

int pppoe_assign_lower(struct link *links, size_t n_links, const char *proc_text)
{
	struct link *ppp = NULL, *eth = NULL;
	char dev[IFNAMSIZ];

	for (size_t i = 0; i < n_links; i++) {
		if (links[i].type != LINK_TYPE_PPP || links[i].lower_ifindex != 0)
			continue;
		if (ppp != NULL)
			return 0;
		ppp = &links[i];
	}
	if (ppp == NULL || pppoe_parse_sessions(proc_text, dev) != 1)
		return 0;
	for (size_t i = 0; i < n_links; i++)
		if (strncmp(links[i].name, dev, IFNAMSIZ) == 0)
			eth = &links[i];
	if (eth == NULL || eth == ppp)
		return 0;
	ppp->lower_ifindex = eth->ifindex;
	return 1;
}
