/* deb.h - reading binary packages (.deb) with libarchive, without
 * unpacking anything to disk.
 *
 * A .deb is an ar archive: "debian-binary" ("2.x"), then control.tar and
 * data.tar, each uncompressed or .gz, .xz or .zst (data.tar also .bz2 or
 * .lzma), as deb(5) says. Members named "_..." between them are ignored,
 * as is anything after data.tar.
 *
 * deb_open() reads the small control part into memory at once and checks
 * that data.tar is there whole (its length: a seek, not a read). The
 * control file must be what dpkg takes into its status file: text without
 * a NUL byte, one paragraph of distinct, well-formed field names, none of
 * the status file's own (Status, Conffiles, Config-Version, Triggers-*),
 * with Package, Version and Architecture, and they and Multi-Arch
 * well-formed (deb-control(5)). control.tar holds what dpkg installs
 * into its info directory: files at its top only, no other directory,
 * names of at most 100 bytes (dpkg's limit), none twice. Nothing in a package may make
 * jeos hold or unpack more than it could really carry: control.tar unpacks
 * to 64 MiB at most, and neither tar to more than 1000 times its size in
 * the .deb; an entry declaring more than is left is an error before any of
 * its content is read. The data
 * part is streamed: each deb_data_begin() opens the file again and reads
 * data.tar entry by entry, so it can be walked any number of times and
 * nothing is held in memory but the current block. Damage inside the
 * data.tar stream itself is therefore reported by the iterator.
 *
 * Error messages name the file and the member: "x.deb: data.tar.xz:
 * truncated", "x.deb: not a Debian package (no debian-binary)".
 */
#ifndef JEOS_DEB_H
#define JEOS_DEB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "deb822.h"
#include "util.h"

struct deb;
struct deb_data;

int deb_open(struct deb **out, const char *path, struct jeos_error *err);
void deb_close(struct deb *d); /* NULL is fine */

const char *deb_path(const struct deb *d);
/* Member names as found, e.g. "control.tar.zst", "data.tar.xz". */
const char *deb_control_member(const struct deb *d);
const char *deb_data_member(const struct deb *d);

/* The control file: parsed (its first paragraph) and as written. */
const struct deb822_para *deb_control(const struct deb *d);
const char *deb_control_text(const struct deb *d, size_t *len);

/* A regular file of control.tar: "control", "postinst", "templates",
 * "md5sums", ... The name has no "./"; data is NUL-terminated (scripts
 * may still hold NULs: use size). */
struct deb_control_file {
	const char *name;
	mode_t mode; /* permission bits */
	const char *data;
	size_t size;
};
/* NULL if control.tar has no such file. */
const struct deb_control_file *deb_control_file(const struct deb *d,
						const char *name);
/* All of them, in archive order; returns the count. */
size_t deb_control_files(const struct deb *d,
			 const struct deb_control_file **files);

/* The conffiles list ("remove-on-upgrade /etc/x" sets the flag). */
#define DEB_CONFFILE_REMOVE_ON_UPGRADE 1u
struct deb_conffile {
	const char *path; /* absolute, as written */
	unsigned flags;
};
size_t deb_conffiles(const struct deb *d, const struct deb_conffile **list);

/* md5sums as written ("<md5>  usr/bin/x" lines); NULL if absent. */
const char *deb_md5sums(const struct deb *d, size_t *len);

/* One data.tar entry. Strings stay valid until the next deb_data_next()
 * or deb_data_end().
 *
 * path is normalized to an absolute path without "." components, doubled
 * or trailing slashes: "./usr/bin/x" -> "/usr/bin/x", "./usr/" -> "/usr",
 * "./" -> "/". Entries with a ".." component are refused as an error, so
 * a later stage can never write outside its root, as are names with a
 * newline (dpkg's file lists hold a name a line) and sparse files (dpkg
 * unpacks none). hardlink is normalized
 * the same way; symlink is the target as written ("../lib/x" stays). */
struct deb_entry {
	const char *path;
	mode_t mode;            /* file type and permission bits; a hard
				 * link has S_IFREG (tar stores none) */
	int64_t uid, gid;
	const char *uname, *gname; /* NULL if the archive has none */
	int64_t mtime;          /* seconds since the epoch */
	int64_t size;           /* what deb_data_read() gives; 0 but for files */
	const char *hardlink;   /* NULL unless a hard link to an earlier entry */
	const char *symlink;    /* NULL unless a symbolic link */
	unsigned dev_major, dev_minor; /* character and block devices */
};

/* The iterator keeps no pointer into d, which may be closed first. */
int deb_data_begin(const struct deb *d, struct deb_data **it,
		   struct jeos_error *err);
/* Returns 1 with the next entry in e, 0 at the end, -1 on error; content
 * left unread is skipped. Once it fails, it keeps failing. */
int deb_data_next(struct deb_data *it, struct deb_entry *e,
		  struct jeos_error *err);
/* Reads the current entry's content: bytes read, 0 at its end, -1 on
 * error. */
ssize_t deb_data_read(struct deb_data *it, void *buf, size_t len,
		      struct jeos_error *err);
void deb_data_end(struct deb_data *it); /* NULL is fine */

#endif
