// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The schema of flowd.conf: which keys each group has and how each value
 * turns into a field of struct conf.  libconfig has already checked the
 * syntax; the helpers in conf_setting.c check types and report errors.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_priv.h"
#include "log.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- table ---- */

static int read_table_family(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	const char *v;

	if (conf_get_string(r, s, &v) < 0)
		return -1;
	if (!conf_table_family_valid(v))
		return conf_fail(r, s, "unknown table family \"%s\"; allowed: %s", v,
				 CONF_TABLE_FAMILIES);
	return conf_set_string(r, &c->table_family, v);
}

static int read_nft_name(struct conf_reader *r, const config_setting_t *s, char **field)
{
	char why[CONF_WHY_MAX];
	const char *v;

	if (conf_get_string(r, s, &v) < 0)
		return -1;
	if (conf_check_nft_name(v, why, sizeof(why)) < 0)
		return conf_fail(r, s, "%s", why);
	return conf_set_string(r, field, v);
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

	return conf_read_group(r, s, keys, N_ELEMS(keys), c);
}

/* ---- flowtable ---- */

static int read_flowtable_name(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	return read_nft_name(r, s, &c->flowtable_name);
}

static int read_flowtable_priority(struct conf_reader *r, const config_setting_t *s,
				   struct conf *c)
{
	return conf_get_priority(r, s, &c->flowtable_priority);
}

static int read_flowtable_counter(struct conf_reader *r, const config_setting_t *s,
				  struct conf *c)
{
	return conf_get_bool(r, s, &c->flowtable_counter);
}

static int read_flowtable_offload(struct conf_reader *r, const config_setting_t *s,
				  struct conf *c)
{
	return conf_get_bool(r, s, &c->flowtable_offload);
}

static int read_flowtable(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	static const struct conf_key keys[] = {
		{ "name", read_flowtable_name },
		{ "priority", read_flowtable_priority },
		{ "counter", read_flowtable_counter },
		{ "offload", read_flowtable_offload },
	};

	return conf_read_group(r, s, keys, N_ELEMS(keys), c);
}

/* ---- devices, tunnels ---- */

static int read_devices(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	return conf_get_ifname_list(r, s, &c->devices, &c->n_devices);
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
				 conf_tunnel_kinds.allowed(), config_setting_get_string(s));
	return conf_get_bit_list(r, s, &conf_tunnel_kinds, "tunnel kind", &c->tunnel_kinds);
}

static int read_tunnel_names(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	return conf_get_ifname_list(r, s, &c->tunnel_names, &c->n_tunnel_names);
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
	return conf_read_group(r, s, keys, N_ELEMS(keys), c);
}

/* ---- flows ---- */

static int read_flow_protocols(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	if (conf_get_bit_list(r, s, &conf_flow_l4s, "protocol", &c->flow_l4) < 0)
		return -1;
	if (!c->flow_l4)
		return conf_fail(r, s, "must not be empty (flowd would offload nothing); "
				 "allowed: %s", conf_flow_l4s.allowed());
	return 0;
}

static int read_flow_families(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	if (conf_get_bit_list(r, s, &conf_flow_families, "family", &c->flow_families) < 0)
		return -1;
	if (!c->flow_families)
		return conf_fail(r, s, "must not be empty (flowd would offload nothing); "
				 "allowed: %s", conf_flow_families.allowed());
	r->families = s;
	return 0;
}

static int read_flow_exclude(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	char why[CONF_WHY_MAX];
	struct prefix *v;
	int n;

	if (conf_check_list(r, s, "prefixes") < 0)
		return -1;
	n = config_setting_length(s);
	v = calloc((size_t)n + 1, sizeof(*v));
	if (!v)
		return conf_fail_nomem(r);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned int)i);
		const char *text = conf_elem_string(r, s, i);

		if (!text)
			goto fail;
		if (conf_parse_prefix(text, &v[i], why, sizeof(why)) < 0) {
			conf_fail(r, e, "%s", why);
			goto fail;
		}
		for (int j = 0; j < i; j++) {
			if (conf_prefix_equal(&v[j], &v[i])) {
				conf_fail_duplicate(r, s, i, j, text);
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

	return conf_read_group(r, s, keys, N_ELEMS(keys), c);
}

/* ---- chain, log, on_exit ---- */

static int read_chain_priority(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	return conf_get_priority(r, s, &c->chain_priority);
}

static int read_chain(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	static const struct conf_key keys[] = {
		{ "priority", read_chain_priority },
	};

	return conf_read_group(r, s, keys, N_ELEMS(keys), c);
}

static int read_log_level(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	const char *v;
	int level;

	if (conf_get_string(r, s, &v) < 0)
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

	return conf_read_group(r, s, keys, N_ELEMS(keys), c);
}

static int read_on_exit(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	const char *v;

	if (conf_get_string(r, s, &v) < 0)
		return -1;
	if (strcmp(v, "keep") == 0)
		c->keep_table_on_exit = true;
	else if (strcmp(v, "remove") == 0)
		c->keep_table_on_exit = false;
	else
		return conf_fail(r, s, "unknown value \"%s\"; allowed: keep, remove", v);
	return 0;
}

/* ---- conntrack ---- */

static int read_ct_rcvbuf(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	long long v;

	if (conf_get_int_range(r, s, CONF_CT_RCVBUF_MIN, CONF_CT_RCVBUF_MAX, &v) < 0)
		return -1;
	c->ct_receive_buffer = (int)v;
	return 0;
}

static int read_conntrack(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	static const struct conf_key keys[] = {
		{ "receive_buffer", read_ct_rcvbuf },
	};

	return conf_read_group(r, s, keys, N_ELEMS(keys), c);
}

/* ---- flush ---- */

static int read_flush_method(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	static const enum conf_flush_method methods[] = {
		CONF_FLUSH_AUTO, CONF_FLUSH_DELETE, CONF_FLUSH_REBUILD,
	};
	const char *v;

	if (conf_get_string(r, s, &v) < 0)
		return -1;
	for (size_t i = 0; i < N_ELEMS(methods); i++) {
		if (strcmp(v, conf_flush_method_name(methods[i])) == 0) {
			c->flush_method = methods[i];
			return 0;
		}
	}
	return conf_fail(r, s, "unknown flush method \"%s\"; allowed: auto, delete, rebuild", v);
}

static int read_flush(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	static const struct conf_key keys[] = {
		{ "method", read_flush_method },
	};

	return conf_read_group(r, s, keys, N_ELEMS(keys), c);
}

/* ---- control ---- */

static int read_control_socket(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	char why[CONF_WHY_MAX];
	const char *v;

	if (conf_get_string(r, s, &v) < 0)
		return -1;
	if (conf_check_socket_path(v, why, sizeof(why)) < 0)
		return conf_fail(r, s, "%s", why);
	return conf_set_string(r, &c->control_socket, v);
}

static int read_control_mode(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	char why[CONF_WHY_MAX];
	const char *v;

	/* libconfig reads 0660 as decimal 660, so only a string is unambiguous. */
	if (config_setting_type(s) == CONFIG_TYPE_INT || config_setting_type(s) == CONFIG_TYPE_INT64)
		return conf_fail(r, s, "must be a string like \"0660\", not an integer "
				 "(libconfig would read 0660 as decimal 660)");
	if (conf_get_string(r, s, &v) < 0)
		return -1;
	if (conf_parse_mode(v, &c->control_mode, why, sizeof(why)) < 0)
		return conf_fail(r, s, "%s", why);
	return 0;
}

static int read_control_group(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	char why[CONF_WHY_MAX];
	const char *v;

	if (conf_get_string(r, s, &v) < 0)
		return -1;
	if (conf_check_group(v, why, sizeof(why)) < 0)
		return conf_fail(r, s, "%s", why);
	return conf_set_string(r, &c->control_group, v);
}

static int read_control(struct conf_reader *r, const config_setting_t *s, struct conf *c)
{
	static const struct conf_key keys[] = {
		{ "socket", read_control_socket },
		{ "mode", read_control_mode },
		{ "group", read_control_group },
	};

	return conf_read_group(r, s, keys, N_ELEMS(keys), c);
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

int conf_read_tree(const config_setting_t *root, const char *path,
		   const struct conf_sources *sources, struct conf *conf, char *err, size_t errlen)
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
		{ "conntrack", read_conntrack },
		{ "flush", read_flush },
		{ "control", read_control },
	};
	struct conf_reader r = { .path = path, .err = err, .errlen = errlen, .sources = sources };

	if (conf_read_group(&r, root, keys, N_ELEMS(keys), conf) < 0)
		return -1;
	return check_families(&r, conf);
}
