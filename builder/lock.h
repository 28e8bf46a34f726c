/* lock.h - the lock file: a recipe's resolved package set, pinned.
 *
 * `jeos build` writes NAME.lock beside the recipe on its first build and
 * from then on installs exactly that set, whatever newer versions the
 * repositories gain; `jeos lock --update` re-resolves. The file is plain
 * text, one record a line, in a fixed order and with nothing time- or
 * host-dependent in it, so that it can be committed and diffed:
 *
 *   # jeos lock 1
 *   # `jeos lock --update RECIPE` re-resolves; jeos build installs exactly this
 *   request 5f0c...
 *   epoch 1718306458
 *   repo debian bookworm 9a1e...
 *   repo security bookworm-security 77c2...
 *   pkg apt 2.6.1 amd64 4b1d... debian pool/main/a/apt/apt_2.6.1_amd64.deb 1394528
 *   pkg libc6 2.36-9+deb12u4 amd64 c1f0... security pool/updates/main/g/glibc/libc6_2.36-9+deb12u4_amd64.deb 2755000
 *
 * - The first line names the format version.
 * - "request SHA256" hashes what the recipe asks for, after profiles: the
 *   bootstrap and image packages (sorted), recommends, the architecture and
 *   each repository's alias, distribution, components, architectures and
 *   priority. A lock made for other requests (an edited recipe, another
 *   --profile) is refused rather than silently used. Repository sources
 *   are left out on purpose: pointing a repository at another mirror (say
 *   a snapshot mirror that still has the locked versions) keeps the lock
 *   valid, since every package is pinned by its hash.
 * - "epoch SECONDS": the newest InRelease Date of the repositories the set
 *   was resolved from. A build with this lock clamps its timestamps to it
 *   (SOURCE_DATE_EPOCH, unless the environment sets one), so the same lock
 *   gives the same image at any time. Optional when reading (older locks).
 * - "repo ALIAS DISTRIBUTION INRELEASE-SHA256", one per repository in the
 *   recipe's order: the InRelease the set was resolved from.
 * - "pkg NAME VERSION ARCH SHA256 ALIAS FILENAME SIZE", sorted by name,
 *   then architecture (byte-wise): all that fetching by hash needs, the
 *   FILENAME being relative to the repository's URI.
 * Blank lines and other "#" lines are ignored.
 */
#ifndef JEOS_LOCK_H
#define JEOS_LOCK_H

#include "fetch.h"
#include "hash.h"
#include "pkgset.h"
#include "recipe.h"
#include "resolve.h"
#include "util.h"

#define LOCK_FORMAT 1

struct lock_repo {
	char *alias, *distribution;
	char inrelease[SHA256_HEX_LEN + 1];
	unsigned line;
};

struct lock {
	char *path;                       /* for messages */
	char request[SHA256_HEX_LEN + 1];
	int64_t epoch;                    /* 0: no "epoch" line */
	struct lock_repo *repos;          /* in file order */
	size_t nr_repos;
	/* In file order, which lock_read checks is pkgset_sort's. name,
	 * version, arch, sha256, filename and size are set; repo indexes
	 * repos[]. */
	struct pkgset set;
	unsigned *lines;                  /* lines[i]: where set.pkgs[i] is */
};

/* DIR/NAME.lock for the recipe NAME in DIR, DIR/NAME.P1+P2.lock with the
 * profiles P1 and P2 selected (caller frees). */
char *lock_default_path(const struct recipe *r);

/* Writes res, as resolve_recipe made it for r, to path (atomically). A
 * field that would not survive the format (white space, a missing
 * SHA256) fails, naming the package. */
int lock_write(const char *path, const struct recipe *r, const struct resolved *res,
	       struct jeos_error *err);

/* Parses path into *out (free with lock_free, also after a failure).
 * Errors read "path:line: error: ..., expected ..." (JEOS_EXIT_USAGE); a
 * NUL or another control byte (but tab, and CR before the newline) is one. */
int lock_read(const char *path, struct lock *out, struct jeos_error *err);
void lock_free(struct lock *lk);

/* What resolve_recipe gives, without solving: the locked packages,
 * exactly, which must still be a whole set (solve_check_set): the
 * recipe's packages and minbase's in it, every Depends and Pre-Depends
 * met within it, or it fails (JEOS_EXIT_FAILED) naming what is missing.
 * The repositories' signed indexes are loaded as usual and each package
 * looked up in its repository's by name, version and architecture;
 * a package the index no longer lists is taken from the cache (by its
 * hash; the .deb's control file gives the rest). The lock must match r
 * ("request" and the repositories). An InRelease other than the locked
 * one is only a warning: the mirror moved on, the packages are pinned.
 * Fails (JEOS_EXIT_FAILED) when an index lists the package with another
 * SHA-256 than the lock's (a tampered lock, or a replaced file), or when
 * neither the index nor the cache has it, suggesting `jeos lock --update`. */
int resolve_locked(const struct recipe *r, const struct lock *lk, struct fetcher *f,
		   int download, struct resolved *out, struct jeos_error *err);

enum lock_mode {
	LOCK_USE,     /* the lock if it exists, else resolve and write it */
	LOCK_UPDATE,  /* resolve afresh and (re)write the lock */
	LOCK_REQUIRE, /* the lock, which must exist; never written */
};

/* resolve_recipe or resolve_locked, and lock_write, as mode says; *wrote
 * (if not NULL) tells whether the lock was written. */
int resolve_with_lock(const struct recipe *r, const char *lock_path, enum lock_mode mode,
		      struct fetcher *f, int download, struct resolved *out, int *wrote,
		      struct jeos_error *err);

#endif
