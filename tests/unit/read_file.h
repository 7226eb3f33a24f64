/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The golden files of the status and flowctl tests: read one whole, or
 * rewrite it on request.  A test fails if it cannot.  Include after
 * <cmocka.h>.
 */
#ifndef FLOWD_TEST_READ_FILE_H
#define FLOWD_TEST_READ_FILE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

/*
 * FLOWD_UPDATE_GOLDEN=1 in the environment: write text to path (review
 * the diff before committing it) and return true; else leave it.
 */
static bool update_golden(const char *path, const char *text)
{
	FILE *f;

	if (!getenv("FLOWD_UPDATE_GOLDEN"))
		return false;
	f = fopen(path, "w");
	if (!f)
		fail_msg("cannot write %s", path);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	return true;
}

#endif
