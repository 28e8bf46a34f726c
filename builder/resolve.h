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
	size_t nr_repos;
	/* with download: packages transferred, found in the cache, bytes */
	size_t downloaded, cached;
	uint64_t bytes;
};

/* Resolves r's install set; with download, also fetches every package
 * (pkg->path set). */
int resolve_recipe(const struct recipe *r, struct fetcher *f, int download,
		   struct resolved *out, struct jeos_error *err);
void resolved_free(struct resolved *res);

/* "12 packages, 3.4 MiB download, 15.0 MiB installed" */
void resolved_print(const struct resolved *res, FILE *out);

#endif
