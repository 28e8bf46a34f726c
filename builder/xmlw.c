/* xmlw.c - see xmlw.h. */
#include "xmlw.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void xmlw_begin(struct xmlw *x)
{
	x->failed = 0;
	x->buf = xmlBufferCreate();
	x->w = x->buf ? xmlNewTextWriterMemory(x->buf, 0) : NULL;
	if (!x->w)
		abort(); /* out of memory, as xmalloc treats it */
	if (xmlTextWriterSetIndent(x->w, 1) < 0 ||
	    xmlTextWriterSetIndentString(x->w, BAD_CAST "  ") < 0 ||
	    xmlTextWriterStartDocument(x->w, NULL, "UTF-8", NULL) < 0)
		x->failed = 1;
}

void xmlw_start(struct xmlw *x, const char *name)
{
	if (xmlTextWriterStartElement(x->w, BAD_CAST name) < 0)
		x->failed = 1;
}

void xmlw_end(struct xmlw *x)
{
	if (xmlTextWriterEndElement(x->w) < 0)
		x->failed = 1;
}

void xmlw_attr(struct xmlw *x, const char *name, const char *value)
{
	if (xmlTextWriterWriteAttribute(x->w, BAD_CAST name, BAD_CAST value) < 0)
		x->failed = 1;
}

void xmlw_attrf(struct xmlw *x, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (xmlTextWriterWriteVFormatAttribute(x->w, BAD_CAST name, fmt, ap) < 0)
		x->failed = 1;
	va_end(ap);
}

void xmlw_attr_u64(struct xmlw *x, const char *name, uint64_t v)
{
	xmlw_attrf(x, name, "%" PRIu64, v);
}

void xmlw_text(struct xmlw *x, const char *name, const char *text)
{
	if (xmlTextWriterWriteElement(x->w, BAD_CAST name, BAD_CAST text) < 0)
		x->failed = 1;
}

void xmlw_text_u64(struct xmlw *x, const char *name, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	xmlw_text(x, name, buf);
}

void xmlw_string(struct xmlw *x, const char *text)
{
	if (xmlTextWriterWriteString(x->w, BAD_CAST text) < 0)
		x->failed = 1;
}

void xmlw_free(struct xmlw *x)
{
	if (x->w)
		xmlFreeTextWriter(x->w);
	if (x->buf)
		xmlBufferFree(x->buf);
	x->w = NULL;
	x->buf = NULL;
}

int xmlw_commit(struct xmlw *x, const char *path, const char *what, struct jeos_error *err)
{
	int rc = -1;

	if (xmlTextWriterEndDocument(x->w) < 0)
		x->failed = 1;
	xmlFreeTextWriter(x->w); /* flushes into buf */
	x->w = NULL;
	if (xmlBufferCCat(x->buf, "\n")) /* the writer ends the last line without one */
		x->failed = 1;
	if (x->failed)
		jeos_fail(err, JEOS_EXIT_FAILED, "%s: libxml2 could not write the %s", path, what);
	else
		rc = write_file(path, xmlBufferContent(x->buf), (size_t)xmlBufferLength(x->buf), err);
	xmlw_free(x);
	return rc;
}
