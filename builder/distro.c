/* distro.c - see distro.h. */
#include "distro.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deb.h"
#include "fetch.h"
#include "lock.h"

/* Tested: built and booted by tests/integration. forky and sid move too
 * fast for a default kernel source: a recipe building a kernel names it. */
static const struct distro_release releases[] = {
	{ "bookworm", "12", "linux-source-6.1", 1 },
	{ "trixie", "13", "linux-source-6.12", 1 },
	{ "forky", "14", NULL, 0 },
	{ "sid", "unstable", NULL, 0 },
};

const struct distro_release *distro_release_of(const char *suite)
{
	size_t len = suite ? strcspn(suite, "-/") : 0;

	for (size_t i = 0; len && i < sizeof(releases) / sizeof(releases[0]); i++)
		if (strlen(releases[i].codename) == len && !strncmp(suite, releases[i].codename, len))
			return &releases[i];
	return NULL;
}

const struct distro_release *distro_recipe_release(const struct recipe *r)
{
	return r->nr_repos ? distro_release_of(r->repos[0].distribution) : NULL;
}

char *distro_describe(const struct recipe *r, const struct repo_info *first)
{
	const struct distro_release *d = distro_recipe_release(r);
	const char *suite = r->nr_repos ? r->repos[0].distribution : "none";

	if (first && first->version)
		return xasprintf("%s %s (%s)%s", first->origin ? first->origin : "Debian",
				 first->version, first->codename ? first->codename : suite,
				 d && d->tested ? "" : ", best effort");
	if (!d)
		return xasprintf("%s, unknown to jeos", suite);
	return xasprintf("Debian %s (%s)%s", d->version, d->codename, d->tested ? "" : ", best effort");
}

int distro_locked_release(const struct recipe *r, const char *cache_dir, char **text,
			  struct jeos_error *err)
{
	CLEANUP_FREE char *lock_path = lock_default_path(r);
	struct fetch_options fo = { .cache_dir = cache_dir };
	struct fetcher *f = NULL;
	struct lock lk = { 0 };
	struct repo_info info = { 0 };
	int rc;

	if (access(lock_path, R_OK) < 0)
		return 1;
	if (lock_read(lock_path, &lk, err) < 0)
		return -1;
	rc = !lk.nr_repos ? 1 : fetcher_new(&f, &fo, err) < 0 ? -1
	     : repo_cached_info(f, lk.repos[0].inrelease, &info, err);
	if (rc == 0)
		*text = distro_describe(r, &info);
	repo_info_free(&info);
	fetcher_free(f);
	lock_free(&lk);
	return rc;
}

/* The first line of /etc/debian_version in the .deb at path, or NULL. */
static int debian_version(const char *path, char **version, struct jeos_error *err)
{
	struct deb *d = NULL;
	struct deb_data *it = NULL;
	struct deb_entry e;
	char buf[64];
	ssize_t n = 0;
	int rc;

	*version = NULL;
	if (deb_open(&d, path, err) < 0 || deb_data_begin(d, &it, err) < 0) {
		deb_close(d);
		return -1;
	}
	while ((rc = deb_data_next(it, &e, err)) == 1)
		if (S_ISREG(e.mode) && !e.hardlink && !strcmp(e.path, "/etc/debian_version")) {
			n = deb_data_read(it, buf, sizeof(buf) - 1, err);
			break;
		}
	if (rc >= 0 && n > 0) {
		buf[n] = '\0';
		*version = xstrndup(buf, strcspn(buf, "\n"));
	}
	deb_data_end(it);
	deb_close(d);
	return rc < 0 || n < 0 ? -1 : 0;
}

int distro_release_file(const struct recipe *r, const struct pkgset *set, char **text,
			struct jeos_error *err)
{
	const struct pkg *base = pkgset_find(set, "base-files");
	CLEANUP_FREE char *release = distro_describe(r, NULL), *version = NULL;
	struct strbuf sb = STRBUF_INIT;

	if (base && base->path && debian_version(base->path, &version, err) < 0) {
		jeos_error_prefix(err, "%s: ", base->name);
		return -1;
	}
	strbuf_addf(&sb, "RELEASE=\"%s\"\n", release);
	if (version)
		strbuf_addf(&sb, "DEBIAN_VERSION=%s\n", version);
	strbuf_addstr(&sb, "SUITES=\"");
	for (size_t i = 0; i < r->nr_repos; i++)
		strbuf_addf(&sb, "%s%s", i ? " " : "", r->repos[i].distribution);
	strbuf_addstr(&sb, "\"\n");
	*text = strbuf_detach(&sb);
	return 0;
}
