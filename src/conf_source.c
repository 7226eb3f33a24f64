// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The text of flowd.conf and of every file it @includes, read by flowd
 * before libconfig sees any of it:
 *
 * - Only regular files: opening a FIFO blocks until someone writes to it,
 *   and a device like /dev/zero never ends.  Each file is opened with
 *   O_NONBLOCK and fstat()ed before a byte is read.
 * - At most CONF_MAX_BYTES in all: a reload runs on the event loop, and
 *   libconfig's parse is quadratic in the keys of a group.
 * - An absolute @include path is refused with the reason: libconfig 1.5
 *   glues every @include path to the include directory.
 *
 * libconfig then opens the @include files again itself (1.5 has no hook
 * to hand it the text): the check here is for mistakes, not for a root
 * who swaps files under a running flowd.  The texts are kept for one more
 * job, conf_int_literal(): libconfig 1.5 wraps integers to 32 bits
 * silently, so the range checks need the number as it was written.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf_priv.h"

static const char *file_type(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

/*
 * Read a whole regular file of at most budget bytes into a NUL-terminated
 * buffer.  On failure returns -1 with "reason" (no file name) in why.
 */
static int read_regular(const char *path, size_t budget, char **text, size_t *len,
			char *why, size_t whylen)
{
	struct stat st;
	size_t cap, used = 0;
	char *buf = NULL;
	int fd, saved;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(why, whylen, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(why, whylen, "cannot stat: %s", strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(why, whylen, "cannot read: %s", strerror(EISDIR));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "is %s; flowd reads its configuration only from regular files",
			 file_type(st.st_mode));
		goto fail;
	}
	if ((unsigned long long)st.st_size > budget)
		goto too_big;
	/* One byte more than the budget tells a file that grew since fstat(). */
	cap = (size_t)st.st_size + 2;
	buf = malloc(cap);
	if (!buf) {
		snprintf(why, whylen, "out of memory");
		goto fail;
	}
	for (;;) {
		ssize_t n;

		if (used + 1 == cap) {
			char *nbuf;

			if (used > budget)
				goto too_big;
			cap = cap * 2 > budget + 2 ? budget + 2 : cap * 2;
			nbuf = realloc(buf, cap);
			if (!nbuf) {
				snprintf(why, whylen, "out of memory");
				goto fail;
			}
			buf = nbuf;
		}
		n = read(fd, buf + used, cap - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(why, whylen, "cannot read: %s", strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (used > budget)
		goto too_big;
	buf[used] = '\0';
	if (memchr(buf, '\0', used)) {
		snprintf(why, whylen, "contains a NUL byte at offset %zu; not a text file",
			 (size_t)((char *)memchr(buf, '\0', used) - buf));
		goto fail;
	}
	close(fd);
	*text = buf;
	*len = used;
	return 0;

too_big:
	snprintf(why, whylen, "configuration too large: flowd reads at most %d bytes "
		 "(the main file and its @include files together)", CONF_MAX_BYTES);
fail:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return -1;
}

static int add_source(struct conf_sources *src, const char *name, char *text, size_t len)
{
	char *copy = name ? strdup(name) : NULL;

	if ((name && !copy) || src->n == CONF_MAX_FILES) {
		free(copy);
		return -1;
	}
	src->v[src->n].name = copy;
	src->v[src->n].text = text;
	src->n++;
	src->total += len;
	return 0;
}

void conf_sources_free(struct conf_sources *src)
{
	for (size_t i = 0; i < src->n; i++) {
		free(src->v[i].name);
		free(src->v[i].text);
	}
	src->n = 0;
	src->total = 0;
}

static bool at_line_start(const char *text, const char *p)
{
	return p == text || p[-1] == '\n';
}

/*
 * libconfig's @include directive: ^[ \t]*@include[ \t]+"path" (matched
 * here case-insensitively, to be safe across versions).  Returns the
 * character after the closing quote with the unescaped path in path, or
 * NULL when p does not start one.
 */
static const char *match_include(const char *p, char *path, size_t pathlen, bool *too_long)
{
	size_t n = 0;

	*too_long = false;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncasecmp(p, "@include", 8) != 0)
		return NULL;
	p += 8;
	if (*p != ' ' && *p != '\t')
		return NULL;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p++ != '"')
		return NULL;
	for (; *p && *p != '"'; p++) {
		char c = *p;

		if (c == '\\') {
			if (p[1] != '\\' && p[1] != '"')
				continue;	/* libconfig drops a lone backslash */
			c = *++p;
		}
		if (n + 1 < pathlen)
			path[n++] = c;
		else
			*too_long = true;
	}
	path[n] = '\0';
	return *p == '"' ? p + 1 : NULL;
}

static int scan_includes(struct conf_sources *src, const char *file, const char *text,
			 const char *dir, int depth, char *err, size_t errlen);

static int take_include(struct conf_sources *src, const char *file, int line, const char *inc,
			const char *dir, int depth, char *err, size_t errlen)
{
	char full[PATH_MAX + 2], why[CONF_WHY_MAX];
	char *text;
	size_t len;

	if (inc[0] == '/') {
		snprintf(err, errlen, "%s:%d: @include \"%s\": absolute paths do not work: libconfig "
			 "reads every @include path relative to the directory of the main file (%s); "
			 "write the path relative to it", file, line, inc, dir);
		return -1;
	}
	if (depth >= CONF_MAX_INCLUDE_DEPTH) {
		snprintf(err, errlen, "%s:%d: @include \"%s\": includes nest deeper than %d "
			 "(does a file include itself?)", file, line, inc, CONF_MAX_INCLUDE_DEPTH);
		return -1;
	}
	if (src->n == CONF_MAX_FILES) {
		snprintf(err, errlen, "%s:%d: @include \"%s\": more than %d files in one "
			 "configuration", file, line, inc, CONF_MAX_FILES);
		return -1;
	}
	snprintf(full, sizeof(full), "%s/%s", dir, inc);
	if (read_regular(full, CONF_MAX_BYTES - src->total, &text, &len, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s:%d: @include \"%s\": %s: %s", file, line, inc, full, why);
		return -1;
	}
	if (add_source(src, inc, text, len) < 0) {
		free(text);
		snprintf(err, errlen, "%s: out of memory", file);
		return -1;
	}
	/* Messages name it as conf_fail() does: next to the main file. */
	if (strchr(src->path, '/'))
		snprintf(full, sizeof(full), "%s/%s", dir, inc);
	else
		snprintf(full, sizeof(full), "%s", inc);
	return scan_includes(src, full, text, dir, depth + 1, err, errlen);
}

/*
 * Walk text the way libconfig's scanner does, skipping comments and
 * strings, and take every @include it finds.
 */
static int scan_includes(struct conf_sources *src, const char *file, const char *text,
			 const char *dir, int depth, char *err, size_t errlen)
{
	char inc[PATH_MAX];
	int line = 1;
	bool too_long;

	for (const char *p = text; *p; p++) {
		const char *end;

		if (at_line_start(text, p) &&
		    (end = match_include(p, inc, sizeof(inc), &too_long))) {
			if (too_long) {
				snprintf(err, errlen, "%s:%d: @include path too long", file, line);
				return -1;
			}
			if (take_include(src, file, line, inc, dir, depth, err, errlen) < 0)
				return -1;
			for (; p < end; p++)
				line += *p == '\n';
			p--;
			continue;
		}
		if (*p == '\n') {
			line++;
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			while (p[1] && p[1] != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			for (p += 2; *p && !(p[0] == '*' && p[1] == '/'); p++)
				line += *p == '\n';
			if (!*p)
				break;
			p++;
		} else if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				line += *p == '\n';
			}
			if (!*p)
				break;
		}
	}
	return 0;
}

int conf_sources_read(struct conf_sources *src, const char *path, const char *text,
		      const char *dir, char *err, size_t errlen)
{
	char why[CONF_WHY_MAX];
	char *own;
	size_t len;

	memset(src, 0, sizeof(*src));
	src->path = path;
	if (text) {
		len = strlen(text);
		if (len > CONF_MAX_BYTES) {
			snprintf(err, errlen, "%s: configuration too large: flowd reads at most %d "
				 "bytes (the main file and its @include files together)", path,
				 CONF_MAX_BYTES);
			return -1;
		}
		own = strdup(text);
	} else {
		if (read_regular(path, CONF_MAX_BYTES, &own, &len, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "%s: %s", path, why);
			return -1;
		}
	}
	/* The main file is the one libconfig names NULL. */
	if (!own || add_source(src, NULL, own, len) < 0) {
		free(own);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if (scan_includes(src, path, own, dir, 0, err, errlen) < 0) {
		conf_sources_free(src);
		return -1;
	}
	return 0;
}

/* ---- integers as written ---- */

static bool is_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '*';
}

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '\f')
		p++;
	return p;
}

/* Length of the integer literal at p ([-+]?digits or 0x hex, L or LL), 0 if none. */
static size_t int_literal_len(const char *p)
{
	const char *q = p;

	if (*q == '-' || *q == '+')
		q++;
	if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X') && isxdigit((unsigned char)q[2])) {
		for (q += 2; isxdigit((unsigned char)*q); q++)
			;
	} else if (isdigit((unsigned char)*q)) {
		while (isdigit((unsigned char)*q))
			q++;
	} else {
		return 0;
	}
	/* A float (1.5, 1e3) is not an integer literal: libconfig said float. */
	if (*q == '.' || *q == 'e' || *q == 'E')
		return 0;
	if (*q == 'L')
		q += q[1] == 'L' ? 2 : 1;
	return (size_t)(q - p);
}

/*
 * Whether libconfig could have read lit as value: as the number itself
 * (libconfig 1.7 makes a large literal a 64-bit integer) or, in 1.5, wrapped
 * to 32 bits (a literal without L) or clamped to 64 (with L).
 */
static bool literal_gives(const char *lit, size_t len, long long value)
{
	bool overflow;
	long long v = conf_literal_value(lit, len, &overflow);
	const char *digits = lit + (*lit == '-' || *lit == '+');
	unsigned long long mag;

	if (v == value)
		return true;
	if (lit[len - 1] == 'L')
		return false;	/* clamped: that was v already */
	if (strncasecmp(digits, "0x", 2) == 0)
		mag = overflow ? ULLONG_MAX : (unsigned long long)v;	/* strtoul */
	else
		mag = (unsigned long long)v;		/* strtol, clamped */
	return (long long)(int32_t)(uint32_t)mag == value;
}

int conf_int_literal(const struct conf_sources *src, const char *file, unsigned int line,
		     const char *name, int nth, long long value, char *buf, size_t len)
{
	const char *text = NULL, *p, *found = NULL;
	size_t nlen = strlen(name), flen = 0;

	for (size_t i = 0; i < src->n && !text; i++)
		if ((!file && !src->v[i].name) ||
		    (file && src->v[i].name && strcmp(file, src->v[i].name) == 0))
			text = src->v[i].text;
	if (!text || !line || !nlen)
		return -1;
	for (p = text; --line > 0; p++) {
		p = strchr(p, '\n');
		if (!p)
			return -1;
	}
	/* "name = literal" starting on that line; the value may follow on another. */
	for (const char *end = strchrnul(p, '\n'); p < end; p++) {
		const char *v;
		size_t l;

		if (strncmp(p, name, nlen) != 0 || is_name_char(p[nlen]) ||
		    (p > text && is_name_char(p[-1])))
			continue;
		v = skip_space(p + nlen);
		if (*v != '=' && *v != ':')
			continue;
		v = skip_space(v + 1);
		l = int_literal_len(v);
		if (!l)
			continue;
		/*
		 * Two settings of that name on one line: the nth, if that
		 * literal gives this value (a string holding "name = 1" would
		 * shift the count), else the literal that gives it, and of two
		 * such the one that wrapped to it (the other setting gets its
		 * own check anyway).
		 */
		if (!literal_gives(v, l, value)) {
			nth--;
			continue;
		}
		if (nth-- == 0) {
			found = v;
			flen = l;
			break;
		}
		if (!found || conf_literal_value(v, l, NULL) != value) {
			found = v;
			flen = l;
		}
	}
	if (!found)
		return -1;
	snprintf(buf, len, "%.*s", (int)flen, found);
	return 0;
}

long long conf_literal_value(const char *lit, size_t len, bool *overflow)
{
	char digits[80];
	unsigned long long mag;
	bool neg = false, ovf = false;
	const char *p = lit, *end = lit + len;
	long long v;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	while (end > p && end[-1] == 'L')
		end--;
	if ((size_t)(end - p) >= sizeof(digits)) {
		ovf = true;
		mag = ULLONG_MAX;
	} else {
		memcpy(digits, p, (size_t)(end - p));
		digits[end - p] = '\0';
		errno = 0;
		mag = strtoull(digits, NULL, 0 == strncasecmp(digits, "0x", 2) ? 16 : 10);
		if (errno == ERANGE)
			ovf = true;
	}
	if (!ovf && mag > (unsigned long long)LLONG_MAX + (neg ? 1 : 0))
		ovf = true;
	if (ovf)
		v = neg ? LLONG_MIN : LLONG_MAX;
	else if (neg)
		v = mag == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)mag;
	else
		v = (long long)mag;
	if (overflow)
		*overflow = ovf;
	return v;
}
