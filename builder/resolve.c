/* resolve.c - see resolve.h. */
#include "resolve.h"

#include <stdlib.h>
#include <string.h>

#include "distro.h"
#include "repo.h"
#include "solve.h"

int resolve_load_repos(const struct recipe *r, struct fetcher *f, struct resolved *out,
		       struct repo_index **idx, size_t *nr_idx, struct jeos_error *err)
{
	memset(out, 0, sizeof(*out));
	out->nr_repos = r->nr_repos;
	out->inrelease = xcalloc(r->nr_repos + 1, sizeof(*out->inrelease));
	out->info = xcalloc(r->nr_repos + 1, sizeof(*out->info));
	for (size_t i = 0; i < r->nr_repos; i++) {
		progress("metadata", i + 1, r->nr_repos, "%s", r->repos[i].alias);
		if (repo_load(f, &r->repos[i], (int)i, JEOS_ARCH, idx, nr_idx,
			      out->inrelease[i], &out->info[i], err) < 0) {
			jeos_error_prefix(err, "%s:%u: error: repository %s: ", r->path,
					  r->repos[i].line, r->repos[i].alias);
			return -1;
		}
		if (out->info[i].date > out->epoch)
			out->epoch = out->info[i].date;
	}
	if (r->nr_repos) {
		CLEANUP_FREE char *release = distro_describe(r, &out->info[0]);
		log_info("release: %s", release);
	}
	return 0;
}

int resolve_fetch(const struct recipe *r, struct fetcher *f, struct resolved *out,
		  struct jeos_error *err)
{
	CLEANUP_FREE const char **uris = xcalloc(r->nr_repos + 1, sizeof(*uris));
	struct fetch_stats before = *fetcher_stats(f);

	for (size_t i = 0; i < r->nr_repos; i++)
		uris[i] = r->repos[i].uri;
	if (fetch_packages(f, &out->set, uris, err) < 0)
		return -1;
	out->downloaded = fetcher_stats(f)->downloaded - before.downloaded;
	out->cached = fetcher_stats(f)->cached - before.cached;
	out->bytes = fetcher_stats(f)->bytes - before.bytes;
	return 0;
}

struct solve_index *resolve_solve_indexes(const struct recipe *r, const struct repo_index *idx,
					  size_t nr_idx)
{
	struct solve_index *sidx = xcalloc(nr_idx + 1, sizeof(*sidx));

	for (size_t i = 0; i < nr_idx; i++) {
		sidx[i].path = idx[i].packages_path;
		sidx[i].repo = idx[i].repo;
		sidx[i].priority = r->repos[idx[i].repo].priority;
	}
	return sidx;
}

int resolve_recipe(const struct recipe *r, struct fetcher *f, int download,
		   struct resolved *out, struct jeos_error *err)
{
	struct repo_index *idx = NULL;
	size_t nr_idx = 0;
	struct solve_index *sidx = NULL;
	int rc = -1;

	if (resolve_load_repos(r, f, out, &idx, &nr_idx, err) < 0)
		goto out;
	sidx = resolve_solve_indexes(r, idx, nr_idx);
	progress("solve", 0, 0, "%zu indexes", nr_idx);
	struct solve_input in = {
		.arch = JEOS_ARCH, .indexes = sidx, .nr_indexes = nr_idx,
		.recipe = r, .recommends = r->recommends,
	};
	if (solve(&in, &out->set, err) < 0)
		goto out;
	if (download && resolve_fetch(r, f, out, err) < 0)
		goto out;
	rc = 0;
out:
	progress_done();
	repo_index_free(idx, nr_idx);
	free(sidx);
	if (rc < 0)
		resolved_free(out);
	return rc;
}

void resolved_free(struct resolved *res)
{
	pkgset_free(&res->set);
	free(res->inrelease);
	res->inrelease = NULL;
	for (size_t i = 0; res->info && i < res->nr_repos; i++)
		repo_info_free(&res->info[i]);
	free(res->info);
	res->info = NULL;
}

void resolved_print_summary(const struct resolved *res, FILE *out)
{
	uint64_t download = 0, installed = 0;
	char a[32], b[32];

	for (size_t i = 0; i < res->set.nr; i++) {
		download += res->set.pkgs[i].size;
		installed += res->set.pkgs[i].installed_size;
	}
	fprintf(out, "%zu packages, %s download, %s installed\n", res->set.nr,
		human_size(download, a), human_size(installed, b));
}

void resolved_print(const struct resolved *res, FILE *out)
{
	for (size_t i = 0; i < res->set.nr; i++) {
		const struct pkg *p = &res->set.pkgs[i];
		fprintf(out, "%s %s %s\n", p->name, p->version, p->arch);
	}
	resolved_print_summary(res, out);
}
