/* deb.c - see deb.h. */
#include "deb.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

struct deb {
	char *path;
	char *control_member, *data_member;
	struct deb_control_file *files;
	size_t nr_files, alloc_files;
	struct deb822_para control;
	const struct deb_control_file *control_file;
	struct deb_conffile *conffiles;
	size_t nr_conffiles, alloc_conffiles;
};

/* What a package may make jeos hold or unpack. No Debian package comes
 * near (bookworm's largest control.tar holds 1.2 MiB, its most compressed
 * data.tar 43 bytes per byte: an empty tar's 10 KiB of padding), while a
 * few hundred crafted bytes could otherwise declare an exabyte. */
#define VERSION_MAX 64          /* debian-binary */
#define CONTROL_MAX (64 << 20)  /* control.tar unpacked: all of it is held */
#define RATIO_MAX 1000          /* unpacked bytes per byte of a member */
#define CONTROL_NAME_MAX 100    /* dpkg's MAXCONTROLFILENAME */

/* One read through the .deb: the ar reader, and the tar reader that reads
 * the current ar member through it. */
struct pass {
	char *path;
	off_t size;
	struct archive *ar;
	struct archive *tar; /* reads the current ar member, if open */
	char *member;        /* the current ar member's name */
	int64_t member_size; /* its size in the ar archive */
	int64_t limit;       /* what the tar stream may unpack to */
};

struct deb_data {
	struct pass p;
	struct archive_entry *entry;
	struct strbuf path, hardlink;
	int failed;
	struct jeos_error error; /* repeated once failed */
};

/* Suffixes deb(5) allows; bzip2 and lzma only ever for data.tar. */
static const struct compression {
	const char *suffix;
	int (*support)(struct archive *);
	int data_only;
} compressions[] = {
	{ "", archive_read_support_filter_none, 0 },
	{ ".gz", archive_read_support_filter_gzip, 0 },
	{ ".xz", archive_read_support_filter_xz, 0 },
	{ ".zst", archive_read_support_filter_zstd, 0 },
	{ ".bz2", archive_read_support_filter_bzip2, 1 },
	{ ".lzma", archive_read_support_filter_lzma, 1 },
};

static const struct compression *compression_of(const char *suffix, int data)
{
	for (size_t i = 0; i < sizeof(compressions) / sizeof(*compressions); i++)
		if (!strcmp(suffix, compressions[i].suffix) &&
		    (data || !compressions[i].data_only))
			return &compressions[i];
	return NULL;
}

/* libarchive words a short read differently in each layer ("Truncated ar
 * archive", "truncated gzip input", "Truncated zstd input"; liblzma's
 * "No progress is possible" at the end of input); all say "truncated". */
static const char *describe(struct archive *a)
{
	const char *msg = archive_error_string(a);

	if (!msg)
		return "read error";
	if (strcasestr(msg, "truncated") || strstr(msg, "No progress is possible"))
		return "truncated";
	return msg;
}

static int archive_fail(struct jeos_error *err, const char *path,
			const char *member, struct archive *a)
{
	if (member)
		return jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s: %s", path,
				 member, describe(a));
	return jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s", path, describe(a));
}

/* "./usr//bin/" -> "/usr/bin", "./" -> "/"; -1 for a ".." component. */
static int normalize_path(struct strbuf *out, const char *in)
{
	strbuf_reset(out);
	while (*in) {
		const char *end = strchrnul(in, '/');
		size_t n = (size_t)(end - in);

		if (n == 2 && !memcmp(in, "..", 2))
			return -1;
		if (n && !(n == 1 && *in == '.')) {
			strbuf_addch(out, '/');
			strbuf_add(out, in, n);
		}
		in = *end ? end + 1 : end;
	}
	if (!out->len)
		strbuf_addch(out, '/');
	return 0;
}

static int pass_open(struct pass *p, const char *path, struct jeos_error *err)
{
	struct stat st;

	p->path = xstrdup(path);
	if (stat(path, &st) < 0)
		return jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s", path,
				 strerror(errno));
	p->size = st.st_size;
	p->ar = archive_read_new();
	if (!p->ar)
		abort();
	if (archive_read_support_format_ar(p->ar) == ARCHIVE_OK &&
	    archive_read_open_filename(p->ar, path, 64 * 1024) == ARCHIVE_OK)
		return 0;
	/* libarchive decides the format at open; a wrong one is
	 * ARCHIVE_ERRNO_FILE_FORMAT, which archive.h leaves to the platform:
	 * EILSEQ on POSIX systems. */
	if (archive_errno(p->ar) == EILSEQ)
		return jeos_fail(err, JEOS_EXIT_FAILED,
				 "%s: not a Debian package (not an ar archive)", path);
	if (archive_errno(p->ar) > 0)
		return jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s", path,
				 strerror(archive_errno(p->ar)));
	return archive_fail(err, path, NULL, p->ar);
}

static void pass_close(struct pass *p)
{
	if (p->tar)
		archive_read_free(p->tar);
	if (p->ar)
		archive_read_free(p->ar);
	p->tar = p->ar = NULL;
	free(p->member);
	free(p->path);
	p->member = p->path = NULL;
}

/* Moves to the next ar member, past "_" ones if skip_private (deb(5)
 * reserves those for additions older readers ignore). 1, 0 at the end,
 * -1 on error. */
static int next_member(struct pass *p, int skip_private, const char **name,
		       struct jeos_error *err)
{
	struct archive_entry *ae;
	int r;

	if (p->tar) {
		archive_read_free(p->tar);
		p->tar = NULL;
	}
	do {
		/* skipped apart from the header so a short member is named */
		if (p->member && archive_read_data_skip(p->ar) < ARCHIVE_WARN)
			return archive_fail(err, p->path, p->member, p->ar);
		r = archive_read_next_header(p->ar, &ae);
		if (r == ARCHIVE_EOF) {
			/* libarchive takes a short header for the end */
			if (archive_read_header_position(p->ar) < p->size)
				return jeos_fail(err, JEOS_EXIT_FAILED,
						 "%s: truncated", p->path);
			return 0;
		}
		if (r < ARCHIVE_WARN)
			return archive_fail(err, p->path, NULL, p->ar);
		free(p->member);
		p->member = xstrdup(archive_entry_pathname(ae) ?
				    archive_entry_pathname(ae) : "");
		p->member_size = archive_entry_size(ae);
	} while (skip_private && *p->member == '_');
	*name = p->member;
	return 1;
}

/* Hands the ar reader's blocks to the tar reader as they are. */
static la_ssize_t member_read(struct archive *tar, void *ar_v, const void **buf)
{
	struct archive *ar = ar_v;
	size_t size;
	la_int64_t offset;
	int r = archive_read_data_block(ar, buf, &size, &offset);

	if (r == ARCHIVE_EOF)
		return 0;
	if (r < ARCHIVE_WARN) {
		archive_set_error(tar, archive_errno(ar), "%s", describe(ar));
		return -1;
	}
	return (la_ssize_t)size;
}

/* member must be base ("control.tar", "data.tar") plus a known suffix. */
static const struct compression *member_compression(const char *path,
						     const char *member,
						     const char *base,
						     struct jeos_error *err)
{
	const struct compression *c;

	if (!str_has_prefix(member, base)) {
		jeos_fail(err, JEOS_EXIT_FAILED,
			  "%s: not a Debian package (found %s where %s was expected)",
			  path, member, base);
		return NULL;
	}
	c = compression_of(member + strlen(base), !strcmp(base, "data.tar"));
	if (!c)
		jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s: unsupported compression",
			  path, member);
	return c;
}

/* Opens the current member, named base + suffix, as a tar archive that
 * may unpack to RATIO_MAX times its size, and to max at most. */
static int tar_open(struct pass *p, const char *base, int64_t max,
		    struct jeos_error *err)
{
	const struct compression *c = member_compression(p->path, p->member,
							 base, err);

	if (!c)
		return -1;
	p->limit = p->member_size > max / RATIO_MAX ? max : p->member_size * RATIO_MAX;
	p->tar = archive_read_new();
	if (!p->tar)
		abort();
	/* ARCHIVE_WARN: libarchive would run an external program */
	if (c->support(p->tar) < ARCHIVE_WARN ||
	    archive_read_support_format_tar(p->tar) != ARCHIVE_OK ||
	    archive_read_open(p->tar, p->ar, NULL, member_read, NULL) != ARCHIVE_OK)
		return archive_fail(err, p->path, p->member, p->tar);
	return 0;
}

/* 1 with the next tar entry, 0 at the end, -1 on error. An entry must fit
 * in what is left of the limit: its content is then bounded before a byte
 * of it is read. A sparse file, which dpkg does not unpack, is refused. */
static int tar_next(struct pass *p, struct archive_entry **ae,
		    struct jeos_error *err)
{
	int r = archive_read_next_header(p->tar, ae);
	int64_t size, room;

	if (r == ARCHIVE_EOF)
		return 0;
	if (r < ARCHIVE_WARN)
		return archive_fail(err, p->path, p->member, p->tar);
	if (archive_entry_sparse_count(*ae) > 0)
		return jeos_fail(err, JEOS_EXIT_FAILED,
				 "%s: %s: %s: a sparse file (expected none: dpkg unpacks none)",
				 p->path, p->member, archive_entry_pathname(*ae) ?
				 archive_entry_pathname(*ae) : "(none)");
	size = archive_entry_size(*ae);
	room = p->limit - archive_read_header_position(p->tar);
	if (size < 0 || size > room)
		return jeos_fail(err, JEOS_EXIT_FAILED,
				 "%s: %s: %s declares %jd bytes, more than the %jd bytes "
				 "of %s can hold (at most %jd unpacked)", p->path, p->member,
				 archive_entry_pathname(*ae) ? archive_entry_pathname(*ae) : "(none)",
				 (intmax_t)size, (intmax_t)p->member_size, p->member,
				 (intmax_t)p->limit);
	return 1;
}

/* Reads the rest of the current entry of a (ar or tar) into sb. */
static int read_all(struct pass *p, struct archive *a, struct strbuf *sb,
		    struct jeos_error *err)
{
	for (;;) {
		strbuf_grow(sb, 16 * 1024);
		sb->buf[sb->len] = '\0'; /* the grow does not, and n may be 0 */
		la_ssize_t n = archive_read_data(a, sb->buf + sb->len,
						 sb->alloc - sb->len - 1);
		if (n < 0)
			return archive_fail(err, p->path, p->member, a);
		if (n == 0)
			return 0;
		sb->len += (size_t)n;
	}
}

static int check_version(struct pass *p, struct jeos_error *err)
{
	CLEANUP_STRBUF struct strbuf sb = STRBUF_INIT;
	size_t digits, shown;

	if (p->member_size > VERSION_MAX)
		return jeos_fail(err, JEOS_EXIT_FAILED,
				 "%s: debian-binary: %jd bytes, not a format version (\"2.0\")",
				 p->path, (intmax_t)p->member_size);
	if (read_all(p, p->ar, &sb, err) < 0)
		return -1;
	digits = str_has_prefix(sb.buf, "2.") ? strspn(sb.buf + 2, "0123456789") : 0;
	if (digits && (!sb.buf[2 + digits] || sb.buf[2 + digits] == '\n'))
		return 0;
	shown = strcspn(sb.buf, "\n");
	return jeos_fail(err, JEOS_EXIT_FAILED,
			 "%s: unsupported package format \"%.*s\" (expected 2.x)",
			 p->path, (int)(shown > 32 ? 32 : shown), sb.buf);
}

static int parse_conffiles(struct deb *d, const struct deb_control_file *f,
			   struct jeos_error *err)
{
	const char *line = f->data, *end = f->data + f->size;

	for (unsigned lineno = 1; line < end; lineno++) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		const char *le = eol ? eol : end, *next = eol ? eol + 1 : end;
		unsigned flags = 0;

		while (le > line && (le[-1] == ' ' || le[-1] == '\t' || le[-1] == '\r'))
			le--;
		/* flags are words before the absolute path */
		while (line < le && *line != '/') {
			const char *word = line;

			while (line < le && *line != ' ')
				line++;
			if ((size_t)(line - word) == strlen("remove-on-upgrade") &&
			    !memcmp(word, "remove-on-upgrade", (size_t)(line - word)))
				flags |= DEB_CONFFILE_REMOVE_ON_UPGRADE;
			else
				return jeos_fail(err, JEOS_EXIT_FAILED,
						 "%s: conffiles:%u: not an absolute path or known flag: %.*s",
						 d->path, lineno, (int)(line - word), word);
			while (line < le && *line == ' ')
				line++;
		}
		if (line < le) {
			ALLOC_GROW(d->conffiles, d->nr_conffiles + 1, d->alloc_conffiles);
			d->conffiles[d->nr_conffiles].path =
				xstrndup(line, (size_t)(le - line));
			d->conffiles[d->nr_conffiles++].flags = flags;
		} else if (flags) {
			return jeos_fail(err, JEOS_EXIT_FAILED,
					 "%s: conffiles:%u: flag without a path",
					 d->path, lineno);
		}
		line = next;
	}
	return 0;
}

/* The control fields jeos reads, with the syntax deb-control(5) gives
 * them: the package name and architecture become file names in
 * /var/lib/dpkg/info, the version goes to the lock. */
static const char *const multi_arch_values[] = { "no", "same", "foreign", "allowed", NULL };
static const struct field_syntax {
	const char *name;
	int required;
	const char *first, *rest;  /* allowed characters, or */
	const char *const *values; /* the values allowed */
} fields[] = {
	{ "Package", 1, "abcdefghijklmnopqrstuvwxyz0123456789",
	  "abcdefghijklmnopqrstuvwxyz0123456789+.-", NULL },
	{ "Version", 1, "0123456789",
	  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.+~:-", NULL },
	{ "Architecture", 1, "abcdefghijklmnopqrstuvwxyz0123456789",
	  "abcdefghijklmnopqrstuvwxyz0123456789-", NULL },
	{ "Multi-Arch", 0, NULL, NULL, multi_arch_values },
};

/* Does value match f? */
static int field_ok(const struct field_syntax *f, const char *value)
{
	if (f->values) {
		for (const char *const *v = f->values; *v; v++)
			if (!strcmp(*v, value))
				return 1;
		return 0;
	}
	return *value && strchr(f->first, *value) && value[strspn(value, f->rest)] == '\0';
}

/* The fields dpkg keeps in its status file and refuses in a package's
 * control ("not allowed in this context"): jeos writes them itself. */
static const char *const status_fields[] = {
	"Status", "Config-Version", "Conffiles", "Triggers-Pending", "Triggers-Awaited",
};

/* Debian policy 5.1: printable ASCII but space and colon, not starting
 * with '#' or '-'. */
static int field_name_ok(const char *s)
{
	if (!*s || *s == '#' || *s == '-')
		return 0;
	for (; *s; s++)
		if (*s < '!' || *s > '~' || *s == ':')
			return 0;
	return 1;
}

/* The control paragraph is one dpkg would take into its status file:
 * distinct, well-formed field names, none of the status file's own, and
 * every field of fields[] there if required and well-formed. */
static int check_fields(const struct deb *d, struct jeos_error *err)
{
	const struct deb822_para *c = &d->control;
	CLEANUP_STRBUF struct strbuf key = STRBUF_INIT;
	struct strset seen = { 0 }; /* names in lower case, as they compare */
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < c->nr; i++) {
		const char *name = c->fields[i].name;

		if (!field_name_ok(name)) {
			rc = jeos_fail(err, JEOS_EXIT_FAILED,
				       "%s: control: invalid field name \"%.64s\" (printable "
				       "ASCII, no space or colon, not starting with # or -)",
				       d->path, name);
			break;
		}
		strbuf_reset(&key);
		for (const char *s = name; *s; s++)
			strbuf_addch(&key, (char)tolower((unsigned char)*s));
		if (!strset_add(&seen, key.buf))
			rc = jeos_fail(err, JEOS_EXIT_FAILED,
				       "%s: control: field %s twice (expected once)",
				       d->path, name);
		for (size_t j = 0; rc == 0 && j < sizeof(status_fields) / sizeof(*status_fields); j++)
			if (!strcasecmp(status_fields[j], name))
				rc = jeos_fail(err, JEOS_EXIT_FAILED,
					       "%s: control: field %s belongs in dpkg's status "
					       "file, not in a package", d->path, name);
	}
	strset_clear(&seen);
	if (rc < 0)
		return -1;
	for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++) {
		const char *v = deb822_get(&d->control, fields[i].name);

		if (!v && fields[i].required)
			return jeos_fail(err, JEOS_EXIT_FAILED, "%s: control: no %s field",
					 d->path, fields[i].name);
		if (v && !field_ok(&fields[i], v))
			return jeos_fail(err, JEOS_EXIT_FAILED,
					 "%s: control: invalid %s \"%.64s\"", d->path,
					 fields[i].name, v);
	}
	return 0;
}

/* Parses the control file: text without a NUL byte, one paragraph, as
 * dpkg takes it. */
static int parse_control(struct deb *d, struct jeos_error *err)
{
	CLEANUP_FREE char *source = xasprintf("%s: control", d->path);
	struct deb822_para next = { 0 };
	struct deb822_reader reader;
	unsigned line;
	int r;

	if (memchr(d->control_file->data, '\0', d->control_file->size))
		return jeos_fail(err, JEOS_EXIT_FAILED,
				 "%s: control: a NUL byte (expected text)", d->path);
	deb822_reader_init(&reader, d->control_file->data, d->control_file->size,
			   source);
	r = deb822_next(&reader, &d->control, err);
	if (r < 0)
		return -1;
	if (r == 0)
		return jeos_fail(err, JEOS_EXIT_FAILED, "%s: control file is empty",
				 d->path);
	r = deb822_next(&reader, &next, err);
	line = next.line;
	deb822_para_clear(&next);
	if (r > 0)
		return jeos_fail(err, JEOS_EXIT_FAILED,
				 "%s: control:%u: a second paragraph (expected one)",
				 d->path, line);
	return r;
}

/* Checks that a control.tar entry, named name once normalized, is one
 * dpkg would take: no directory but the top one, files at the top only,
 * of dpkg's name length, none twice (names holds those seen). */
static int check_control_entry(const struct pass *p, struct archive_entry *ae,
			       const char *name, struct strset *names,
			       struct jeos_error *err)
{
	const char *pathname = archive_entry_pathname(ae);

	if (archive_entry_filetype(ae) == AE_IFDIR && strcmp(name, "/"))
		return jeos_fail(err, JEOS_EXIT_FAILED,
				 "%s: %s: %s: a directory (expected files at the top only)",
				 p->path, p->member, pathname);
	if (archive_entry_filetype(ae) != AE_IFREG)
		return 0;
	if (strchr(name + 1, '/'))
		return jeos_fail(err, JEOS_EXIT_FAILED,
				 "%s: %s: %s: in a directory (expected files at the top only)",
				 p->path, p->member, pathname);
	if (strlen(name + 1) > CONTROL_NAME_MAX)
		return jeos_fail(err, JEOS_EXIT_FAILED,
				 "%s: %s: %.*s...: a name of %zu bytes (expected at most %d)",
				 p->path, p->member, CONTROL_NAME_MAX, name + 1,
				 strlen(name + 1), CONTROL_NAME_MAX);
	if (!strset_add(names, name + 1))
		return jeos_fail(err, JEOS_EXIT_FAILED,
				 "%s: %s: %s: a second file of that name (expected one)",
				 p->path, p->member, pathname);
	return 0;
}

/* Reads every regular file of control.tar, then makes sense of control
 * and conffiles. */
static int read_control(struct deb *d, struct pass *p, struct jeos_error *err)
{
	CLEANUP_STRBUF struct strbuf name = STRBUF_INIT;
	struct strset names = { 0 };
	struct archive_entry *ae;
	struct deb_control_file *f;
	const struct deb_control_file *conffiles;
	int r;

	while ((r = tar_next(p, &ae, err)) == 1) {
		CLEANUP_STRBUF struct strbuf data = STRBUF_INIT;
		const char *pathname = archive_entry_pathname(ae);

		if (!pathname || normalize_path(&name, pathname) < 0) {
			r = jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s: bad file name %s",
				      d->path, p->member, pathname ? pathname : "(none)");
			break;
		}
		if ((r = check_control_entry(p, ae, name.buf, &names, err)) < 0)
			break;
		if (archive_entry_filetype(ae) != AE_IFREG)
			continue;
		if ((r = read_all(p, p->tar, &data, err)) < 0)
			break;
		ALLOC_GROW(d->files, d->nr_files + 1, d->alloc_files);
		f = &d->files[d->nr_files++];
		f->name = xstrdup(name.buf + 1);
		f->mode = archive_entry_perm(ae);
		f->size = data.len;
		f->data = strbuf_detach(&data);
	}
	strset_clear(&names);
	if (r < 0)
		return -1;

	d->control_file = deb_control_file(d, "control");
	if (!d->control_file)
		return jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s: no control file",
				 d->path, p->member);
	if (parse_control(d, err) < 0 || check_fields(d, err) < 0)
		return -1;
	conffiles = deb_control_file(d, "conffiles");
	return conffiles ? parse_conffiles(d, conffiles, err) : 0;
}

/* Finds the member after the current one, named base + a suffix. */
static int find_tar_member(struct pass *p, const char *base, char **member,
			   struct jeos_error *err)
{
	const char *name;
	int r = next_member(p, 1, &name, err);

	if (r < 0)
		return -1;
	if (r == 0)
		return jeos_fail(err, JEOS_EXIT_FAILED,
				 "%s: not a Debian package (no %s)", p->path, base);
	*member = xstrdup(name);
	return 0;
}

int deb_open(struct deb **out, const char *path, struct jeos_error *err)
{
	struct deb *d = xcalloc(1, sizeof(*d));
	struct pass p = { 0 };
	const char *name;
	int ret = -1, r;

	*out = NULL;
	d->path = xstrdup(path);
	if (pass_open(&p, path, err) < 0)
		goto out;
	r = next_member(&p, 0, &name, err);
	if (r < 0)
		goto out;
	if (r == 0 || strcmp(name, "debian-binary")) {
		jeos_fail(err, JEOS_EXIT_FAILED,
			  "%s: not a Debian package (no debian-binary)", path);
		goto out;
	}
	if (check_version(&p, err) < 0 ||
	    find_tar_member(&p, "control.tar", &d->control_member, err) < 0 ||
	    tar_open(&p, "control.tar", CONTROL_MAX, err) < 0 ||
	    read_control(d, &p, err) < 0 ||
	    find_tar_member(&p, "data.tar", &d->data_member, err) < 0 ||
	    !member_compression(path, d->data_member, "data.tar", err))
		goto out;
	/* Skipping data.tar is a seek; reading the header after it is what
	 * tells a whole file from a truncated one, and costs nothing. */
	if (next_member(&p, 0, &name, err) < 0)
		goto out;
	ret = 0;
out:
	pass_close(&p);
	if (ret < 0)
		deb_close(d);
	else
		*out = d;
	return ret;
}

void deb_close(struct deb *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nr_files; i++) {
		free((char *)d->files[i].name);
		free((char *)d->files[i].data);
	}
	free(d->files);
	for (size_t i = 0; i < d->nr_conffiles; i++)
		free((char *)d->conffiles[i].path);
	free(d->conffiles);
	deb822_para_clear(&d->control);
	free(d->control_member);
	free(d->data_member);
	free(d->path);
	free(d);
}

const char *deb_path(const struct deb *d)
{
	return d->path;
}

const char *deb_control_member(const struct deb *d)
{
	return d->control_member;
}

const char *deb_data_member(const struct deb *d)
{
	return d->data_member;
}

const struct deb822_para *deb_control(const struct deb *d)
{
	return &d->control;
}

const char *deb_control_text(const struct deb *d, size_t *len)
{
	if (len)
		*len = d->control_file->size;
	return d->control_file->data;
}

const struct deb_control_file *deb_control_file(const struct deb *d,
						const char *name)
{
	for (size_t i = 0; i < d->nr_files; i++)
		if (!strcmp(d->files[i].name, name))
			return &d->files[i];
	return NULL;
}

size_t deb_control_files(const struct deb *d,
			 const struct deb_control_file **files)
{
	*files = d->files;
	return d->nr_files;
}

size_t deb_conffiles(const struct deb *d, const struct deb_conffile **list)
{
	*list = d->conffiles;
	return d->nr_conffiles;
}

const char *deb_md5sums(const struct deb *d, size_t *len)
{
	const struct deb_control_file *f = deb_control_file(d, "md5sums");

	if (len)
		*len = f ? f->size : 0;
	return f ? f->data : NULL;
}

/* ---- data.tar ---- */

int deb_data_begin(const struct deb *d, struct deb_data **out,
		   struct jeos_error *err)
{
	struct deb_data *it = xcalloc(1, sizeof(*it));
	const char *name;
	int r;

	*out = NULL;
	if (pass_open(&it->p, d->path, err) < 0)
		goto fail;
	while ((r = next_member(&it->p, 0, &name, err)) == 1 &&
	       strcmp(name, d->data_member))
		;
	if (r < 0)
		goto fail;
	if (r == 0) {
		jeos_fail(err, JEOS_EXIT_FAILED, "%s: no %s any more", d->path,
			  d->data_member);
		goto fail;
	}
	if (tar_open(&it->p, "data.tar", INT64_MAX, err) < 0)
		goto fail;
	*out = it;
	return 0;
fail:
	deb_data_end(it);
	return -1;
}

/* Remembers a failure so later calls repeat it: libarchive's own state
 * after a fatal error only says it is in state "fatal". */
static int data_fail(struct deb_data *it, const struct jeos_error *err)
{
	it->error = *err;
	it->failed = 1;
	return -1;
}

static int data_failed(const struct deb_data *it, struct jeos_error *err)
{
	*err = it->error;
	return -1;
}

int deb_data_next(struct deb_data *it, struct deb_entry *e,
		  struct jeos_error *err)
{
	struct jeos_error local;
	struct archive_entry *ae;
	const char *name, *link;
	mode_t type;
	int r;

	if (!err)
		err = &local;
	if (it->failed)
		return data_failed(it, err);
	it->entry = NULL;
	r = tar_next(&it->p, &ae, err);
	if (r <= 0)
		return r < 0 ? data_fail(it, err) : 0;
	name = archive_entry_pathname(ae);
	if (!name || normalize_path(&it->path, name) < 0) {
		jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s: unsafe path %s",
			  it->p.path, it->p.member, name ? name : "(none)");
		return data_fail(it, err);
	}
	/* dpkg's file lists hold a name a line; dpkg refuses these too */
	if (strchr(it->path.buf, '\n')) {
		jeos_fail(err, JEOS_EXIT_FAILED,
			  "%s: %s: %s: a file name with a newline (expected none)",
			  it->p.path, it->p.member, name);
		return data_fail(it, err);
	}
	link = archive_entry_hardlink(ae);
	if (link && normalize_path(&it->hardlink, link) < 0) {
		jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s: %s: unsafe hard link to %s",
			  it->p.path, it->p.member, it->path.buf, link);
		return data_fail(it, err);
	}
	type = archive_entry_filetype(ae);
	*e = (struct deb_entry){
		.path = it->path.buf,
		.mode = archive_entry_mode(ae),
		.uid = archive_entry_uid(ae),
		.gid = archive_entry_gid(ae),
		.uname = archive_entry_uname(ae),
		.gname = archive_entry_gname(ae),
		.mtime = archive_entry_mtime(ae),
		.size = archive_entry_size(ae),
		.hardlink = link ? it->hardlink.buf : NULL,
		.symlink = archive_entry_symlink(ae),
	};
	/* tar stores no file type for a hard link; its target is a file */
	if (link && !(e->mode & AE_IFMT))
		e->mode |= AE_IFREG;
	if (e->uname && !*e->uname)
		e->uname = NULL;
	if (e->gname && !*e->gname)
		e->gname = NULL;
	if (type == AE_IFCHR || type == AE_IFBLK) {
		e->dev_major = (unsigned)archive_entry_rdevmajor(ae);
		e->dev_minor = (unsigned)archive_entry_rdevminor(ae);
	}
	it->entry = ae;
	return 1;
}

ssize_t deb_data_read(struct deb_data *it, void *buf, size_t len,
		      struct jeos_error *err)
{
	struct jeos_error local;
	la_ssize_t n;

	if (!err)
		err = &local;
	if (it->failed)
		return data_failed(it, err);
	if (!it->entry)
		return 0;
	n = archive_read_data(it->p.tar, buf, len);
	if (n < 0) {
		archive_fail(err, it->p.path, it->p.member, it->p.tar);
		return data_fail(it, err);
	}
	return n;
}

void deb_data_end(struct deb_data *it)
{
	if (!it)
		return;
	pass_close(&it->p);
	strbuf_release(&it->path);
	strbuf_release(&it->hardlink);
	free(it);
}
