// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Checks on single config values: nft names, interface names and globs,
 * address prefixes, the control socket's mode, path and group.  They know
 * nothing about libconfig; conf_read.c adds the key path and line.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf_priv.h"
#include "group_lookup.h"

/*
 * Describe the first character of s that is in bad or is whitespace, as
 * "'/'" or "whitespace"; NULL if there is none.
 */
static const char *find_bad_char(const char *s, const char *bad, char *buf, size_t len)
{
	for (; *s; s++) {
		if (isspace((unsigned char)*s))
			return "whitespace";
		if (strchr(bad, *s)) {
			snprintf(buf, len, "'%c'", *s);
			return buf;
		}
	}
	return NULL;
}

int conf_check_nft_name(const char *name, char *why, size_t whylen)
{
	size_t len = strlen(name);

	/* nft's scanner takes these as an identifier without quoting. */
	if (len > CONF_NFT_NAME_MAX) {
		snprintf(why, whylen, "name is %zu characters long, nft allows at most %d",
			 len, CONF_NFT_NAME_MAX);
		return -1;
	}
	if (!isalpha((unsigned char)name[0]))
		goto bad;
	for (const char *p = name + 1; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.')
			goto bad;
	return 0;
bad:
	snprintf(why, whylen,
		 "\"%s\" is not a valid nft name: it must start with a letter, "
		 "followed by letters, digits, '_', '-' or '.'", name);
	return -1;
}

/*
 * fnmatch() takes an unclosed '[' literally, which would silently turn a
 * typo like "lan[0-9" into a name that never matches: reject it instead.
 */
static int check_glob_brackets(const char *glob, char *why, size_t whylen)
{
	for (size_t i = 0; glob[i]; i++) {
		size_t j;

		if (glob[i] == '\\') {
			if (!glob[i + 1]) {
				snprintf(why, whylen, "\"%s\" is not a valid glob: it ends in a lone '\\'",
					 glob);
				return -1;
			}
			i++;
			continue;
		}
		if (glob[i] != '[')
			continue;
		j = i + 1;
		if (glob[j] == '!' || glob[j] == '^')
			j++;
		if (glob[j] == ']')	/* a leading ']' is a member, not the end */
			j++;
		while (glob[j] && glob[j] != ']')
			j++;
		if (!glob[j]) {
			snprintf(why, whylen,
				 "\"%s\" is not a valid glob: the '[' at position %zu has no closing ']'",
				 glob, i + 1);
			return -1;
		}
		i = j;
	}
	return 0;
}

int conf_check_ifname_glob(const char *glob, char *why, size_t whylen)
{
	size_t len = strlen(glob);
	char buf[8];
	const char *bad;

	/* The kernel's dev_valid_name() rules, applied to the pattern too. */
	if (len > CONF_IFNAME_MAX) {
		snprintf(why, whylen,
			 "\"%s\" is %zu characters long; interface names have at most %d (IFNAMSIZ - 1)",
			 glob, len, CONF_IFNAME_MAX);
		return -1;
	}
	if (strcmp(glob, ".") == 0 || strcmp(glob, "..") == 0) {
		snprintf(why, whylen, "\"%s\" cannot be an interface name", glob);
		return -1;
	}
	bad = find_bad_char(glob, "/:", buf, sizeof(buf));
	if (bad) {
		snprintf(why, whylen,
			 "\"%s\" contains %s; interface names cannot contain '/', ':' or whitespace",
			 glob, bad);
		return -1;
	}
	return check_glob_brackets(glob, why, whylen);
}

void conf_format_prefix(const struct prefix *p, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];

	if (!inet_ntop(p->family, p->addr, addr, sizeof(addr)))
		snprintf(addr, sizeof(addr), "?");
	snprintf(buf, len, "%s/%u", addr, p->len);
}

bool conf_prefix_equal(const struct prefix *a, const struct prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

/* Clear the bits after the first len; returns true if any was set. */
static bool clear_host_bits(uint8_t *addr, size_t bytes, unsigned int len)
{
	bool had = false;

	for (size_t i = 0; i < bytes; i++) {
		unsigned int keep = len >= 8 * (i + 1) ? 8 : (len > 8 * i ? len - 8 * i : 0);
		uint8_t mask = keep ? (uint8_t)(0xff << (8 - keep)) : 0;

		if (addr[i] & ~mask)
			had = true;
		addr[i] &= mask;
	}
	return had;
}

static int parse_prefix_len(const char *text, unsigned int max, unsigned int *out)
{
	unsigned int v = 0;
	size_t n = 0;

	for (; text[n]; n++) {
		if (!isdigit((unsigned char)text[n]) || n >= 3)
			return -1;
		v = v * 10 + (unsigned int)(text[n] - '0');
	}
	if (n == 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

int conf_parse_prefix(const char *text, struct prefix *out, char *why, size_t whylen)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	struct prefix p = { 0 };
	unsigned int max, len;
	char fixed[CONF_PREFIX_STRLEN];

	if (alen >= sizeof(addr))
		goto not_addr;
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, p.addr) == 1) {
		p.family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, p.addr) == 1) {
		p.family = AF_INET6;
		max = 128;
	} else {
		goto not_addr;
	}
	/* A bare address is the prefix holding just that host. */
	len = max;
	if (slash && parse_prefix_len(slash + 1, max, &len) < 0) {
		snprintf(why, whylen, "\"%s\": prefix length \"%s\" is not a number in 0..%u for %s",
			 text, slash + 1, max, p.family == AF_INET ? "IPv4" : "IPv6");
		return -1;
	}
	p.len = (uint8_t)len;
	if (clear_host_bits(p.addr, max / 8, len)) {
		conf_format_prefix(&p, fixed, sizeof(fixed));
		snprintf(why, whylen,
			 "\"%s\" has host bits set after the first %u bits (did you mean %s?)",
			 text, len, fixed);
		return -1;
	}
	*out = p;
	return 0;
not_addr:
	snprintf(why, whylen,
		 "\"%s\" is not a prefix: expected an IPv4 or IPv6 address, optionally "
		 "followed by /LENGTH (like \"10.9.0.0/16\" or \"fd00::/8\")", text);
	return -1;
}

int conf_parse_mode(const char *text, mode_t *out, char *why, size_t whylen)
{
	size_t len = strlen(text);
	mode_t mode = 0;

	if (len < 3 || len > 4)
		goto bad;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '7')
			goto bad;
		mode = (mode << 3) | (mode_t)(text[i] - '0');
	}
	if (mode > 0777)
		goto bad;
	/* Anyone who can connect can reconfigure the firewall's fast path. */
	if (mode & 0007) {
		snprintf(why, whylen,
			 "\"%s\" gives other users access to the control socket, which can change "
			 "the firewall; allow only owner and group (like \"0660\")", text);
		return -1;
	}
	*out = mode;
	return 0;
bad:
	snprintf(why, whylen,
		 "\"%s\" is not a file mode: expected 3 or 4 octal digits from \"0000\" to \"0777\"",
		 text);
	return -1;
}

int conf_check_socket_path(const char *path, char *why, size_t whylen)
{
	size_t max = sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1;
	size_t len = strlen(path);

	/* flowd and flowctl may run in different directories. */
	if (path[0] != '/') {
		snprintf(why, whylen, "\"%s\" is not an absolute path", path);
		return -1;
	}
	if (path[len - 1] == '/') {
		snprintf(why, whylen, "\"%s\" names a directory, not a socket file", path);
		return -1;
	}
	if (len > max) {
		snprintf(why, whylen,
			 "path is %zu characters long; a Unix socket address holds at most %zu (sun_path)",
			 len, max);
		return -1;
	}
	return 0;
}

int conf_check_group(const char *group, char *why, size_t whylen)
{
	gid_t gid;
	char buf[8];
	const char *bad = find_bad_char(group, "/:", buf, sizeof(buf));
	int rc;

	if (bad) {
		snprintf(why, whylen,
			 "\"%s\" contains %s; group names cannot contain '/', ':' or whitespace",
			 group, bad);
		return -1;
	}
	/*
	 * The socket is created with this group at start and on reload: a
	 * group that does not exist must fail the check (flowd -n, the unit's
	 * ExecStartPre, a reload), not the start.
	 */
	rc = group_lookup(group, &gid);
	if (rc < 0) {
		snprintf(why, whylen, "group \"%s\" does not exist on this system; create it "
			 "(groupadd %s) or name an existing group", group, group);
		return -1;
	}
	if (rc > 0) {
		snprintf(why, whylen, "cannot look up group \"%s\": %s", group, strerror(rc));
		return -1;
	}
	return 0;
}
