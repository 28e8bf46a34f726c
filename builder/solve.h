/* solve.h - dependency solving with libsolv: which .debs make up the image.
 *
 * The install set is what `mmdebstrap --variant=minbase` installs (every
 * package that is Essential: yes or Priority: required, plus apt), plus the
 * recipe's bootstrap and image packages, closed over Pre-Depends and
 * Depends (and Recommends when asked), honouring Provides, versions,
 * Conflicts and Breaks. Where there is a choice it is apt's: the first
 * alternative of "a | b" that can be installed, a real package before
 * other packages that Provide its name.
 *
 * When several candidates exist, the index with the higher priority wins
 * (like an apt Pin-Priority, even over a higher version elsewhere); among
 * equal priorities the higher version wins, then the earlier index.
 */
#ifndef JEOS_SOLVE_H
#define JEOS_SOLVE_H

#include <stddef.h>
#include "pkgset.h"
#include "recipe.h"
#include "util.h"

/* One Packages index, uncompressed and already verified. */
struct solve_index {
	const char *path;
	int repo;     /* copied to pkg->repo: index into recipe->repos */
	int priority; /* higher wins, see above */
};

struct solve_input {
	const char *arch;                  /* Debian build architecture: "amd64" */
	const struct solve_index *indexes;
	size_t nr_indexes;
	/* Reads packages[PKGS_BOOTSTRAP] and packages[PKGS_IMAGE], and path
	 * for messages. A package whose arch list (Kiwi: "x86_64,aarch64";
	 * Debian names work too) leaves out the build architecture is skipped.
	 * A purely virtual name is accepted when one package provides it. */
	const struct recipe *recipe;
	int recommends;                    /* install Recommends too */
};

/* Sets *out, which must be empty, to the install set sorted by name; out
 * is left alone on failure. An unknown package (with the closest known
 * name as a hint) or an unsatisfiable request (in libsolv's words) fails
 * with JEOS_EXIT_FAILED: the recipe is valid, the repositories cannot
 * serve it. */
int solve(const struct solve_input *in, struct pkgset *out,
	  struct jeos_error *err);

/* Checks that set, solved earlier (a lock), is still a whole install set
 * for in: every package requested (the recipe's bootstrap and image
 * packages, and with minbase apt and every Essential: yes or Priority:
 * required package of the indexes) is in it by name or Provides, and every
 * Pre-Depends and Depends of its packages is met within it. A package is
 * described by its repository's index paragraph with its name, version and
 * architecture, else by its .deb at pkg->path. Fails (JEOS_EXIT_FAILED)
 * with a "SET_NAME: error: ..." line for each of the first ten gaps,
 * naming the missing package. */
int solve_check_set(const struct solve_input *in, const struct pkgset *set,
		    const char *set_name, struct jeos_error *err);

#endif
