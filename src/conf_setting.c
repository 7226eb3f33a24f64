// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading single libconfig settings for conf_read.c: type checks, lists,
 * groups with their allowed keys, and the "FILE:LINE: key.path: reason"
 * error every check reports through conf_fail().
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_priv.h"

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

/*
 * A setting from an @include file knows its file only as the @include
 * line wrote it, relative to the main file's directory: return that
 * directory with a '/', or "" when no prefix is needed.
 */
static const char *include_dir(const struct conf_reader *r, const char *file,
			       char *buf, size_t len)
{
	const char *slash = strrchr(r->path, '/');

	if (file == r->path || file[0] == '/' || !slash)
		return "";
	snprintf(buf, len, "%.*s/", (int)(slash - r->path), r->path);
	return buf;
}

int conf_fail(struct conf_reader *r, const config_setting_t *s, const char *fmt, ...)
{
	const char *file = config_setting_source_file(s);
	char key[256], why[CONF_WHY_MAX], dir[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	setting_path(s, key, sizeof(key));
	if (!file)
		file = r->path;
	snprintf(r->err, r->errlen, "%s%s:%u: %s: %s", include_dir(r, file, dir, sizeof(dir)),
		 file, config_setting_source_line(s), key, why);
	return -1;
}

int conf_fail_nomem(struct conf_reader *r)
{
	snprintf(r->err, r->errlen, "%s: out of memory", r->path);
	return -1;
}

/* Element i of list repeats element j. */
int conf_fail_duplicate(struct conf_reader *r, const config_setting_t *list, int i, int j,
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

int conf_get_string(struct conf_reader *r, const config_setting_t *s, const char **out)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return conf_fail(r, s, "must be a string, not %s", type_name(s));
	*out = config_setting_get_string(s);
	if (!**out)
		return conf_fail(r, s, "must not be an empty string");
	return 0;
}

/* Replace *field (a default or an earlier value) with a copy of value. */
int conf_set_string(struct conf_reader *r, char **field, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return conf_fail_nomem(r);
	free(*field);
	*field = copy;
	return 0;
}

int conf_get_bool(struct conf_reader *r, const config_setting_t *s, bool *out)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return conf_fail(r, s, "must be true or false, not %s", type_name(s));
	*out = config_setting_get_bool(s);
	return 0;
}

int conf_get_priority(struct conf_reader *r, const config_setting_t *s, int *out)
{
	long long v = 0;

	if (conf_get_int_range(r, s, CONF_PRIORITY_MIN, CONF_PRIORITY_MAX, &v) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

static bool same_file(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* How many settings named like s, on its line of its file, come before it. */
static int count_before(const config_setting_t *at, const config_setting_t *s, bool *reached)
{
	int n = 0;

	for (int i = 0; i < config_setting_length(at) && !*reached; i++) {
		const config_setting_t *e = config_setting_get_elem(at, (unsigned int)i);

		if (e == s) {
			*reached = true;
			break;
		}
		if (config_setting_name(e) && strcmp(config_setting_name(e), config_setting_name(s)) == 0 &&
		    config_setting_source_line(e) == config_setting_source_line(s) &&
		    same_file(config_setting_source_file(e), config_setting_source_file(s)))
			n++;
		if (config_setting_is_aggregate(e))
			n += count_before(e, s, reached);
	}
	return n;
}

static int same_line_index(const config_setting_t *s)
{
	const config_setting_t *root = s;
	bool reached = false;

	while (config_setting_parent(root))
		root = config_setting_parent(root);
	return count_before(root, s, &reached);
}

int conf_get_int_range(struct conf_reader *r, const config_setting_t *s, long long min,
		       long long max, long long *out)
{
	char lit[64];
	bool overflow = false;
	long long v;

	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return conf_fail(r, s, "must be an integer in %lld..%lld, not %s", min, max,
				 type_name(s));
	v = config_setting_get_int64(s);
	/*
	 * libconfig 1.5 wraps a literal beyond 32 bits (4294967306 reads as
	 * 10) and clamps one beyond 64: judge the number as written.
	 */
	if (r->sources && config_setting_name(s) &&
	    conf_int_literal(r->sources, config_setting_source_file(s),
			     config_setting_source_line(s), config_setting_name(s),
			     same_line_index(s), v, lit, sizeof(lit)) == 0)
		v = conf_literal_value(lit, strlen(lit), &overflow);
	else
		snprintf(lit, sizeof(lit), "%lld", v);
	if (overflow || v < min || v > max)
		return conf_fail(r, s, "%s is out of range; allowed: %lld..%lld", lit, min, max);
	*out = v;
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

int conf_read_group(struct conf_reader *r, const config_setting_t *group,
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

int conf_check_list(struct conf_reader *r, const config_setting_t *s, const char *what)
{
	if (!is_sequence(s))
		return conf_fail(r, s, "must be a list of %s like [ \"a\", \"b\" ], not %s",
				 what, type_name(s));
	return 0;
}

const char *conf_elem_string(struct conf_reader *r, const config_setting_t *list, int i)
{
	const config_setting_t *e = config_setting_get_elem(list, (unsigned int)i);
	const char *v = NULL;	/* the analyzer cannot follow conf_fail()'s varargs */

	if (conf_get_string(r, e, &v) < 0)
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
int conf_get_ifname_list(struct conf_reader *r, const config_setting_t *s,
			 char ***out, size_t *n_out)
{
	int n;
	char **v;
	char why[CONF_WHY_MAX];

	if (conf_check_list(r, s, "interface names or globs") < 0)
		return -1;
	n = config_setting_length(s);
	v = calloc((size_t)n + 1, sizeof(*v));
	if (!v)
		return conf_fail_nomem(r);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned int)i);
		const char *name = conf_elem_string(r, s, i);

		if (!name)
			goto fail;
		if (conf_check_ifname_glob(name, why, sizeof(why)) < 0) {
			conf_fail(r, e, "%s", why);
			goto fail;
		}
		for (int j = 0; j < i; j++) {
			if (strcmp(v[j], name) == 0) {
				conf_fail_duplicate(r, s, i, j, name);
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
int conf_get_bit_list(struct conf_reader *r, const config_setting_t *s,
		      const struct conf_bit_names *set, const char *what, unsigned int *out)
{
	unsigned int bits = 0;

	if (conf_check_list(r, s, what) < 0)
		return -1;
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned int)i);
		const char *name = conf_elem_string(r, s, i);
		unsigned int bit;

		if (!name)
			return -1;
		bit = conf_bit_from_name(set, name);
		if (!bit)
			return conf_fail(r, e, "unknown %s \"%s\"; allowed: %s", what, name,
					 set->allowed());
		for (int j = 0; j < i && (bits & bit); j++)
			if (strcmp(config_setting_get_string_elem(s, j), name) == 0)
				return conf_fail_duplicate(r, s, i, j, name);
		bits |= bit;
	}
	*out = bits;
	return 0;
}
