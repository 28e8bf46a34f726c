/* fuzz_deb822.c - control-file syntax (deb822_next, as Packages and
 * DEBIAN/control are read) and a Release file's fields (release_parse) on
 * arbitrary bytes. The text is copied so that the readers see exactly
 * size bytes: a read past them is ASan's to report. */
#include <stdlib.h>
#include <string.h>

#include "deb822.h"
#include "fuzz.h"
#include "repo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	CLEANUP_FREE char *text = xmalloc(size + 1);
	struct deb822_para para = { 0 };
	struct deb822_reader rd;
	struct release rel = { 0 };
	struct jeos_error err;

	memcpy(text, data, size);
	text[size] = '\0'; /* as strbuf_read_file leaves it */
	deb822_reader_init(&rd, text, size, "Packages");
	while (deb822_next(&rd, &para, &err) > 0)
		deb822_get(&para, "Package");
	deb822_para_clear(&para);
	if (release_parse(&rel, text, size, "Release", &err) == 0)
		release_find(&rel, "main/binary-amd64/Packages.xz");
	release_free(&rel);
	return 0;
}
