// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Turn a libconfig tree into a struct conf.  libconfig has already checked
 * the syntax; this file checks the schema: known keys, types, values.
 * Every error names the key path ("flows.exclude[2]") and its line.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_priv.h"
#include "log.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define WHY_MAX 512

struct conf_reader {
	const char *path;
	char *err;
	size_t errlen;
	/* flows.families as written, checked against the table family at the end */
	const config_setting_t *families;
};

/* A key of a group and the function that reads its value into conf. */
struct conf_key {
	const char *name;
	int (*read)(struct conf_reader *r, const config_setting_t *s, struct conf *conf);
};

/* "flows.exclude[2]": names up the tree, [index] for list elements. */
static void setting_path(const config_setting_t *s, char *buf, size_t len)
{
	const config_setting_t *parent = config_setting_parent(s);
	size_t used;

	if (!parent || config_setting_is_root(parent)) {
		snprintf(buf, len, "%s", config_setting_name(s) ? config_setting_name(s) : "");
		return;
	}
	setting_path(parent, buf, len);
	used = strlen(buf);
	if (config_setting_name(s))
		snprintf(buf + used, len - used, ".%s", config_setting_name(s));
	else
		snprintf(buf + used, len - used, "[%d]", config_setting_index(s));
}

static int conf_fail(struct conf_reader *r, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int conf_fail(struct conf_reader *r, const config_setting_t *s, const char *fmt, ...)
{
	const char *file = config_setting_source_file(s);
	char key[256], why[WHY_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	setting_path(s, key, sizeof(key));
	/* A setting from an @include file knows its own file name. */
	snprintf(r->err, r->errlen, "%s:%u: %s: %s", file ? file : r->path,
		 config_setting_source_line(s), key, why);
	return -1;
}

static int conf_fail_nomem(struct conf_reader *r)
{
	snprintf(r->err, r->errlen, "%s: out of memory", r->path);
	return -1;
}

/* Element i of list repeats element j. */
static int fail_duplicate(struct conf_reader *r, const config_setting_t *list, int i, int j,
			  const char *text)
{
	char first[256];

	setting_path(config_setting_get_elem(list, (unsigned int)j), first, sizeof(first));
	return conf_fail(r, config_setting_get_elem(list, (unsigned int)i),
			 "\"%s\" repeats %s; list each entry once", text, first);
}

static const char *type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a float";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	case CONFIG_TYPE_GROUP:
		return "a group";
	default:
		return "empty";
	}
}

static bool is_sequence(const config_setting_t *s)
{
	return config_setting_is_array(s) || config_setting_is_list(s);
}

/* ---- scalars ---- */

static int read_string(struct conf_reader *r, const config_setting_t *s, const char **out)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return conf_fail(r, s, "must be a string, not %s", type_name(s));
	*out = config_setting_get_string(s);
	if (!**out)
		return conf_fail(r, s, "must not be an empty string");
	return 0;
}

/* Replace *field (a default or an earlier value) with a copy of value. */
static int set_string(struct conf_reader *r, char **field, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return conf_fail_nomem(r);
	free(*field);
	*field = copy;
	return 0;
}

static int read_bool(struct conf_reader *r, const config_setting_t *s, bool *out)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return conf_fail(r, s, "must be true or false, not %s", type_name(s));
	*out = config_setting_get_bool(s);
	return 0;
}

static int read_priority(struct conf_reader *r, const config_setting_t *s, int *out)
{
	long long v;

	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return conf_fail(r, s, "must be an integer in %d..%d, not %s",
				 CONF_PRIORITY_MIN, CONF_PRIORITY_MAX, type_name(s));
	v = config_setting_get_int64(s);
	if (v < CONF_PRIORITY_MIN || v > CONF_PRIORITY_MAX)
		return conf_fail(r, s, "%lld is out of range; allowed: %d..%d",
				 v, CONF_PRIORITY_MIN, CONF_PRIORITY_MAX);
	*out = (int)v;
	return 0;
}

/* ---- groups ---- */

static void list_keys(const struct conf_key *keys, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		snprintf(buf + used, len - used, "%s%s", i ? ", " : "", keys[i].name);
		used = strlen(buf);
	}
}

static int read_group(struct conf_reader *r, const config_setting_t *group,
		      const struct conf_key *keys, size_t n, struct conf *conf)
{
	char allowed[256];

	if (!config_setting_is_group(group))
		return conf_fail(r, group, "must be a group { ... }, not %s", type_name(group));
	for (int i = 0; i < config_setting_length(group); i++) {
		const config_setting_t *s = config_setting_get_elem(group, (unsigned int)i);
		const struct conf_key *key = NULL;

		for (size_t k = 0; k < n && !key; k++)
			if (strcmp(config_setting_name(s), keys[k].name) == 0)
				key = &keys[k];
		if (!key) {
			list_keys(keys, n, allowed, sizeof(allowed));
			return conf_fail(r, s, "unknown key; allowed here: %s", allowed);
		}
		if (key->read(r, s, conf) < 0)
			return -1;
	}
	return 0;
}

/* ---- lists ---- */

static int check_sequence(struct conf_reader *r, const config_setting_t *s, const char *what)
{
	if (!is_sequence(s))
		return conf_fail(r, s, "must be a list of %s like [ \"a\", \"b\" ], not %s",
				 what, type_name(s));
	return 0;
}

static const char *elem_string(struct conf_reader *r, const config_setting_t *list, int i)
{
	const config_setting_t *e = config_setting_get_elem(list, (unsigned int)i);
	const char *v;

	if (read_string(r, e, &v) < 0)
		return NULL;
	return v;
}

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* A list of interface names or globs: devices, tunnels.names. */
static int read_ifname_list(struct conf_reader *r, const config_setting_t *s,
			    char ***out, size_t *n_out)
{
	int n;
	char **v;
	char why[WHY_MAX];

	if (check_sequence(r, s, "interface names or globs") < 0)
		return -1;
	n = config_setting_length(s);
	v = calloc((size_t)n + 1, sizeof(*v));
	if (!v)
		return conf_fail_nomem(r);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned int)i);
		const char *name = elem_string(r, s, i);

		if (!name)
			goto fail;
		if (conf_check_ifname_glob(name, why, sizeof(why)) < 0) {
			conf_fail(r, e, "%s", why);
			goto fail;
		}
		for (int j = 0; j < i; j++) {
			if (strcmp(v[j], name) == 0) {
				fail_duplicate(r, s, i, j, name);
				goto fail;
			}
		}
		v[i] = strdup(name);
		if (!v[i]) {
			conf_fail_nomem(r);
			goto fail;
		}
	}
	free_strings(*out, *n_out);
	*out = v;
	*n_out = (size_t)n;
	return 0;
fail:
	free_strings(v, (size_t)n);
	return -1;
}

/* A list of names for bits (kinds, protocols, families) into a mask. */
static int read_bit_list(struct conf_reader *r, const config_setting_t *s,
			 const struct conf_bit_names *set, const char *what, unsigned int *out)
{
	unsigned int bits = 0;

	if (check_sequence(r, s, what) < 0)
		return -1;
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned int)i);
		const char *name = elem_string(r, s, i);
		unsigned int bit;

		if (!name)
			return -1;
		bit = conf_bit_from_name(set, name);
		if (!bit)
			return conf_fail(r, e, "unknown %s \"%s\"; allowed: %s", what, name,
					 set->allowed);
		for (int j = 0; j < i && (bits & bit); j++)
			if (strcmp(config_setting_get_string_elem(s, j), name) == 0)
				return fail_duplicate(r, s, i, j, name);
		bits |= bit;
	}
	*out = bits;
	return 0;
}

/* ---- table ---- */

static int read_table_family(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	const char *v;

	if (read_string(r, s, &v) < 0)
		return -1;
	if (!conf_table_family_valid(v))
		return conf_fail(r, s, "unknown table family \"%s\"; allowed: %s", v,
				 CONF_TABLE_FAMILIES);
	return set_string(r, &c->table_family, v);
}

static int read_nft_name(struct conf_reader *r, const config_setting_t *s, char **field)
{
	char why[WHY_MAX];
	const char *v;

	if (read_string(r, s, &v) < 0)
		return -1;
	if (conf_check_nft_name(v, why, sizeof(why)) < 0)
		return conf_fail(r, s, "%s", why);
	return set_string(r, field, v);
}

static int read_table_name(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	return read_nft_name(r, s, &c->table_name);
}

static int read_table(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	static const struct conf_key keys[] = {
		{ "family", read_table_family },
		{ "name", read_table_name },
	};

	return read_group(r, s, keys, N_ELEMS(keys), c);
}

/* ---- flowtable ---- */

static int read_flowtable_name(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	return read_nft_name(r, s, &c->flowtable_name);
}

static int read_flowtable_priority(struct conf_reader *r, const config_setting_t *s,
				   struct conf *c)
{
	return read_priority(r, s, &c->flowtable_priority);
}

static int read_flowtable_counter(struct conf_reader *r, const config_setting_t *s,
				  struct conf *c)
{
	return read_bool(r, s, &c->flowtable_counter);
}

static int read_flowtable_offload(struct conf_reader *r, const config_setting_t *s,
				  struct conf *c)
{
	return read_bool(r, s, &c->flowtable_offload);
}

static int read_flowtable(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	static const struct conf_key keys[] = {
		{ "name", read_flowtable_name },
		{ "priority", read_flowtable_priority },
		{ "counter", read_flowtable_counter },
		{ "offload", read_flowtable_offload },
	};

	return read_group(r, s, keys, N_ELEMS(keys), c);
}

/* ---- devices, tunnels ---- */

static int read_devices(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	return read_ifname_list(r, s, &c->devices, &c->n_devices);
}

static bool is_string(const config_setting_t *s, const char *value)
{
	return config_setting_type(s) == CONFIG_TYPE_STRING &&
	       strcmp(config_setting_get_string(s), value) == 0;
}

static int read_tunnel_kinds(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	if (is_string(s, "all")) {
		c->tunnel_kinds = TUNNEL_KIND_ALL;
		return 0;
	}
	if (config_setting_type(s) == CONFIG_TYPE_STRING)
		return conf_fail(r, s, "must be \"all\" or a list of tunnel kinds (%s), not \"%s\"",
				 conf_tunnel_kinds.allowed, config_setting_get_string(s));
	return read_bit_list(r, s, &conf_tunnel_kinds, "tunnel kind", &c->tunnel_kinds);
}

static int read_tunnel_names(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	return read_ifname_list(r, s, &c->tunnel_names, &c->n_tunnel_names);
}

static int read_tunnels(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	static const struct conf_key keys[] = {
		{ "kinds", read_tunnel_kinds },
		{ "names", read_tunnel_names },
	};

	/* tunnels = "all"; is short for tunnels: { kinds = "all"; }; */
	if (is_string(s, "all")) {
		c->tunnel_kinds = TUNNEL_KIND_ALL;
		return 0;
	}
	if (config_setting_type(s) == CONFIG_TYPE_STRING)
		return conf_fail(r, s, "must be a group { kinds = ...; names = ...; } or \"all\", "
				 "not \"%s\"", config_setting_get_string(s));
	return read_group(r, s, keys, N_ELEMS(keys), c);
}

/* ---- flows ---- */

static int read_flow_protocols(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	if (read_bit_list(r, s, &conf_flow_l4s, "protocol", &c->flow_l4) < 0)
		return -1;
	if (!c->flow_l4)
		return conf_fail(r, s, "must not be empty (flowd would offload nothing); "
				 "allowed: %s", conf_flow_l4s.allowed);
	return 0;
}

static int read_flow_families(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	if (read_bit_list(r, s, &conf_flow_families, "family", &c->flow_families) < 0)
		return -1;
	if (!c->flow_families)
		return conf_fail(r, s, "must not be empty (flowd would offload nothing); "
				 "allowed: %s", conf_flow_families.allowed);
	r->families = s;
	return 0;
}

static int read_flow_exclude(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	char why[WHY_MAX];
	struct prefix *v;
	int n;

	if (check_sequence(r, s, "prefixes") < 0)
		return -1;
	n = config_setting_length(s);
	v = calloc((size_t)n + 1, sizeof(*v));
	if (!v)
		return conf_fail_nomem(r);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned int)i);
		const char *text = elem_string(r, s, i);

		if (!text)
			goto fail;
		if (conf_parse_prefix(text, &v[i], why, sizeof(why)) < 0) {
			conf_fail(r, e, "%s", why);
			goto fail;
		}
		for (int j = 0; j < i; j++) {
			if (conf_prefix_equal(&v[j], &v[i])) {
				fail_duplicate(r, s, i, j, text);
				goto fail;
			}
		}
	}
	free(c->exclude);
	c->exclude = v;
	c->n_exclude = (size_t)n;
	return 0;
fail:
	free(v);
	return -1;
}

static int read_flows(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	static const struct conf_key keys[] = {
		{ "protocols", read_flow_protocols },
		{ "families", read_flow_families },
		{ "exclude", read_flow_exclude },
	};

	return read_group(r, s, keys, N_ELEMS(keys), c);
}

/* ---- chain, log, on_exit ---- */

static int read_chain_priority(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	return read_priority(r, s, &c->chain_priority);
}

static int read_chain(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	static const struct conf_key keys[] = {
		{ "priority", read_chain_priority },
	};

	return read_group(r, s, keys, N_ELEMS(keys), c);
}

static int read_log_level(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	const char *v;
	int level;

	if (read_string(r, s, &v) < 0)
		return -1;
	level = log_level_from_name(v);
	if (level < 0)
		return conf_fail(r, s, "unknown log level \"%s\"; allowed: error, warning, info, debug",
				 v);
	c->log_level = level;
	return 0;
}

static int read_log(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	static const struct conf_key keys[] = {
		{ "level", read_log_level },
	};

	return read_group(r, s, keys, N_ELEMS(keys), c);
}

static int read_on_exit(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	const char *v;

	if (read_string(r, s, &v) < 0)
		return -1;
	if (strcmp(v, "keep") == 0)
		c->keep_table_on_exit = true;
	else if (strcmp(v, "remove") == 0)
		c->keep_table_on_exit = false;
	else
		return conf_fail(r, s, "unknown value \"%s\"; allowed: keep, remove", v);
	return 0;
}

/* ---- control ---- */

static int read_control_socket(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	char why[WHY_MAX];
	const char *v;

	if (read_string(r, s, &v) < 0)
		return -1;
	if (conf_check_socket_path(v, why, sizeof(why)) < 0)
		return conf_fail(r, s, "%s", why);
	return set_string(r, &c->control_socket, v);
}

static int read_control_mode(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	char why[WHY_MAX];
	const char *v;

	/* libconfig reads 0660 as decimal 660, so only a string is unambiguous. */
	if (config_setting_type(s) == CONFIG_TYPE_INT || config_setting_type(s) == CONFIG_TYPE_INT64)
		return conf_fail(r, s, "must be a string like \"0660\", not an integer "
				 "(libconfig would read 0660 as decimal 660)");
	if (read_string(r, s, &v) < 0)
		return -1;
	if (conf_parse_mode(v, &c->control_mode, why, sizeof(why)) < 0)
		return conf_fail(r, s, "%s", why);
	return 0;
}

static int read_control_group(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	char why[WHY_MAX];
	const char *v;

	if (read_string(r, s, &v) < 0)
		return -1;
	if (conf_check_group(v, why, sizeof(why)) < 0)
		return conf_fail(r, s, "%s", why);
	return set_string(r, &c->control_group, v);
}

static int read_control(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	static const struct conf_key keys[] = {
		{ "socket", read_control_socket },
		{ "mode", read_control_mode },
		{ "group", read_control_group },
	};

	return read_group(r, s, keys, N_ELEMS(keys), c);
}

/* ---- cross checks ---- */

/* The flow families a table family can see: an ip table never sees IPv6. */
static unsigned int table_flow_families(const char *table_family)
{
	if (strcmp(table_family, "ip") == 0)
		return FLOW_FAMILY_IPV4;
	if (strcmp(table_family, "ip6") == 0)
		return FLOW_FAMILY_IPV6;
	return FLOW_FAMILY_IPV4 | FLOW_FAMILY_IPV6;
}

static int check_families(struct conf_reader *r, struct conf *c)
{
	unsigned int possible = table_flow_families(c->table_family);

	if (!r->families) {
		c->flow_families = possible;
		return 0;
	}
	for (int i = 0; i < config_setting_length(r->families); i++) {
		const config_setting_t *e = config_setting_get_elem(r->families, (unsigned int)i);
		const char *name = config_setting_get_string(e);

		if (conf_bit_from_name(&conf_flow_families, name) & possible)
			continue;
		return conf_fail(r, e,
				 "\"%s\" cannot be offloaded by a table of family \"%s\": its hooks "
				 "see only %s packets; use table family \"inet\" or drop \"%s\"",
				 name, c->table_family,
				 possible == FLOW_FAMILY_IPV4 ? "IPv4" : "IPv6", name);
	}
	return 0;
}

int conf_read_tree(const config_setting_t *root, const char *path, struct conf *conf,
		   char *err, size_t errlen)
{
	static const struct conf_key keys[] = {
		{ "table", read_table },
		{ "flowtable", read_flowtable },
		{ "devices", read_devices },
		{ "tunnels", read_tunnels },
		{ "flows", read_flows },
		{ "chain", read_chain },
		{ "log", read_log },
		{ "on_exit", read_on_exit },
		{ "control", read_control },
	};
	struct conf_reader r = { .path = path, .err = err, .errlen = errlen };

	if (read_group(&r, root, keys, N_ELEMS(keys), conf) < 0)
		return -1;
	return check_families(&r, conf);
}
