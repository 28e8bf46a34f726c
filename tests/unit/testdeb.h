/* testdeb.h - crafted .debs for the tests of deb.c and rootfs.c, written
 * with libarchive: members whose declared size is more than they hold, as
 * no packaging tool would make them. */
#ifndef JEOS_TESTDEB_H
#define JEOS_TESTDEB_H

#include <archive.h>
#include <archive_entry.h>

#include "testutil.h"

/* A tar entry: a regular file declaring size bytes, of which it holds
 * data (NULL: size zeros, really written). */
struct crafted {
	const char *name;
	int64_t size;
	const char *data;
};

static inline la_ssize_t crafted_out(struct archive *a, void *sb, const void *buf, size_t n)
{
	(void)a;
	strbuf_add(sb, buf, n);
	return (la_ssize_t)n;
}

/* Writes one entry; returns 0 if it holds less than it declares. */
static inline int crafted_entry(struct archive *a, const struct crafted *c)
{
	struct archive_entry *e = archive_entry_new();
	static const char zeros[65536];
	int64_t left = c->size;

	archive_entry_set_pathname(e, c->name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, c->size);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	archive_entry_free(e);
	if (c->data) {
		size_t len = strlen(c->data);
		assert_int_equal(archive_write_data(a, c->data, len), (la_ssize_t)len);
		return (int64_t)len == c->size;
	}
	while (left > 0) {
		size_t n = left < (int64_t)sizeof(zeros) ? (size_t)left : sizeof(zeros);
		assert_int_equal(archive_write_data(a, zeros, n), (la_ssize_t)n);
		left -= (int64_t)n;
	}
	return 1;
}

/* A tar of n entries into sb, compressed by filter (NULL: none). Written
 * unblocked, so an entry that holds less than it declares ends the tar
 * right there, unpadded but for the end-of-archive blocks. */
static inline void crafted_tar(struct strbuf *sb, int (*filter)(struct archive *),
			       const struct crafted *entries, size_t n)
{
	struct archive *a = archive_write_new();
	int whole = 1;

	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	if (filter)
		assert_int_equal(filter(a), ARCHIVE_OK);
	assert_int_equal(archive_write_set_bytes_per_block(a, 0), ARCHIVE_OK);
	assert_int_equal(archive_write_open(a, sb, NULL, crafted_out, NULL), ARCHIVE_OK);
	for (size_t i = 0; whole && i < n; i++)
		whole = crafted_entry(a, &entries[i]);
	if (!whole)
		archive_write_fail(a); /* no padding: the close adds only the end */
	assert_true(archive_write_close(a) == ARCHIVE_OK || !whole);
	archive_write_free(a);
}

/* dir/name.deb: debian-binary, then control_member and data_member with
 * the given contents. */
static inline char *crafted_deb(const char *dir, const char *name,
				const char *control_member, const struct strbuf *control,
				const char *data_member, const struct strbuf *data)
{
	char *path = xasprintf("%s/%s.deb", dir, name);
	const char *names[] = { "debian-binary", control_member, data_member };
	const void *bufs[] = { "2.0\n", control->buf, data->buf };
	size_t lens[] = { 4, control->len, data->len };
	struct archive *a = archive_write_new();

	assert_int_equal(archive_write_set_format_ar_svr4(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i < 3; i++) {
		struct archive_entry *e = archive_entry_new();

		archive_entry_set_pathname(e, names[i]);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)lens[i]);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, bufs[i], lens[i]), (la_ssize_t)lens[i]);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return path;
}

/* A control.tar.gz holding control_text as ./control. */
static inline void crafted_control(struct strbuf *sb, const char *control_text)
{
	const struct crafted c = { "./control", (int64_t)strlen(control_text), control_text };

	crafted_tar(sb, archive_write_add_filter_gzip, &c, 1);
}

/* dir/name.deb: this control text and a data.tar of ./x. */
static inline char *crafted_control_deb(const char *dir, const char *name,
					const char *control_text)
{
	CLEANUP_STRBUF struct strbuf control = STRBUF_INIT, data = STRBUF_INIT;
	const struct crafted x = { "./x", 2, "x\n" };

	crafted_control(&control, control_text);
	crafted_tar(&data, NULL, &x, 1);
	return crafted_deb(dir, name, "control.tar.gz", &control, "data.tar", &data);
}

#endif
