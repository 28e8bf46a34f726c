/* testutil.h - what every cmocka unit test includes. */
#ifndef JEOS_TESTUTIL_H
#define JEOS_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Root of the source tree (tests run from it via make). */
#define SRCDIR "."

/* A fresh scratch directory for one test; removed with rm -rf by the caller. */
static inline char *test_tmpdir(void)
{
	char tmpl[] = "/tmp/jeos-test-XXXXXX";
	char *d = mkdtemp(tmpl);
	assert_non_null(d);
	return xstrdup(d);
}

static inline void test_rmrf(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

/* Runs a shell command, failing the test if it does not exit 0. */
static inline void test_sh(const char *cmd)
{
	int rc = system(cmd);
	if (rc != 0)
		fail_msg("command failed (%d): %s", rc, cmd);
}

/* test_sh with printf-style formatting. */
static inline void test_shf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void test_shf(const char *fmt, ...)
{
	struct strbuf cmd = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&cmd, fmt, ap);
	va_end(ap);
	test_sh(cmd.buf);
	strbuf_release(&cmd);
}

/* A whole file as a NUL-terminated string (caller frees). */
static inline char *test_read_file(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(strbuf_read_file(&sb, path), 0);
	return strbuf_detach(&sb);
}

#endif
