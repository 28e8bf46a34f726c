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

int pkg_order(const void *a, const void *b)
{
	const struct pkg *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->arch ? x->arch : "", y->arch ? y->arch : "");
}

void pkgset_sort(struct pkgset *set)
{
	if (set->nr)
		qsort(set->pkgs, set->nr, sizeof(set->pkgs[0]), pkg_order);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct pkg *pkgset_add_copy(struct pkgset *set, const struct pkg *p)
{
	struct pkg *c = pkgset_add(set);

	*c = *p;
	c->name = dup_or_null(p->name);
	c->version = dup_or_null(p->version);
	c->arch = dup_or_null(p->arch);
	c->filename = dup_or_null(p->filename);
	c->sha256 = dup_or_null(p->sha256);
	c->priority = dup_or_null(p->priority);
	c->path = dup_or_null(p->path);
	return c;
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
