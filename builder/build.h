/* build.h - `jeos build`: the whole pipeline, from recipe to outputs.
 *
 *   the locked package set, or resolve and write the lock (lock.h)
 *   + fetch -> assemble the raw disk (assemble.h)
 *   -> convert to the recipe's formats -> NAME.packages, NAME.sha256
 *
 * Everything is made in a scratch directory inside OUTDIR and moved to
 * its final name only when the whole build succeeded; an interrupted
 * build (SIGINT, SIGTERM, SIGHUP) removes the scratch directory on its
 * way out, so no output ever stands half-written under a final name.
 */
#ifndef JEOS_BUILD_H
#define JEOS_BUILD_H

#include "recipe.h"
#include "util.h"

struct build_options {
	const char *out_dir;
	const char *cache_dir;     /* NULL: the default cache */
	const char *overlays_dir;  /* the project's overlays/ */
	unsigned formats;          /* enum format bits; 0: the recipe's */
	const char *lock_path;     /* NULL: lock_default_path(r) */
	const char *kernel_source; /* an unpacked kernel tree; NULL: the recipe's source package */
	int no_configured_cache;   /* configure afresh, whatever the cache holds */
	const char *final_dir;     /* where the outputs are said to be (the libvirt
				    * XML's disk path); NULL: out_dir */
	int unlisted;              /* do not print the outputs' paths */
};

int build_appliance(const struct recipe *r, const struct build_options *opts,
		    struct jeos_error *err);

/* build_appliance, then a second build of the same recipe and lock into a
 * scratch directory inside OUTDIR, configured afresh (not from the cache),
 * in another time zone, with another umask and the environment in reverse
 * order; every output's SHA-256 must match. A difference fails
 * (JEOS_EXIT_FAILED) naming the outputs that differ and, for disk images,
 * the files inside (virt-diff) or diffoscope's report when it is installed.
 * The second build's outputs are removed either way. */
int build_check_reproducible(const struct recipe *r, const struct build_options *opts,
			     struct jeos_error *err);

#endif
