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

#endif
