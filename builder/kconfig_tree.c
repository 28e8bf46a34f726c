/* kconfig_tree.c - see kconfig_tree.h. */
#include "kconfig_tree.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- expressions ("depends on A && (B || !C)", "X = y", "$(macro)") ---- */

enum op { E_SYM, E_CONST, E_NOT, E_AND, E_OR, E_EQ, E_NE, E_LT, E_LE, E_GT, E_GE };

struct expr {
	enum op op;
	struct expr *l, *r;
	char *text; /* E_SYM: the symbol; E_CONST: the constant, unquoted */
};

struct parser {
	const char *p;
};

static struct expr *new_expr(enum op op, struct expr *l, struct expr *r, char *text)
{
	struct expr *e = xcalloc(1, sizeof(*e));

	e->op = op;
	e->l = l;
	e->r = r;
	e->text = text;
	return e;
}

static void expr_free(struct expr *e)
{
	if (!e)
		return;
	expr_free(e->l);
	expr_free(e->r);
	free(e->text);
	free(e);
}

static int accept(struct parser *ps, const char *tok)
{
	size_t n = strlen(tok);

	while (isspace((unsigned char)*ps->p))
		ps->p++;
	if (strncmp(ps->p, tok, n))
		return 0;
	ps->p += n;
	return 1;
}

/* y, m, n and numbers are constants; any other word names a symbol. */
static int constant_word(const char *w)
{
	char *end;

	if (!strcmp(w, "y") || !strcmp(w, "m") || !strcmp(w, "n"))
		return 1;
	(void)strtoll(w, &end, 0);
	return !*end;
}

static struct expr *parse_or(struct parser *ps);

static struct expr *parse_term(struct parser *ps)
{
	const char *s, *e;

	accept(ps, ""); /* skips blanks */
	s = ps->p;
	if (*s == '"' || *s == '\'') {
		for (e = s + 1; *e && *e != *s; e++)
			if (*e == '\\' && e[1])
				e++;
		if (!*e)
			return NULL;
		ps->p = e + 1;
		return new_expr(E_CONST, NULL, NULL, xstrndup(s + 1, (size_t)(e - s - 1)));
	}
	if (s[0] == '$' && s[1] == '(') {
		int depth = 0;
		for (e = s + 1; *e; e++)
			if (*e == '(')
				depth++;
			else if (*e == ')' && --depth == 0)
				break;
		if (!*e)
			return NULL;
		ps->p = e + 1;
		/* a macro (compiler test...) was expanded by Kconfig: assume it held */
		return new_expr(E_CONST, NULL, NULL, xstrdup("y"));
	}
	for (e = s; isalnum((unsigned char)*e) || *e == '_'; e++)
		;
	if (e == s)
		return NULL;
	ps->p = e;
	char *word = xstrndup(s, (size_t)(e - s));
	return new_expr(constant_word(word) ? E_CONST : E_SYM, NULL, NULL, word);
}

static struct expr *parse_compare(struct parser *ps)
{
	static const struct {
		const char *tok;
		enum op op;
	} ops[] = {
		{ "!=", E_NE }, { "<=", E_LE }, { ">=", E_GE },
		{ "=", E_EQ }, { "<", E_LT }, { ">", E_GT },
	};
	struct expr *l = parse_term(ps), *r;

	if (!l)
		return NULL;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (accept(ps, ops[i].tok)) {
			if (!(r = parse_term(ps))) {
				expr_free(l);
				return NULL;
			}
			return new_expr(ops[i].op, l, r, NULL);
		}
	return l;
}

static struct expr *parse_unary(struct parser *ps)
{
	struct expr *e;

	if (accept(ps, "!"))
		return (e = parse_unary(ps)) ? new_expr(E_NOT, e, NULL, NULL) : NULL;
	if (accept(ps, "(")) {
		e = parse_or(ps);
		if (e && accept(ps, ")"))
			return e;
		expr_free(e);
		return NULL;
	}
	return parse_compare(ps);
}

/* and/or: left-associative chains of the next tighter level */
static struct expr *parse_chain(struct parser *ps, const char *tok, enum op op,
				struct expr *(*next)(struct parser *))
{
	struct expr *l = next(ps), *r;

	while (l && accept(ps, tok)) {
		if (!(r = next(ps))) {
			expr_free(l);
			return NULL;
		}
		l = new_expr(op, l, r, NULL);
	}
	return l;
}

static struct expr *parse_and(struct parser *ps)
{
	return parse_chain(ps, "&&", E_AND, parse_unary);
}

static struct expr *parse_or(struct parser *ps)
{
	return parse_chain(ps, "||", E_OR, parse_and);
}

/* NULL when text is not an expression this reader understands. */
static struct expr *parse_expr(const char *text)
{
	struct parser ps = { text };
	struct expr *e = parse_or(&ps);

	if (e && (accept(&ps, ""), *ps.p)) {
		expr_free(e);
		return NULL;
	}
	return e;
}

static const char *term_value(const struct expr *e, const struct kconfig_frag *cfg)
{
	return e->op == E_CONST ? e->text : kconfig_frag_value(cfg, e->text);
}

static int tristate(const char *v)
{
	return !strcmp(v, "y") ? 2 : !strcmp(v, "m") ? 1 : 0;
}

/* As Kconfig compares: numerically when both sides are numbers. */
static int compare(const char *a, const char *b)
{
	CLEANUP_FREE char *ua = NULL, *ub = NULL;
	size_t la = strlen(a), lb = strlen(b);
	char *ea, *eb;

	/* .config quotes string values; expression constants are unquoted */
	if (la >= 2 && a[0] == '"')
		a = ua = xstrndup(a + 1, la - 2);
	if (lb >= 2 && b[0] == '"')
		b = ub = xstrndup(b + 1, lb - 2);
	long long x = strtoll(a, &ea, 0), y = strtoll(b, &eb, 0);
	if (*a && *b && !*ea && !*eb)
		return (x > y) - (x < y);
	return strcmp(a, b);
}

/* 0 (n), 1 (m) or 2 (y) */
static int eval(const struct expr *e, const struct kconfig_frag *cfg)
{
	int l, r, c;

	switch (e->op) {
	case E_SYM:
	case E_CONST:
		return tristate(term_value(e, cfg));
	case E_NOT:
		return 2 - eval(e->l, cfg);
	case E_AND:
	case E_OR:
		l = eval(e->l, cfg);
		r = eval(e->r, cfg);
		return e->op == E_AND ? (l < r ? l : r) : (l > r ? l : r);
	default:
		c = compare(term_value(e->l, cfg), term_value(e->r, cfg));
		switch (e->op) {
		case E_EQ: return c == 0 ? 2 : 0;
		case E_NE: return c != 0 ? 2 : 0;
		case E_LT: return c < 0 ? 2 : 0;
		case E_LE: return c <= 0 ? 2 : 0;
		case E_GT: return c > 0 ? 2 : 0;
		default: return c >= 0 ? 2 : 0;
		}
	}
}

struct blame_ctx {
	const struct kconfig_frag *requested, *final;
	struct strbuf *out;
	size_t nr; /* reasons written so far */
};

/* "NET is off (set to n by x.config:3)" */
static void add_reason(struct blame_ctx *b, const char *name, int on, int with_value)
{
	const struct kconfig_sym *req = kconfig_frag_get(b->requested, name);
	const char *value = kconfig_frag_value(b->final, name);

	strbuf_addstr(b->out, b->nr++ ? ", " : "");
	if (with_value)
		strbuf_addf(b->out, "%s is %s", name, value);
	else
		strbuf_addf(b->out, "%s is %s", name, on ? "on" : "off");
	if (!req)
		strbuf_addstr(b->out, on ? " (no fragment sets it: a default or a select does)"
				      : " (no fragment sets it)");
	else if (!strcmp(req->value, value))
		strbuf_addf(b->out, " (set by %s)", req->where);
	else
		strbuf_addf(b->out, " (%s asks for %s: see CONFIG_%s)", req->where, req->value, name);
}

/* Names the symbols that make e false (want 1) or true (want 0). */
static void blame(const struct expr *e, int want, struct blame_ctx *b)
{
	int on = eval(e, b->final) > 0;

	if (on == want)
		return;
	switch (e->op) {
	case E_CONST:
		break;
	case E_SYM:
		add_reason(b, e->text, on, 0);
		break;
	case E_NOT:
		blame(e->l, !want, b);
		break;
	case E_AND:
	case E_OR:
		/* the operands that agree with the result are the reason */
		blame(e->l, want, b);
		blame(e->r, want, b);
		break;
	default:
		if (e->l->op == E_SYM)
			add_reason(b, e->l->text, 0, 1);
		if (e->r->op == E_SYM)
			add_reason(b, e->r->text, 0, 1);
		break;
	}
}

/* ---- walking the Kconfig files ---- */

struct cond {
	const char *kind; /* "depends on", "if", "menu depends on", ... */
	char *expr;
	char *where;      /* "drivers/net/Kconfig:27" */
};

struct conds {
	struct cond *v;
	size_t nr, alloc;
};

struct frame {
	const char *kind; /* "if", "menu", "choice" */
	struct conds conds;
};

struct def {
	size_t name; /* index into walk.names */
	char *where;
	struct conds conds;
	int prompt;
};

struct sel {
	size_t name;
	char *by, *cond, *where; /* cond: NULL when unconditional */
};

struct walk {
	const char *srctree;
	char *const *names;
	size_t nr_names;
	struct frame *stack;
	size_t depth, alloc_stack;
	struct def *defs;
	size_t nr_defs, alloc_defs;
	struct sel *sels;
	size_t nr_sels, alloc_sels;
	long cur_def;     /* the definition later attribute lines belong to; -1 none */
	long cur_frame;   /* the menu or choice whose "depends on" lines follow; -1 none */
	char *cur_config; /* the config block being read, for "select" */
};

static void conds_add(struct conds *c, const char *kind, const char *expr, const char *where)
{
	ALLOC_GROW(c->v, c->nr + 1, c->alloc);
	c->v[c->nr].kind = kind;
	c->v[c->nr].expr = xstrdup(expr);
	c->v[c->nr].where = xstrdup(where);
	c->nr++;
}

static void conds_free(struct conds *c)
{
	for (size_t i = 0; i < c->nr; i++) {
		free(c->v[i].expr);
		free(c->v[i].where);
	}
	free(c->v);
}

static long name_index(const struct walk *w, const char *name)
{
	for (size_t i = 0; i < w->nr_names; i++)
		if (!strcmp(w->names[i], name))
			return (long)i;
	return -1;
}

static void end_entry(struct walk *w)
{
	w->cur_def = -1;
	w->cur_frame = -1;
	free(w->cur_config);
	w->cur_config = NULL;
}

static void begin_config(struct walk *w, const char *name, const char *where)
{
	long i = name_index(w, name);

	end_entry(w);
	w->cur_config = xstrdup(name);
	if (i < 0)
		return;
	ALLOC_GROW(w->defs, w->nr_defs + 1, w->alloc_defs);
	struct def *d = &w->defs[w->nr_defs];
	memset(d, 0, sizeof(*d));
	d->name = (size_t)i;
	d->where = xstrdup(where);
	/* the blocks it sits in, outermost first */
	for (size_t f = 0; f < w->depth; f++)
		for (size_t k = 0; k < w->stack[f].conds.nr; k++) {
			const struct cond *c = &w->stack[f].conds.v[k];
			conds_add(&d->conds, c->kind, c->expr, c->where);
		}
	w->cur_def = (long)w->nr_defs++;
}

static void push_frame(struct walk *w, const char *kind)
{
	end_entry(w);
	ALLOC_GROW(w->stack, w->depth + 1, w->alloc_stack);
	memset(&w->stack[w->depth], 0, sizeof(w->stack[w->depth]));
	w->stack[w->depth].kind = kind;
	if (strcmp(kind, "if"))
		w->cur_frame = (long)w->depth;
	w->depth++;
}

static int pop_frame(struct walk *w, const char *kind, const char *where, struct jeos_error *err)
{
	end_entry(w);
	if (!w->depth || strcmp(w->stack[w->depth - 1].kind, kind))
		return jeos_fail(err, JEOS_EXIT_FAILED, "%s: end%s without %s", where, kind, kind);
	conds_free(&w->stack[--w->depth].conds);
	return 0;
}

static void add_select(struct walk *w, char *rest, const char *where)
{
	char *target = rest, *cond = NULL, *sp;
	long i;

	if (!w->cur_config)
		return;
	if ((sp = strpbrk(rest, " \t"))) {
		*sp++ = '\0';
		sp += strspn(sp, " \t");
		if (!strncmp(sp, "if", 2) && isspace((unsigned char)sp[2]))
			cond = sp + 3;
	}
	if ((i = name_index(w, target)) < 0)
		return;
	ALLOC_GROW(w->sels, w->nr_sels + 1, w->alloc_sels);
	w->sels[w->nr_sels++] = (struct sel){
		.name = (size_t)i, .by = xstrdup(w->cur_config),
		.cond = cond ? xstrdup(cond) : NULL, .where = xstrdup(where),
	};
}

/* bool "prompt" [if EXPR] */
static void add_prompt(struct walk *w, const char *rest, const char *where)
{
	struct def *d;
	const char *end;

	if (w->cur_def < 0 || (*rest != '"' && *rest != '\''))
		return;
	d = &w->defs[w->cur_def];
	d->prompt = 1;
	for (end = rest + 1; *end && *end != *rest; end++)
		if (*end == '\\' && end[1])
			end++;
	if (!*end)
		return;
	end += 1 + strspn(end + 1, " \t");
	if (!strncmp(end, "if", 2) && isspace((unsigned char)end[2]))
		conds_add(&d->conds, "prompt if", end + 3, where);
}

static int walk_file(struct walk *w, const char *rel, int optional, int level,
		     struct jeos_error *err);

/* source "path": relative to the tree (rsource: to this file), with
 * $(SRCARCH); a path with another macro (arch/um's) is not ours. */
static int walk_source(struct walk *w, const char *word, char *rest, const char *file,
		       int level, struct jeos_error *err)
{
	CLEANUP_FREE char *path = NULL;
	struct strbuf sb = STRBUF_INIT;
	size_t len = strlen(rest);
	int rc;

	if (len >= 2 && (rest[0] == '"' || rest[0] == '\'') && rest[len - 1] == rest[0]) {
		rest[len - 1] = '\0';
		rest++;
	}
	if (!strcmp(word, "rsource") || !strcmp(word, "orsource")) {
		const char *slash = strrchr(file, '/');
		if (slash)
			strbuf_add(&sb, file, (size_t)(slash - file + 1));
	}
	for (const char *p = rest; *p;) {
		if (str_has_prefix(p, "$(SRCARCH)")) {
			strbuf_addstr(&sb, KCONFIG_SRCARCH);
			p += strlen("$(SRCARCH)");
		} else {
			strbuf_addch(&sb, *p++);
		}
	}
	path = strbuf_detach(&sb);
	if (strstr(path, "$("))
		return 0;
	rc = walk_file(w, path, word[0] == 'o', level + 1, err);
	end_entry(w);
	return rc;
}

/* Drops a comment ('#' outside quotes) and surrounding blanks. */
static char *strip_line(char *s)
{
	char quote = 0;
	char *p, *end;

	for (p = s; *p; p++) {
		if (quote && *p == '\\' && p[1])
			p++;
		else if (quote && *p == quote)
			quote = 0;
		else if (!quote && (*p == '"' || *p == '\''))
			quote = *p;
		else if (!quote && *p == '#') {
			*p = '\0';
			break;
		}
	}
	s += strspn(s, " \t");
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static int walk_line(struct walk *w, const char *file, unsigned lineno, char *line,
		     int level, int *help, struct jeos_error *err)
{
	static const char *const prompt_words[] = { "bool", "tristate", "string", "int", "hex", "prompt" };
	char *s = strip_line(line), *rest;
	char where[4200];

	if (!*s)
		return 0;
	snprintf(where, sizeof(where), "%s:%u", file, lineno);
	rest = s + strcspn(s, " \t");
	if (*rest)
		*rest++ = '\0';
	rest += strspn(rest, " \t");

	if (!strcmp(s, "config") || !strcmp(s, "menuconfig")) {
		begin_config(w, rest, where);
	} else if (!strcmp(s, "if")) {
		push_frame(w, "if");
		conds_add(&w->stack[w->depth - 1].conds, "if", rest, where);
	} else if (!strcmp(s, "menu") || !strcmp(s, "choice")) {
		push_frame(w, s[0] == 'm' ? "menu" : "choice");
	} else if (!strcmp(s, "endif") || !strcmp(s, "endmenu") || !strcmp(s, "endchoice")) {
		return pop_frame(w, s + 3, where, err);
	} else if (!strcmp(s, "comment") || !strcmp(s, "mainmenu")) {
		end_entry(w);
	} else if (!strcmp(s, "source") || !strcmp(s, "osource") || !strcmp(s, "rsource") ||
		   !strcmp(s, "orsource")) {
		end_entry(w);
		return walk_source(w, s, rest, file, level, err);
	} else if (!strcmp(s, "depends") && !strncmp(rest, "on", 2) && isspace((unsigned char)rest[2])) {
		rest += 3;
		if (w->cur_def >= 0)
			conds_add(&w->defs[w->cur_def].conds, "depends on", rest, where);
		else if (w->cur_frame >= 0)
			conds_add(&w->stack[w->cur_frame].conds,
				  !strcmp(w->stack[w->cur_frame].kind, "menu") ? "menu depends on"
									       : "choice depends on",
				  rest, where);
	} else if (!strcmp(s, "visible") && !strncmp(rest, "if", 2) && w->cur_frame >= 0) {
		conds_add(&w->stack[w->cur_frame].conds, "menu visible if", rest + 3, where);
	} else if (!strcmp(s, "select")) {
		add_select(w, rest, where);
	} else if (!strcmp(s, "help") || !strcmp(s, "---help---")) {
		*help = 1;
	} else {
		for (size_t i = 0; i < sizeof(prompt_words) / sizeof(prompt_words[0]); i++)
			if (!strcmp(s, prompt_words[i]))
				add_prompt(w, rest, where);
	}
	return 0;
}

/* Columns of leading blanks (tabs to 8); -1 for a blank line. */
static int indent_of(const char *s)
{
	int n = 0;

	for (; *s == ' ' || *s == '\t'; s++)
		n = *s == '\t' ? (n / 8 + 1) * 8 : n + 1;
	return *s ? n : -1;
}

static int walk_file(struct walk *w, const char *rel, int optional, int level,
		     struct jeos_error *err)
{
	CLEANUP_FREE char *path = xasprintf("%s/%s", w->srctree, rel);
	struct strbuf text = STRBUF_INIT, line = STRBUF_INIT;
	unsigned lineno = 0, first;
	int help = 0, help_indent = -1, rc = 0;

	if (level > 32)
		return jeos_fail(err, JEOS_EXIT_FAILED, "%s: source nested too deep", path);
	if (strbuf_read_file(&text, path) < 0) {
		if (optional && errno == ENOENT)
			return 0;
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot read %s: %s", path, strerror(errno));
	}
	for (const char *p = text.buf; *p && rc == 0;) {
		/* one logical line: a trailing backslash continues it */
		strbuf_reset(&line);
		first = ++lineno;
		for (;;) {
			const char *eol = strchrnul(p, '\n');
			size_t n = (size_t)(eol - p);
			int cont = n > 0 && p[n - 1] == '\\';
			strbuf_add(&line, p, cont ? n - 1 : n);
			p = *eol ? eol + 1 : eol;
			if (!cont || !*p)
				break;
			lineno++;
		}
		if (help) {
			/* help text: up to the first line indented less than its first */
			int ind = indent_of(line.buf);
			if (ind < 0)
				continue;
			if (help_indent < 0 && ind > 0)
				help_indent = ind;
			if (ind > 0 && ind >= help_indent)
				continue;
			help = 0;
			help_indent = -1;
		}
		rc = walk_line(w, rel, first, line.buf, level, &help, err);
	}
	strbuf_release(&text);
	strbuf_release(&line);
	return rc;
}

/* ---- the explanation ---- */

static void explain_cond(const struct cond *c, struct blame_ctx *b)
{
	struct expr *e = parse_expr(c->expr);

	if (!e) {
		strbuf_addf(b->out, "      cannot evaluate \"%s %s\" (%s)\n", c->kind, c->expr, c->where);
		return;
	}
	if (eval(e, b->final) == 0) {
		strbuf_addf(b->out, "      unmet \"%s %s\" (%s): ", c->kind, c->expr, c->where);
		b->nr = 0;
		blame(e, 1, b);
		strbuf_addch(b->out, '\n');
	}
	expr_free(e);
}

static int cond_holds(const char *text, const struct kconfig_frag *final)
{
	struct expr *e = text ? parse_expr(text) : NULL;
	int on = !text || (e && eval(e, final) > 0);

	expr_free(e);
	return on;
}

static void explain_one(const struct walk *w, size_t i, struct blame_ctx *b)
{
	const char *want = kconfig_frag_value(b->requested, w->names[i]);
	int want_on = strcmp(want, "n") != 0;
	size_t defs = 0, selectors = 0;

	for (size_t d = 0; d < w->nr_defs; d++) {
		const struct def *def = &w->defs[d];
		if (def->name != i)
			continue;
		defs++;
		strbuf_addf(b->out, "    defined at %s%s\n", def->where,
			    def->prompt ? "" : " without a prompt: only defaults and selects set it");
		for (size_t k = 0; want_on && k < def->conds.nr; k++)
			explain_cond(&def->conds.v[k], b);
	}
	if (!defs)
		strbuf_addstr(b->out, "    no Kconfig file of this tree defines it (unknown symbol)\n");
	for (size_t s = 0; !want_on && s < w->nr_sels; s++) {
		const struct sel *sel = &w->sels[s];
		if (sel->name != i || !strcmp(kconfig_frag_value(b->final, sel->by), "n") ||
		    !cond_holds(sel->cond, b->final))
			continue;
		strbuf_addf(b->out, "%s CONFIG_%s (%s)", selectors++ ? "," : "    selected by",
			    sel->by, sel->where);
	}
	if (selectors)
		strbuf_addch(b->out, '\n');
}

int kconfig_explain(const char *srctree, char *const *names, size_t nr,
		    const struct kconfig_frag *requested, const struct kconfig_frag *final,
		    struct strbuf *out, struct jeos_error *err)
{
	struct walk w = { .srctree = srctree, .names = names, .nr_names = nr,
			  .cur_def = -1, .cur_frame = -1 };
	struct blame_ctx b = { .requested = requested, .final = final, .out = out };
	int rc = walk_file(&w, "Kconfig", 0, 0, err);

	for (size_t i = 0; rc == 0 && i < nr; i++) {
		const struct kconfig_sym *req = kconfig_frag_get(requested, names[i]);
		const char *got = kconfig_frag_value(final, names[i]);

		if (!req || !strcmp(req->value, "n"))
			strbuf_addf(out, "  # CONFIG_%s is not set", names[i]);
		else
			strbuf_addf(out, "  CONFIG_%s=%s", names[i], req->value);
		strbuf_addf(out, " (%s): %s%s in the final config\n", req ? req->where : "?",
			    strcmp(got, "n") ? "=" : "", strcmp(got, "n") ? got : "not set");
		explain_one(&w, i, &b);
	}
	end_entry(&w);
	for (size_t i = 0; i < w.depth; i++)
		conds_free(&w.stack[i].conds);
	free(w.stack);
	for (size_t i = 0; i < w.nr_defs; i++) {
		free(w.defs[i].where);
		conds_free(&w.defs[i].conds);
	}
	free(w.defs);
	for (size_t i = 0; i < w.nr_sels; i++) {
		free(w.sels[i].by);
		free(w.sels[i].cond);
		free(w.sels[i].where);
	}
	free(w.sels);
	return rc;
}
