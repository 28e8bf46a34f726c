/* testutil.h - what every cmocka unit test includes. */
#ifndef JEOS_TESTUTIL_H
#define JEOS_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

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

/* Symbolic links to target at the names jeos's temporary files beside
 * DIR/BASE once had, ".BASE.tmp-PID-N" (N < 500): what another user of a
 * shared cache could plant, knowing the PID. */
static inline void test_plant_tmp_links(const char *dir, const char *base, const char *target)
{
	for (unsigned n = 0; n < 500; n++) {
		char *link = xasprintf("%s/.%s.tmp-%ld-%u", dir, base, (long)getpid(), n);
		assert_int_equal(symlink(target, link), 0);
		free(link);
	}
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

/* DIR/NAME.deb, package NAME version 1 for amd64, built with dpkg-deb
 * from DIR/NAME-root after the shell commands populate (with $r the
 * root) filled it; the caller frees the path. */
static inline char *test_build_deb(const char *dir, const char *name, const char *populate)
{
	test_shf("set -e; r=%s/%s-root; mkdir -p $r/DEBIAN; %s;"
		 "printf 'Package: %s\\nVersion: 1\\nArchitecture: amd64\\nMaintainer: t <t@t>\\n"
		 "Description: test\\n' > $r/DEBIAN/control;"
		 "dpkg-deb --root-owner-group --build $r %s/%s.deb >/dev/null",
		 dir, name, populate, name, dir, name);
	return xasprintf("%s/%s.deb", dir, name);
}

/* A whole file as a NUL-terminated string (caller frees). */
static inline char *test_read_file(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(strbuf_read_file(&sb, path), 0);
	return strbuf_detach(&sb);
}

/* Entries in dir, hidden ones (temporary files) included. */
static inline size_t test_count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

/* string(expr) in an XML file (caller frees); the OVF prefixes ovf, rasd,
 * vssd and vmw are known. */
static inline char *test_xpath(const char *file, const char *expr)
{
	xmlDocPtr doc = xmlReadFile(file, NULL, XML_PARSE_NONET);
	xmlXPathContextPtr ctx;
	xmlXPathObjectPtr o;
	char *full = xasprintf("string(%s)", expr), *s;

	assert_non_null(doc);
	ctx = xmlXPathNewContext(doc);
	xmlXPathRegisterNs(ctx, BAD_CAST "ovf", BAD_CAST "http://schemas.dmtf.org/ovf/envelope/1");
	xmlXPathRegisterNs(ctx, BAD_CAST "rasd", BAD_CAST "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData");
	xmlXPathRegisterNs(ctx, BAD_CAST "vssd", BAD_CAST "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData");
	xmlXPathRegisterNs(ctx, BAD_CAST "vmw", BAD_CAST "http://www.vmware.com/schema/ovf");
	o = xmlXPathEvalExpression(BAD_CAST full, ctx);
	assert_non_null(o);
	s = xstrdup((const char *)o->stringval);
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	free(full);
	return s;
}

static inline void assert_xpath(const char *file, const char *expr, const char *want)
{
	char *got = test_xpath(file, expr);

	if (strcmp(got, want))
		fail_msg("%s: %s is \"%s\", expected \"%s\"", file, expr, got, want);
	free(got);
}

/* A NULL-terminated list of strings: does it hold s? */
static inline int test_list_has(char **list, const char *s)
{
	for (char **p = list; *p; p++)
		if (!strcmp(*p, s))
			return 1;
	return 0;
}

static inline void test_list_free(char **list)
{
	for (char **p = list; *p; p++)
		free(*p);
	free(list);
}

#endif
