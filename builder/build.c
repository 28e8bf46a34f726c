/* build.c - see build.h. */
#include "build.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "assemble.h"
#include "fetch.h"
#include "hash.h"
#include "kernel.h"
#include "lock.h"
#include "resolve.h"
#include "ship.h"

/* NAME.sha256 lines for one output; a directory (the OVF package)
 * contributes a line per file, as "DIR/FILE". */
static int add_checksums(struct strbuf *sb, const char *scratch_dir, const char *name,
			 struct jeos_error *err)
{
	CLEANUP_FREE char *path = xasprintf("%s/%s", scratch_dir, name);
	char hex[SHA256_HEX_LEN + 1];
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		struct dirent **list;
		int n = scandir(path, &list, NULL, alphasort), rc = 0;
		if (n < 0)
			return jeos_fail(err, JEOS_EXIT_FAILED, "cannot read %s: %s", path,
					 strerror(errno));
		for (int i = 0; i < n; i++) {
			CLEANUP_FREE char *sub = xasprintf("%s/%s", name, list[i]->d_name);
			if (rc == 0 && list[i]->d_name[0] != '.')
				rc = add_checksums(sb, scratch_dir, sub, err);
			free(list[i]);
		}
		free(list);
		return rc;
	}
	if (sha256_file(path, hex, err) < 0)
		return -1;
	strbuf_addf(sb, "%s  %s\n", hex, name);
	return 0;
}

int build_appliance(const struct recipe *r, const struct build_options *o,
		    struct jeos_error *err)
{
	struct fetch_options fo = { .cache_dir = o->cache_dir };
	struct fetcher *f = NULL;
	struct resolved res = { 0 };
	struct image img = { 0 };
	struct outputs outs = { 0 };
	struct ship_spec ship = { 0 };
	struct built_kernel kernel = { 0 };
	struct strbuf text = STRBUF_INIT;
	CLEANUP_FREE char *base = xasprintf("%s.%s-%s", r->name, JEOS_ARCH, r->version);
	CLEANUP_FREE char *raw = xasprintf("%s.raw", base);
	CLEANUP_FREE char *raw_path = NULL;
	CLEANUP_FREE char *pkgs_name = xasprintf("%s.packages", base);
	CLEANUP_FREE char *sums_name = xasprintf("%s.sha256", base);
	CLEANUP_FREE char *pkgs_path = NULL, *sums_path = NULL;
	CLEANUP_FREE char *lock_path = o->lock_path ? xstrdup(o->lock_path)
						    : lock_default_path(r);
	unsigned formats = o->formats ? o->formats : r->type.formats;
	const char *scratch;
	double start = now_seconds();
	int rc = -1;

	if (mkdir_p(o->out_dir, 0755, err) < 0)
		return -1;
	if (!(scratch = scratch_create(o->out_dir, ".jeos-build", err)))
		return -1;
	raw_path = xasprintf("%s/%s", scratch, raw);

	log_info("resolving and fetching packages");
	if (fetcher_new(&f, &fo, err) < 0 ||
	    resolve_with_lock(r, lock_path, LOCK_USE, f, 1, &res, NULL, err) < 0)
		goto out;
	log_info("%zu packages (%zu fetched, %zu from the cache)", res.set.nr, res.downloaded,
		 res.cached);

	if (r->kernel.build) {
		if (kernel_build(r, fetcher_cache_dir(f), o->kernel_source, &kernel, err) < 0)
			goto out;
		log_info("kernel %s %s", kernel.release, kernel.build_seconds > 0 ?
			 "compiled" : "from the cache");
	}
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	struct assemble_options ao = {
		.overlays_dir = o->overlays_dir, .work_dir = scratch,
		.cache_dir = fetcher_cache_dir(f),
		.mtime = sde ? strtoll(sde, NULL, 10) : (int64_t)time(NULL),
		.kernel = r->kernel.build ? &kernel : NULL,
	};
	if (assemble_image(r, &res.set, &ao, raw_path, &img, err) < 0)
		goto out;
	ship_spec_from_recipe(&ship, r, base, formats | FMT_RAW);
	ship.final_dir = o->out_dir;
	if (ship_formats(scratch, raw, &ship, &outs, err) < 0)
		goto out;

	/* NAME.packages, as Kiwi writes it: what the image holds in the end */
	for (const char *line = img.installed; *line;) {
		char name[256], version[256], arch[64];
		const char *eol = strchrnul(line, '\n');
		if (sscanf(line, "%255s %255s %63s", name, version, arch) == 3) {
			const struct pkg *p = pkgset_find(&res.set, name);
			strbuf_addf(&text, "%s|%s|%s|%s\n", name, version, arch,
				    p ? p->sha256 : "-");
		}
		line = *eol ? eol + 1 : eol;
	}
	pkgs_path = xasprintf("%s/%s", scratch, pkgs_name);
	if (write_file(pkgs_path, text.buf, text.len, err) < 0)
		goto out;
	outputs_add(&outs, pkgs_name);

	/* NAME.sha256, in sha256sum's format */
	strbuf_reset(&text);
	for (size_t i = 0; i < outs.nr; i++) {
		progress("checksum", i + 1, outs.nr, "%s", outs.names[i]);
		if (add_checksums(&text, scratch, outs.names[i], err) < 0)
			goto out;
	}
	progress_done();
	sums_path = xasprintf("%s/%s", scratch, sums_name);
	if (write_file(sums_path, text.buf, text.len, err) < 0)
		goto out;
	outputs_add(&outs, sums_name);

	/* Only now do the outputs get their final names. */
	for (size_t i = 0; i < outs.nr; i++) {
		CLEANUP_FREE char *from = xasprintf("%s/%s", scratch, outs.names[i]);
		CLEANUP_FREE char *to = xasprintf("%s/%s", o->out_dir, outs.names[i]);
		CLEANUP_FREE char *old = xasprintf("%s/.old-%s", scratch, outs.names[i]);
		struct stat st;
		/* a directory (the OVF package) replaces the last build's by
		 * moving that into the scratch directory, which goes away */
		if (lstat(to, &st) == 0 && S_ISDIR(st.st_mode) && rename(to, old) < 0) {
			jeos_fail(err, JEOS_EXIT_FAILED, "cannot replace %s: %s", to, strerror(errno));
			goto out;
		}
		if (rename(from, to) < 0) {
			jeos_fail(err, JEOS_EXIT_FAILED, "cannot rename %s: %s", from, strerror(errno));
			goto out;
		}
		printf("%s\n", to);
	}
	char used[32];
	log_info("built %s in %.0f s (%zu packages, %s used)", base, now_seconds() - start,
		 res.set.nr, human_size(img.used_bytes, used));
	rc = 0;
out:
	scratch_remove();
	outputs_free(&outs);
	ship_spec_release(&ship);
	built_kernel_free(&kernel);
	strbuf_release(&text);
	image_free(&img);
	resolved_free(&res);
	fetcher_free(f);
	return rc;
}
