/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internals of the conf module, shared by its files and nothing else:
 * conf.c (load, free, compare), conf_read.c (the schema: libconfig tree ->
 * struct conf) with conf_setting.c (type checks, error messages),
 * conf_check.c (checks on single values), conf_names.c (names <-> bits)
 * and conf_print.c.
 */
#ifndef FLOWD_CONF_PRIV_H
#define FLOWD_CONF_PRIV_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "conf.h"

/* Limits the file format promises; the man page quotes them. */
#define CONF_PRIORITY_MIN (-1000)
#define CONF_PRIORITY_MAX 1000
#define CONF_NFT_NAME_MAX 255		/* NFT_NAME_MAXLEN - 1 */
#define CONF_IFNAME_MAX 15		/* IFNAMSIZ - 1 */

/* The defaults, one place for conf.c, the example file and the man page. */
#define CONF_DEFAULT_TABLE_FAMILY "inet"
#define CONF_DEFAULT_TABLE_NAME "flowd"
#define CONF_DEFAULT_FLOWTABLE_NAME "ft"
#define CONF_DEFAULT_CHAIN_PRIORITY 10
#define CONF_DEFAULT_CONTROL_SOCKET "/run/flowd/flowd.sock"
#define CONF_DEFAULT_CONTROL_MODE 0660
#define CONF_DEFAULT_CONTROL_GROUP "root"

/*
 * A set of names that map to bits: tunnel kinds, protocols, families.
 * Read through name_at() so the tunnel kinds can come straight from their
 * own table (tunnel_kind.h) instead of a copy here.
 */
struct conf_bit_names {
	size_t n;
	/* Entry i's name and bit, 0 <= i < n. */
	const char *(*name_at)(size_t i);
	unsigned int (*bit_at)(size_t i);
	const char *(*allowed)(void);	/* "a, b, c" for error messages */
};

extern const struct conf_bit_names conf_tunnel_kinds;
extern const struct conf_bit_names conf_flow_l4s;
extern const struct conf_bit_names conf_flow_families;

unsigned int conf_bit_from_name(const struct conf_bit_names *set, const char *name);
const char *conf_bit_name(const struct conf_bit_names *set, unsigned int bit);

/* Table families nft accepts for a table that can hold a flowtable. */
bool conf_table_family_valid(const char *family);
#define CONF_TABLE_FAMILIES "inet, ip, ip6"

/*
 * Checks on one value.  Each returns 0 when the value is fine, or -1 with
 * the reason (without the key path) in why.
 */
int conf_check_nft_name(const char *name, char *why, size_t whylen);
int conf_check_ifname_glob(const char *glob, char *why, size_t whylen);
int conf_parse_prefix(const char *text, struct prefix *out, char *why, size_t whylen);
int conf_parse_mode(const char *text, mode_t *out, char *why, size_t whylen);
int conf_check_socket_path(const char *path, char *why, size_t whylen);
int conf_check_group(const char *group, char *why, size_t whylen);

/* "10.9.0.0/16", "fd00::/8"; buf should hold CONF_PREFIX_STRLEN bytes. */
#define CONF_PREFIX_STRLEN (46 + 4)	/* INET6_ADDRSTRLEN + "/128" */
void conf_format_prefix(const struct prefix *p, char *buf, size_t len);
bool conf_prefix_equal(const struct prefix *a, const struct prefix *b);

/* A conf holding every default; table family decides the flow families. */
struct conf *conf_new_defaults(void);

/* ---- conf_setting.c: reading settings, reporting errors ---- */

#define CONF_WHY_MAX 512		/* room for one reason */

struct conf_reader {
	const char *path;		/* the main file, for messages */
	char *err;
	size_t errlen;
	/* flows.families as written, checked against the table family at the end */
	const config_setting_t *families;
	/* The files' text, for integers as written; may be NULL. */
	const struct conf_sources *sources;
};

/* A key of a group and the function that reads its value into conf. */
struct conf_key {
	const char *name;
	int (*read)(struct conf_reader *r, const config_setting_t *s, struct conf *conf);
};

/* Write "FILE:LINE: key.path: reason" into r->err; always returns -1. */
int conf_fail(struct conf_reader *r, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int conf_fail_nomem(struct conf_reader *r);
/* Element i of list repeats element j. */
int conf_fail_duplicate(struct conf_reader *r, const config_setting_t *list, int i, int j,
			const char *text);

/* Each returns 0, or -1 after conf_fail(). */
int conf_get_string(struct conf_reader *r, const config_setting_t *s, const char **out);
int conf_set_string(struct conf_reader *r, char **field, const char *value);
int conf_get_bool(struct conf_reader *r, const config_setting_t *s, bool *out);
/* An integer setting within [min, max]. */
int conf_get_int_range(struct conf_reader *r, const config_setting_t *s, long long min,
		       long long max, long long *out);
int conf_get_priority(struct conf_reader *r, const config_setting_t *s, int *out);
/* Check group is a group whose members are all in keys, and read each. */
int conf_read_group(struct conf_reader *r, const config_setting_t *group,
		    const struct conf_key *keys, size_t n, struct conf *conf);
/* Check s is a list or an array; what says of what, for the message. */
int conf_check_list(struct conf_reader *r, const config_setting_t *s, const char *what);
/* Element i of list as a non-empty string; NULL after conf_fail(). */
const char *conf_elem_string(struct conf_reader *r, const config_setting_t *list, int i);
/* Interface names or globs, checked, without repeats; replaces *out. */
int conf_get_ifname_list(struct conf_reader *r, const config_setting_t *s,
			 char ***out, size_t *n_out);
/* Names from set, without repeats, as a bit mask. */
int conf_get_bit_list(struct conf_reader *r, const config_setting_t *s,
		      const struct conf_bit_names *set, const char *what, unsigned int *out);

/* ---- conf_source.c: the files' text ---- */

/* Bounds on what a load reads: a reload runs on the event loop. */
#define CONF_MAX_BYTES (64 * 1024)	/* main file and @includes together */
#define CONF_MAX_FILES 32
#define CONF_MAX_INCLUDE_DEPTH 10	/* libconfig 1.5's own limit */

struct conf_source {
	char *name;			/* as libconfig names it; NULL: the main file */
	char *text;
};

struct conf_sources {
	const char *path;		/* the main file, for messages */
	struct conf_source v[CONF_MAX_FILES];
	size_t n;
	size_t total;			/* bytes */
};

/*
 * Read the main file (or take text, when not NULL) and every file it
 * @includes, relative to dir, refusing anything but regular files and more
 * than CONF_MAX_BYTES in all.  0, or -1 with "FILE[:LINE]: reason" in err.
 */
int conf_sources_read(struct conf_sources *src, const char *path, const char *text,
		      const char *dir, char *err, size_t errlen);
void conf_sources_free(struct conf_sources *src);
/*
 * The integer literal of setting name, the nth (from 0) of that name on
 * line of file (NULL: the main file), as written: "4294967306", "0x10L";
 * value is what libconfig made of it.  0, or -1 when it cannot be found.
 */
int conf_int_literal(const struct conf_sources *src, const char *file, unsigned int line,
		     const char *name, int nth, long long value, char *buf, size_t len);
/* A literal's true value; *overflow (may be NULL) when it exceeds 64 bits. */
long long conf_literal_value(const char *lit, size_t len, bool *overflow);

/* ---- conf_read.c ---- */

/*
 * Fill conf from a parsed libconfig tree.  On error returns -1 with the
 * complete "FILE:LINE: reason" message in err; conf is then half filled
 * and only fit for conf_free().
 */
int conf_read_tree(const config_setting_t *root, const char *path,
		   const struct conf_sources *sources, struct conf *conf, char *err, size_t errlen);

#endif
