// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Make a string from the daemon safe to print on a terminal.  Interface
 * names, error texts and reasons come from the kernel and the config; an
 * interface may be named "\e]0;pwned\a" or carry a newline that forges a
 * line of the table.  Everything that could move the cursor, change the
 * terminal's state or reorder the text is shown escaped instead, in the
 * way of `ls -b`:
 *
 *	\\			a backslash itself, so that escapes are unambiguous
 *	\xHH			C0 controls, DEL, and each byte that is not
 *				part of valid UTF-8 (stray, overlong, surrogate,
 *				beyond U+10FFFF, cut short)
 *	\uHHHH			C1 controls (U+0080..U+009F: U+009B is CSI on
 *				some terminals) and the bidirectional overrides
 *				and isolates (U+202A..U+202E, U+2066..U+2069)
 *
 * Other valid UTF-8 is copied as it is.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "flowctl.h"

/*
 * Length of the valid UTF-8 sequence at s (1..4) with its code point in
 * *cp, or 0 when s does not start one.
 */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
	size_t n, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;	/* continuation byte, 0xc0/0xc1 (overlong) or 0xf5.. */
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

static bool needs_u_escape(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

size_t flowctl_escape_unit(const char *s, char out[8])
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;
	uint32_t cp;

	n = utf8_decode(p, &cp);
	if (n == 0) {
		snprintf(out, 8, "\\x%02x", *p);
		return 1;
	}
	if (cp < 0x20 || cp == 0x7f) {
		snprintf(out, 8, "\\x%02x", (unsigned int)cp);
	} else if (cp == '\\') {
		snprintf(out, 8, "\\\\");
	} else if (needs_u_escape(cp)) {
		snprintf(out, 8, "\\u%04x", (unsigned int)(cp & 0xffff));
	} else {
		memcpy(out, p, n);
		out[n] = '\0';
	}
	return n;
}

const char *flowctl_escape(const char *s, char *buf, size_t len)
{
	size_t used = 0;

	if (len == 0)
		return "";
	while (*s) {
		char unit[8];
		size_t n = flowctl_escape_unit(s, unit), ulen = strlen(unit);

		/* Whole units only: a cut never leaves half an escape or character. */
		if (used + ulen >= len)
			break;
		memcpy(buf + used, unit, ulen);
		used += ulen;
		s += n;
	}
	buf[used] = '\0';
	return buf;
}
