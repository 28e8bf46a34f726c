/* repo.h - a repository's signed metadata: InRelease (or Release +
 * Release.gpg) checked with gpgv, then the Packages indexes it lists,
 * checked against its SHA256 table and unpacked into the cache.
 *
 * Only what gpgv reports as signed is ever parsed. Signing keys may be
 * binary keyrings or ASCII-armored keys (made binary with gpg --dearmor).
 * An expired Valid-Until is only a warning: snapshot mirrors serve old,
 * still correctly signed metadata that builds must be able to pin.
 */
#ifndef JEOS_REPO_H
#define JEOS_REPO_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "fetch.h"
#include "hash.h"
#include "recipe.h"
#include "util.h"

#define DEBIAN_ARCHIVE_KEYRING "/usr/share/keyrings/debian-archive-keyring.gpg"

/* The parts of a Release file jeos uses. */
struct release_file {
	char *name;                      /* e.g. "main/binary-amd64/Packages.xz" */
	char sha256[SHA256_HEX_LEN + 1];
	uint64_t size;
};

struct release {
	char *suite, *codename;          /* NULL if absent */
	char *origin, *version;          /* "Debian", "13.8"; NULL if absent */
	time_t date;                     /* when it was published (Date) */
	time_t valid_until;              /* 0 if absent */
	struct release_file *files;      /* the SHA256 table */
	size_t nr, alloc;
};

/* source names the text in messages ("file:line: error: ..."). */
int release_parse(struct release *rel, const char *text, size_t len,
		  const char *source, struct jeos_error *err);
const struct release_file *release_find(const struct release *rel,
					const char *name);
void release_free(struct release *rel);

/* What a repository's Release says of itself, for the user and the epoch. */
struct repo_info {
	time_t date;                     /* Date; 0 if absent */
	char *origin, *version, *codename; /* NULL if absent */
};
void repo_info_free(struct repo_info *info);

/* The repo_info of the InRelease (or Release) repo_load kept in the cache
 * under inrelease_sha256, as a lock names it; 1 if the cache holds no such
 * file. Its signature was checked when it was fetched; the hash is checked
 * again here. */
int repo_cached_info(const struct fetcher *f, const char *inrelease_sha256,
		     struct repo_info *info, struct jeos_error *err);

/* One verified, uncompressed Packages file. */
struct repo_index {
	int repo;             /* index into recipe->repos */
	char *component;
	char *arch;
	char *packages_path;  /* CACHE/by-sha256/<SHA-256 of the text> */
};

/* Loads the Packages indexes of every component of repo, for each of
 * repo->architectures (comma or space separated) or else for arch. The
 * results are appended to *out (*n entries; free with repo_index_free).
 * inrelease_sha256 receives the SHA-256 of the signed InRelease file as
 * fetched (of Release when the repository has no InRelease); a copy of that
 * file is kept in the cache under it. *info receives its Date, Origin,
 * Version and Codename (free with repo_info_free).
 * A repository that is unsigned or not signed by repo->signing_key (default
 * DEBIAN_ARCHIVE_KEYRING) is refused, unless repo->gpgcheck is 0: then it is
 * used with a warning. */
int repo_load(struct fetcher *f, const struct recipe_repo *repo, int repo_idx,
	      const char *arch, struct repo_index **out, size_t *n,
	      char inrelease_sha256[SHA256_HEX_LEN + 1], struct repo_info *info,
	      struct jeos_error *err);
void repo_index_free(struct repo_index *idx, size_t n);

#endif
