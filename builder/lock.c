/* lock.c - see lock.h. */
#include "lock.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "deb.h"
#include "deb822.h"
#include "repo.h"
#include "solve.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#define HEADER_FORM "'# jeos lock " STR(LOCK_FORMAT) "'"
#define REQUEST_FORM "'request SHA256'"
#define REPO_FORM "'repo ALIAS DISTRIBUTION INRELEASE-SHA256'"
#define EPOCH_FORM "'epoch SECONDS'"
#define PKG_FORM "'pkg NAME VERSION ARCH SHA256 ALIAS FILENAME SIZE'"

static int is_sha256(const char *s)
{
	return strlen(s) == SHA256_HEX_LEN &&
	       strspn(s, "0123456789abcdef") == SHA256_HEX_LEN;
}

/* Can s be one field of a line: not empty, nothing that splits or ends it? */
static int is_field(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return 0;
	return 1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The "request" line: what resolve_recipe would be asked (see lock.h). */
static void request_hash(const struct recipe *r, char hex[SHA256_HEX_LEN + 1])
{
	static const enum pkg_list lists[] = { PKGS_BOOTSTRAP, PKGS_IMAGE };
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "arch %s\nrecommends %d\n", JEOS_ARCH, r->recommends);
	if (!r->minbase)
		strbuf_addstr(&sb, "variant custom\n");
	for (size_t i = 0; i < r->nr_repos; i++) {
		const struct recipe_repo *rp = &r->repos[i];
		strbuf_addf(&sb, "repo %s %s %s %d", rp->alias, rp->distribution,
			    rp->architectures ? rp->architectures : "-", rp->priority);
		for (char **c = rp->components; c && *c; c++)
			strbuf_addf(&sb, " %s", *c);
		strbuf_addch(&sb, '\n');
	}
	/* sorted: the order packages are listed in changes nothing */
	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
		size_t n = r->nr_packages[lists[l]];
		char **lines = xcalloc(n + 1, sizeof(*lines));
		for (size_t i = 0; i < n; i++) {
			const struct recipe_package *p = &r->packages[lists[l]][i];
			lines[i] = xasprintf("%s %s %s\n", pkg_list_name(lists[l]), p->name,
					     p->arch ? p->arch : "-");
		}
		qsort(lines, n, sizeof(*lines), cmp_str);
		for (size_t i = 0; i < n; i++) {
			strbuf_addstr(&sb, lines[i]);
			free(lines[i]);
		}
		free(lines);
	}
	sha256_buffer(sb.buf, sb.len, hex);
	strbuf_release(&sb);
}

char *lock_default_path(const struct recipe *r)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s/%s", r->dir, r->name);
	/* profiles select other packages: each selection has its own lock */
	for (char **p = r->profiles; p && *p; p++)
		strbuf_addf(&sb, "%c%s", p == r->profiles ? '.' : '+', *p);
	strbuf_addstr(&sb, ".lock");
	return strbuf_detach(&sb);
}

/* ---- writing ---- */

/* The first field of p that the format cannot carry, or NULL. */
static const char *bad_field(const struct pkg *p)
{
	if (!is_field(p->name))
		return "name";
	if (!is_field(p->version))
		return "version";
	if (!is_field(p->arch))
		return "architecture";
	if (!p->sha256 || !is_sha256(p->sha256))
		return "SHA256";
	if (!is_field(p->filename))
		return "Filename";
	return NULL;
}

int lock_write(const char *path, const struct recipe *r, const struct resolved *res,
	       struct jeos_error *err)
{
	CLEANUP_STRBUF struct strbuf sb = STRBUF_INIT;
	CLEANUP_FREE struct pkg *sorted = xcalloc(res->set.nr + 1, sizeof(*sorted));
	char request[SHA256_HEX_LEN + 1];

	request_hash(r, request);
	strbuf_addf(&sb, "# jeos lock %d\n"
		    "# `jeos lock --update RECIPE` re-resolves; jeos build installs exactly this\n"
		    "request %s\n", LOCK_FORMAT, request);
	if (res->epoch > 0)
		strbuf_addf(&sb, "epoch %" PRId64 "\n", res->epoch);
	for (size_t i = 0; i < r->nr_repos; i++) {
		const struct recipe_repo *rp = &r->repos[i];
		if (!is_field(rp->alias) || !is_field(rp->distribution))
			return jeos_fail(err, JEOS_EXIT_USAGE, "%s:%u: error: cannot lock repository"
					 " '%s': its alias and distribution must be single words",
					 r->path, rp->line, rp->alias ? rp->alias : "");
		/* packages name their repository by alias */
		for (size_t j = 0; j < i; j++)
			if (!strcmp(r->repos[j].alias, rp->alias))
				return jeos_fail(err, JEOS_EXIT_USAGE, "%s:%u: error: cannot lock:"
						 " repositories on lines %u and %u share the alias"
						 " '%s' (give them distinct aliases)", r->path,
						 rp->line, r->repos[j].line, rp->line, rp->alias);
		strbuf_addf(&sb, "repo %s %s %s\n", rp->alias, rp->distribution,
			    res->inrelease[i]);
	}
	/* Sorted here, whatever order res is in: equal sets, equal bytes. */
	if (res->set.nr)
		memcpy(sorted, res->set.pkgs, res->set.nr * sizeof(*sorted));
	qsort(sorted, res->set.nr, sizeof(*sorted), pkg_order);
	for (size_t i = 0; i < res->set.nr; i++) {
		const struct pkg *p = &sorted[i];
		const char *bad = bad_field(p);
		if (bad)
			return jeos_fail(err, JEOS_EXIT_FAILED, "%s: error: cannot lock package '%s'"
					 " %s: its %s is missing or not a single word", path,
					 p->name ? p->name : "", p->version ? p->version : "", bad);
		if (p->repo < 0 || (size_t)p->repo >= r->nr_repos)
			return jeos_fail(err, JEOS_EXIT_FAILED, "%s: error: cannot lock package %s:"
					 " it comes from no repository of the recipe", path, p->name);
		strbuf_addf(&sb, "pkg %s %s %s %s %s %s %" PRIu64 "\n", p->name, p->version,
			    p->arch, p->sha256, r->repos[p->repo].alias, p->filename, p->size);
	}
	return write_file(path, sb.buf, sb.len, err);
}

/* ---- reading ---- */

enum want { WANT_HEADER, WANT_REQUEST, WANT_REPOS, WANT_PKGS };

static const char *expected(enum want w, size_t nr_repos)
{
	switch (w) {
	case WANT_HEADER:
		return HEADER_FORM;
	case WANT_REQUEST:
		return REQUEST_FORM;
	case WANT_REPOS:
		return nr_repos ? REPO_FORM " or " PKG_FORM : REPO_FORM;
	default:
		return PKG_FORM;
	}
}

static int read_header(const struct lock *lk, const char *text, struct jeos_error *err)
{
	unsigned version;
	int used = 0;

	if (sscanf(text, "# jeos lock %u%n", &version, &used) != 1 ||
	    text[used + strspn(text + used, " \t\r")])
		return jeos_fail(err, JEOS_EXIT_USAGE, "%s:1: error: not a jeos lock file:"
				 " expected %s, got '%.200s'", lk->path,
				 expected(WANT_HEADER, 0), text);
	if (version != LOCK_FORMAT)
		return jeos_fail(err, JEOS_EXIT_USAGE, "%s:1: error: lock format %u, this jeos"
				 " reads format %d (`jeos lock --update RECIPE` rewrites it)",
				 lk->path, version, LOCK_FORMAT);
	return 0;
}

static int find_repo(const struct lock *lk, const char *alias)
{
	for (size_t i = 0; i < lk->nr_repos; i++)
		if (!strcmp(lk->repos[i].alias, alias))
			return (int)i;
	return -1;
}

static int check_sha256(const struct lock *lk, unsigned line, const char *s,
			const char *form, struct jeos_error *err)
{
	if (is_sha256(s))
		return 0;
	return jeos_fail(err, JEOS_EXIT_USAGE, "%s:%u: error: '%.200s' is not a SHA-256"
			 " (64 lowercase hex digits), expected %s", lk->path, line, s, form);
}

/* f: "repo" ALIAS DISTRIBUTION INRELEASE-SHA256 */
static int read_repo(struct lock *lk, char **f, unsigned line, struct jeos_error *err)
{
	struct lock_repo *r;
	int dup = find_repo(lk, f[1]);

	if (check_sha256(lk, line, f[3], REPO_FORM, err) < 0)
		return -1;
	if (dup >= 0)
		return jeos_fail(err, JEOS_EXIT_USAGE, "%s:%u: error: repository '%s' again"
				 " (first on line %u), expected each alias once", lk->path,
				 line, f[1], lk->repos[dup].line);
	lk->repos = xrealloc(lk->repos, (lk->nr_repos + 1) * sizeof(*lk->repos));
	r = &lk->repos[lk->nr_repos++];
	r->alias = xstrdup(f[1]);
	r->distribution = xstrdup(f[2]);
	memcpy(r->inrelease, f[3], sizeof(r->inrelease));
	r->line = line;
	return 0;
}

/* f: "pkg" NAME VERSION ARCH SHA256 ALIAS FILENAME SIZE */
static int read_pkg(struct lock *lk, char **f, unsigned line, struct jeos_error *err)
{
	struct pkg key = { .name = f[1], .arch = f[3] };
	int repo = find_repo(lk, f[5]);
	char *end;
	uint64_t size;
	struct pkg *p;

	if (check_sha256(lk, line, f[4], PKG_FORM, err) < 0)
		return -1;
	if (repo < 0)
		return jeos_fail(err, JEOS_EXIT_USAGE, "%s:%u: error: no 'repo' line declares"
				 " the alias '%s', expected one of the repositories above",
				 lk->path, line, f[5]);
	errno = 0;
	size = strtoull(f[7], &end, 10);
	if (!(f[7][0] >= '0' && f[7][0] <= '9') || *end || errno)
		return jeos_fail(err, JEOS_EXIT_USAGE, "%s:%u: error: '%.200s' is not a size"
				 " in bytes, expected %s", lk->path, line, f[7], PKG_FORM);
	/* The order is what lock_write makes: anything else is a hand edit
	 * that a rewrite would undo, and a duplicate is ambiguous. */
	if (lk->set.nr && pkg_order(&lk->set.pkgs[lk->set.nr - 1], &key) >= 0)
		return jeos_fail(err, JEOS_EXIT_USAGE, "%s:%u: error: %s (%s) after %s (%s)"
				 " on line %u: expected the packages sorted by name, then"
				 " architecture, each once", lk->path, line, f[1], f[3],
				 lk->set.pkgs[lk->set.nr - 1].name,
				 lk->set.pkgs[lk->set.nr - 1].arch, lk->lines[lk->set.nr - 1]);
	p = pkgset_add(&lk->set);
	p->name = xstrdup(f[1]);
	p->version = xstrdup(f[2]);
	p->arch = xstrdup(f[3]);
	p->sha256 = xstrdup(f[4]);
	p->repo = repo;
	p->filename = xstrdup(f[6]);
	p->size = size;
	lk->lines = xrealloc(lk->lines, lk->set.nr * sizeof(*lk->lines));
	lk->lines[lk->set.nr - 1] = line;
	return 0;
}

/* One line after the header that is neither blank nor a comment. */
static int read_record(struct lock *lk, const char *text, unsigned line, enum want *want,
		       struct jeos_error *err)
{
	CLEANUP_FREE char *copy = xstrdup(text);
	char *f[9], *save = NULL;
	size_t n = 0;

	for (char *t = strtok_r(copy, " \t\r", &save); t && n < 9;
	     t = strtok_r(NULL, " \t\r", &save))
		f[n++] = t;
	if (*want == WANT_REQUEST && n == 2 && !strcmp(f[0], "request")) {
		if (check_sha256(lk, line, f[1], REQUEST_FORM, err) < 0)
			return -1;
		memcpy(lk->request, f[1], sizeof(lk->request));
		*want = WANT_REPOS;
		return 0;
	}
	if (*want == WANT_REPOS && !lk->nr_repos && !lk->epoch && n == 2 &&
	    !strcmp(f[0], "epoch")) {
		char *end;
		errno = 0;
		lk->epoch = strtoll(f[1], &end, 10);
		if (!(f[1][0] >= '1' && f[1][0] <= '9') || *end || errno)
			return jeos_fail(err, JEOS_EXIT_USAGE, "%s:%u: error: '%.200s' is not a"
					 " time, expected %s", lk->path, line, f[1], EPOCH_FORM);
		return 0;
	}
	if (*want == WANT_REPOS && n == 4 && !strcmp(f[0], "repo"))
		return read_repo(lk, f, line, err);
	if ((*want == WANT_PKGS || (*want == WANT_REPOS && lk->nr_repos)) && n == 8 &&
	    !strcmp(f[0], "pkg")) {
		*want = WANT_PKGS;
		return read_pkg(lk, f, line, err);
	}
	return jeos_fail(err, JEOS_EXIT_USAGE, "%s:%u: error: expected %s, got '%.200s'",
			 lk->path, line, expected(*want, lk->nr_repos), text);
}

/* A line is text: a NUL would end it early (and hide what follows from a
 * reader that stops there), other control characters are no part of the
 * format. Tabs and a CR before the newline are white space. */
static int check_text(const struct lock *lk, const char *s, const char *end, unsigned line,
		      struct jeos_error *err)
{
	for (const char *c = s; c < end; c++) {
		unsigned char ch = (unsigned char)*c;
		if (ch >= ' ' && ch != 0x7f)
			continue;
		if (ch == '\t' || (ch == '\r' && c + 1 == end))
			continue;
		return jeos_fail(err, JEOS_EXIT_USAGE, "%s:%u: error: %s byte 0x%02x in column"
				 " %zu, expected plain text", lk->path, line,
				 ch ? "a control" : "a NUL", ch, (size_t)(c - s) + 1);
	}
	return 0;
}

int lock_read(const char *path, struct lock *out, struct jeos_error *err)
{
	CLEANUP_STRBUF struct strbuf text = STRBUF_INIT;
	enum want want = WANT_HEADER;
	unsigned line = 0;
	char *next;

	memset(out, 0, sizeof(*out));
	out->path = xstrdup(path);
	strbuf_addstr(&text, ""); /* NUL-terminated even if the file is empty */
	if (strbuf_read_file(&text, path) < 0)
		return jeos_fail(err, JEOS_EXIT_USAGE, "cannot read lock file %s: %s", path,
				 strerror(errno));
	for (char *p = text.buf, *end = text.buf + text.len; p < end; p = next) {
		char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *first;

		if (!eol)
			eol = end;
		next = eol < end ? eol + 1 : end;
		*eol = '\0';
		first = p + strspn(p, " \t\r");
		line++;
		if (check_text(out, p, eol, line, err) < 0)
			return -1;
		if (want == WANT_HEADER) {
			if (read_header(out, p, err) < 0)
				return -1;
			want = WANT_REQUEST;
		} else if (*first && *first != '#' && read_record(out, p, line, &want, err) < 0) {
			return -1;
		}
	}
	if (want != WANT_PKGS)
		return jeos_fail(err, JEOS_EXIT_USAGE, "%s:%u: error: the file ends here,"
				 " expected %s", path, line ? line : 1,
				 expected(want, out->nr_repos));
	return 0;
}

void lock_free(struct lock *lk)
{
	for (size_t i = 0; i < lk->nr_repos; i++) {
		free(lk->repos[i].alias);
		free(lk->repos[i].distribution);
	}
	free(lk->repos);
	free(lk->path);
	free(lk->lines);
	pkgset_free(&lk->set);
	memset(lk, 0, sizeof(*lk));
}

/* ---- resolving ---- */

/* The lock was made for what r asks now, from r's repositories. */
static int check_lock_matches(const struct recipe *r, const struct lock *lk,
			      struct jeos_error *err)
{
	char request[SHA256_HEX_LEN + 1];

	request_hash(r, request);
	if (strcmp(request, lk->request))
		return jeos_fail(err, JEOS_EXIT_USAGE, "%s: error: out of date: the packages"
				 " or repositories %s asks for (with the selected profiles)"
				 " changed since the lock was written; run `jeos lock --update"
				 " %s` to re-resolve", lk->path, r->path, r->path);
	/* The request hash covers aliases and distributions; these lines can
	 * only disagree after a hand edit. lock_read saw at least one. */
	for (size_t i = 0; i < lk->nr_repos || i < r->nr_repos; i++) {
		const struct lock_repo *l = i < lk->nr_repos ? &lk->repos[i] : NULL;
		const struct recipe_repo *rr = i < r->nr_repos ? &r->repos[i] : NULL;

		if (l && rr && !strcmp(l->alias, rr->alias) &&
		    !strcmp(l->distribution, rr->distribution))
			continue;
		if (!rr)
			return jeos_fail(err, JEOS_EXIT_USAGE, "%s:%u: error: repository %s is not"
					 " in %s; run `jeos lock --update %s`", lk->path, l->line,
					 l->alias, r->path, r->path);
		return jeos_fail(err, JEOS_EXIT_USAGE, "%s:%u: error: expected 'repo %s %s ...',"
				 " as %s:%u says; run `jeos lock --update %s`", lk->path,
				 l ? l->line : lk->repos[lk->nr_repos - 1].line, rr->alias,
				 rr->distribution, r->path, rr->line, r->path);
	}
	return 0;
}

/* What later stages read beyond the lock: the installed size and the
 * priority, spelt alike in an index paragraph and a .deb's control file. */
static void take_metadata(struct pkg *p, const struct deb822_para *para)
{
	const char *size = deb822_get(para, "Installed-Size");
	const char *essential = deb822_get(para, "Essential");
	const char *priority = deb822_get(para, "Priority");

	p->installed_size = size ? strtoull(size, NULL, 10) * 1024 : 0;
	p->essential = essential && !strcasecmp(essential, "yes");
	free(p->priority);
	p->priority = priority ? xstrdup(priority) : NULL;
}

/* Completes the packages of set (the locked ones, sorted as lock_read
 * checked) that the index at path, of repository repo, lists; found[i]
 * marks them. */
static int take_from_index(const struct lock *lk, const char *path, int repo,
			   struct pkgset *set, char *found, struct jeos_error *err)
{
	CLEANUP_STRBUF struct strbuf text = STRBUF_INIT;
	struct deb822_para para = { 0 };
	struct deb822_reader rd;
	int rc;

	strbuf_addstr(&text, ""); /* NUL-terminated even if the file is empty */
	if (strbuf_read_file(&text, path) < 0)
		return jeos_fail(err, JEOS_EXIT_FAILED, "reading %s: %s", path, strerror(errno));
	deb822_reader_init(&rd, text.buf, text.len, path);
	while ((rc = deb822_next(&rd, &para, err)) > 0) {
		const char *version = deb822_get(&para, "Version");
		const char *sha256 = deb822_get(&para, "SHA256");
		const char *filename = deb822_get(&para, "Filename");
		const char *arch = deb822_get(&para, "Architecture");
		struct pkg key = { .name = (char *)deb822_get(&para, "Package"),
				   .arch = (char *)(arch ? arch : "all") };
		struct pkg *p;

		if (!key.name || !version ||
		    !(p = bsearch(&key, set->pkgs, set->nr, sizeof(*p), pkg_order)) ||
		    p->repo != repo || strcmp(p->version, version) || found[p - set->pkgs])
			continue;
		if (!sha256 || strcmp(sha256, p->sha256)) {
			rc = jeos_fail(err, JEOS_EXIT_FAILED, "%s:%u: error: %s %s (%s): the lock"
				       " says SHA-256 %s, repository %s's index says %s (a tampered"
				       " lock entry, or the repository replaced the file: check,"
				       " then `jeos lock --update`)", lk->path,
				       lk->lines[p - set->pkgs], p->name, p->version, p->arch,
				       p->sha256, lk->repos[repo].alias, sha256 ? sha256 : "none");
			break;
		}
		take_metadata(p, &para);
		if (filename) { /* where the file is now; the hash says it is the same */
			free(p->filename);
			p->filename = xstrdup(filename);
		}
		found[p - set->pkgs] = 1;
	}
	deb822_para_clear(&para);
	return rc < 0 ? -1 : 0;
}

/* Completes p from the .deb at path, which must be the package locked. */
static int take_from_deb(const struct lock *lk, unsigned line, struct pkg *p,
			 const char *path, struct jeos_error *err)
{
	struct deb *d = NULL;
	const struct deb822_para *control;
	const char *name, *version, *arch;
	int ret = -1;

	if (deb_open(&d, path, err) < 0)
		return -1;
	control = deb_control(d);
	name = deb822_get(control, "Package");
	version = deb822_get(control, "Version");
	arch = deb822_get(control, "Architecture");
	if (!name || !version || !arch || strcmp(name, p->name) ||
	    strcmp(version, p->version) || strcmp(arch, p->arch)) {
		jeos_fail(err, JEOS_EXIT_FAILED, "%s:%u: error: %s %s (%s): the cached file with"
			  " the locked SHA-256 %s is %s %s (%s) (a tampered lock entry?)",
			  lk->path, line, p->name, p->version, p->arch, p->sha256,
			  name ? name : "?", version ? version : "?", arch ? arch : "?");
		goto out;
	}
	take_metadata(p, control);
	ret = 0;
out:
	deb_close(d);
	return ret;
}

/* The packages no index listed come from the cache, or fail all at once
 * (naming the first few: after a point release it may be dozens, and the
 * way out must not be cut off). */
static int take_from_cache(const struct recipe *r, const struct lock *lk, struct fetcher *f,
			   struct pkgset *set, const char *found, struct jeos_error *err)
{
	enum { SHOWN = 10 };
	CLEANUP_STRBUF struct strbuf missing = STRBUF_INIT;
	size_t nr_missing = 0;

	for (size_t i = 0; i < set->nr; i++) {
		struct pkg *p = &set->pkgs[i];
		const char *alias = lk->repos[p->repo].alias;
		CLEANUP_FREE char *path = NULL;
		int hit;

		if (found[i])
			continue;
		hit = fetch_cache_lookup(f, p->sha256, p->size, &path, err);
		if (hit < 0)
			return -1;
		if (!hit) {
			if (nr_missing++ < SHOWN)
				strbuf_addf(&missing, "%s:%u: error: %s %s (%s) is no longer in"
					    " repository %s, nor in the cache %s\n", lk->path,
					    lk->lines[i], p->name, p->version, p->arch, alias,
					    fetcher_cache_dir(f));
			continue;
		}
		if (take_from_deb(lk, lk->lines[i], p, path, err) < 0)
			return -1;
		free(p->path); /* the .deb describes p for solve_check_set */
		p->path = path;
		path = NULL;
		log_info("%s %s: no longer in repository %s, taken from the cache", p->name,
			 p->version, alias);
	}
	if (nr_missing > SHOWN)
		strbuf_addf(&missing, "%s: error: and %zu more packages\n", lk->path,
			    nr_missing - SHOWN);
	if (nr_missing)
		return jeos_fail(err, JEOS_EXIT_FAILED, "%srun `jeos lock --update %s` to lock"
				 " what the repositories have now", missing.buf, r->path);
	return 0;
}

/* The locked set, completed, is what the recipe asks for and closed under
 * Depends: a lock whose lines were deleted must not build an image
 * without them. */
static int check_closed(const struct recipe *r, const struct lock *lk,
			const struct repo_index *idx, size_t nr_idx, const struct pkgset *set,
			struct jeos_error *err)
{
	CLEANUP_FREE struct solve_index *sidx = resolve_solve_indexes(r, idx, nr_idx);
	const struct solve_input in = {
		.arch = JEOS_ARCH, .indexes = sidx, .nr_indexes = nr_idx,
		.recipe = r, .recommends = r->recommends,
	};
	CLEANUP_FREE char *msg = NULL;

	if (solve_check_set(&in, set, lk->path, err) == 0)
		return 0;
	msg = xstrdup(err->msg);
	return jeos_fail(err, err->code, "%s\n%s: error: not the whole package set; run"
			 " `jeos lock --update %s` to re-resolve", msg, lk->path, r->path);
}

int resolve_locked(const struct recipe *r, const struct lock *lk, struct fetcher *f,
		   int download, struct resolved *out, struct jeos_error *err)
{
	struct repo_index *idx = NULL;
	size_t nr_idx = 0;
	CLEANUP_FREE char *found = xcalloc(lk->set.nr + 1, 1);
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (check_lock_matches(r, lk, err) < 0 ||
	    resolve_load_repos(r, f, out, &idx, &nr_idx, err) < 0)
		goto out;
	for (size_t i = 0; i < r->nr_repos; i++)
		if (strcmp(out->inrelease[i], lk->repos[i].inrelease))
			log_warn("repository %s: its InRelease changed since %s was written"
				 " (a newer snapshot); taking the locked packages all the same",
				 r->repos[i].alias, lk->path);
	out->epoch = lk->epoch; /* the locked set's time, not today's index's */
	for (size_t i = 0; i < lk->set.nr; i++)
		pkgset_add_copy(&out->set, &lk->set.pkgs[i]);
	for (size_t i = 0; i < nr_idx; i++)
		if (take_from_index(lk, idx[i].packages_path, idx[i].repo, &out->set, found,
				    err) < 0)
			goto out;
	if (take_from_cache(r, lk, f, &out->set, found, err) < 0 ||
	    check_closed(r, lk, idx, nr_idx, &out->set, err) < 0 ||
	    (download && resolve_fetch(r, f, out, err) < 0))
		goto out;
	rc = 0;
out:
	progress_done();
	repo_index_free(idx, nr_idx);
	if (rc < 0)
		resolved_free(out);
	return rc;
}

int resolve_with_lock(const struct recipe *r, const char *lock_path, enum lock_mode mode,
		      struct fetcher *f, int download, struct resolved *out, int *wrote,
		      struct jeos_error *err)
{
	struct lock lk;
	int rc;

	if (wrote)
		*wrote = 0;
	if (mode == LOCK_UPDATE ||
	    (mode == LOCK_USE && access(lock_path, F_OK) < 0 && errno == ENOENT)) {
		if (resolve_recipe(r, f, download, out, err) < 0)
			return -1;
		if (lock_write(lock_path, r, out, err) < 0) {
			resolved_free(out);
			return -1;
		}
		log_info("wrote %s (%zu packages)", lock_path, out->set.nr);
		if (wrote)
			*wrote = 1;
		return 0;
	}
	rc = lock_read(lock_path, &lk, err);
	if (rc == 0)
		rc = resolve_locked(r, &lk, f, download, out, err);
	if (rc == 0)
		log_info("took the %zu packages locked in %s", out->set.nr, lock_path);
	lock_free(&lk);
	return rc;
}
