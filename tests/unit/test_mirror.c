/* Unit tests for mirror URIs in messages: credentials never shown. */
#include "testutil.h"
#include "mirror.h"

static void test_uri_redact(void **state)
{
	static const char *const cases[][2] = {
		{ "http://user:pass@host/debian", "http://***@host/debian" },
		{ "https://token@host:8443/x?y=1", "https://***@host:8443/x?y=1" },
		{ "http://u:p@ss@host", "http://***@host" }, /* '@' in the password */
		{ "http://host/pool/a@b.deb", "http://host/pool/a@b.deb" }, /* in the path */
		{ "http://host?who=a@b", "http://host?who=a@b" },
		{ "file:///srv/repo", "file:///srv/repo" },
		{ "mirror://debian", "mirror://debian" },
		{ "debian=http://u:p@h/d", "debian=http://***@h/d" }, /* --mirror's text */
		{ "no uri at all", "no uri at all" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = uri_redact(cases[i][0]);
		assert_string_equal(got, cases[i][1]);
		free(got);
	}
}

static void test_messages_redacted(void **state)
{
	struct mirror_map m = { 0 };
	struct jeos_error err;
	char *uri = NULL;
	(void)state;

	assert_int_equal(mirror_map_add(&m, "=http://jeos:s3cret@host/debian", &err), -1);
	assert_string_equal(err.msg, "--mirror expects NAME=URI, got '=http://***@host/debian'");
	assert_int_equal(mirror_resolve("ftp://jeos:s3cret@host/debian", "/r", &m, "/", &uri,
					&err), -1);
	assert_string_equal(err.msg, "unsupported repository source 'ftp://***@host/debian':"
			    " expected mirror://, this://, file://, http:// or https://");
	/* the URI itself keeps them: the fetcher needs them */
	assert_int_equal(mirror_map_add(&m, "debian=http://jeos:s3cret@host/debian/", &err), 0);
	assert_int_equal(mirror_resolve("mirror://debian/x", "/r", &m, "/", &uri, &err), 0);
	assert_string_equal(uri, "http://jeos:s3cret@host/debian/x");
	free(uri);
	mirror_map_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uri_redact),
		cmocka_unit_test(test_messages_redacted),
	};
	return cmocka_run_group_tests_name("mirror", tests, NULL, NULL);
}
