/* xmlw.h - libxml2's xmlTextWriter into memory, then into a file written
 * atomically: the small layer the OVF descriptor and the libvirt domain
 * share. Every call remembers whether it failed, so the code that writes a
 * document reads like the document; xmlw_commit() reports it once. */
#ifndef JEOS_XMLW_H
#define JEOS_XMLW_H

#include <stdint.h>
#include <libxml/xmlwriter.h>

#include "util.h"

struct xmlw {
	xmlTextWriterPtr w;
	xmlBufferPtr buf;
	int failed;
};

/* Starts a UTF-8 document indented by two spaces. */
void xmlw_begin(struct xmlw *x);
void xmlw_start(struct xmlw *x, const char *name);
void xmlw_end(struct xmlw *x);
void xmlw_attr(struct xmlw *x, const char *name, const char *value);
void xmlw_attrf(struct xmlw *x, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void xmlw_attr_u64(struct xmlw *x, const char *name, uint64_t v);
/* <name>text</name> */
void xmlw_text(struct xmlw *x, const char *name, const char *text);
void xmlw_text_u64(struct xmlw *x, const char *name, uint64_t v);
/* text inside the open element */
void xmlw_string(struct xmlw *x, const char *text);
/* Ends the document and writes it to path (a temporary name first); what
 * names the document in the error. Frees x either way. */
int xmlw_commit(struct xmlw *x, const char *path, const char *what, struct jeos_error *err);
/* Frees x without writing (an error path before xmlw_commit). */
void xmlw_free(struct xmlw *x);

#endif
