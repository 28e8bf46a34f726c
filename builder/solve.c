/* solve.c - see solve.h.
 *
 * libsolv parses each index for the solver; deb822 parses it again for
 * what libsolv's Debian reader drops (Priority, Essential, Size). Each
 * chosen solvable is mapped back to its paragraph by (index, name,
 * version, architecture).
 */
#include "solve.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <solv/pool.h>
#include <solv/poolarch.h>
#include <solv/repo.h>
#include <solv/repo_deb.h>
#include <solv/solver.h>

#include "deb822.h"

/* Who asked for a job, for messages. */
struct origin {
	const char *why;  /* "minbase (...)", "the recipe's image packages" */
	unsigned line;    /* in the recipe; 0: none */
};

struct ctx {
	const struct solve_input *in;
	/* Every paragraph of every index; pkg->repo holds the position in
	 * in->indexes until collect() makes it in->indexes[].repo. */
	struct pkgset recs;
	Pool *pool;
	Queue jobs;          /* (how, what) pairs */
	struct origin *origins; /* one per job pair */
	size_t nr_origins, alloc_origins;
};

static void ctx_release(struct ctx *c)
{
	pkgset_free(&c->recs);
	free(c->origins);
	queue_free(&c->jobs);
	if (c->pool)
		pool_free(c->pool); /* frees the repos too */
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static uint64_t field_num(const struct deb822_para *p, const char *name)
{
	const char *v = deb822_get(p, name);
	return v ? strtoull(v, NULL, 10) : 0;
}

static void add_rec(struct ctx *c, const struct deb822_para *p, size_t index)
{
	const char *essential = deb822_get(p, "Essential");
	const char *arch = deb822_get(p, "Architecture");
	struct pkg *r = pkgset_add(&c->recs);

	r->name = xstrdup(deb822_get(p, "Package"));
	/* the defaults libsolv's reader applies, so that the keys match */
	r->version = xstrdup(deb822_get(p, "Version") ? deb822_get(p, "Version") : "");
	r->arch = xstrdup(arch ? arch : "all");
	r->filename = dup_or_null(deb822_get(p, "Filename"));
	r->sha256 = dup_or_null(deb822_get(p, "SHA256"));
	r->priority = dup_or_null(deb822_get(p, "Priority"));
	r->size = field_num(p, "Size");
	r->installed_size = field_num(p, "Installed-Size") * 1024;
	r->essential = essential && !strcasecmp(essential, "yes");
	r->repo = (int)index;
}

/* Parses index i twice: into records, and into a libsolv repo. */
static int load_index(struct ctx *c, size_t i, struct jeos_error *err)
{
	const struct solve_index *idx = &c->in->indexes[i];
	struct strbuf text = STRBUF_INIT;
	struct deb822_para para = { 0 };
	struct deb822_reader rd;
	FILE *fp = NULL;
	Repo *repo;
	int ret = -1, rc;

	if (strbuf_read_file(&text, idx->path) < 0) {
		jeos_fail(err, JEOS_EXIT_FAILED, "reading %s: %s", idx->path,
			  strerror(errno));
		goto out;
	}
	deb822_reader_init(&rd, text.buf, text.len, idx->path);
	while ((rc = deb822_next(&rd, &para, err)) > 0)
		if (deb822_get(&para, "Package")) /* libsolv drops the others too */
			add_rec(c, &para, i);
	if (rc < 0)
		goto out;

	repo = repo_create(c->pool, idx->path);
	repo->priority = idx->priority;
	repo->appdata = (void *)idx;
	if (text.len) { /* fmemopen() refuses an empty buffer */
		fp = fmemopen(text.buf, text.len, "r");
		if (!fp) {
			jeos_fail(err, JEOS_EXIT_FAILED, "reading %s: %s",
				  idx->path, strerror(errno));
			goto out;
		}
		repo_add_debpackages(repo, fp, 0);
	}
	ret = 0;
out:
	if (fp)
		fclose(fp);
	deb822_para_clear(&para);
	strbuf_release(&text);
	return ret;
}

static int rec_cmp(const void *a, const void *b)
{
	const struct pkg *x = a, *y = b;
	int d;

	if (x->repo != y->repo)
		return x->repo < y->repo ? -1 : 1;
	if ((d = strcmp(x->name, y->name)) || (d = strcmp(x->version, y->version)))
		return d;
	return strcmp(x->arch, y->arch);
}

static const struct pkg *find_rec(const struct ctx *c, Solvable *s)
{
	const struct solve_index *idx = s->repo->appdata;
	struct pkg key = {
		.name = (char *)pool_id2str(c->pool, s->name),
		.version = (char *)pool_id2str(c->pool, s->evr),
		.arch = (char *)pool_id2str(c->pool, s->arch),
		.repo = (int)(idx - c->in->indexes),
	};
	return bsearch(&key, c->recs.pkgs, c->recs.nr, sizeof(key), rec_cmp);
}

static void add_job(struct ctx *c, Id how, Id what, const char *why,
		    unsigned line)
{
	queue_push2(&c->jobs, how, what);
	ALLOC_GROW(c->origins, c->nr_origins + 1, c->alloc_origins);
	c->origins[c->nr_origins++] = (struct origin){ why, line };
}

#define MINBASE_WHY "minbase (Essential: yes, Priority: required, apt)"

/* mmdebstrap's minbase names into *names: Essential: yes, Priority:
 * required, and apt (when an index has it). */
static void minbase_names(const struct ctx *c, Queue *names)
{
	Id apt = pool_str2id(c->pool, "apt", 0);

	if (apt)
		queue_push(names, apt);
	for (size_t i = 0; i < c->recs.nr; i++) {
		const struct pkg *r = &c->recs.pkgs[i];
		Id name = pool_str2id(c->pool, r->name, 0);
		if (!name || (strcmp(r->arch, c->in->arch) && strcmp(r->arch, "all")))
			continue;
		if (r->essential || (r->priority && !strcmp(r->priority, "required")))
			queue_pushunique(names, name);
	}
}

static void add_minbase_jobs(struct ctx *c)
{
	Queue names;

	queue_init(&names);
	minbase_names(c, &names); /* add_jobs() reports a missing apt */
	for (int i = 0; i < names.count; i++)
		add_job(c, SOLVER_INSTALL | SOLVER_SOLVABLE_NAME, names.elements[i],
			MINBASE_WHY, 0);
	queue_free(&names);
}

/* Kiwi names architectures as uname -m does; the archive as Debian does. */
static const char *debian_arch(const char *a)
{
	static const char *const map[][2] = {
		{ "x86_64", "amd64" }, { "aarch64", "arm64" },
		{ "i586", "i386" }, { "i686", "i386" }, { "ix86", "i386" },
		{ "armv7hl", "armhf" }, { "armv7l", "armhf" },
		{ "armv5el", "armel" }, { "armv5tel", "armel" },
		{ "ppc64le", "ppc64el" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(a, map[i][0]))
			return map[i][1];
	return a;
}

static int arch_wanted(const char *list, const char *build_arch)
{
	CLEANUP_FREE char *copy = NULL;
	char *save = NULL;

	if (!list)
		return 1;
	copy = xstrdup(list);
	for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
		if (!strcmp(debian_arch(t), build_arch))
			return 1;
	return 0;
}

static size_t edit_distance(const char *a, const char *b, size_t *row)
{
	size_t lb = strlen(b);

	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; a[i - 1]; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* The installable package name closest to want, if close enough to be a
 * plausible typo; NULL otherwise. */
static const char *closest_name(Pool *pool, const char *want)
{
	size_t len = strlen(want), limit = len / 3 > 1 ? len / 3 : 1;
	size_t best = limit + 1;
	CLEANUP_FREE size_t *row = xcalloc(len + 1, sizeof(*row));
	const char *found = NULL;
	Id p;
	Solvable *s;

	FOR_POOL_SOLVABLES(p) {
		s = pool->solvables + p;
		if (!pool_installable(pool, s))
			continue;
		const char *name = pool_id2str(pool, s->name);
		size_t ln = strlen(name);
		if ((ln > len ? ln - len : len - ln) > limit)
			continue;
		size_t d = edit_distance(name, want, row);
		if (d < best || (d == best && found && strcmp(name, found) < 0)) {
			best = d;
			found = name;
		}
	}
	return found;
}

static void where(struct strbuf *sb, const struct ctx *c, unsigned line)
{
	if (c->in->recipe->path && line)
		strbuf_addf(sb, "%s:%u: ", c->in->recipe->path, line);
}

/* Queues the job for one requested name, or explains in msgs why not. */
static void add_request(struct ctx *c, const struct recipe_package *rp,
			const char *list, const char *why, struct strbuf *msgs)
{
	Pool *pool = c->pool;
	Id name = pool_str2id(pool, rp->name, 0), p, pp;
	Queue providers;
	const char *hint;

	queue_init(&providers);
	if (name) {
		FOR_PROVIDES(p, pp, name) {
			if (pool->solvables[p].name == name) {
				add_job(c, SOLVER_INSTALL | SOLVER_SOLVABLE_NAME, name,
					why, rp->line);
				goto out;
			}
			queue_pushunique(&providers, pool->solvables[p].name);
		}
	}
	if (providers.count == 1) {
		add_job(c, SOLVER_INSTALL | SOLVER_SOLVABLE_PROVIDES, name, why,
			rp->line);
		goto out;
	}
	where(msgs, c, rp->line);
	if (providers.count) {
		strbuf_addf(msgs, "error: '%s' in the %s packages is a virtual package provided by",
			    rp->name, list);
		for (int i = 0; i < providers.count; i++)
			strbuf_addf(msgs, "%s '%s'", i ? "," : "",
				    pool_id2str(pool, providers.elements[i]));
		strbuf_addstr(msgs, ": name one of them\n");
		goto out;
	}
	strbuf_addf(msgs, "error: unknown package '%s' in the %s packages", rp->name, list);
	hint = closest_name(pool, rp->name);
	if (hint)
		strbuf_addf(msgs, " (did you mean '%s'?)", hint);
	strbuf_addch(msgs, '\n');
out:
	queue_free(&providers);
}

/* Turns every request into a job; fails listing every bad name at once. */
static int add_jobs(struct ctx *c, struct jeos_error *err)
{
	static const enum pkg_list lists[] = { PKGS_BOOTSTRAP, PKGS_IMAGE };
	static const char *const whys[] = { "the recipe's bootstrap packages",
					    "the recipe's image packages" };
	const struct recipe *r = c->in->recipe;
	struct strbuf msgs = STRBUF_INIT;
	int ret = 0;

	if (r->minbase) {
		add_minbase_jobs(c);
		if (!pool_str2id(c->pool, "apt", 0))
			strbuf_addstr(&msgs, "error: unknown package 'apt' (the minbase bootstrap set needs it)\n");
	}
	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++)
		for (size_t i = 0; i < r->nr_packages[lists[l]]; i++) {
			const struct recipe_package *rp = &r->packages[lists[l]][i];
			if (arch_wanted(rp->arch, c->in->arch))
				add_request(c, rp, pkg_list_name(lists[l]), whys[l], &msgs);
		}
	if (msgs.len) {
		msgs.buf[--msgs.len] = '\0'; /* the last newline */
		ret = jeos_fail(err, JEOS_EXIT_FAILED, "%s", msgs.buf);
	}
	strbuf_release(&msgs);
	return ret;
}

/* A job rule as the request it stands for: libsolv would only say
 * "conflicting requests". */
static void describe_job(struct strbuf *sb, const struct ctx *c, Solver *solv,
			 Id rid)
{
	Id what, how = solver_rule2job(solv, rid, &what);
	int jidx = solver_rule2jobidx(solv, rid);
	const struct origin *o = &c->origins[jidx / 2];

	strbuf_addf(sb, "%s, requested by %s",
		    pool_job2str(c->pool, how, what, 0), o->why);
	if (c->in->recipe->path && o->line)
		strbuf_addf(sb, " (%s:%u)", c->in->recipe->path, o->line);
}

/* libsolv's own words for each problem and the rules behind it. */
static int fail_problems(const struct ctx *c, Solver *solv, struct jeos_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	Queue rules;
	Id problem = 0;
	int ret;

	queue_init(&rules);
	strbuf_addstr(&sb, "error: the package request cannot be satisfied:");
	while ((problem = solver_next_problem(solv, problem)) != 0) {
		/* copied: libsolv's strings live in a small ring of buffers */
		CLEANUP_FREE char *summary = xstrdup(solver_problem2str(solv, problem));
		strbuf_addf(&sb, "\n  %s", summary);
		solver_findallproblemrules(solv, problem, &rules);
		for (int i = 0; i < rules.count; i++) {
			Id source, target, dep, rid = rules.elements[i];
			SolverRuleinfo type = solver_ruleinfo(solv, rid, &source,
							      &target, &dep);
			const char *text = solver_problemruleinfo2str(
				solv, type, source, target, dep);
			if (solver_ruleclass(solv, rid) == SOLVER_RULE_JOB) {
				strbuf_addstr(&sb, "\n    - ");
				describe_job(&sb, c, solv, rid);
			} else if (strcmp(text, summary)) {
				strbuf_addf(&sb, "\n    - %s", text);
			}
		}
	}
	ret = jeos_fail(err, JEOS_EXIT_FAILED, "%s", sb.buf);
	queue_free(&rules);
	strbuf_release(&sb);
	return ret;
}

static int queue_has(const Queue *q, Id id)
{
	for (int i = 0; i < q->count; i++)
		if (q->elements[i] == id)
			return 1;
	return 0;
}

/* "a" of "a (>= 1)" or "a:any". */
static Id dep_name(Pool *pool, Id dep)
{
	while (ISRELDEP(dep))
		dep = GETRELDEP(pool, dep)->name;
	return dep;
}

/* apt meets a dependency with its first alternative that exists, real
 * packages of that name before mere providers of it; libsolv picks among
 * all candidates by name. If the solution meets dep otherwise, favor
 * apt's choice. Returns 1 when it added a favor job. */
static int favor_apt_choice(struct ctx *c, Solver *solv, Id dep, Queue *favored)
{
	Pool *pool = c->pool;
	Id alt = 0, rest = dep, p, pp;
	Queue want;
	int met = 0, added = 0;

	queue_init(&want);
	while (rest && !want.count) {
		alt = rest;
		rest = 0;
		if (ISRELDEP(alt) && GETRELDEP(pool, alt)->flags == REL_OR) {
			rest = GETRELDEP(pool, alt)->evr;
			alt = GETRELDEP(pool, alt)->name;
		}
		FOR_PROVIDES(p, pp, alt)
			if (pool->solvables[p].name == dep_name(pool, alt))
				queue_push(&want, p);
		if (!want.count && alt != dep) /* virtual, in an "a | b" */
			FOR_PROVIDES(p, pp, alt)
				queue_push(&want, p);
	}
	for (int i = 0; i < want.count; i++)
		met |= solver_get_decisionlevel(solv, want.elements[i]) > 0;
	if (want.count && !met && !queue_has(favored, alt)) {
		queue_push(favored, alt);
		add_job(c, SOLVER_FAVOR | SOLVER_SOLVABLE_ONE_OF,
			pool_queuetowhatprovides(pool, &want), "apt's choice", 0);
		added = 1;
	}
	queue_free(&want);
	return added;
}

static int favor_apt_choices(struct ctx *c, Solver *solv, Solvable *s,
			     Offset deps, Queue *favored)
{
	int added = 0;

	for (Id *dp = deps ? s->repo->idarraydata + deps : NULL; dp && *dp; dp++)
		if (*dp != SOLVABLE_PREREQMARKER)
			added += favor_apt_choice(c, solv, *dp, favored);
	return added;
}

/* Solves, then again with more favor jobs until the solution makes apt's
 * choices where it can. Favors only accumulate, so this ends. */
static int solve_jobs(struct ctx *c, Solver *solv, struct jeos_error *err)
{
	Queue favored, decisions;
	int added, ret = 0;

	queue_init(&favored);
	queue_init(&decisions);
	do {
		if (solver_solve(solv, &c->jobs)) {
			ret = fail_problems(c, solv, err);
			break;
		}
		solver_get_decisionqueue(solv, &decisions);
		added = 0;
		for (int i = 0; i < decisions.count; i++) {
			Id p = decisions.elements[i];
			Solvable *s = c->pool->solvables + p;
			if (p <= 0 || !s->repo)
				continue;
			added += favor_apt_choices(c, solv, s, s->requires, &favored);
			if (c->in->recommends)
				added += favor_apt_choices(c, solv, s, s->recommends,
							   &favored);
		}
	} while (added);
	queue_free(&decisions);
	queue_free(&favored);
	return ret;
}

static int collect(const struct ctx *c, Solver *solv, struct pkgset *out,
		   struct jeos_error *err)
{
	struct pkgset set = { 0 };
	Queue decisions;
	int ret = 0;

	queue_init(&decisions);
	solver_get_decisionqueue(solv, &decisions);
	for (int i = 0; i < decisions.count; i++) {
		Id p = decisions.elements[i];
		Solvable *s = c->pool->solvables + p;
		if (p <= 0 || !s->repo) /* removals, and the system solvable */
			continue;
		const struct pkg *r = find_rec(c, s);
		if (!r) {
			ret = jeos_fail(err, JEOS_EXIT_FAILED,
					"internal error: %s not found in %s",
					pool_solvable2str(c->pool, s), s->repo->name);
			break;
		}
		struct pkg *pkg = pkgset_add(&set);
		pkg->name = xstrdup(r->name);
		pkg->version = xstrdup(r->version);
		pkg->arch = xstrdup(r->arch);
		pkg->filename = dup_or_null(r->filename);
		pkg->sha256 = dup_or_null(r->sha256);
		pkg->priority = dup_or_null(r->priority);
		pkg->size = r->size;
		pkg->installed_size = r->installed_size;
		pkg->essential = r->essential;
		pkg->repo = c->in->indexes[r->repo].repo;
	}
	queue_free(&decisions);
	if (ret) {
		pkgset_free(&set);
	} else {
		pkgset_sort(&set);
		*out = set;
	}
	return ret;
}

/* The pool of every index of c->in, and their records sorted; the caller
 * adds what else it needs, then makes the pool's provides index. */
static int ctx_load(struct ctx *c, struct jeos_error *err)
{
	queue_init(&c->jobs);
	c->pool = pool_create();
	pool_setdisttype(c->pool, DISTTYPE_DEB);
	pool_setarch(c->pool, c->in->arch);
	for (size_t i = 0; i < c->in->nr_indexes; i++)
		if (load_index(c, i, err) < 0)
			return -1;
	if (c->recs.nr)
		qsort(c->recs.pkgs, c->recs.nr, sizeof(*c->recs.pkgs), rec_cmp);
	return 0;
}

static void ctx_index_provides(struct ctx *c)
{
	pool_addfileprovides(c->pool);
	pool_createwhatprovides(c->pool);
}

int solve(const struct solve_input *in, struct pkgset *out,
	  struct jeos_error *err)
{
	struct ctx c = { .in = in };
	Solver *solv = NULL;
	int ret = -1;

	if (ctx_load(&c, err) < 0)
		goto out;
	ctx_index_provides(&c);
	if (add_jobs(&c, err) < 0)
		goto out;

	solv = solver_create(c.pool);
	solver_set_flag(solv, SOLVER_FLAG_IGNORE_RECOMMENDED, !in->recommends);
	if (solve_jobs(&c, solv, err) < 0)
		goto out;
	ret = collect(&c, solv, out, err);
out:
	if (solv)
		solver_free(solv);
	ctx_release(&c);
	return ret;
}

/* ---- checking a set solved earlier ---- */

/* Solvable ids of set's packages (ids[i] for set->pkgs[i]): the index
 * paragraph of the package's repository with its name, version and
 * architecture, else its .deb (pkg->path) added to the pool. */
static int find_locked(struct ctx *c, const struct pkgset *set, Id *ids,
		       struct jeos_error *err)
{
	CLEANUP_FREE struct pkg *keys = xcalloc(set->nr + 1, sizeof(*keys));
	CLEANUP_FREE size_t *order = xcalloc(set->nr + 1, sizeof(*order));
	Pool *pool = c->pool; /* FOR_POOL_SOLVABLES's name for it */
	Repo *debs = NULL;
	Id p;

	/* keys sorted as rec_cmp wants; key i remembers its package in size */
	for (size_t i = 0; i < set->nr; i++) {
		keys[i] = set->pkgs[i];
		keys[i].size = i;
	}
	qsort(keys, set->nr, sizeof(*keys), rec_cmp);
	for (size_t i = 0; i < set->nr; i++)
		order[i] = (size_t)keys[i].size;
	FOR_POOL_SOLVABLES(p) {
		Solvable *s = pool->solvables + p;
		const struct solve_index *idx = s->repo->appdata;
		struct pkg key = {
			.name = (char *)pool_id2str(pool, s->name),
			.version = (char *)pool_id2str(pool, s->evr),
			.arch = (char *)pool_id2str(pool, s->arch),
			.repo = idx->repo,
		};
		struct pkg *k = bsearch(&key, keys, set->nr, sizeof(key), rec_cmp);
		if (k && !ids[order[k - keys]])
			ids[order[k - keys]] = p;
	}
	for (size_t i = 0; i < set->nr; i++) {
		const struct pkg *pk = &set->pkgs[i];
		if (ids[i])
			continue;
		if (!debs)
			debs = repo_create(pool, "cache");
		if (!pk->path || !(ids[i] = repo_add_deb(debs, pk->path, 0)))
			return jeos_fail(err, JEOS_EXIT_FAILED, "%s %s (%s): neither an index"
					 " nor a readable .deb describes it", pk->name,
					 pk->version, pk->arch);
	}
	return 0;
}

/* Is some package of locked named, or providing, dep (a version, "a | b")? */
static int locked_provides(Pool *pool, const Map *locked, Id dep)
{
	Id p, pp;

	FOR_PROVIDES(p, pp, dep)
		if (MAPTST(locked, p))
			return 1;
	return 0;
}

/* Every name requested (the recipe's packages, minbase's) into msgs when
 * no locked package has or provides it. */
static void check_requests(const struct ctx *c, const Map *locked, const char *set_name,
			   struct strbuf *msgs, size_t *nr)
{
	static const enum pkg_list lists[] = { PKGS_BOOTSTRAP, PKGS_IMAGE };
	const struct recipe *r = c->in->recipe;
	Queue names;

	queue_init(&names);
	if (r->minbase)
		minbase_names(c, &names);
	for (int i = 0; i < names.count; i++)
		if (!locked_provides(c->pool, locked, names.elements[i]) && (*nr)++ < 10)
			strbuf_addf(msgs, "%s: error: '%s', which %s asks for, is not in it\n",
				    set_name, pool_id2str(c->pool, names.elements[i]),
				    MINBASE_WHY);
	queue_free(&names);
	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++)
		for (size_t i = 0; i < r->nr_packages[lists[l]]; i++) {
			const struct recipe_package *rp = &r->packages[lists[l]][i];
			Id name = pool_str2id(c->pool, rp->name, 0);
			if (!arch_wanted(rp->arch, c->in->arch) ||
			    (name && locked_provides(c->pool, locked, name)) || (*nr)++ >= 10)
				continue;
			strbuf_addf(msgs, "%s: error: '%s', which the recipe's %s packages ask"
				    " for (%s:%u), is not in it\n", set_name, rp->name,
				    pkg_list_name(lists[l]), r->path, rp->line);
		}
}

/* Every Pre-Depends and Depends of a locked package that no locked package
 * meets, into msgs. */
static void check_depends(const struct ctx *c, const struct pkgset *set, const Id *ids,
			  const Map *locked, const char *set_name, struct strbuf *msgs,
			  size_t *nr)
{
	for (size_t i = 0; i < set->nr; i++) {
		Solvable *s = c->pool->solvables + ids[i];
		for (Id *dp = s->requires ? s->repo->idarraydata + s->requires : NULL;
		     dp && *dp; dp++) {
			if (*dp == SOLVABLE_PREREQMARKER ||
			    locked_provides(c->pool, locked, *dp) || (*nr)++ >= 10)
				continue;
			strbuf_addf(msgs, "%s: error: %s %s (%s) depends on '%s', which"
				    " nothing in it provides\n", set_name, set->pkgs[i].name,
				    set->pkgs[i].version, set->pkgs[i].arch,
				    pool_dep2str(c->pool, *dp));
		}
	}
}

int solve_check_set(const struct solve_input *in, const struct pkgset *set,
		    const char *set_name, struct jeos_error *err)
{
	struct ctx c = { .in = in };
	CLEANUP_FREE Id *ids = xcalloc(set->nr + 1, sizeof(*ids));
	CLEANUP_STRBUF struct strbuf msgs = STRBUF_INIT;
	size_t nr = 0;
	Map locked;
	int ret = -1;

	map_init(&locked, 0);
	if (ctx_load(&c, err) < 0 || find_locked(&c, set, ids, err) < 0)
		goto out;
	ctx_index_provides(&c);
	map_grow(&locked, c.pool->nsolvables);
	for (size_t i = 0; i < set->nr; i++)
		MAPSET(&locked, ids[i]);
	check_requests(&c, &locked, set_name, &msgs, &nr);
	check_depends(&c, set, ids, &locked, set_name, &msgs, &nr);
	if (nr > 10)
		strbuf_addf(&msgs, "%s: error: and %zu more\n", set_name, nr - 10);
	if (nr) {
		msgs.buf[--msgs.len] = '\0'; /* the last newline */
		jeos_fail(err, JEOS_EXIT_FAILED, "%s", msgs.buf);
		goto out;
	}
	ret = 0;
out:
	map_free(&locked);
	ctx_release(&c);
	return ret;
}
