/* deb822.h - Debian control-file syntax (Packages, Release, DEBIAN/control).
 *
 * A paragraph is a run of "Field: value" lines; a line starting with white
 * space continues the previous field; blank lines separate paragraphs.
 * Values are kept as written: the first line trimmed, continuation lines
 * joined with '\n' and stripped of their leading white space.
 */
#ifndef JEOS_DEB822_H
#define JEOS_DEB822_H

#include <stddef.h>
#include "util.h"

struct deb822_field {
	char *name;
	char *value;
};

struct deb822_para {
	struct deb822_field *fields;
	size_t nr, alloc;
	unsigned line; /* line number of the paragraph's first field */
};

struct deb822_reader {
	const char *text, *end;
	unsigned line;
	const char *source; /* file name for messages */
};

void deb822_reader_init(struct deb822_reader *r, const char *text, size_t len,
			const char *source);
/* Reads the next paragraph into para (cleared first). Returns 1 when a
 * paragraph was read, 0 at the end, -1 on a syntax error. */
int deb822_next(struct deb822_reader *r, struct deb822_para *para,
		struct jeos_error *err);
/* Field lookup, case-insensitive as Debian policy says; NULL if absent. */
const char *deb822_get(const struct deb822_para *para, const char *name);
void deb822_para_clear(struct deb822_para *para);

#endif
