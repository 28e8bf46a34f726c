/* resolve.h - from a recipe to its exact, verified package set: load each
 * repository's signed indexes (repo.c), solve (solve.c) and, when asked,
 * fetch and verify every .deb (fetch.c). */
#ifndef JEOS_RESOLVE_H
#define JEOS_RESOLVE_H

#include "fetch.h"
#include "hash.h"
#include "pkgset.h"
#include "recipe.h"
#include "util.h"

#define JEOS_ARCH "amd64"

struct resolved {
	struct pkgset set;
	/* SHA-256 of each repository's InRelease, in recipe order */
	char (*inrelease)[SHA256_HEX_LEN + 1];
	struct repo_info *info; /* each repository's Release, in recipe order */
	size_t nr_repos;
	/* SOURCE_DATE_EPOCH the set implies: the newest InRelease Date (or
	 * the lock's "epoch"); 0 if unknown */
	int64_t epoch;
	/* with download: packages transferred, found in the cache, bytes */
	size_t downloaded, cached;
	uint64_t bytes;
};

/* Resolves r's install set; with download, also fetches every package
 * (pkg->path set). */
int resolve_recipe(const struct recipe *r, struct fetcher *f, int download,
		   struct resolved *out, struct jeos_error *err);
void resolved_free(struct resolved *res);

/* resolve_recipe's steps, for lock.c's resolve_locked, which takes a
 * locked set instead of solving. resolve_load_repos sets out afresh (the
 * InRelease hashes; free with resolved_free, even on failure) and appends
 * every repository's verified indexes to *idx (free with
 * repo_index_free). resolve_fetch brings out->set into the cache (pkg->path)
 * and counts what it transferred. */
struct repo_index;
struct solve_index;
struct repo_info;
int resolve_load_repos(const struct recipe *r, struct fetcher *f, struct resolved *out,
		       struct repo_index **idx, size_t *nr_idx, struct jeos_error *err);
int resolve_fetch(const struct recipe *r, struct fetcher *f, struct resolved *out,
		  struct jeos_error *err);
/* The solver's view of the nr_idx indexes idx: each with its repository's
 * priority (caller frees; the paths stay idx's). */
struct solve_index *resolve_solve_indexes(const struct recipe *r, const struct repo_index *idx,
					  size_t nr_idx);

/* A "name version arch" line per package, then the summary line. */
void resolved_print(const struct resolved *res, FILE *out);
/* "12 packages, 3.4 MiB download, 15.0 MiB installed" */
void resolved_print_summary(const struct resolved *res, FILE *out);

#endif
