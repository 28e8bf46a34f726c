/* Unit tests for the control-file parser. */
#include "testutil.h"
#include "deb822.h"

static void test_paragraphs_and_continuations(void **state)
{
	(void)state;
	const char *text =
		"Package: foo\n"
		"Depends: a, b (>= 1.0)\n"
		"Description: short\n"
		" long line one\n"
		" .\n"
		" line three\n"
		"\n\n"
		"package: bar\n"
		"Essential: yes\n";
	struct deb822_reader r;
	struct deb822_para p = { 0 };
	struct jeos_error err;

	deb822_reader_init(&r, text, strlen(text), "Packages");
	assert_int_equal(deb822_next(&r, &p, &err), 1);
	assert_string_equal(deb822_get(&p, "package"), "foo");
	assert_string_equal(deb822_get(&p, "Depends"), "a, b (>= 1.0)");
	assert_string_equal(deb822_get(&p, "Description"),
			    "short\nlong line one\n\nline three");
	assert_int_equal(p.line, 1);
	assert_int_equal(deb822_next(&r, &p, &err), 1);
	assert_string_equal(deb822_get(&p, "Package"), "bar");
	assert_string_equal(deb822_get(&p, "Essential"), "yes");
	assert_null(deb822_get(&p, "Depends"));
	assert_int_equal(p.line, 9);
	assert_int_equal(deb822_next(&r, &p, &err), 0);
	deb822_para_clear(&p);
}

static void test_syntax_error_names_line(void **state)
{
	(void)state;
	const char *text = "Package: foo\nthis is not a field\n";
	struct deb822_reader r;
	struct deb822_para p = { 0 };
	struct jeos_error err;

	deb822_reader_init(&r, text, strlen(text), "Release");
	assert_int_equal(deb822_next(&r, &p, &err), -1);
	assert_string_equal(err.msg, "Release:2: error: expected \"Field: value\"");
	deb822_para_clear(&p);
}

/* An empty text, as an empty strbuf holds it (NULL), has no paragraph. */
static void test_empty_text(void **state)
{
	struct deb822_reader r;
	struct deb822_para p = { 0 };
	struct jeos_error err;
	(void)state;

	deb822_reader_init(&r, NULL, 0, "Release");
	assert_int_equal(deb822_next(&r, &p, &err), 0);
	assert_int_equal(p.nr, 0);
	deb822_reader_init(&r, "\n\n# only a comment\n", 19, "Release");
	assert_int_equal(deb822_next(&r, &p, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paragraphs_and_continuations),
		cmocka_unit_test(test_syntax_error_names_line),
		cmocka_unit_test(test_empty_text),
	};
	return cmocka_run_group_tests_name("deb822", tests, NULL, NULL);
}
