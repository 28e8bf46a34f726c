/* fetch.h - downloads (libcurl; http, https and file URLs) into a
 * content-addressed cache.
 *
 * A file whose SHA-256 is known lives at CACHE/by-sha256/<hex>. It is
 * checked (size and SHA-256) every time before use: a corrupt or truncated
 * cached copy is discarded and fetched again. Downloads land under a
 * temporary name of their own (tmpfile_create: O_EXCL, so several users
 * may share a cache) and are renamed into place only once verified, so
 * after a failure nothing sits in the cache under a final name.
 *
 * Connection errors, timeouts and HTTP 408/429/5xx are retried with
 * backoff; anything else (404, checksum mismatch...) fails at once. Errors
 * name the URL (its credentials redacted: uri_redact) and the reason.
 */
#ifndef JEOS_FETCH_H
#define JEOS_FETCH_H

#include <stddef.h>
#include <stdint.h>
#include "pkgset.h"
#include "util.h"

struct fetcher;

/* Zero means "the default" for every field. */
struct fetch_options {
	const char *cache_dir;   /* default $XDG_CACHE_HOME/jeos, else ~/.cache/jeos */
	unsigned parallel;       /* transfers at once, default 4 */
	unsigned tries;          /* attempts per URL, default 3 */
	unsigned retry_delay_ms; /* before the 2nd try, doubled after; default 500 */
	unsigned timeout_s;      /* connect timeout, and a stall this long aborts; default 30 */
};

/* Running totals since fetcher_new. */
struct fetch_stats {
	size_t downloaded; /* files transferred */
	size_t cached;     /* files found verified in the cache */
	size_t retries;    /* transient failures that were retried */
	uint64_t bytes;    /* bytes transferred */
};

/* One file of a batch. url and sha256 (64 lowercase hex digits) are
 * required; path is filled with the verified file in the cache (the caller
 * frees it). */
struct fetch_item {
	const char *url;
	const char *sha256;
	uint64_t size;
	char *path;
};

int fetcher_new(struct fetcher **out, const struct fetch_options *opts,
		struct jeos_error *err);
void fetcher_free(struct fetcher *f);
const char *fetcher_cache_dir(const struct fetcher *f);
const struct fetch_stats *fetcher_stats(const struct fetcher *f);

/* CACHE/by-sha256/<hex> (caller frees); the file may not exist. */
char *fetch_cache_path(const struct fetcher *f, const char *sha256);
/* Is a verified copy in the cache? 1 yes (*path set, caller frees it;
 * counted as cached), 0 no (a bad copy was removed), -1 error. */
int fetch_cache_lookup(struct fetcher *f, const char *sha256, uint64_t size,
		       char **path, struct jeos_error *err);

/* Brings every item into the cache, several transfers at once. Items
 * already cached download nothing. On failure no item's path is set. */
int fetch_items(struct fetcher *f, struct fetch_item *items, size_t n,
		struct jeos_error *err);

/* fetch_items for a resolved package set: each pkg is fetched from
 * repo_base_uris[pkg->repo] + "/" + pkg->filename (repo_base_uris is
 * NULL-terminated) and pkg->path is set to its verified cached file. */
int fetch_packages(struct fetcher *f, struct pkgset *set,
		   const char *const *repo_base_uris, struct jeos_error *err);

/* Downloads url (unverified, uncached: for signed metadata that is
 * checked afterwards) to dest, replacing it only on success. */
int fetch_url(struct fetcher *f, const char *url, const char *dest,
	      struct jeos_error *err);
/* The same, but a missing file (HTTP 404/410, no such local file) is not an
 * error: returns 1 and leaves dest alone. */
int fetch_url_optional(struct fetcher *f, const char *url, const char *dest,
		       struct jeos_error *err);

#endif
