/* Unit tests for rootfs.c: the root filesystem tar made on the host from
 * .debs the test builds with dpkg-deb. */
#include "testdeb.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "pkgset.h"
#include "rootfs.h"

struct member {
	char *name, *link, *data;
	mode_t mode;
	int hardlink;
	int xattrs, acls;
	unsigned long fflags;
};

static struct member members[256];
static size_t nr_members;

static void read_tar(const char *path)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;

	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_filename(a, path, 10240), ARCHIVE_OK);
	nr_members = 0;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		struct member *m = &members[nr_members++];
		struct strbuf sb = STRBUF_INIT;
		char buf[4096];
		la_ssize_t n;

		assert_true(nr_members < 256);
		m->name = xstrdup(archive_entry_pathname(e));
		/* a directory as tar names it, "usr/bin/", found as "usr/bin" */
		if (strlen(m->name) > 2 && str_has_suffix(m->name, "/"))
			m->name[strlen(m->name) - 1] = '\0';
		m->mode = archive_entry_mode(e);
		m->hardlink = archive_entry_hardlink(e) != NULL;
		m->xattrs = archive_entry_xattr_count(e);
		m->acls = archive_entry_acl_count(e, ARCHIVE_ENTRY_ACL_TYPE_ACCESS);
		archive_entry_fflags(e, &m->fflags, &(unsigned long){ 0 });
		m->link = archive_entry_symlink(e) ? xstrdup(archive_entry_symlink(e)) :
			  archive_entry_hardlink(e) ? xstrdup(archive_entry_hardlink(e)) : NULL;
		while ((n = archive_read_data(a, buf, sizeof(buf))) > 0)
			strbuf_add(&sb, buf, (size_t)n);
		m->data = strbuf_detach(&sb);
	}
	archive_read_free(a);
}

static void free_members(void)
{
	for (size_t i = 0; i < nr_members; i++) {
		free(members[i].name);
		free(members[i].link);
		free(members[i].data);
	}
	nr_members = 0;
}

static const struct member *find(const char *name)
{
	for (size_t i = 0; i < nr_members; i++)
		if (!strcmp(members[i].name, name))
			return &members[i];
	return NULL;
}

/* How many members are named name (a later one overwrites an earlier one
 * at unpacking). */
static size_t count_named(const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < nr_members; i++)
		n += !strcmp(members[i].name, name);
	return n;
}

/* One package: /bin/tool (moves to /usr), a conffile, docs, a man page,
 * a hard link, a postinst. */
static char *make_deb(const char *dir, const char *name, const char *extra_control)
{
	char *root = xasprintf("%s/%s-root", dir, name);
	char *deb = xasprintf("%s/%s.deb", dir, name);
	char *cmd = xasprintf(
		"set -e; r=%s; mkdir -p $r/DEBIAN $r/bin $r/etc/%s $r/usr/share/doc/%s $r/usr/share/man/man1 "
		"$r/usr/share/locale/de/LC_MESSAGES $r/usr/lib;"
		"printf 'Package: %s\\nVersion: 1.0\\nArchitecture: amd64\\nMaintainer: t <t@t>\\n%s"
		"Description: test\\n more text\\n .\\n after a blank line\\n' > $r/DEBIAN/control;"
		"echo /etc/%s/%s.conf > $r/DEBIAN/conffiles;"
		"printf '#!/bin/sh\\ntrue\\n' > $r/DEBIAN/postinst; chmod 755 $r/DEBIAN/postinst;"
		"echo tool > $r/bin/%s-tool; chmod 755 $r/bin/%s-tool; ln $r/bin/%s-tool $r/bin/%s-alias;"
		"echo setting=1 > $r/etc/%s/%s.conf;"
		"echo copyright > $r/usr/share/doc/%s/copyright; echo news > $r/usr/share/doc/%s/NEWS;"
		"echo man > $r/usr/share/man/man1/%s.1; echo mo > $r/usr/share/locale/de/LC_MESSAGES/%s.mo;"
		"echo lib > $r/usr/lib/lib%s.so;"
		"dpkg-deb --root-owner-group -Zxz --build $r %s >/dev/null",
		root, name, name, name, extra_control, name, name, name, name, name, name, name, name,
		name, name, name, name, name, deb);
	test_sh(cmd);
	free(cmd);
	free(root);
	return deb;
}

/* Adds a package at path to set, as the index lists it. */
static struct pkg *add_pkg(struct pkgset *set, const char *name, const char *version,
			   const char *arch, char *path)
{
	struct pkg *p = pkgset_add(set);

	p->name = xstrdup(name);
	p->version = xstrdup(version);
	p->arch = xstrdup(arch);
	p->path = path;
	return p;
}

static void build(const char *dir, int exclude_docs, struct rootfs_stats *st)
{
	struct pkgset set = { 0 };
	struct jeos_error err;
	char *tar = xasprintf("%s/root.tar", dir);
	struct rootfs_options ro = { .arch = "amd64", .mtime = 1700000000, .exclude_docs = exclude_docs };

	add_pkg(&set, "alpha", "1.0", "amd64", make_deb(dir, "alpha", ""));
	add_pkg(&set, "libbeta", "1.0", "amd64", make_deb(dir, "libbeta", "Multi-Arch: same\\n"));
	if (rootfs_write_tar(&set, &ro, tar, st, &err) < 0)
		fail_msg("%s", err.msg);
	read_tar(tar);
	pkgset_free(&set);
	free(tar);
}

static void test_merged_usr_and_dpkg_database(void **state)
{
	(void)state;
	char *dir = test_tmpdir();
	struct rootfs_stats st;
	const struct member *m;

	build(dir, 0, &st);
	assert_int_equal(st.packages, 2);

	/* /bin is a symlink into /usr; package files move there */
	assert_non_null(m = find("bin"));
	assert_true(S_ISLNK(m->mode));
	assert_string_equal(m->link, "usr/bin");
	const struct member *tool = find("usr/bin/alpha-tool");
	const struct member *alias = find("usr/bin/alpha-alias");
	assert_non_null(tool);
	assert_non_null(alias);
	assert_null(find("bin/alpha-tool"));
	assert_null(find("./bin/alpha-tool"));
	/* one is the file, the other a hard link to it (tar's order decides) */
	const struct member *file = tool->hardlink ? alias : tool;
	const struct member *link = tool->hardlink ? tool : alias;
	assert_false(file->hardlink);
	assert_int_equal(file->mode & 07777, 0755);
	assert_string_equal(file->data, "tool\n");
	assert_true(link->hardlink);
	assert_string_equal(link->link, file->name);

	/* conffiles wait as .dpkg-new, as dpkg leaves them after unpacking */
	assert_non_null(m = find("etc/alpha/alpha.conf.dpkg-new"));
	assert_string_equal(m->data, "setting=1\n");
	assert_null(find("etc/alpha/alpha.conf"));

	/* the status file: unpacked, conffiles to be configured */
	assert_non_null(m = find("var/lib/dpkg/status"));
	assert_non_null(strstr(m->data, "Package: alpha\nStatus: install ok unpacked\n"));
	assert_non_null(strstr(m->data, "Conffiles:\n /etc/alpha/alpha.conf newconffile\n"));
	assert_non_null(strstr(m->data, "Description: test\n more text\n .\n after a blank line\n"));

	/* file lists keep the packaged paths; Multi-Arch: same names pkg:arch */
	assert_non_null(m = find("var/lib/dpkg/info/alpha.list"));
	assert_non_null(strstr(m->data, "/.\n"));
	assert_non_null(strstr(m->data, "\n/bin/alpha-tool\n"));
	assert_non_null(find("var/lib/dpkg/info/libbeta:amd64.list"));
	assert_non_null(m = find("var/lib/dpkg/info/alpha.postinst"));
	assert_int_equal(m->mode & 07777, 0755);
	assert_non_null(find("var/lib/dpkg/info/alpha.conffiles"));
	assert_non_null(m = find("var/lib/dpkg/arch"));
	assert_string_equal(m->data, "amd64\n");

	/* without exclude_docs, everything is there */
	assert_non_null(find("usr/share/doc/alpha/NEWS"));
	assert_non_null(find("usr/share/man/man1/alpha.1"));
	assert_int_equal(st.excluded, 0);
	assert_null(find("etc/dpkg/dpkg.cfg.d/jeos-excludes"));

	free_members();
	test_rmrf(dir);
	free(dir);
}

static void test_exclude_docs(void **state)
{
	(void)state;
	char *dir = test_tmpdir();
	struct rootfs_stats st;
	const struct member *m;

	build(dir, 1, &st);
	assert_null(find("usr/share/doc/alpha/NEWS"));
	assert_non_null(find("usr/share/doc/alpha/copyright"));
	assert_null(find("usr/share/man/man1/alpha.1"));
	assert_null(find("usr/share/locale/de/LC_MESSAGES/alpha.mo"));
	assert_non_null(find("usr/lib/libalpha.so"));
	assert_true(st.excluded >= 6);
	assert_non_null(m = find("etc/dpkg/dpkg.cfg.d/jeos-excludes"));
	assert_non_null(strstr(m->data, "path-exclude=/usr/share/doc/*\n"));
	/* dpkg's list still names the file, as with dpkg's own path-exclude */
	assert_non_null(m = find("var/lib/dpkg/info/alpha.list"));
	assert_non_null(strstr(m->data, "/usr/share/doc/alpha/NEWS\n"));
	free_members();
	test_rmrf(dir);
	free(dir);
}

/* A base-files: with_links, as Debian 13 ships it (/bin, /sbin, /lib,
 * /lib64 links into /usr, the files already under /usr); without, as
 * Debian 12 (plain /bin and /lib directories with files in them). */
static char *make_base_files(const char *dir, const char *name, int with_links)
{
	return test_build_deb(dir, name, with_links ?
		"mkdir -p $r/usr/bin $r/usr/sbin $r/usr/lib $r/usr/lib64;"
		"for d in bin sbin lib lib64; do ln -s usr/$d $r/$d; done;"
		"echo sh > $r/usr/bin/sh; echo ld > $r/usr/lib64/ld.so" :
		"mkdir -p $r/bin $r/lib64; echo sh > $r/bin/sh; echo ld > $r/lib64/ld.so");
}

/* The tar as the guest's tar unpacks it: each merged directory a link
 * into /usr, there once; no link to itself; nothing below a link (tar
 * would fail on it, or follow it). */
static void assert_merged_layout(void)
{
	static const char *const dirs[] = { "bin", "sbin", "lib", "lib64" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char *target = xasprintf("usr/%s", dirs[i]);
		size_t count = 0;
		const struct member *m = NULL;

		for (size_t j = 0; j < nr_members; j++)
			if (!strcmp(members[j].name, dirs[i])) {
				m = &members[j];
				count++;
			}
		assert_int_equal(count, 1);
		assert_true(S_ISLNK(m->mode));
		assert_string_equal(m->link, target);
		assert_non_null(m = find(target));
		assert_true(S_ISDIR(m->mode));
		free(target);
	}
	for (size_t i = 0; i < nr_members; i++) {
		const struct member *l = &members[i];
		if (!S_ISLNK(l->mode))
			continue;
		assert_string_not_equal(l->link, l->name);
		for (size_t j = 0; j < nr_members; j++) {
			size_t n = strlen(l->name);
			if (!strncmp(members[j].name, l->name, n) && members[j].name[n] == '/')
				fail_msg("%s is under the link %s", members[j].name, l->name);
		}
	}
	assert_non_null(find("usr/bin/sh"));
	assert_non_null(find("usr/lib64/ld.so"));
}

static void test_merged_usr_shipped_or_made(void **state)
{
	(void)state;

	for (int with_links = 0; with_links <= 1; with_links++) {
		char *dir = test_tmpdir();
		struct pkgset set = { 0 };
		struct jeos_error err;
		struct rootfs_stats st;
		char *tar = xasprintf("%s/root.tar", dir);
		struct rootfs_options ro = { .arch = "amd64", .mtime = 1700000000 };
		const struct member *m;

		/* a package with /bin paths first, then base-files, then a
		 * second one shipping the same links (as usr-is-merged could) */
		add_pkg(&set, "alpha", "1.0", "amd64", make_deb(dir, "alpha", ""));
		add_pkg(&set, "base-files", "1", "amd64", make_base_files(dir, "base-files", with_links));
		add_pkg(&set, "base-files-again", "1", "amd64",
			make_base_files(dir, "base-files-again", with_links));
		if (rootfs_write_tar(&set, &ro, tar, &st, &err) < 0)
			fail_msg("%s", err.msg);
		read_tar(tar);
		assert_merged_layout();
		assert_non_null(find("usr/bin/alpha-tool"));
		/* dpkg's list keeps the packaged paths: base-files owns /bin */
		assert_non_null(m = find("var/lib/dpkg/info/base-files.list"));
		assert_non_null(strstr(m->data, "\n/bin\n"));
		assert_non_null(strstr(m->data, with_links ? "\n/usr/bin/sh\n" : "\n/bin/sh\n"));
		free_members();
		pkgset_free(&set);
		free(tar);
		test_rmrf(dir);
		free(dir);
	}
}

static void test_merged_dir_linked_elsewhere(void **state)
{
	(void)state;
	char *dir = test_tmpdir();
	struct pkgset set = { 0 };
	struct jeos_error err;
	struct rootfs_stats st;
	char *tar = xasprintf("%s/root.tar", dir);
	struct rootfs_options ro = { .arch = "amd64" };

	add_pkg(&set, "odd", "1", "amd64",
		test_build_deb(dir, "odd", "mkdir -p $r/opt/bin; ln -s opt/bin $r/bin"));
	assert_int_equal(rootfs_write_tar(&set, &ro, tar, &st, &err), -1);
	assert_string_equal(err.msg, "odd: /bin is a link to 'opt/bin', but merged-/usr needs usr/bin");
	assert_int_equal(access(tar, F_OK), -1);
	pkgset_free(&set);
	free(tar);
	test_rmrf(dir);
	free(dir);
}

static void test_bad_deb_names_package(void **state)
{
	(void)state;
	char *dir = test_tmpdir();
	struct pkgset set = { 0 };
	struct pkg *p = add_pkg(&set, "broken", "1", "amd64", xasprintf("%s/broken.deb", dir));
	struct jeos_error err;
	char *tar = xasprintf("%s/root.tar", dir);
	struct rootfs_options ro = { .arch = "amd64" };
	struct rootfs_stats st;
	FILE *f;

	f = fopen(p->path, "w");
	fputs("not a deb", f);
	fclose(f);
	assert_int_equal(rootfs_write_tar(&set, &ro, tar, &st, &err), -1);
	assert_non_null(strstr(err.msg, "broken.deb"));
	assert_int_equal(access(tar, F_OK), -1); /* nothing under the final name */
	pkgset_free(&set);
	free(tar);
	test_rmrf(dir);
	free(dir);
}

static const char hostile_control[] =
	"Package: hostile\nVersion: 1\nArchitecture: amd64\nDescription: x\n";

/* rootfs_write_tar of the package at deb into dir/out fails within two
 * seconds, with an error naming the package, the file and want, and
 * leaves nothing there: no tar, no temporary file. */
static void expect_tar_fails(const char *dir, const char *deb, const char *want)
{
	CLEANUP_FREE char *out = xasprintf("%s/out", dir);
	CLEANUP_FREE char *tar = xasprintf("%s/root.tar", out);
	struct rootfs_options ro = { .arch = "amd64" };
	struct pkgset set = { 0 };
	struct rootfs_stats st;
	struct jeos_error err;
	double t0 = now_seconds();

	test_shf("rm -rf '%s' && mkdir '%s'", out, out);
	add_pkg(&set, "hostile", "1", "amd64", xstrdup(deb));
	assert_int_equal(rootfs_write_tar(&set, &ro, tar, &st, &err), -1);
	assert_true(now_seconds() - t0 < 2);
	if (!str_has_prefix(err.msg, "hostile: ") || !strstr(err.msg, deb) ||
	    !strstr(err.msg, want))
		fail_msg("unexpected error: %s", err.msg);
	assert_int_equal(test_count_entries(out), 0);
	pkgset_free(&set);
}

/* A package whose data.tar holds one file declaring size bytes but
 * holding only "hello"; the tar ends there. */
static char *short_member_deb(const char *dir, const char *name, int64_t size)
{
	const struct crafted c = { "./usr/share/big", size, "hello" };
	CLEANUP_STRBUF struct strbuf control = STRBUF_INIT, data = STRBUF_INIT;

	crafted_control(&control, hostile_control);
	crafted_tar(&data, NULL, &c, 1);
	return crafted_deb(dir, name, "control.tar.gz", &control, "data.tar", &data);
}

static void test_declared_sizes_bounded(void **state)
{
	(void)state;
	CLEANUP_FREE char *dir = test_tmpdir();
	CLEANUP_FREE char *huge = short_member_deb(dir, "huge", (int64_t)1 << 62);
	CLEANUP_FREE char *big = short_member_deb(dir, "big", (int64_t)8 << 30);
	CLEANUP_FREE char *cut = short_member_deb(dir, "cut", 200000);

	/* refused from the header: more than the member can hold */
	expect_tar_fails(dir, huge, "./usr/share/big declares 4611686018427387904 bytes");
	expect_tar_fails(dir, big, "./usr/share/big declares 8589934592 bytes");
	/* within the bound, but the stream ends first: an error at once, and
	 * the entry begun is not padded out */
	expect_tar_fails(dir, cut, "data.tar: truncated");
	test_rmrf(dir);
}

static void test_control_without_package(void **state)
{
	(void)state;
	CLEANUP_FREE char *dir = test_tmpdir();
	CLEANUP_FREE char *deb = crafted_control_deb(dir, "nopkg",
		"Version: 1\nArchitecture: amd64\nDescription: x\n");

	expect_tar_fails(dir, deb, "control: no Package field");
	test_rmrf(dir);
}

/* rootfs_write_tar of set into dir/root.tar, which must succeed; its
 * members are read into members[]. */
static void tar_of(const char *dir, const struct pkgset *set)
{
	CLEANUP_FREE char *tar = xasprintf("%s/root.tar", dir);
	struct rootfs_options ro = { .arch = "amd64" };
	struct rootfs_stats st;
	struct jeos_error err;

	if (rootfs_write_tar(set, &ro, tar, &st, &err) < 0)
		fail_msg("%s", err.msg);
	read_tar(tar);
}

/* The .deb must be the package the signed index lists. */
static void test_deb_not_as_listed(void **state)
{
	(void)state;
	CLEANUP_FREE char *dir = test_tmpdir();
	CLEANUP_FREE char *deb = crafted_control_deb(dir, "other",
		"Package: hostile\nVersion: 2\nArchitecture: amd64\n");
	CLEANUP_FREE char *want = NULL;

	want = xasprintf("%s: the package is hostile 2 (amd64), the index lists hostile 1 (amd64)",
			 deb);
	expect_tar_fails(dir, deb, want);
	test_rmrf(dir);
}

/* Of control.tar, only what dpkg installs reaches its info directory:
 * not "list" (it would stand for the package's file list), no name with
 * a dot. */
static void test_only_control_files_dpkg_installs(void **state)
{
	(void)state;
	CLEANUP_FREE char *dir = test_tmpdir();
	struct pkgset set = { 0 };
	const struct member *m;

	add_pkg(&set, "alpha", "1.0", "amd64", make_deb(dir, "alpha", ""));
	test_shf("cd '%s' && echo /etc/passwd > alpha-root/DEBIAN/list && "
	    "echo x > alpha-root/DEBIAN/extra.sh && "
	    "dpkg-deb --root-owner-group -Zxz --build alpha-root alpha.deb >/dev/null", dir);
	tar_of(dir, &set);
	assert_int_equal(count_named("var/lib/dpkg/info/alpha.list"), 1);
	assert_non_null(m = find("var/lib/dpkg/info/alpha.list"));
	assert_non_null(strstr(m->data, "\n/bin/alpha-tool\n"));
	assert_null(find("var/lib/dpkg/info/alpha.extra.sh"));
	assert_non_null(find("var/lib/dpkg/info/alpha.postinst"));
	free_members();
	pkgset_free(&set);
	test_rmrf(dir);
}

/* Of a pax data.tar, what dpkg applies reaches the rootfs tar (content,
 * mode, owner, time, hard link), not an extended attribute, ACL or file
 * flag its headers carry. */
static void test_no_pax_attributes(void **state)
{
	(void)state;
	CLEANUP_FREE char *dir = test_tmpdir();
	CLEANUP_STRBUF struct strbuf control = STRBUF_INIT, data = STRBUF_INIT;
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	struct pkgset set = { 0 };
	const struct member *m;

	assert_int_equal(archive_write_set_format_pax(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open(a, &data, NULL, crafted_out, NULL), ARCHIVE_OK);
	archive_entry_set_pathname(e, "./usr/bin/cap");
	archive_entry_set_mode(e, S_IFREG | 04755);
	archive_entry_set_uid(e, 3);
	archive_entry_set_mtime(e, 1600000000, 0);
	archive_entry_set_size(e, 2);
	archive_entry_xattr_add_entry(e, "security.capability", "\1\0\0\2", 4);
	assert_int_equal(archive_entry_acl_add_entry(e, ARCHIVE_ENTRY_ACL_TYPE_ACCESS,
		ARCHIVE_ENTRY_ACL_READ, ARCHIVE_ENTRY_ACL_USER, 1000, "u"), ARCHIVE_OK);
	archive_entry_set_fflags(e, 0x10 /* FS_IMMUTABLE_FL */, 0);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, "x\n", 2), 2);
	archive_entry_clear(e);
	archive_entry_set_pathname(e, "./usr/bin/cap2");
	archive_entry_set_hardlink(e, "./usr/bin/cap");
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	archive_entry_free(e);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	crafted_control(&control, hostile_control);
	add_pkg(&set, "hostile", "1", "amd64",
		crafted_deb(dir, "pax", "control.tar.gz", &control, "data.tar", &data));
	tar_of(dir, &set);
	assert_non_null(m = find("usr/bin/cap"));
	assert_string_equal(m->data, "x\n");
	assert_int_equal(m->mode, S_IFREG | 04755);
	assert_int_equal(m->xattrs, 0);
	assert_int_equal(m->acls, 0);
	assert_int_equal(m->fflags, 0);
	assert_non_null(m = find("usr/bin/cap2"));
	assert_true(m->hardlink);
	assert_string_equal(m->link, "usr/bin/cap");
	free_members();
	pkgset_free(&set);
	test_rmrf(dir);
}

#define CAFE "caf\xe9"                           /* Latin-1, not UTF-8 */
#define CERT "F\xc5\x91tan\xc3\xbas\xc3\xadtv\xc3\xa1ny.crt" /* UTF-8 */

/* Does the file hold these bytes? */
static int file_holds(const char *path, const char *bytes)
{
	CLEANUP_STRBUF struct strbuf sb = STRBUF_INIT;

	assert_int_equal(strbuf_read_file(&sb, path), 0);
	return memmem(sb.buf, sb.len, bytes, strlen(bytes)) != NULL;
}

/* Two packages with the names CAFE and CERT and a symlink to CAFE: one
 * built by dpkg-deb (GNU tar format), one with a pax data.tar as GNU tar
 * writes it (path= records as bytes, no hdrcharset). Their names reach
 * the rootfs tar byte for byte in the current locale. */
static void check_names(const char *dir)
{
	CLEANUP_FREE char *tar = xasprintf("%s/root.tar", dir);
	struct pkgset set = { 0 };
	const struct member *m;
	const char *pkgs[] = { "gnu", "pax" };

	for (size_t i = 0; i < 2; i++)
		add_pkg(&set, pkgs[i], "1", "all", xasprintf("%s/%s.deb", dir, pkgs[i]));
	tar_of(dir, &set);
	for (size_t i = 0; i < 2; i++) {
		CLEANUP_FREE char *cafe = xasprintf("usr/share/%s/" CAFE, pkgs[i]);
		CLEANUP_FREE char *cert = xasprintf("usr/share/%s/" CERT, pkgs[i]);
		CLEANUP_FREE char *link = xasprintf("usr/share/%s/link", pkgs[i]);
		CLEANUP_FREE char *list = xasprintf("var/lib/dpkg/info/%s.list", pkgs[i]);

		assert_non_null(m = find(cafe));
		assert_string_equal(m->data, "latin1\n");
		assert_non_null(m = find(cert));
		assert_string_equal(m->data, "utf8\n");
		assert_non_null(m = find(link));
		assert_string_equal(m->link, CAFE);
		assert_non_null(m = find(list));
		assert_non_null(strstr(m->data, "/" CAFE "\n"));
		assert_non_null(strstr(m->data, "/" CERT "\n"));
	}
	/* as bytes in the archive itself, whatever a reader makes of them */
	assert_true(file_holds(tar, "usr/share/gnu/" CAFE "\n"));
	assert_true(file_holds(tar, "usr/share/pax/" CERT "\n"));
	free_members();
	pkgset_free(&set);
}

static void test_names_are_bytes(void **state)
{
	(void)state;
	CLEANUP_FREE char *dir = test_tmpdir();

	for (size_t i = 0; i < 2; i++) {
		const char *pkg = i ? "pax" : "gnu";

		test_shf("set -e; cd '%s'; r=%s-root; mkdir -p $r/DEBIAN $r/usr/share/%s;"
			 "printf 'Package: %s\\nVersion: 1\\nArchitecture: all\\n"
			 "Maintainer: t <t@t>\\nDescription: names\\n' > $r/DEBIAN/control;"
			 "echo latin1 > \"$r/usr/share/%s/$(printf 'caf\\351')\";"
			 "echo utf8 > $r/usr/share/%s/F\xc5\x91tan\xc3\xbas\xc3\xadtv\xc3\xa1ny.crt;"
			 "ln -s \"$(printf 'caf\\351')\" $r/usr/share/%s/link",
			 dir, pkg, pkg, pkg, pkg, pkg, pkg);
	}
	test_shf("set -e; cd '%s'; dpkg-deb --root-owner-group --build gnu-root gnu.deb >/dev/null;"
		 "mkdir p; tar -czf p/control.tar.gz -C pax-root/DEBIAN ./control;"
		 "tar --format=pax --owner=0 --group=0 --exclude=./DEBIAN -cf p/data.tar -C pax-root .;"
		 "printf '2.0\\n' > p/debian-binary;"
		 "cd p && ar rcD ../pax.deb debian-binary control.tar.gz data.tar", dir);
	/* jeos never calls setlocale: it runs in the C locale */
	assert_non_null(setlocale(LC_ALL, "C"));
	check_names(dir);
	/* and a UTF-8 locale, if the host has one, changes nothing */
	if (setlocale(LC_ALL, "C.UTF-8"))
		check_names(dir);
	setlocale(LC_ALL, "C");
	test_rmrf(dir);
}

static void test_tar_tree(void **state)
{
	(void)state;
	CLEANUP_FREE char *dir = test_tmpdir();
	CLEANUP_FREE char *tree = xasprintf("%s/tree", dir);
	CLEANUP_FREE char *out = xasprintf("%s/out", dir);
	CLEANUP_FREE char *tar = xasprintf("%s/overlay.tar", out);
	CLEANUP_FREE char *big = xasprintf("%s/big", tree);
	struct rlimit old, small = { 64 * 1024, 0 };
	struct jeos_error err;
	const struct member *m;

	test_shf("set -e; mkdir -p '%s/etc' '%s'; cd '%s';"
		 "printf 'x\\n' > \"etc/$(printf 'caf\\351')\"; chmod 0666 etc/*;"
		 "ln -s \"$(printf 'caf\\351')\" etc/link", tree, out, tree);
	if (rootfs_tar_tree(tree, tar, &err) < 0)
		fail_msg("%s", err.msg);
	read_tar(tar);
	assert_non_null(m = find("./etc/" CAFE));
	assert_string_equal(m->data, "x\n");
	assert_int_equal(m->mode, S_IFREG | 0644); /* group and other write dropped */
	assert_non_null(m = find("./etc/link"));
	assert_string_equal(m->link, CAFE);
	free_members();

	/* a write that fails (the file size limit) fails the tar, naming
	 * the file being copied, and leaves nothing behind */
	test_shf("head -c 1000000 /dev/zero > '%s' && rm '%s'", big, tar);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small.rlim_max = old.rlim_max;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	assert_int_equal(rootfs_tar_tree(tree, tar, &err), -1);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	if (!strstr(err.msg, big))
		fail_msg("unexpected error: %s", err.msg);
	assert_int_equal(test_count_entries(out), 0);
	test_rmrf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merged_usr_and_dpkg_database),
		cmocka_unit_test(test_exclude_docs),
		cmocka_unit_test(test_merged_usr_shipped_or_made),
		cmocka_unit_test(test_merged_dir_linked_elsewhere),
		cmocka_unit_test(test_bad_deb_names_package),
		cmocka_unit_test(test_declared_sizes_bounded),
		cmocka_unit_test(test_control_without_package),
		cmocka_unit_test(test_deb_not_as_listed),
		cmocka_unit_test(test_only_control_files_dpkg_installs),
		cmocka_unit_test(test_no_pax_attributes),
		cmocka_unit_test(test_names_are_bytes),
		cmocka_unit_test(test_tar_tree),
	};
	return cmocka_run_group_tests_name("rootfs", tests, NULL, NULL);
}
