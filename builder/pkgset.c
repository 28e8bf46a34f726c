/* pkgset.c - see pkgset.h. */
#include "pkgset.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

struct pkg *pkgset_add(struct pkgset *set)
{
	ALLOC_GROW(set->pkgs, set->nr + 1, set->alloc);
	memset(&set->pkgs[set->nr], 0, sizeof(set->pkgs[0]));
	return &set->pkgs[set->nr++];
}

static int pkg_cmp(const void *a, const void *b)
{
	const struct pkg *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->arch ? x->arch : "", y->arch ? y->arch : "");
}

void pkgset_sort(struct pkgset *set)
{
	if (set->nr)
		qsort(set->pkgs, set->nr, sizeof(set->pkgs[0]), pkg_cmp);
}

const struct pkg *pkgset_find(const struct pkgset *set, const char *name)
{
	for (size_t i = 0; i < set->nr; i++)
		if (!strcmp(set->pkgs[i].name, name))
			return &set->pkgs[i];
	return NULL;
}

void pkgset_free(struct pkgset *set)
{
	for (size_t i = 0; i < set->nr; i++) {
		struct pkg *p = &set->pkgs[i];
		free(p->name);
		free(p->version);
		free(p->arch);
		free(p->filename);
		free(p->sha256);
		free(p->priority);
		free(p->path);
	}
	free(set->pkgs);
	memset(set, 0, sizeof(*set));
}
