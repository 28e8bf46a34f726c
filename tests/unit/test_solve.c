/* Unit tests for dependency solving, on small hand-made Packages indexes. */
#include "testutil.h"
#include "solve.h"

#include <stdio.h>

#define SHA "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* One paragraph; extra holds further "Field: value\n" lines. */
#define PKG(name, ver, arch, extra)                                         \
	"Package: " name "\nVersion: " ver "\nArchitecture: " arch "\n"      \
	"Filename: pool/" name "_" ver "_" arch ".deb\nSize: 1000\n"        \
	"SHA256: " SHA "\nInstalled-Size: 4\n" extra "\n"

/* What every test repository holds: minbase is base-files (Essential and
 * required), dpkg (Essential only), mawk (required only) and apt. */
#define BASE                                                                \
	PKG("base-files", "12.4", "amd64", "Priority: required\nEssential: yes\n") \
	PKG("dpkg", "1.21.22", "amd64", "Priority: optional\nEssential: yes\n") \
	PKG("mawk", "1.3.4", "amd64", "Priority: required\n")               \
	PKG("apt", "2.6.1", "amd64", "Priority: important\nDepends: libapt (>= 2.6)\n") \
	PKG("libapt", "2.5", "amd64", "Priority: optional\n")               \
	PKG("libapt", "2.6.1", "amd64", "Priority: optional\n")             \
	PKG("unrelated", "1", "amd64", "Priority: optional\n")

struct fx {
	char *dir;
	struct solve_index idx[2];
	size_t nr_idx;
	struct recipe recipe;
	struct recipe_package pkgs[2][8];
	int recommends;
	struct pkgset set;
	struct jeos_error err;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	f->dir = test_tmpdir();
	f->recipe.path = "config.xml";
	f->recipe.minbase = 1;
	*state = f;
	return 0;
}

static void clear_requests(struct fx *f, enum pkg_list l)
{
	for (size_t i = 0; i < f->recipe.nr_packages[l]; i++) {
		free(f->pkgs[l][i].name);
		free(f->pkgs[l][i].arch);
	}
	f->recipe.nr_packages[l] = 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	test_rmrf(f->dir);
	for (size_t i = 0; i < f->nr_idx; i++)
		free((char *)f->idx[i].path);
	clear_requests(f, PKGS_BOOTSTRAP);
	clear_requests(f, PKGS_IMAGE);
	pkgset_free(&f->set);
	free(f->dir);
	free(f);
	return 0;
}

static void add_index(struct fx *f, int priority, const char *text)
{
	char *path = xasprintf("%s/Packages-%zu", f->dir, f->nr_idx);
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	f->idx[f->nr_idx] = (struct solve_index){ path, (int)f->nr_idx, priority };
	f->nr_idx++;
}

/* "name" or "name@arch"; line numbers are 10, 11, ... per list. */
static void request(struct fx *f, enum pkg_list l, const char *spec)
{
	struct recipe_package *p = &f->pkgs[l][f->recipe.nr_packages[l]];
	const char *at = strchr(spec, '@');

	assert_true(f->recipe.nr_packages[l] < sizeof(f->pkgs[l]) / sizeof(*p));
	p->name = at ? xstrndup(spec, (size_t)(at - spec)) : xstrdup(spec);
	p->arch = at ? xstrdup(at + 1) : NULL;
	p->line = 10 + (unsigned)f->recipe.nr_packages[l]++;
	f->recipe.packages[l] = f->pkgs[l];
}

static int run(struct fx *f)
{
	struct solve_input in = {
		.arch = "amd64",
		.indexes = f->idx,
		.nr_indexes = f->nr_idx,
		.recipe = &f->recipe,
		.recommends = f->recommends,
	};
	pkgset_free(&f->set);
	return solve(&in, &f->set, &f->err);
}

static void ok(struct fx *f)
{
	if (run(f) < 0)
		fail_msg("solve failed: %s", f->err.msg);
}

static void failed(struct fx *f)
{
	assert_int_equal(run(f), -1);
	assert_int_equal(f->err.code, JEOS_EXIT_FAILED);
	assert_int_equal(f->set.nr, 0);
}

static const char *version_of(struct fx *f, const char *name)
{
	const struct pkg *p = pkgset_find(&f->set, name);
	return p ? p->version : NULL;
}

static void assert_contains(const char *haystack, const char *needle)
{
	if (!strstr(haystack, needle))
		fail_msg("'%s' not in:\n%s", needle, haystack);
}

static void test_minbase(void **state)
{
	struct fx *f = *state;
	static const char *const want[] = { "apt", "base-files", "dpkg", "libapt", "mawk" };

	add_index(f, 500, BASE);
	ok(f);
	assert_int_equal(f->set.nr, 5);
	for (size_t i = 0; i < 5; i++) /* sorted by name */
		assert_string_equal(f->set.pkgs[i].name, want[i]);
	assert_string_equal(version_of(f, "libapt"), "2.6.1");

	const struct pkg *p = pkgset_find(&f->set, "base-files");
	assert_string_equal(p->version, "12.4");
	assert_string_equal(p->arch, "amd64");
	assert_string_equal(p->filename, "pool/base-files_12.4_amd64.deb");
	assert_string_equal(p->sha256, SHA);
	assert_int_equal(p->size, 1000);
	assert_int_equal(p->installed_size, 4096);
	assert_true(p->essential);
	assert_string_equal(p->priority, "required");
	assert_int_equal(p->repo, 0);
	assert_false(pkgset_find(&f->set, "mawk")->essential);
	assert_true(pkgset_find(&f->set, "dpkg")->essential);
}

/* jeos:variant="custom": only the listed packages and what they need */
static void test_custom_variant(void **state)
{
	struct fx *f = *state;

	add_index(f, 500, BASE);
	f->recipe.minbase = 0;
	request(f, PKGS_BOOTSTRAP, "apt");
	ok(f);
	assert_int_equal(f->set.nr, 2);
	assert_string_equal(f->set.pkgs[0].name, "apt");
	assert_string_equal(f->set.pkgs[1].name, "libapt");
	assert_null(pkgset_find(&f->set, "dpkg"));
	assert_null(pkgset_find(&f->set, "base-files"));
}

static void test_pre_depends_and_bootstrap_list(void **state)
{
	struct fx *f = *state;

	add_index(f, 500, BASE
		  PKG("init", "1", "amd64", "Pre-Depends: libinit\n")
		  PKG("libinit", "1", "amd64", "")
		  PKG("editor", "1", "amd64", "Depends: libedit\n")
		  PKG("libedit", "1", "amd64", ""));
	request(f, PKGS_BOOTSTRAP, "init");
	request(f, PKGS_IMAGE, "editor");
	ok(f);
	assert_non_null(pkgset_find(&f->set, "libinit"));
	assert_non_null(pkgset_find(&f->set, "libedit"));
	assert_null(pkgset_find(&f->set, "unrelated"));
}

static void test_alternatives(void **state)
{
	struct fx *f = *state;

	add_index(f, 500, BASE
		  PKG("mailer", "1", "amd64", "Depends: postfix | exim4\n")
		  PKG("exim4", "4.96", "amd64", "")
		  PKG("postfix", "3.7", "amd64", "Conflicts: blocker\n")
		  PKG("blocker", "1", "amd64", "")
		  PKG("pager", "1", "amd64", "Depends: less-missing | pager-b\n")
		  PKG("pager-b", "1", "amd64", ""));
	request(f, PKGS_IMAGE, "mailer");
	request(f, PKGS_IMAGE, "pager");
	ok(f);
	/* The first one, though the second sorts first and is newer. */
	assert_non_null(pkgset_find(&f->set, "postfix"));
	assert_null(pkgset_find(&f->set, "exim4"));
	assert_non_null(pkgset_find(&f->set, "pager-b")); /* first is unknown */

	/* The first alternative conflicts with another request. */
	request(f, PKGS_IMAGE, "blocker");
	ok(f);
	assert_null(pkgset_find(&f->set, "postfix"));
	assert_non_null(pkgset_find(&f->set, "exim4"));
}

static void test_virtual_provides(void **state)
{
	struct fx *f = *state;

	add_index(f, 500, BASE
		  PKG("site", "1", "amd64", "Depends: httpd\n")
		  PKG("nginx", "1", "amd64", "Provides: httpd, www-server\n")
		  PKG("apache2", "1", "amd64", "Provides: www-server\n"));
	request(f, PKGS_IMAGE, "site");
	ok(f);
	assert_non_null(pkgset_find(&f->set, "nginx"));

	/* Requested directly: one provider is taken, two are ambiguous. */
	clear_requests(f, PKGS_IMAGE);
	request(f, PKGS_IMAGE, "httpd");
	ok(f);
	assert_non_null(pkgset_find(&f->set, "nginx"));
	request(f, PKGS_IMAGE, "www-server");
	failed(f);
	assert_string_equal(f->err.msg,
		"config.xml:11: error: 'www-server' in the image packages is a virtual "
		"package provided by 'nginx', 'apache2': name one of them");
}

static void test_real_package_before_provider(void **state)
{
	struct fx *f = *state;

	/* libsolv alone takes libelogind0, as it replaces libsystemd0 (the
	 * case in bookworm); apt takes the real package. */
	add_index(f, 500, BASE
		  PKG("libelogind0", "246", "amd64",
		      "Provides: libsystemd0 (= 246)\nConflicts: libsystemd0\n"
		      "Replaces: libsystemd0\n")
		  PKG("libsystemd0", "252", "amd64", "")
		  PKG("daemon", "1", "amd64", "Depends: libsystemd0 (>= 209)\n"));
	request(f, PKGS_IMAGE, "daemon");
	ok(f);
	assert_non_null(pkgset_find(&f->set, "libsystemd0"));
	assert_null(pkgset_find(&f->set, "libelogind0"));
}

static void test_versioned_depends(void **state)
{
	struct fx *f = *state;

	add_index(f, 500, BASE
		  PKG("libz", "1:1.2", "amd64", "")
		  PKG("libz", "1:1.3~rc1", "amd64", "")
		  PKG("libz", "1:1.3", "amd64", "")
		  PKG("app", "1", "amd64", "Depends: libz (>= 1:1.2.5), libz (<< 1:1.3)\n")
		  PKG("newapp", "1", "amd64", "Depends: libz (>= 1:2)\n"));
	request(f, PKGS_IMAGE, "app");
	ok(f);
	assert_string_equal(version_of(f, "libz"), "1:1.3~rc1");

	request(f, PKGS_IMAGE, "newapp");
	failed(f);
	assert_contains(f->err.msg, "the package request cannot be satisfied");
	assert_contains(f->err.msg, "newapp");
	assert_contains(f->err.msg, "libz >= 1:2");
	assert_contains(f->err.msg, "config.xml:11");
}

static void test_conflicts(void **state)
{
	struct fx *f = *state;

	add_index(f, 500, BASE
		  PKG("sysvinit", "1", "amd64", "Conflicts: systemd\n")
		  PKG("systemd", "1", "amd64", "")
		  /* Debian's idiom for "only one of us": allowed */
		  PKG("postfix", "1", "amd64",
		      "Provides: mail-transport-agent\nConflicts: mail-transport-agent\n"));
	request(f, PKGS_IMAGE, "postfix");
	ok(f);
	assert_non_null(pkgset_find(&f->set, "postfix"));

	clear_requests(f, PKGS_IMAGE);
	request(f, PKGS_BOOTSTRAP, "systemd");
	request(f, PKGS_IMAGE, "sysvinit");
	failed(f);
	assert_contains(f->err.msg, "sysvinit");
	assert_contains(f->err.msg, "conflicts with systemd");
	assert_contains(f->err.msg, "bootstrap packages (config.xml:10)");
	assert_contains(f->err.msg, "image packages (config.xml:10)");
}

static void test_breaks(void **state)
{
	struct fx *f = *state;

	add_index(f, 500, BASE
		  PKG("tool", "1", "amd64", "Breaks: plugin (>= 2)\n")
		  PKG("plugin", "1", "amd64", "")
		  PKG("plugin", "2", "amd64", "")
		  PKG("plugin3", "3", "amd64", "Depends: plugin (>= 2)\n"));
	request(f, PKGS_IMAGE, "tool");
	request(f, PKGS_IMAGE, "plugin");
	ok(f);
	assert_string_equal(version_of(f, "plugin"), "1"); /* not the newest */

	request(f, PKGS_IMAGE, "plugin3");
	failed(f);
	assert_contains(f->err.msg, "tool");
	assert_contains(f->err.msg, "plugin");
}

static void test_recommends(void **state)
{
	struct fx *f = *state;

	add_index(f, 500, BASE
		  PKG("tool", "1", "amd64", "Recommends: tool-doc\n")
		  PKG("tool-doc", "1", "all", ""));
	request(f, PKGS_IMAGE, "tool");
	ok(f);
	assert_null(pkgset_find(&f->set, "tool-doc"));
	f->recommends = 1;
	ok(f);
	assert_non_null(pkgset_find(&f->set, "tool-doc"));
}

static void test_arch(void **state)
{
	struct fx *f = *state;

	add_index(f, 500, BASE
		  PKG("data", "1", "all", "Depends: libdata\n")
		  PKG("libdata", "1", "amd64", "")
		  PKG("foreign", "1", "i386", "")
		  PKG("grub-pc", "1", "amd64", ""));
	request(f, PKGS_IMAGE, "data");
	request(f, PKGS_IMAGE, "grub-pc@x86_64"); /* Kiwi's arch filter */
	request(f, PKGS_IMAGE, "grub-arm64@aarch64,armv7hl");
	ok(f);
	const struct pkg *p = pkgset_find(&f->set, "data");
	assert_non_null(p);
	assert_string_equal(p->arch, "all");
	assert_string_equal(p->filename, "pool/data_1_all.deb");
	assert_non_null(pkgset_find(&f->set, "libdata"));
	assert_non_null(pkgset_find(&f->set, "grub-pc"));

	request(f, PKGS_IMAGE, "foreign");
	failed(f);
	assert_string_equal(f->err.msg,
		"config.xml:13: error: unknown package 'foreign' in the image packages");
}

static void test_unknown_package(void **state)
{
	struct fx *f = *state;

	add_index(f, 500, BASE PKG("systemd-sysv", "252", "amd64", ""));
	request(f, PKGS_BOOTSTRAP, "qqqqqqqqqq");
	request(f, PKGS_IMAGE, "systemd-sysv");
	request(f, PKGS_IMAGE, "systemd-sysvv");
	failed(f);
	assert_string_equal(f->err.msg,
		"config.xml:10: error: unknown package 'qqqqqqqqqq' in the bootstrap packages\n"
		"config.xml:11: error: unknown package 'systemd-sysvv' in the image packages "
		"(did you mean 'systemd-sysv'?)");
}

static void test_no_apt(void **state)
{
	struct fx *f = *state;

	add_index(f, 500, PKG("base-files", "1", "amd64", "Essential: yes\n"));
	failed(f);
	assert_string_equal(f->err.msg,
		"error: unknown package 'apt' (the minbase bootstrap set needs it)");
}

static void test_two_repos(void **state)
{
	struct fx *f = *state;

	add_index(f, 500, BASE PKG("hello", "2.10", "amd64", ""));
	add_index(f, 500, PKG("hello", "2.12", "amd64", "")
		  PKG("apt", "2.6.1", "amd64", "Depends: libapt (>= 2.6)\n"));
	request(f, PKGS_IMAGE, "hello");

	/* Equal priorities: the higher version. */
	ok(f);
	const struct pkg *p = pkgset_find(&f->set, "hello");
	assert_string_equal(p->version, "2.12");
	assert_int_equal(p->repo, 1);
	/* The same apt in both: the earlier index. */
	assert_int_equal(pkgset_find(&f->set, "apt")->repo, 0);

	/* A higher priority beats a higher version. */
	f->idx[0].priority = 990;
	ok(f);
	p = pkgset_find(&f->set, "hello");
	assert_string_equal(p->version, "2.10");
	assert_int_equal(p->repo, 0);
}

static void test_bad_index(void **state)
{
	struct fx *f = *state;

	add_index(f, 500, BASE "Package: broken\nnot a field\n");
	failed(f);
	assert_contains(f->err.msg, "Packages-0:");
	assert_contains(f->err.msg, "expected \"Field: value\"");

	free((char *)f->idx[0].path);
	f->idx[0].path = xasprintf("%s/missing", f->dir);
	failed(f);
	assert_contains(f->err.msg, "/missing: No such file or directory");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_minbase),
		T(test_custom_variant),
		T(test_pre_depends_and_bootstrap_list),
		T(test_alternatives),
		T(test_virtual_provides),
		T(test_real_package_before_provider),
		T(test_versioned_depends),
		T(test_conflicts),
		T(test_breaks),
		T(test_recommends),
		T(test_arch),
		T(test_unknown_package),
		T(test_no_apt),
		T(test_two_repos),
		T(test_bad_index),
	};
	return cmocka_run_group_tests_name("solve", tests, NULL, NULL);
}
