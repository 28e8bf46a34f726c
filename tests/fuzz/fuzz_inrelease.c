/* fuzz_inrelease.c - a repository's InRelease as repo_load takes it: the
 * clearsigned message checked and unwrapped (gpgcheck off, since no input
 * would carry a good signature), its Release fields parsed, its index
 * looked up. Served from a file:// repository in the scratch directory,
 * with a cache made afresh for every input. */
#include <stdlib.h>

#include "fuzz.h"
#include "repo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	CLEANUP_FREE char *dists = xasprintf("%s/dists/stable", fuzz_dir());
	CLEANUP_FREE char *uri = xasprintf("file://%s", fuzz_dir());
	CLEANUP_FREE char *cache = xasprintf("%s/cache", fuzz_dir());
	CLEANUP_FREE char *inrelease = NULL;
	struct recipe_repo repo = { .alias = "fuzz", .uri = uri, .distribution = "stable" };
	struct fetch_options opts = { .cache_dir = cache, .tries = 1 };
	char sha256[SHA256_HEX_LEN + 1];
	struct repo_index *idx = NULL;
	struct fetcher *f = NULL;
	struct jeos_error err;
	size_t n = 0;
	struct repo_info info = { 0 };

	if (mkdir_p(dists, 0755, &err) < 0)
		abort();
	inrelease = fuzz_file("dists/stable/InRelease", data, size);
	if (fetcher_new(&f, &opts, &err) < 0)
		abort();
	repo_load(f, &repo, 0, "amd64", &idx, &n, sha256, &info, &err);
	repo_index_free(idx, n);
	repo_info_free(&info);
	fetcher_free(f);
	fuzz_remove(cache);
	return 0;
}
