// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Loading /etc/flowd.conf: open the file, let libconfig parse the syntax,
 * hand the tree to conf_read.c for the schema.  Only a fully valid file
 * becomes a struct conf; the caller's pointer is never half updated.
 */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_priv.h"
#include "log.h"

struct conf *conf_new_defaults(void)
{
	struct conf *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->table_family = strdup(CONF_DEFAULT_TABLE_FAMILY);
	c->table_name = strdup(CONF_DEFAULT_TABLE_NAME);
	c->flowtable_name = strdup(CONF_DEFAULT_FLOWTABLE_NAME);
	c->control_socket = strdup(CONF_DEFAULT_CONTROL_SOCKET);
	c->control_group = strdup(CONF_DEFAULT_CONTROL_GROUP);
	if (!c->table_family || !c->table_name || !c->flowtable_name ||
	    !c->control_socket || !c->control_group) {
		conf_free(c);
		return NULL;
	}
	c->tunnel_kinds = TUNNEL_KIND_ALL;
	c->flow_l4 = FLOW_L4_TCP | FLOW_L4_UDP;
	/* conf_read_tree() narrows this to what the table family can see. */
	c->flow_families = FLOW_FAMILY_IPV4 | FLOW_FAMILY_IPV6;
	c->chain_priority = CONF_DEFAULT_CHAIN_PRIORITY;
	c->log_level = LOG_LEVEL_INFO;
	c->keep_table_on_exit = true;
	c->ct_receive_buffer = CONF_CT_RCVBUF_DEFAULT;
	c->control_mode = CONF_DEFAULT_CONTROL_MODE;
	return c;
}

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void conf_free(struct conf *conf)
{
	if (!conf)
		return;
	free(conf->path);
	free(conf->table_family);
	free(conf->table_name);
	free(conf->flowtable_name);
	free_strings(conf->devices, conf->n_devices);
	free_strings(conf->tunnel_names, conf->n_tunnel_names);
	free(conf->exclude);
	free(conf->control_socket);
	free(conf->control_group);
	free(conf);
}

/* libconfig's error as "FILE:LINE: reason" (or "FILE: reason" for I/O). */
static void parse_error(config_t *cfg, const char *path, char *err, size_t errlen)
{
	const char *file = config_error_file(cfg) ? config_error_file(cfg) : path;

	if (config_error_type(cfg) == CONFIG_ERR_FILE_IO)
		snprintf(err, errlen, "%s: %s", file, config_error_text(cfg));
	else
		snprintf(err, errlen, "%s:%d: %s", file, config_error_line(cfg),
			 config_error_text(cfg));
}

/* The schema part: a parsed tree -> a new struct conf. */
static int conf_from_tree(config_t *cfg, const char *path, const struct conf_sources *src,
			  struct conf **out, char *err, size_t errlen)
{
	struct conf *conf = conf_new_defaults();

	if (!conf || !(conf->path = strdup(path))) {
		snprintf(err, errlen, "%s: out of memory", path);
		conf_free(conf);
		return -1;
	}
	if (conf_read_tree(config_root_setting(cfg), path, src, conf, err, errlen) < 0) {
		conf_free(conf);
		return -1;
	}
	*out = conf;
	return 0;
}

/*
 * Both loaders: flowd reads the text of the file and its @includes itself
 * (conf_source.c: regular files only, bounded), then libconfig parses it.
 * @include "x" in the file means x next to the file, not in flowd's cwd.
 */
static int load(const char *path, const char *text, struct conf **out, char *err,
		size_t errlen)
{
	struct conf_sources src;
	char *copy = strdup(path);
	const char *dir;
	config_t cfg;
	int rc = -1;

	if (!copy) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	dir = dirname(copy);
	if (conf_sources_read(&src, path, text, dir, err, errlen) < 0) {
		free(copy);
		return -1;
	}
	config_init(&cfg);
	config_set_include_dir(&cfg, dir);	/* libconfig copies it */
	if (config_read_string(&cfg, src.v[0].text) == CONFIG_TRUE)
		rc = conf_from_tree(&cfg, path, &src, out, err, errlen);
	else
		parse_error(&cfg, path, err, errlen);
	config_destroy(&cfg);
	conf_sources_free(&src);
	free(copy);
	return rc;
}

int conf_load(const char *path, struct conf **out, char *err, size_t errlen)
{
	return load(path, NULL, out, err, errlen);
}

int conf_load_string(const char *text, const char *path, struct conf **out, char *err,
		     size_t errlen)
{
	return load(path, text, out, err, errlen);
}

static bool str_equal(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static bool strings_equal(char **a, size_t na, char **b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!str_equal(a[i], b[i]))
			return false;
	return true;
}

bool conf_equal(const struct conf *a, const struct conf *b)
{
	if (a->n_exclude != b->n_exclude)
		return false;
	for (size_t i = 0; i < a->n_exclude; i++)
		if (!conf_prefix_equal(&a->exclude[i], &b->exclude[i]))
			return false;
	return str_equal(a->table_family, b->table_family) &&
	       str_equal(a->table_name, b->table_name) &&
	       str_equal(a->flowtable_name, b->flowtable_name) &&
	       a->flowtable_priority == b->flowtable_priority &&
	       a->flowtable_counter == b->flowtable_counter &&
	       a->flowtable_offload == b->flowtable_offload &&
	       strings_equal(a->devices, a->n_devices, b->devices, b->n_devices) &&
	       a->tunnel_kinds == b->tunnel_kinds &&
	       strings_equal(a->tunnel_names, a->n_tunnel_names,
			     b->tunnel_names, b->n_tunnel_names) &&
	       a->flow_l4 == b->flow_l4 &&
	       a->flow_families == b->flow_families &&
	       a->chain_priority == b->chain_priority &&
	       a->log_level == b->log_level &&
	       a->keep_table_on_exit == b->keep_table_on_exit &&
	       a->ct_receive_buffer == b->ct_receive_buffer &&
	       a->flush_method == b->flush_method &&
	       str_equal(a->control_socket, b->control_socket) &&
	       a->control_mode == b->control_mode &&
	       str_equal(a->control_group, b->control_group);
}
