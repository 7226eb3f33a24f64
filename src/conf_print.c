// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Print a struct conf back as a config file: every key spelled out, so the
 * output shows what flowd actually uses (`flowd -n -d`), and reads back
 * into an equal struct conf.
 */
#include "config.h"

#include <stdio.h>

#include "conf_priv.h"
#include "log.h"

/* A libconfig string literal: only '"' and '\' need escaping, plus controls. */
static void print_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(out, "\\x%02x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

static void print_strings(FILE *out, char *const *v, size_t n)
{
	fputs("[", out);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ", " : " ", out);
		print_string(out, v[i]);
	}
	fputs(" ]", out);
}

static void print_bits(FILE *out, const struct conf_bit_names *set, unsigned int bits)
{
	bool first = true;

	fputs("[", out);
	for (size_t i = 0; i < set->n; i++) {
		if (!(bits & set->bit_at(i)))
			continue;
		fputs(first ? " " : ", ", out);
		print_string(out, set->name_at(i));
		first = false;
	}
	fputs(" ]", out);
}

static void print_key_string(FILE *out, const char *key, const char *value)
{
	fprintf(out, "\t%s = ", key);
	print_string(out, value);
	fputs(";\n", out);
}

static void print_tunnels(FILE *out, const struct conf *c)
{
	fputs("tunnels: {\n\tkinds = ", out);
	if (c->tunnel_kinds == TUNNEL_KIND_ALL)
		print_string(out, "all");
	else
		print_bits(out, &conf_tunnel_kinds, c->tunnel_kinds);
	fputs(";\n\tnames = ", out);
	print_strings(out, c->tunnel_names, c->n_tunnel_names);
	fputs(";\n};\n", out);
}

static void print_flows(FILE *out, const struct conf *c)
{
	char buf[CONF_PREFIX_STRLEN];

	fputs("flows: {\n\tprotocols = ", out);
	print_bits(out, &conf_flow_l4s, c->flow_l4);
	fputs(";\n\tfamilies = ", out);
	print_bits(out, &conf_flow_families, c->flow_families);
	fputs(";\n\texclude = [", out);
	for (size_t i = 0; i < c->n_exclude; i++) {
		conf_format_prefix(&c->exclude[i], buf, sizeof(buf));
		fputs(i ? ", " : " ", out);
		print_string(out, buf);
	}
	fputs(" ];\n};\n", out);
}

void conf_print(FILE *out, const struct conf *c)
{
	char mode[8];

	fputs("# flowd configuration, normalized: every key with its value in effect\n", out);
	if (c->path) {
		fputs("# read from ", out);
		print_string(out, c->path);
		fputs("\n", out);
	}

	fputs("table: {\n", out);
	print_key_string(out, "family", c->table_family);
	print_key_string(out, "name", c->table_name);
	fputs("};\n", out);

	fputs("flowtable: {\n", out);
	print_key_string(out, "name", c->flowtable_name);
	fprintf(out, "\tpriority = %d;\n", c->flowtable_priority);
	fprintf(out, "\tcounter = %s;\n", c->flowtable_counter ? "true" : "false");
	fprintf(out, "\toffload = %s;\n", c->flowtable_offload ? "true" : "false");
	fputs("};\n", out);

	fputs("devices = ", out);
	print_strings(out, c->devices, c->n_devices);
	fputs(";\n", out);

	print_tunnels(out, c);
	print_flows(out, c);

	fprintf(out, "chain: {\n\tpriority = %d;\n};\n", c->chain_priority);
	fputs("log: {\n", out);
	print_key_string(out, "level", log_level_name(c->log_level));
	fputs("};\n", out);
	fprintf(out, "on_exit = \"%s\";\n", c->keep_table_on_exit ? "keep" : "remove");

	fprintf(out, "conntrack: {\n\treceive_buffer = %d;\n};\n", c->ct_receive_buffer);
	fputs("flush: {\n", out);
	print_key_string(out, "method", conf_flush_method_name(c->flush_method));
	fputs("};\n", out);

	snprintf(mode, sizeof(mode), "%04o", (unsigned int)c->control_mode);
	fputs("control: {\n", out);
	print_key_string(out, "socket", c->control_socket);
	print_key_string(out, "mode", mode);
	print_key_string(out, "group", c->control_group);
	fputs("};\n", out);
}
