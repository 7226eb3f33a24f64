// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flowd.conf: libconfig's syntax and flowd's schema (conf_load_string(),
 * the code path of conf_load() after the file is read).  A file that loads
 * must print (conf_print, `flowd -n -d`) to a file that loads to an equal
 * struct conf.
 */
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *conf = NULL, *again = NULL;
	char err[1024], *text, *printed = NULL;
	size_t plen = 0;
	FILE *out;

	if (size > FUZZ_MAX_INPUT)
		return -1;
	/*
	 * @include reads other files (/dev/zero never ends): not the parser
	 * under test, and not reproducible.  libconfig's directive is
	 * case-insensitive.
	 */
	if (memmem(data, size, "@", 1)) {
		for (size_t i = 0; i + 8 <= size; i++)
			if (data[i] == '@' && strncasecmp((const char *)data + i, "@include", 8) == 0)
				return -1;
	}
	text = fuzz_copy(data, size);
	if (!text)
		abort();
	if (conf_load_string(text, "/fuzz/flowd.conf", &conf, err, sizeof(err)) < 0) {
		free(text);
		return 0;
	}
	out = open_memstream(&printed, &plen);
	if (!out)
		abort();
	conf_print(out, conf);
	fclose(out);
	if (conf_load_string(printed, "/fuzz/flowd.conf", &again, err, sizeof(err)) < 0) {
		fprintf(stderr, "printed config does not load: %s\n%s", err, printed);
		abort();
	}
	if (!conf_equal(conf, again)) {
		fprintf(stderr, "printed config loads differently:\n%s", printed);
		abort();
	}
	conf_free(again);
	conf_free(conf);
	free(printed);
	free(text);
	return 0;
}
