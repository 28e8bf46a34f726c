/* deb822.c - see deb822.h. */
#include "deb822.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void deb822_reader_init(struct deb822_reader *r, const char *text, size_t len,
			const char *source)
{
	r->text = text;
	/* an empty strbuf's text is NULL: no arithmetic on it */
	r->end = len ? text + len : text;
	r->line = 0;
	r->source = source;
}

void deb822_para_clear(struct deb822_para *para)
{
	for (size_t i = 0; i < para->nr; i++) {
		free(para->fields[i].name);
		free(para->fields[i].value);
	}
	free(para->fields);
	memset(para, 0, sizeof(*para));
}

static int is_blank(const char *s, const char *e)
{
	for (; s < e; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r')
			return 0;
	return 1;
}

static void trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
		(*e)--;
}

int deb822_next(struct deb822_reader *r, struct deb822_para *para,
		struct jeos_error *err)
{
	struct strbuf value = STRBUF_INIT;
	int in_para = 0;

	deb822_para_clear(para);
	while (r->text < r->end) {
		const char *eol = memchr(r->text, '\n', (size_t)(r->end - r->text));
		const char *line = r->text, *le = eol ? eol : r->end;

		r->text = eol ? eol + 1 : r->end;
		r->line++;
		if (is_blank(line, le)) {
			if (in_para)
				break;
			continue;
		}
		if (*line == '#')
			continue;
		if (*line == ' ' || *line == '\t') {
			if (!para->nr) {
				strbuf_release(&value);
				return jeos_fail(err, JEOS_EXIT_FAILED,
						 "%s:%u: error: continuation line before any field",
						 r->source, r->line);
			}
			trim(&line, &le);
			strbuf_addch(&value, '\n');
			/* A lone "." stands for an empty line in descriptions. */
			if (!(le - line == 1 && *line == '.'))
				strbuf_add(&value, line, (size_t)(le - line));
			continue;
		}
		const char *colon = memchr(line, ':', (size_t)(le - line));
		if (!colon) {
			strbuf_release(&value);
			return jeos_fail(err, JEOS_EXIT_FAILED,
					 "%s:%u: error: expected \"Field: value\"",
					 r->source, r->line);
		}
		if (para->nr)
			para->fields[para->nr - 1].value = strbuf_detach(&value);
		else
			para->line = r->line;
		ALLOC_GROW(para->fields, para->nr + 1, para->alloc);
		para->fields[para->nr].name = xstrndup(line, (size_t)(colon - line));
		para->fields[para->nr].value = NULL;
		para->nr++;
		const char *vs = colon + 1, *ve = le;
		trim(&vs, &ve);
		strbuf_add(&value, vs, (size_t)(ve - vs));
		in_para = 1;
	}
	if (para->nr)
		para->fields[para->nr - 1].value = strbuf_detach(&value);
	strbuf_release(&value);
	return para->nr ? 1 : 0;
}

const char *deb822_get(const struct deb822_para *para, const char *name)
{
	for (size_t i = 0; i < para->nr; i++)
		if (!strcasecmp(para->fields[i].name, name))
			return para->fields[i].value;
	return NULL;
}
