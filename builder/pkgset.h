/* pkgset.h - a set of resolved binary packages: what the solver decides,
 * the fetcher downloads and the assembler installs. */
#ifndef JEOS_PKGSET_H
#define JEOS_PKGSET_H

#include <stddef.h>
#include <stdint.h>

struct pkg {
	char *name, *version, *arch;
	char *filename;          /* below the repository base URI ("pool/...") */
	char *sha256;            /* from the verified Packages index */
	uint64_t size;           /* of the .deb */
	uint64_t installed_size; /* bytes (Installed-Size is KiB) */
	int essential;
	char *priority;
	int repo;                /* index into recipe->repos */
	char *path;              /* the verified .deb in the cache, once fetched */
};

struct pkgset {
	struct pkg *pkgs;
	size_t nr, alloc;
};

/* Appends a zeroed package and returns it; strings are owned by the set. */
struct pkg *pkgset_add(struct pkgset *set);
/* Appends a deep copy of p (which must not point into set). */
struct pkg *pkgset_add_copy(struct pkgset *set, const struct pkg *p);
void pkgset_sort(struct pkgset *set); /* by name, then arch */
/* pkgset_sort's order (byte-wise, whatever the locale), for qsort and
 * bsearch over struct pkg arrays. */
int pkg_order(const void *a, const void *b);
const struct pkg *pkgset_find(const struct pkgset *set, const char *name);
void pkgset_free(struct pkgset *set);

#endif
