/* Unit tests for the .deb reader: packages built here with dpkg-deb in
 * every compression it writes, and by hand (ar, tar) for the odd ones. */
#include "testdeb.h"
#include "deb.h"

#include <stdio.h>
#include <sys/stat.h>

#define BIG_SIZE 200000 /* spans several libarchive blocks */
#define MTIME 1700000000

struct fixture {
	char *dir;
	unsigned char big[BIG_SIZE];
};

static const char control_text[] =
	"Package: jeos-test\n"
	"Version: 1.2-3\n"
	"Architecture: all\n"
	"Maintainer: Jeos Tests <jeos@example.org>\n"
	"Description: a package for the deb reader tests\n"
	" It has a longer description.\n";
static const char postinst[] = "#!/bin/sh\nset -e\necho configured\n";
static const char templates[] = "Template: jeos-test/q\nType: boolean\n";
static const char md5sums[] = "d41d8cd98f00b204e9800998ecf8427e  etc/jeos-test.conf\n";

static void make_file(const char *dir, const char *name, const void *data,
		       size_t len, mode_t mode)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
	free(path);
}

static void write_str(const char *dir, const char *name, const char *s,
		      mode_t mode)
{
	make_file(dir, name, s, strlen(s), mode);
}

/* test_sh with printf formatting. */
static char *in_dir(const struct fixture *fx, const char *name)
{
	return xasprintf("%s/%s", fx->dir, name);
}

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));
	const char *comps[] = { "xz", "zstd", "gzip", "none" };
	CLEANUP_FREE char *root = NULL;

	fx->dir = test_tmpdir();
	for (size_t i = 0; i < BIG_SIZE; i++)
		fx->big[i] = (unsigned char)(i * 7 + i / 251);
	root = in_dir(fx, "root");
	test_shf("mkdir '%s' && cd '%s' && mkdir -p DEBIAN etc usr/bin "
	    "usr/lib/jeos-test usr/share/jeos-test/empty", root, root);
	write_str(root, "DEBIAN/control", control_text, 0644);
	write_str(root, "DEBIAN/postinst", postinst, 0755);
	write_str(root, "DEBIAN/templates", templates, 0644);
	write_str(root, "DEBIAN/md5sums", md5sums, 0644);
	write_str(root, "DEBIAN/conffiles",
		  "/etc/jeos-test.conf\nremove-on-upgrade /etc/jeos-old.conf\n", 0644);
	write_str(root, "etc/jeos-test.conf", "answer=42\n", 0644);
	make_file(root, "usr/bin/jeos-test", fx->big, BIG_SIZE, 0755);
	test_shf("cd '%s' && ln -s jeos-test usr/bin/jeos-test-link && "
	    "ln usr/bin/jeos-test usr/lib/jeos-test/hard && "
	    "find . -type d -exec chmod 0755 {} + && "
	    "find . -exec touch -h -d @%d {} +", root, MTIME);
	for (size_t i = 0; i < sizeof(comps) / sizeof(*comps); i++)
		test_shf("cd '%s' && dpkg-deb --root-owner-group -Z%s --build root "
		    "t-%s.deb >/dev/null", fx->dir, comps[i], comps[i]);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	test_rmrf(fx->dir);
	free(fx->dir);
	free(fx);
	return 0;
}

/* ---- packages dpkg-deb built ---- */

static void check_control(const struct deb *d)
{
	const struct deb_control_file *f, *files;
	const struct deb_conffile *conf;
	size_t len;

	assert_string_equal(deb822_get(deb_control(d), "Package"), "jeos-test");
	assert_string_equal(deb822_get(deb_control(d), "version"), "1.2-3");
	assert_string_equal(deb822_get(deb_control(d), "Description"),
			    "a package for the deb reader tests\n"
			    "It has a longer description.");
	assert_string_equal(deb_control_text(d, &len), control_text);
	assert_int_equal(len, strlen(control_text));

	f = deb_control_file(d, "postinst");
	assert_non_null(f);
	assert_string_equal(f->data, postinst);
	assert_int_equal(f->size, strlen(postinst));
	assert_int_equal(f->mode, 0755);
	f = deb_control_file(d, "templates");
	assert_non_null(f);
	assert_string_equal(f->data, templates);
	assert_int_equal(f->mode, 0644);
	assert_null(deb_control_file(d, "preinst"));
	/* control, conffiles, md5sums, postinst, templates; no "./" */
	assert_int_equal(deb_control_files(d, &files), 5);
	for (size_t i = 0; i < 5; i++)
		assert_false(str_has_prefix(files[i].name, "."));

	assert_string_equal(deb_md5sums(d, &len), md5sums);
	assert_int_equal(len, strlen(md5sums));
	assert_int_equal(deb_conffiles(d, &conf), 2);
	assert_string_equal(conf[0].path, "/etc/jeos-test.conf");
	assert_int_equal(conf[0].flags, 0);
	assert_string_equal(conf[1].path, "/etc/jeos-old.conf");
	assert_int_equal(conf[1].flags, DEB_CONFFILE_REMOVE_ON_UPGRADE);
}

struct want {
	const char *path;
	mode_t mode;
	const char *symlink, *hardlink;
	const char *content; /* NULL: the big file */
	int seen;
};

/* Reads the current entry's content in odd-sized chunks. */
static size_t read_content(struct deb_data *it, unsigned char *buf, size_t cap)
{
	struct jeos_error err;
	size_t total = 0;
	ssize_t n;

	while ((n = deb_data_read(it, buf + total, cap - total < 999 ? cap - total : 999,
				  &err)) > 0)
		total += (size_t)n;
	assert_int_equal(n, 0);
	return total;
}

static void check_data(const struct fixture *fx, const struct deb *d)
{
	struct want wants[] = {
		{ "/", S_IFDIR | 0755, NULL, NULL, "", 0 },
		{ "/etc", S_IFDIR | 0755, NULL, NULL, "", 0 },
		{ "/etc/jeos-test.conf", S_IFREG | 0644, NULL, NULL, "answer=42\n", 0 },
		{ "/usr/bin/jeos-test", S_IFREG | 0755, NULL, NULL, NULL, 0 },
		{ "/usr/bin/jeos-test-link", S_IFLNK | 0777, "jeos-test", NULL, "", 0 },
		{ "/usr/lib/jeos-test/hard", S_IFREG | 0755, NULL,
		  "/usr/bin/jeos-test", "", 0 },
		{ "/usr/share/jeos-test/empty", S_IFDIR | 0755, NULL, NULL, "", 0 },
	};
	size_t nwants = sizeof(wants) / sizeof(*wants), entries = 0;
	static unsigned char buf[BIG_SIZE + 1];
	struct jeos_error err;
	struct deb_data *it;
	struct deb_entry e;
	int r;

	assert_int_equal(deb_data_begin(d, &it, &err), 0);
	while ((r = deb_data_next(it, &e, &err)) == 1) {
		struct want *w = NULL;

		entries++;
		assert_int_equal(e.uid, 0);
		assert_int_equal(e.gid, 0);
		assert_string_equal(e.uname, "root");
		assert_string_equal(e.gname, "root");
		assert_int_equal(e.mtime, MTIME);
		assert_true(e.path[0] == '/');
		assert_true(strlen(e.path) == 1 || !str_has_suffix(e.path, "/"));
		for (size_t i = 0; i < nwants; i++)
			if (!strcmp(wants[i].path, e.path))
				w = &wants[i];
		if (!w)
			continue; /* /usr, /usr/lib... */
		w->seen++;
		assert_int_equal(e.mode, w->mode);
		if (w->symlink)
			assert_string_equal(e.symlink, w->symlink);
		else
			assert_null(e.symlink);
		if (w->hardlink)
			assert_string_equal(e.hardlink, w->hardlink);
		else
			assert_null(e.hardlink);
		size_t n = read_content(it, buf, sizeof(buf));
		assert_int_equal(n, (size_t)e.size);
		if (w->content) {
			assert_int_equal(n, strlen(w->content));
			assert_memory_equal(buf, w->content, n);
		} else {
			assert_int_equal(n, BIG_SIZE);
			assert_memory_equal(buf, fx->big, BIG_SIZE);
		}
	}
	assert_int_equal(r, 0);
	deb_data_end(it);
	for (size_t i = 0; i < nwants; i++)
		if (wants[i].seen != 1)
			fail_msg("%s seen %d times", wants[i].path, wants[i].seen);
	/* and /usr, /usr/bin, /usr/lib, /usr/lib/jeos-test, /usr/share,
	 * /usr/share/jeos-test */
	assert_int_equal(entries, nwants + 6);
}

static void check_built(void **state, const char *comp, const char *suffix)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *path = xasprintf("%s/t-%s.deb", fx->dir, comp);
	CLEANUP_FREE char *want_control = xasprintf("control.tar%s", suffix);
	CLEANUP_FREE char *want_data = xasprintf("data.tar%s", suffix);
	struct jeos_error err;
	struct deb *d;

	if (deb_open(&d, path, &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(deb_path(d), path);
	assert_string_equal(deb_control_member(d), want_control);
	assert_string_equal(deb_data_member(d), want_data);
	check_control(d);
	check_data(fx, d);
	check_data(fx, d); /* the data part can be walked again */
	deb_close(d);
}

static void test_xz(void **state) { check_built(state, "xz", ".xz"); }
static void test_zstd(void **state) { check_built(state, "zstd", ".zst"); }
static void test_gzip(void **state) { check_built(state, "gzip", ".gz"); }
static void test_none(void **state) { check_built(state, "none", ""); }

/* ---- packages built by hand ---- */

/* A directory "name" with debian-binary (version), control.tar.gz holding
 * control and conffiles, a data.tar holding ./x, and a file _extra. */
static char *hand_parts(const struct fixture *fx, const char *name,
			const char *version, const char *conffiles)
{
	char *dir = in_dir(fx, name);

	test_shf("mkdir -p '%s/c' '%s/d'", dir, dir);
	write_str(dir, "debian-binary", version, 0644);
	write_str(dir, "c/control", control_text, 0644);
	write_str(dir, "c/conffiles", conffiles, 0644);
	write_str(dir, "d/x", "x\n", 0644);
	write_str(dir, "_extra", "ignored\n", 0644);
	test_shf("cd '%s' && tar -czf control.tar.gz -C c . && tar -cf data.tar -C d .",
	    dir);
	return dir;
}

/* dir.deb from members of dir, in that order. GNU ar's member names end
 * in '/' ("debian-binary/"), which libarchive takes off. */
static char *hand_deb(const char *dir, const char *members)
{
	char *deb = xasprintf("%s.deb", dir);

	test_shf("cd '%s' && rm -f '%s' && ar rcD '%s' %s", dir, deb, deb, members);
	return deb;
}

static void expect_open_error(const char *path, const char *what)
{
	CLEANUP_FREE char *want = xasprintf("%s: %s", path, what);
	struct jeos_error err;
	struct deb *d = (struct deb *)1;

	assert_int_equal(deb_open(&d, path, &err), -1);
	assert_null(d);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.code, JEOS_EXIT_FAILED);
}

/* Walks the data of a package that opens fine; returns what the first
 * failing call said (NULL if none failed) and how many entries it saw. */
static char *walk_data(const char *path, const char **names, size_t *entries)
{
	struct jeos_error err;
	struct deb_data *it;
	struct deb_entry e;
	struct deb *d;
	char buf[4096];
	ssize_t n = 0;
	int r;

	if (deb_open(&d, path, &err) < 0)
		fail_msg("%s", err.msg);
	*entries = 0;
	r = deb_data_begin(d, &it, &err);
	deb_close(d); /* the iterator does not need it */
	if (r < 0)
		return xstrdup(err.msg);
	while ((r = deb_data_next(it, &e, &err)) == 1) {
		if (names && names[*entries])
			assert_string_equal(e.path, names[*entries]);
		++*entries;
		while ((n = deb_data_read(it, buf, sizeof(buf), &err)) > 0)
			;
		if (n < 0)
			break;
	}
	if (r == 0)
		assert_true(!names || !names[*entries]);
	if (r == 0 && n == 0) {
		deb_data_end(it);
		return NULL;
	}
	/* once failed, it stays failed with the same words */
	char *first = xstrdup(err.msg);
	memset(&err, 0, sizeof(err));
	assert_int_equal(deb_data_next(it, &e, &err), -1);
	assert_string_equal(err.msg, first);
	deb_data_end(it);
	return first;
}

static void test_bzip2_and_private_members(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *dir = hand_parts(fx, "bz2", "2.0\n", "/etc/a\n\n/etc/b \n");
	CLEANUP_FREE char *deb = NULL;
	const char *names[] = { "/", "/x", NULL };
	const struct deb_conffile *conf;
	struct jeos_error err;
	struct deb *d;
	size_t entries;

	test_shf("cd '%s' && bzip2 -k data.tar", dir);
	/* "_" members between the parts and anything after data.tar are
	 * ignored (deb(5)) */
	deb = hand_deb(dir, "debian-binary _extra control.tar.gz _extra "
			    "data.tar.bz2 c/control");
	if (deb_open(&d, deb, &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(deb_data_member(d), "data.tar.bz2");
	assert_int_equal(deb_conffiles(d, &conf), 2);
	assert_string_equal(conf[0].path, "/etc/a");
	assert_string_equal(conf[1].path, "/etc/b");
	assert_null(deb_md5sums(d, NULL));
	deb_close(d);
	assert_null(walk_data(deb, names, &entries));
	assert_int_equal(entries, 2);
}

static void test_not_a_deb(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *text = in_dir(fx, "text.deb");
	CLEANUP_FREE char *missing = in_dir(fx, "missing.deb");
	CLEANUP_FREE char *dir = hand_parts(fx, "nobin", "2.0\n", "");
	CLEANUP_FREE char *deb = hand_deb(dir, "control.tar.gz data.tar");

	write_str(fx->dir, "text.deb", "just text\n", 0644);
	expect_open_error(text, "not a Debian package (not an ar archive)");
	expect_open_error(missing, "No such file or directory");
	expect_open_error(deb, "not a Debian package (no debian-binary)");
}

static void test_bad_structure(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *v3 = hand_parts(fx, "v3", "3.0\n", "");
	CLEANUP_FREE char *v3_deb = hand_deb(v3, "debian-binary control.tar.gz data.tar");
	CLEANUP_FREE char *dir = hand_parts(fx, "order", "2.0\n", "");
	CLEANUP_FREE char *swapped = hand_deb(dir, "debian-binary data.tar control.tar.gz");
	CLEANUP_FREE char *flag = hand_parts(fx, "flag", "2.0\n", "keep /etc/a\n");
	CLEANUP_FREE char *flag_deb = hand_deb(flag, "debian-binary control.tar.gz data.tar");

	expect_open_error(v3_deb, "unsupported package format \"3.0\" (expected 2.x)");
	expect_open_error(swapped, "not a Debian package "
			  "(found data.tar where control.tar was expected)");
	expect_open_error(flag_deb,
			  "conffiles:1: not an absolute path or known flag: keep");
	/* hand_deb writes the same name again */
	free(hand_deb(dir, "debian-binary control.tar.gz"));
	expect_open_error(swapped, "not a Debian package (no data.tar)");
	test_shf("cd '%s' && mv data.tar data.tar.lz && ar rcD '%s' data.tar.lz", dir,
	    swapped);
	expect_open_error(swapped, "data.tar.lz: unsupported compression");
}

static void test_truncated(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *full = in_dir(fx, "t-xz.deb");
	CLEANUP_FREE char *cut = in_dir(fx, "cut.deb");

	/* the ar member is short: deb_open finds it without reading it */
	test_shf("head -c $(($(stat -c %%s '%s') - 100)) '%s' > '%s'", full, full, cut);
	expect_open_error(cut, "data.tar.xz: truncated");
	/* cut in control.tar.xz's ar header */
	test_shf("head -c 100 '%s' > '%s'", full, cut);
	expect_open_error(cut, "truncated");
	test_shf("head -c 70 '%s' > '%s'", full, cut);
	expect_open_error(cut, "debian-binary: truncated");
}

static void test_truncated_inside_member(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *dir = hand_parts(fx, "cutxz", "2.0\n", "");
	CLEANUP_FREE char *deb = NULL, *want = NULL, *got = NULL;
	size_t entries;

	/* a whole ar member holding half an xz stream; random content so
	 * the cut falls past what deb_data_begin() reads ahead */
	test_shf("cd '%s' && head -c 300000 /dev/urandom > d/big && "
	    "tar -cf - -C d . | xz -0 > full.xz && "
	    "head -c $(($(stat -c %%s full.xz) / 2)) full.xz > data.tar.xz", dir);
	deb = hand_deb(dir, "debian-binary control.tar.gz data.tar.xz");
	want = xasprintf("%s: data.tar.xz: truncated", deb);
	got = walk_data(deb, NULL, &entries);
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_true(entries > 0);
}

static void test_unsafe_path(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *dir = hand_parts(fx, "unsafe", "2.0\n", "");
	CLEANUP_FREE char *deb = NULL, *want = NULL, *got = NULL;
	const char *names[] = { "/x", NULL };
	size_t entries;

	test_shf("cd '%s/d' && tar -cPf ../data.tar ./x ./../_extra", dir);
	deb = hand_deb(dir, "debian-binary control.tar.gz data.tar");
	want = xasprintf("%s: data.tar: unsafe path ./../_extra", deb);
	got = walk_data(deb, names, &entries);
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_int_equal(entries, 1);
}

/* What dpkg would refuse in data.tar: a name with a newline (its file
 * lists are a name a line), a sparse file, even one within the bound. */
static void test_data_newline_and_sparse(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *dir = hand_parts(fx, "dnames", "2.0\n", "");
	CLEANUP_FREE char *deb = NULL, *want = NULL, *got = NULL;
	size_t entries;

	test_shf("cd '%s' && printf x > \"d/a$(printf '\\nb')\" && tar -cf data.tar -C d .",
	    dir);
	deb = hand_deb(dir, "debian-binary control.tar.gz data.tar");
	want = xasprintf("%s: data.tar: ./a\nb: a file name with a newline (expected none)",
			 deb);
	got = walk_data(deb, NULL, &entries);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
	free(want);
	test_shf("cd '%s' && rm d/a* && truncate -s 1M d/hole && printf x >> d/hole && "
	    "tar -S -cf data.tar -C d . && rm d/hole && ar rcD '%s' data.tar", dir, deb);
	want = xasprintf("%s: data.tar: ./hole: a sparse file (expected none: dpkg unpacks none)",
			 deb);
	got = walk_data(deb, NULL, &entries);
	assert_non_null(got);
	assert_string_equal(got, want);
}

/* ---- crafted packages (testdeb.h) ---- */

/* deb_open fails on it with an error naming it and holding what. */
static void expect_open_error_has(const char *path, const char *what)
{
	struct jeos_error err;
	struct deb *d;

	assert_int_equal(deb_open(&d, path, &err), -1);
	if (!str_has_prefix(err.msg, path) || !strstr(err.msg, what))
		fail_msg("unexpected error: %s", err.msg);
}

static void test_control_fields_checked(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		const char *control, *error;
	} cases[] = {
		{ "Version: 1\nArchitecture: all\n", "control: no Package field" },
		{ "Package: x\nArchitecture: all\n", "control: no Version field" },
		{ "Package: x\nVersion: 1\n", "control: no Architecture field" },
		{ "Package: ../../etc/x\nVersion: 1\nArchitecture: all\n",
		  "control: invalid Package \"../../etc/x\"" },
		{ "Package: Big Name\nVersion: 1\nArchitecture: all\n",
		  "control: invalid Package \"Big Name\"" },
		{ "Package: x\nVersion: 1 2\nArchitecture: all\n", "control: invalid Version \"1 2\"" },
		{ "Package: x\nVersion: 1\nArchitecture: amd64/../x\n",
		  "control: invalid Architecture \"amd64/../x\"" },
		{ "Package: x\nVersion: 1\nArchitecture: all\nMulti-Arch: sometimes\n",
		  "control: invalid Multi-Arch \"sometimes\"" },
		{ "Package: x\nVersion: 1\nArchitecture: all\npackage: y\n",
		  "control: field package twice (expected once)" },
		{ "Package: x\nStatus: install ok installed\nVersion: 1\nArchitecture: all\n",
		  "control: field Status belongs in dpkg's status file, not in a package" },
		{ "Package: x\nVersion: 1\nArchitecture: all\nConffiles:\n /etc/x 0\n",
		  "control: field Conffiles belongs in dpkg's status file, not in a package" },
		{ "Package: x\nVersion: 1\nArchitecture: all\nConfig-Version: 1\n",
		  "control: field Config-Version belongs in dpkg's status file, not in a package" },
		{ "Package: x\nVersion: 1\nArchitecture: all\nTriggers-Pending: x\n",
		  "control: field Triggers-Pending belongs in dpkg's status file, not in a package" },
		{ "Package: x\nVersion: 1\nArchitecture: all\nBad Name: y\n",
		  "control: invalid field name \"Bad Name\" (printable ASCII, no space or colon, "
		  "not starting with # or -)" },
		{ "Package: x\nVersion: 1\nArchitecture: all\n-x: y\n",
		  "control: invalid field name \"-x\" (printable ASCII, no space or colon, "
		  "not starting with # or -)" },
		{ "Package: x\nVersion: 1\nArchitecture: all\n: y\n",
		  "control: invalid field name \"\" (printable ASCII, no space or colon, "
		  "not starting with # or -)" },
		{ "Package: x\nVersion: 1\nArchitecture: all\n\nPackage: y\n",
		  "control:5: a second paragraph (expected one)" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		CLEANUP_FREE char *name = xasprintf("fields%zu", i);
		CLEANUP_FREE char *deb = crafted_control_deb(fx->dir, name, cases[i].control);

		expect_open_error(deb, cases[i].error);
	}
}

/* "Package: x\0; reboot": the name dpkg would see ends elsewhere. */
static void test_control_nul(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *dir = hand_parts(fx, "nul", "2.0\n", "");
	CLEANUP_FREE char *deb = NULL;

	test_shf("cd '%s' && printf 'Package: x\\000; reboot\\nVersion: 1\\n"
	    "Architecture: all\\n' > c/control && tar -czf control.tar.gz -C c .", dir);
	deb = hand_deb(dir, "debian-binary control.tar.gz data.tar");
	expect_open_error(deb, "control: a NUL byte (expected text)");
}

/* control.tar holds the files dpkg installs into its info directory: no
 * directories, no file twice, names of dpkg's length. */
static void test_control_members(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *dir = hand_parts(fx, "cmembers", "2.0\n", "");
	CLEANUP_FREE char *deb = NULL, *twice = NULL, *long_deb = NULL, *want = NULL;
	CLEANUP_STRBUF struct strbuf control = STRBUF_INIT, data = STRBUF_INIT;
	char long_name[104] = "./";
	const struct crafted x = { "./x", 2, "x\n" };
	struct crafted files[] = {
		{ "./control", (int64_t)strlen(control_text), control_text },
		{ "./postinst", 1, "x" },
		{ "postinst", 1, "y" },
	};

	test_shf("cd '%s' && mkdir c/sub && echo x > c/sub/postinst && "
	    "tar -czf control.tar.gz -C c ./control ./sub/postinst", dir);
	deb = hand_deb(dir, "debian-binary control.tar.gz data.tar");
	expect_open_error(deb, "control.tar.gz: ./sub/postinst: in a directory "
			  "(expected files at the top only)");
	test_shf("cd '%s' && tar -czf control.tar.gz -C c ./control ./sub && "
	    "ar rcD '%s' control.tar.gz", dir, deb);
	expect_open_error(deb, "control.tar.gz: ./sub/: a directory "
			  "(expected files at the top only)");
	crafted_tar(&data, NULL, &x, 1);
	crafted_tar(&control, NULL, files, 3);
	twice = crafted_deb(fx->dir, "twice", "control.tar", &control, "data.tar", &data);
	expect_open_error(twice, "control.tar: postinst: a second file of that name "
			  "(expected one)");
	memset(long_name + 2, 'p', 101);
	files[2].name = long_name;
	strbuf_reset(&control);
	crafted_tar(&control, NULL, files, 3);
	long_deb = crafted_deb(fx->dir, "longname", "control.tar", &control, "data.tar", &data);
	want = xasprintf("control.tar: %.100s...: a name of 101 bytes (expected at most 100)",
			 long_name + 2);
	expect_open_error(long_deb, want);
}

static void test_control_bounded(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_STRBUF struct strbuf control = STRBUF_INIT, data = STRBUF_INIT;
	const struct crafted members[] = {
		{ "./control", (int64_t)strlen(control_text), control_text },
		{ "./md5sums", (int64_t)1 << 40, "x" },
	};
	const struct crafted x = { "./x", 2, "x\n" };
	CLEANUP_FREE char *deb = NULL, *dir = hand_parts(fx, "longversion", "", "");
	CLEANUP_FREE char *version = NULL;

	/* a member declaring a TiB is refused before any of it is read */
	crafted_tar(&control, NULL, members, 2);
	crafted_tar(&data, NULL, &x, 1);
	deb = crafted_deb(fx->dir, "bigcontrol", "control.tar", &control, "data.tar", &data);
	expect_open_error_has(deb, "control.tar: ./md5sums declares 1099511627776 bytes");
	/* files that are there, but more than jeos holds in memory */
	strbuf_reset(&control);
	crafted_tar(&control, NULL, (const struct crafted[]){
		members[0], { "./templates", 40 << 20, NULL }, { "./md5sums", 30 << 20, NULL },
	}, 3);
	free(deb);
	deb = crafted_deb(fx->dir, "fullcontrol", "control.tar", &control, "data.tar", &data);
	expect_open_error_has(deb, "control.tar: ./md5sums declares 31457280 bytes");
	expect_open_error_has(deb, "(at most 67108864 unpacked)");
	/* debian-binary holds a version, not a megabyte */
	test_shf("cd '%s' && head -c 1000000 /dev/zero > debian-binary", dir);
	version = hand_deb(dir, "debian-binary control.tar.gz data.tar");
	expect_open_error(version, "debian-binary: 1000000 bytes, not a format version (\"2.0\")");
}

static void test_data_bounded_by_member(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_STRBUF struct strbuf control = STRBUF_INIT, data = STRBUF_INIT;
	struct crafted zeros[20];
	CLEANUP_FREE char *deb = NULL, *got = NULL;
	size_t entries;

	/* 20 files of 100 kB of real zeros: a few hundred bytes of xz that
	 * would unpack to 2 MB; the entries fit one by one, not together */
	for (size_t i = 0; i < 20; i++)
		zeros[i] = (struct crafted){ "./zeros", 100000, NULL };
	crafted_control(&control, control_text);
	crafted_tar(&data, archive_write_add_filter_xz, zeros, 20);
	deb = crafted_deb(fx->dir, "zeros", "control.tar.gz", &control, "data.tar.xz", &data);
	got = walk_data(deb, NULL, &entries);
	assert_non_null(got);
	if (!strstr(got, "data.tar.xz: ./zeros declares 100000 bytes, more than the"))
		fail_msg("unexpected error: %s", got);
	assert_true(entries > 0 && entries < 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xz),
		cmocka_unit_test(test_zstd),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_bzip2_and_private_members),
		cmocka_unit_test(test_not_a_deb),
		cmocka_unit_test(test_bad_structure),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_truncated_inside_member),
		cmocka_unit_test(test_unsafe_path),
		cmocka_unit_test(test_data_newline_and_sparse),
		cmocka_unit_test(test_control_fields_checked),
		cmocka_unit_test(test_control_nul),
		cmocka_unit_test(test_control_members),
		cmocka_unit_test(test_control_bounded),
		cmocka_unit_test(test_data_bounded_by_member),
	};
	return cmocka_run_group_tests_name("deb", tests, setup, teardown);
}
