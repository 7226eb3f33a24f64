// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Aligned columns for flowctl, in the manner of `ip -br` and `ss`: widths
 * from the data, two spaces between columns, no trailing blanks.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "flowctl.h"

#define COLUMN_GAP 2

/* Columns on a terminal: count UTF-8 lead bytes, not continuation bytes. */
static size_t display_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

void flowctl_table_init(struct flowctl_table *t, size_t ncols, const char *const *headers,
			const char *align)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols < FLOWCTL_TABLE_MAX_COLS ? ncols : FLOWCTL_TABLE_MAX_COLS;
	t->headers = headers;
	t->align = align;
}

int flowctl_table_add(struct flowctl_table *t, const char *const *row)
{
	char **cells = realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(*cells));
	char **dst;

	if (!cells)
		return -1;
	t->cells = cells;
	dst = cells + t->nrows * t->ncols;
	for (size_t i = 0; i < t->ncols; i++) {
		dst[i] = strdup(row[i] ? row[i] : "-");
		if (!dst[i]) {
			while (i--)
				free(dst[i]);
			return -1;
		}
	}
	t->nrows++;
	return 0;
}

static void print_row(FILE *out, const struct flowctl_table *t, const char *const *row,
		      const size_t *width)
{
	for (size_t i = 0; i < t->ncols; i++) {
		size_t pad = width[i] - display_width(row[i]);
		bool last = i + 1 == t->ncols;
		bool right = t->align && t->align[i] == 'r';

		if (i)
			fprintf(out, "%*s", COLUMN_GAP, "");
		if (right)
			fprintf(out, "%*s", (int)pad, "");
		fputs(row[i], out);
		if (!right && !last)
			fprintf(out, "%*s", (int)pad, "");
	}
	fputc('\n', out);
}

void flowctl_table_print(FILE *out, const struct flowctl_table *t)
{
	size_t width[FLOWCTL_TABLE_MAX_COLS] = { 0 };

	for (size_t i = 0; i < t->ncols; i++) {
		if (t->headers)
			width[i] = display_width(t->headers[i]);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t w = display_width(t->cells[r * t->ncols + i]);

			if (w > width[i])
				width[i] = w;
		}
	}
	if (t->headers)
		print_row(out, t, t->headers, width);
	for (size_t r = 0; r < t->nrows; r++)
		print_row(out, t, (const char *const *)t->cells + r * t->ncols, width);
}

void flowctl_table_free(struct flowctl_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = 0;
}
