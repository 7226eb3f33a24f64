// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"
#include "version.h"

void version_print(FILE *out, const char *program)
{
	fprintf(out, "%s (%s) %s\n", program, PACKAGE_NAME, PACKAGE_VERSION);
#ifdef HAVE_LIBSYSTEMD
	fprintf(out, "features: +sd_notify\n");
#else
	fprintf(out, "features: -sd_notify\n");
#endif
}
