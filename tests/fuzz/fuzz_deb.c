/* fuzz_deb.c - the .deb reader on arbitrary bytes: the control member
 * (control file, scripts, conffiles, md5sums) and every data.tar entry,
 * its contents read to the end. */
#include <stdlib.h>

#include "deb.h"
#include "fuzz.h"

/* Walks data.tar as rootfs.c does: every entry, every byte. */
static void read_data(const struct deb *d)
{
	struct deb_data *it = NULL;
	struct deb_entry e;
	struct jeos_error err;
	char buf[65536];

	if (deb_data_begin(d, &it, &err) == 0)
		while (deb_data_next(it, &e, &err) > 0)
			while (deb_data_read(it, buf, sizeof(buf), &err) > 0)
				;
	deb_data_end(it);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	CLEANUP_FREE char *path = fuzz_file("x.deb", data, size);
	const struct deb_control_file *files;
	const struct deb_conffile *conffiles;
	struct deb *d = NULL;
	struct jeos_error err;
	size_t len;

	if (deb_open(&d, path, &err) == 0) {
		deb_control_text(d, &len);
		deb_control_files(d, &files);
		deb_conffiles(d, &conffiles);
		deb_md5sums(d, &len);
		deb_control_file(d, "postinst");
		read_data(d);
	}
	deb_close(d);
	return 0;
}
