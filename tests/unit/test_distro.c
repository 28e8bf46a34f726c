/* Unit tests for distro.c: releases by suite, and NAME...release from the
 * recipe and a base-files the test builds with dpkg-deb. */
#include "testutil.h"

#include <stdio.h>

#include "distro.h"

static void test_release_of_suite(void **state)
{
	(void)state;
	const struct distro_release *d;

	assert_non_null(d = distro_release_of("trixie-security"));
	assert_string_equal(d->codename, "trixie");
	assert_string_equal(d->version, "13");
	assert_true(d->tested);
	assert_non_null(d = distro_release_of("bookworm-updates"));
	assert_string_equal(d->version, "12");
	assert_non_null(d = distro_release_of("forky"));
	assert_false(d->tested);
	assert_null(distro_release_of("trixies"));
	assert_null(distro_release_of("jammy"));
	assert_null(distro_release_of(""));
}

static void test_release_file(void **state)
{
	(void)state;
	char *dir = test_tmpdir();
	struct recipe_repo repos[] = { { .distribution = "trixie" }, { .distribution = "trixie-security" } };
	struct recipe r = { .repos = repos, .nr_repos = 2 };
	struct pkgset set = { 0 };
	struct pkg *p = pkgset_add(&set);
	struct jeos_error err;
	struct repo_info info = { .origin = "Debian", .version = "13.8", .codename = "trixie" };
	char *text;

	p->name = xstrdup("base-files");
	p->path = test_build_deb(dir, "base-files", "mkdir $r/etc; echo 13.8 > $r/etc/debian_version");
	assert_int_equal(distro_release_file(&r, &set, &text, &err), 0);
	assert_string_equal(text, "RELEASE=\"Debian 13 (trixie)\"\nDEBIAN_VERSION=13.8\n"
			    "SUITES=\"trixie trixie-security\"\n");
	free(text);
	text = distro_describe(&r, &info);
	assert_string_equal(text, "Debian 13.8 (trixie)");
	free(text);

	/* no base-files (recipes/tiny): no DEBIAN_VERSION line */
	pkgset_free(&set);
	memset(&set, 0, sizeof(set));
	repos[0].distribution = "sid";
	assert_int_equal(distro_release_file(&r, &set, &text, &err), 0);
	assert_string_equal(text, "RELEASE=\"Debian unstable (sid), best effort\"\n"
			    "SUITES=\"sid trixie-security\"\n");
	free(text);
	test_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_release_of_suite),
		cmocka_unit_test(test_release_file),
	};
	return cmocka_run_group_tests_name("distro", tests, NULL, NULL);
}
