/* rootfs.c - see rootfs.h. */
#include "rootfs.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "deb.h"

/* The top-level directories merged-/usr moves into /usr (usrmerge's
 * list), and whether jeos links them itself when no package ships the
 * link: lib32/libx32 exist only on multilib systems, lib64 holds the
 * amd64 loader. Releases from Debian 13 on ship the links in base-files;
 * older ones (12) leave them to the installer, as debootstrap does. */
static const struct merged_dir {
	const char *name;
	int made;
} merged_dirs[] = {
	{ "bin", 1 }, { "sbin", 1 }, { "lib", 1 }, { "lib32", 0 }, { "lib64", 1 }, { "libx32", 0 },
};
#define NR_MERGED (sizeof(merged_dirs) / sizeof(merged_dirs[0]))

struct writer {
	struct archive *a;
	struct strset dirs;   /* directories already written */
	struct strset links;  /* merged directories whose symlink a package shipped */
	struct rootfs_stats *stats;
	const struct rootfs_options *opts;
	int64_t mtime;
	const char *tar_path;
};

/* What exclude_docs leaves out, in dpkg's words, for later installs. */
static const char dpkg_excludes[] =
	"# written by jeos (<rpm-excludedocs>): no documentation but the\n"
	"# copyright files, no man or info pages, no translations\n"
	"path-exclude=/usr/share/doc/*\n"
	"path-include=/usr/share/doc/*/copyright\n"
	"path-exclude=/usr/share/man/*\n"
	"path-exclude=/usr/share/info/*\n"
	"path-exclude=/usr/share/locale/*\n"
	"path-include=/usr/share/locale/locale.alias\n"
	"path-exclude=/usr/share/lintian/*\n";

/* The same rules for package paths. The directories right below
 * /usr/share/doc stay, for the copyright files. */
static int excluded(const char *path)
{
	static const char *const roots[] = {
		"/usr/share/doc/", "/usr/share/man/", "/usr/share/info/",
		"/usr/share/locale/", "/usr/share/lintian/",
	};

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		const char *rest;
		if (!str_has_prefix(path, roots[i]))
			continue;
		rest = path + strlen(roots[i]);
		if (i == 0)
			return !(strchr(rest, '/') == NULL || str_has_suffix(rest, "/copyright"));
		if (i == 3)
			return strcmp(rest, "locale.alias") != 0;
		return 1;
	}
	return 0;
}

/* Which merged directory does path ("/lib/x") start with? */
static const char *merged_prefix(const char *path)
{
	for (size_t i = 0; i < NR_MERGED; i++) {
		size_t n = strlen(merged_dirs[i].name);
		if (path[0] == '/' && !strncmp(path + 1, merged_dirs[i].name, n) &&
		    (path[n + 1] == '/' || path[n + 1] == '\0'))
			return merged_dirs[i].name;
	}
	return NULL;
}

/* Package path -> member name: "/bin/sh" -> "usr/bin/sh", "/" -> ".". */
static void member_name(struct strbuf *out, const char *path)
{
	strbuf_reset(out);
	if (!strcmp(path, "/")) {
		strbuf_addch(out, '.');
		return;
	}
	if (merged_prefix(path))
		strbuf_addstr(out, "usr");
	else
		path++;
	strbuf_addstr(out, path);
}

static int archive_fail(struct writer *w, struct jeos_error *err)
{
	return jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s", w->tar_path,
			 archive_error_string(w->a));
}

static int write_member(struct writer *w, const char *name, mode_t mode,
			const char *symlink, const void *data, size_t len,
			struct jeos_error *err)
{
	struct archive_entry *e = archive_entry_new();
	int rc = 0;

	archive_entry_set_pathname(e, name);
	archive_entry_set_mode(e, mode);
	archive_entry_set_mtime(e, w->mtime, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	if (symlink)
		archive_entry_set_symlink(e, symlink);
	archive_entry_set_size(e, S_ISREG(mode) ? (la_int64_t)len : 0);
	if (archive_write_header(w->a, e) != ARCHIVE_OK ||
	    (S_ISREG(mode) && len && archive_write_data(w->a, data, len) != (la_ssize_t)len))
		rc = archive_fail(w, err);
	archive_entry_free(e);
	w->stats->entries++;
	return rc;
}

static int write_dir(struct writer *w, const char *name, struct jeos_error *err)
{
	if (!strset_add(&w->dirs, name))
		return 0;
	return write_member(w, name, S_IFDIR | 0755, NULL, NULL, 0, err);
}

static int write_layout(struct writer *w, struct jeos_error *err)
{
	static const char *const dirs[] = {
		".", "usr", "var", "var/lib", "var/lib/dpkg", "var/lib/dpkg/info",
		"var/lib/dpkg/updates", "var/lib/dpkg/triggers", "var/lib/dpkg/alternatives",
		"var/lib/dpkg/parts",
	};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (write_dir(w, dirs[i], err) < 0)
			return -1;
	return 0;
}

/* After every package: the merged directories' targets, and the links no
 * package shipped. */
static int write_merged_links(struct writer *w, struct jeos_error *err)
{
	for (size_t i = 0; i < NR_MERGED; i++) {
		const char *dir = merged_dirs[i].name;
		int shipped = strset_has(&w->links, dir);
		CLEANUP_FREE char *target = xasprintf("usr/%s", dir);

		if (!shipped && !merged_dirs[i].made)
			continue;
		if (write_dir(w, target, err) < 0 ||
		    (!shipped && write_member(w, dir, S_IFLNK | 0777, target, NULL, 0, err) < 0))
			return -1;
	}
	return 0;
}

/* A package's own top-level link of a merged directory ("/bin" ->
 * "usr/bin", as base-files ships it from Debian 13 on) goes into the tar
 * as it is, once; 1 if it was one (written or a duplicate), 0 if not. A
 * link elsewhere would leave the package paths jeos moves into /usr
 * behind it unreachable, so it is refused. */
static int shipped_link(struct writer *w, const struct deb_entry *de, const char *top,
			struct jeos_error *err)
{
	if (!S_ISLNK(de->mode) || strlen(de->path) != strlen(top) + 1)
		return 0;
	if (!str_has_prefix(de->symlink, de->symlink[0] == '/' ? "/usr/" : "usr/") ||
	    strcmp(de->symlink + (de->symlink[0] == '/' ? 5 : 4), top))
		return jeos_fail(err, JEOS_EXIT_FAILED,
				 "%s is a link to '%s', but merged-/usr needs usr/%s",
				 de->path, de->symlink, top);
	if (!strset_add(&w->links, top))
		return 1;
	return write_member(w, top, S_IFLNK | 0777, de->symlink, NULL, 0, err) < 0 ? -1 : 1;
}

static int is_conffile(const struct deb_conffile *list, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i].path, path))
			return 1;
	return 0;
}

/* The entry to write for de, named name (hardlink: the member it links
 * to, or NULL): only what dpkg itself applies, type, mode, owner, mtime,
 * link target and device, none of the extended attributes, ACLs or file
 * flags a pax header may carry. Only a file's own content declares a
 * size: whatever else did would be padded out with zeros. */
static struct archive_entry *new_entry(const struct deb_entry *de, const char *name,
				       const char *hardlink)
{
	struct archive_entry *e = archive_entry_new();

	if (!e)
		abort();
	archive_entry_set_pathname(e, name);
	archive_entry_set_mode(e, de->mode);
	archive_entry_set_uid(e, de->uid);
	archive_entry_set_gid(e, de->gid);
	if (de->uname)
		archive_entry_set_uname(e, de->uname);
	if (de->gname)
		archive_entry_set_gname(e, de->gname);
	archive_entry_set_mtime(e, de->mtime, 0);
	if (hardlink)
		archive_entry_set_hardlink(e, hardlink);
	else if (de->symlink)
		archive_entry_set_symlink(e, de->symlink);
	if (S_ISCHR(de->mode) || S_ISBLK(de->mode)) {
		archive_entry_set_rdevmajor(e, de->dev_major);
		archive_entry_set_rdevminor(e, de->dev_minor);
	}
	archive_entry_set_size(e, S_ISREG(de->mode) && !hardlink ? de->size : 0);
	return e;
}

/* Copies one package's data.tar into the stream; its file list goes to list. */
static int copy_data(struct writer *w, const struct deb *d, struct strbuf *list,
		     struct jeos_error *err)
{
	const struct deb_conffile *conffiles;
	size_t nr_conffiles = deb_conffiles(d, &conffiles);
	struct deb_data *it = NULL;
	struct deb_entry de;
	struct strbuf name = STRBUF_INIT, link = STRBUF_INIT;
	char buf[65536];
	int rc;

	if (deb_data_begin(d, &it, err) < 0)
		return -1;
	while ((rc = deb_data_next(it, &de, err)) == 1) {
		struct archive_entry *e;
		const char *top = merged_prefix(de.path);

		strbuf_addstr(list, strcmp(de.path, "/") ? de.path : "/.");
		strbuf_addch(list, '\n');
		if (w->opts->exclude_docs &&
		    (excluded(de.path) || (de.hardlink && excluded(de.hardlink)))) {
			w->stats->excluded++;
			continue;
		}
		if (top && (rc = shipped_link(w, &de, top, err)) != 0) {
			if (rc < 0)
				break;
			continue;
		}
		member_name(&name, de.path);
		if (S_ISDIR(de.mode) && !strset_add(&w->dirs, name.buf))
			continue;
		if (S_ISREG(de.mode) && !de.hardlink && is_conffile(conffiles, nr_conffiles, de.path))
			strbuf_addstr(&name, ".dpkg-new");
		if (de.hardlink)
			member_name(&link, de.hardlink);
		e = new_entry(&de, name.buf, de.hardlink ? link.buf : NULL);
		rc = archive_write_header(w->a, e) == ARCHIVE_OK ? 0 : archive_fail(w, err);
		archive_entry_free(e);
		w->stats->entries++;
		if (rc < 0)
			break;
		if (S_ISREG(de.mode) && !de.hardlink) {
			ssize_t n;
			while ((n = deb_data_read(it, buf, sizeof(buf), err)) > 0) {
				if (archive_write_data(w->a, buf, (size_t)n) != n) {
					n = archive_fail(w, err);
					break;
				}
				w->stats->bytes += (uint64_t)n;
			}
			if (n < 0) {
				rc = -1;
				break;
			}
		}
	}
	deb_data_end(it);
	strbuf_release(&name);
	strbuf_release(&link);
	return rc < 0 ? -1 : 0;
}

/* dpkg names its info files "pkg" or, for Multi-Arch: same, "pkg:arch". */
static char *info_name(const struct deb *d, const char *arch)
{
	const struct deb822_para *c = deb_control(d);
	const char *ma = deb822_get(c, "Multi-Arch");
	const char *pkg_arch = deb822_get(c, "Architecture");

	if (ma && !strcmp(ma, "same"))
		return xasprintf("%s:%s", deb822_get(c, "Package"),
				 pkg_arch ? pkg_arch : arch);
	return xstrdup(deb822_get(c, "Package"));
}

/* The package's paragraph in /var/lib/dpkg/status. */
static void status_paragraph(struct strbuf *status, const struct deb *d)
{
	const struct deb822_para *c = deb_control(d);
	const struct deb_conffile *conffiles;
	size_t nr = deb_conffiles(d, &conffiles);

	for (size_t i = 0; i < c->nr; i++) {
		const char *v = c->fields[i].value;
		strbuf_addf(status, "%s:", c->fields[i].name);
		/* continuation lines: a leading space, "." for empty lines */
		for (const char *p = v; ; ) {
			const char *eol = strchrnul(p, '\n');
			if (p == v)
				strbuf_addf(status, "%s%.*s", *v ? " " : "", (int)(eol - p), p);
			else
				strbuf_addf(status, " %.*s", eol == p ? 1 : (int)(eol - p),
					    eol == p ? "." : p);
			strbuf_addch(status, '\n');
			if (!*eol)
				break;
			p = eol + 1;
		}
		if (!strcasecmp(c->fields[i].name, "Package"))
			strbuf_addstr(status, "Status: install ok unpacked\n");
	}
	if (nr) {
		strbuf_addstr(status, "Conffiles:\n");
		for (size_t i = 0; i < nr; i++)
			strbuf_addf(status, " %s newconffile%s\n", conffiles[i].path,
				    conffiles[i].flags & DEB_CONFFILE_REMOVE_ON_UPGRADE ?
				    " remove-on-upgrade" : "");
	}
	strbuf_addch(status, '\n');
}

static int write_info(struct writer *w, const struct deb *d, const char *arch,
		      const struct strbuf *list, struct jeos_error *err)
{
	CLEANUP_FREE char *base = info_name(d, arch);
	const struct deb_control_file *files;
	size_t n = deb_control_files(d, &files);
	struct strbuf name = STRBUF_INIT;
	int rc = 0;

	strbuf_addf(&name, "var/lib/dpkg/info/%s.list", base);
	rc = write_member(w, name.buf, S_IFREG | 0644, NULL, list->buf, list->len, err);
	/* everything but the control file itself: scripts, md5sums, conffiles,
	 * templates, triggers, shlibs, symbols */
	for (size_t i = 0; rc == 0 && i < n; i++) {
		/* dpkg installs neither, nor a name with a dot */
		if (!strcmp(files[i].name, "control") || !strcmp(files[i].name, "list") ||
		    strchr(files[i].name, '.'))
			continue;
		strbuf_reset(&name);
		strbuf_addf(&name, "var/lib/dpkg/info/%s.%s", base, files[i].name);
		rc = write_member(w, name.buf, S_IFREG | (files[i].mode & 07777),
				  NULL, files[i].data, files[i].size, err);
	}
	strbuf_release(&name);
	return rc;
}

/* The writer of every tar the guest unpacks, opened on path: pax, with
 * names, link targets and owners kept as the bytes they are
 * (hdrcharset=BINARY) whatever the host's locale, which would otherwise
 * have to translate them to UTF-8; NULL with err filled. */
static struct archive *tar_new(const char *path, struct jeos_error *err)
{
	struct archive *a = archive_write_new();

	if (!a)
		abort();
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_set_format_option(a, "pax", "hdrcharset", "BINARY") != ARCHIVE_OK ||
	    archive_write_open_filename(a, path) != ARCHIVE_OK) {
		jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s", path, archive_error_string(a));
		archive_write_fail(a);
		archive_write_free(a);
		return NULL;
	}
	return a;
}

/* Frees a writer. After a failure (rc < 0) it is marked failed first, or
 * libarchive would pad an unfinished entry out to its declared size, and
 * then closed, or libarchive 3.6 would keep its file and buffer. */
static void tar_free(struct archive *a, int rc)
{
	if (!a)
		return;
	if (rc < 0) {
		archive_write_fail(a);
		archive_write_close(a);
	}
	archive_write_free(a);
}

/* The .deb must be the package the signed index lists: its control
 * names the info files and goes into the status file. */
static int check_identity(const struct pkg *p, const struct deb *d,
			  struct jeos_error *err)
{
	const struct deb822_para *c = deb_control(d);
	/* deb_open() made sure the three are there */
	const char *name = deb822_get(c, "Package"), *version = deb822_get(c, "Version");
	const char *arch = deb822_get(c, "Architecture");

	if (strcmp(name, p->name) || strcmp(version, p->version) || strcmp(arch, p->arch))
		return jeos_fail(err, JEOS_EXIT_FAILED,
				 "%s: the package is %s %s (%s), the index lists %s %s (%s)",
				 deb_path(d), name, version, arch, p->name, p->version, p->arch);
	return 0;
}

int rootfs_write_tar(const struct pkgset *set, const struct rootfs_options *opts,
		     const char *tar_path, struct rootfs_stats *stats,
		     struct jeos_error *err)
{
	CLEANUP_UNLINK_FREE char *tmp = tmpname_for(tar_path);
	struct writer w = { .stats = stats, .opts = opts, .mtime = opts->mtime,
			    .tar_path = tar_path };
	const char *arch = opts->arch;
	struct strbuf status = STRBUF_INIT, list = STRBUF_INIT;
	CLEANUP_FREE char *arch_line = xasprintf("%s\n", arch);
	int rc = -1;

	memset(stats, 0, sizeof(*stats));
	w.a = tar_new(tmp, err);
	if (!w.a)
		goto out;
	if (write_layout(&w, err) < 0)
		goto out;
	for (size_t i = 0; i < set->nr; i++) {
		struct deb *d = NULL;
		const struct pkg *p = &set->pkgs[i];

		progress("unpack", i + 1, set->nr, "%s", p->name);
		strbuf_reset(&list);
		if (deb_open(&d, p->path, err) < 0 ||
		    check_identity(p, d, err) < 0 ||
		    copy_data(&w, d, &list, err) < 0 ||
		    write_info(&w, d, arch, &list, err) < 0) {
			jeos_error_prefix(err, "%s: ", p->name);
			deb_close(d);
			goto out;
		}
		status_paragraph(&status, d);
		deb_close(d);
		stats->packages++;
	}
	progress_done();
	if (write_merged_links(&w, err) < 0 ||
	    write_member(&w, "var/lib/dpkg/status", S_IFREG | 0644, NULL, status.buf, status.len, err) < 0 ||
	    write_member(&w, "var/lib/dpkg/available", S_IFREG | 0644, NULL, "", 0, err) < 0 ||
	    write_member(&w, "var/lib/dpkg/diversions", S_IFREG | 0644, NULL, "", 0, err) < 0 ||
	    write_member(&w, "var/lib/dpkg/statoverride", S_IFREG | 0644, NULL, "", 0, err) < 0 ||
	    write_member(&w, "var/lib/dpkg/arch", S_IFREG | 0644, NULL, arch_line, strlen(arch_line), err) < 0)
		goto out;
	if (opts->exclude_docs &&
	    (write_dir(&w, "etc", err) < 0 || write_dir(&w, "etc/dpkg", err) < 0 ||
	     write_dir(&w, "etc/dpkg/dpkg.cfg.d", err) < 0 ||
	     write_member(&w, "etc/dpkg/dpkg.cfg.d/jeos-excludes", S_IFREG | 0644, NULL,
			  dpkg_excludes, strlen(dpkg_excludes), err) < 0))
		goto out;
	if (archive_write_close(w.a) != ARCHIVE_OK) {
		archive_fail(&w, err);
		goto out;
	}
	if (commit_file(&tmp, tar_path, err) < 0)
		goto out;
	rc = 0;
out:
	tar_free(w.a, rc);
	strset_clear(&w.dirs);
	strset_clear(&w.links);
	strbuf_release(&status);
	strbuf_release(&list);
	return rc;
}

/* Copies the current entry's content, size bytes, from the disk reader
 * to the tar: a file that changes meanwhile is an error, not a short or
 * padded member. */
static int copy_content(struct archive *disk, struct archive *out, const char *src,
			int64_t size, struct jeos_error *err)
{
	char buf[65536];
	int64_t done = 0;
	la_ssize_t n;

	while ((n = archive_read_data(disk, buf, sizeof(buf))) > 0) {
		if (archive_write_data(out, buf, (size_t)n) != n)
			return jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s", src,
					 archive_error_string(out) ? archive_error_string(out) :
					 "it grew while being archived");
		done += n;
	}
	if (n < 0)
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot read %s: %s", src,
				 archive_error_string(disk));
	if (done != size)
		return jeos_fail(err, JEOS_EXIT_FAILED, "%s: it shrank while being archived",
				 src);
	return 0;
}

int rootfs_tar_tree(const char *dir, const char *tar_path, struct jeos_error *err)
{
	CLEANUP_UNLINK_FREE char *tmp = tmpname_for(tar_path);
	struct archive *disk = archive_read_disk_new();
	struct archive *out = NULL;
	struct archive_entry *e = archive_entry_new();
	struct strbuf src = STRBUF_INIT, name = STRBUF_INIT;
	int r, rc = -1;

	if (!disk || !e)
		abort();
	if (archive_read_disk_open(disk, dir) != ARCHIVE_OK) {
		jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s", dir, archive_error_string(disk));
		goto out;
	}
	out = tar_new(tmp, err);
	if (!out)
		goto out;
	while ((r = archive_read_next_header2(disk, e)) != ARCHIVE_EOF) {
		strbuf_reset(&src);
		strbuf_addstr(&src, archive_entry_pathname(e) ? archive_entry_pathname(e) : dir);
		if (r != ARCHIVE_OK || archive_read_disk_descend(disk) != ARCHIVE_OK) {
			jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s", src.buf,
				  archive_error_string(disk));
			goto out;
		}
		strbuf_reset(&name);
		strbuf_addf(&name, ".%s", src.buf + strlen(dir));
		archive_entry_set_pathname(e, name.buf);
		archive_entry_set_uid(e, 0);
		archive_entry_set_gid(e, 0);
		archive_entry_set_uname(e, "root");
		archive_entry_set_gname(e, "root");
		archive_entry_set_perm(e, archive_entry_perm(e) & ~(mode_t)022);
		if (archive_write_header(out, e) != ARCHIVE_OK) {
			jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s", src.buf, archive_error_string(out));
			goto out;
		}
		if (archive_entry_filetype(e) == AE_IFREG &&
		    copy_content(disk, out, src.buf, archive_entry_size(e), err) < 0)
			goto out;
		archive_entry_clear(e);
	}
	if (archive_write_close(out) != ARCHIVE_OK) {
		jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s", tar_path, archive_error_string(out));
		goto out;
	}
	rc = commit_file(&tmp, tar_path, err);
out:
	tar_free(out, rc);
	archive_read_free(disk);
	archive_entry_free(e);
	strbuf_release(&src);
	strbuf_release(&name);
	return rc;
}
