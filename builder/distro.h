/* distro.h - what jeos knows of each Debian release, as data: one table
 * (distro.c), so a new release is a line there, not code elsewhere.
 *
 * A recipe's release is the one its first repository's distribution
 * belongs to ("trixie-security" belongs to trixie). It gives the defaults
 * that differ between releases: the kernel source a built kernel comes
 * from. What a release lays out differently on disk (merged-/usr links in
 * base-files, ...) is taken from its packages, not from here.
 */
#ifndef JEOS_DISTRO_H
#define JEOS_DISTRO_H

#include "pkgset.h"
#include "recipe.h"
#include "repo.h"

struct distro_release {
	const char *codename;      /* "trixie" */
	const char *version;       /* "13" */
	const char *kernel_source; /* default <jeos:kernel source>; NULL: none known */
	int tested;                /* built and booted by jeos's test suite; else best effort */
};

/* The release suite belongs to ("bookworm", "trixie-updates",
 * "trixie-security"); NULL when jeos does not know it. */
const struct distro_release *distro_release_of(const char *suite);

/* r's release (its first repository's), NULL if unknown or no repository. */
const struct distro_release *distro_recipe_release(const struct recipe *r);

/* "Debian 13 (trixie)", "Debian 14 (forky), best effort", or for a
 * distribution jeos does not know, "SUITE, unknown to jeos". With first
 * (the first repository's Release, once resolved; may be NULL), its
 * Origin and Version: "Debian 13.8 (trixie)". */
char *distro_describe(const struct recipe *r, const struct repo_info *first);

/* Once the recipe is resolved (its NAME.lock beside it, and in cache_dir,
 * NULL for the default, the InRelease that lock names): *text gets
 * distro_describe() of that Release. 1 when there is no lock or no such
 * file in the cache. */
int distro_locked_release(const struct recipe *r, const char *cache_dir, char **text,
			  struct jeos_error *err);

/* NAME...release, what a user reads to know what an image holds:
 *   RELEASE="Debian 13 (trixie)"
 *   DEBIAN_VERSION=13.8     the image's /etc/debian_version (base-files;
 *                           the line is absent when the set has none)
 *   SUITES="trixie trixie-updates trixie-security"
 * Only the recipe and the package set decide it, so a locked build
 * writes the same file whatever the mirror publishes meanwhile. */
int distro_release_file(const struct recipe *r, const struct pkgset *set, char **text,
			struct jeos_error *err);

#endif
