/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The parsed, validated /etc/flowd.conf.  A struct conf is immutable once
 * conf_load() returned it: a reload builds a new one and swaps it in only
 * when it is valid, so the running state never sees a half-read file.
 */
#ifndef FLOWD_CONF_H
#define FLOWD_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "tunnel_kind.h"	/* enum tunnel_kind: the bits of tunnel_kinds */


enum flow_l4 {
	FLOW_L4_TCP = 1u << 0,
	FLOW_L4_UDP = 1u << 1,
};

enum flow_family {
	FLOW_FAMILY_IPV4 = 1u << 0,
	FLOW_FAMILY_IPV6 = 1u << 1,
};

/* An address prefix; family is AF_INET or AF_INET6, addr in network order. */
struct prefix {
	int family;
	uint8_t addr[16];
	uint8_t len;
};

/* flush.method: how flows go back to the slow path (flowd.conf(5)). */
enum conf_flush_method {
	CONF_FLUSH_AUTO = 0,		/* delete a few plain flows, else rebuild */
	CONF_FLUSH_DELETE,		/* always delete their conntrack entries */
	CONF_FLUSH_REBUILD,		/* always rebuild the flowtable */
};

#define CONF_CT_RCVBUF_DEFAULT	(8 * 1024 * 1024)
#define CONF_CT_RCVBUF_MIN	4096
#define CONF_CT_RCVBUF_MAX	(1024 * 1024 * 1024)

struct conf {
	char *path;			/* the file this came from */

	/* The table flowd owns. */
	char *table_family;		/* "inet", "ip" or "ip6" */
	char *table_name;		/* default "flowd" */

	/* Its flowtable. */
	char *flowtable_name;		/* default "ft" */
	int flowtable_priority;		/* ingress hook priority, default 0 */
	bool flowtable_counter;		/* NFT_FLOWTABLE_COUNTER */
	bool flowtable_offload;		/* NFT_FLOWTABLE_HW_OFFLOAD */

	/* Devices carrying traffic to offload: names or shell globs. */
	char **devices;
	size_t n_devices;

	/* Tunnels to accelerate: any of these kinds, or any name/glob. */
	unsigned int tunnel_kinds;	/* enum tunnel_kind bits */
	char **tunnel_names;
	size_t n_tunnel_names;

	/* Which flows the forward chain offloads. */
	unsigned int flow_l4;		/* enum flow_l4 bits, default tcp|udp */
	unsigned int flow_families;	/* enum flow_family bits, default both */
	struct prefix *exclude;		/* never offload flows from/to these */
	size_t n_exclude;

	/* The forward chain; default 10: after the usual filter (0). */
	int chain_priority;

	int log_level;			/* LOG_LEVEL_*, default info */
	bool keep_table_on_exit;	/* default true: flows survive restarts */

	/* Conntrack event socket buffer, bytes; default 8 MiB. */
	int ct_receive_buffer;

	enum conf_flush_method flush_method;	/* default auto */

	/* Control socket. */
	char *control_socket;		/* default /run/flowd/flowd.sock */
	mode_t control_mode;		/* default 0660 */
	char *control_group;		/* default "root" */
};

/*
 * Read and validate a file.  On success returns 0 and a new conf in *out.
 * On failure returns -1, leaves *out untouched and writes one message of
 * the form "FILE:LINE: reason" (or "FILE: reason") into err.
 */
int conf_load(const char *path, struct conf **out, char *err, size_t errlen);
/*
 * The same for a file's text already in memory (the fuzz target, tests):
 * path names it in messages and in conf->path, and @include resolves
 * against its directory, as for conf_load().
 */
int conf_load_string(const char *text, const char *path, struct conf **out, char *err,
		     size_t errlen);
void conf_free(struct conf *conf);

/* Print the config back in normalized form (the `--check -d` output). */
void conf_print(FILE *out, const struct conf *conf);

/*
 * True when a and b configure the same thing (path aside): a reload that
 * changes nothing needs no work.
 */
bool conf_equal(const struct conf *a, const struct conf *b);

/* "auto", "delete", "rebuild"; NULL if unknown. */
const char *conf_flush_method_name(enum conf_flush_method m);
/* "tcp"/"udp" and "ipv4"/"ipv6"; NULL, or 0, if unknown.  Tunnel kind names
 * are in tunnel_kind.h. */
const char *flow_l4_name(enum flow_l4 l4);
unsigned int flow_l4_from_name(const char *name);
const char *flow_family_name(enum flow_family family);
unsigned int flow_family_from_name(const char *name);

#endif
