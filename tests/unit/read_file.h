/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A whole file as a NUL-terminated string (the golden files of the
 * status and flowctl tests); a test fails if it cannot be read.  Include
 * after <cmocka.h>.
 */
#ifndef FLOWD_TEST_READ_FILE_H
#define FLOWD_TEST_READ_FILE_H

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

#endif
