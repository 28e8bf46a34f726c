/* build.c - see build.h. */
#include "build.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assemble.h"
#include "distro.h"
#include "fetch.h"
#include "hash.h"
#include "identity.h"
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
	struct identity id;
	struct strbuf text = STRBUF_INIT;
	CLEANUP_FREE char *base = xasprintf("%s.%s-%s", r->name, JEOS_ARCH, r->version);
	CLEANUP_FREE char *raw = xasprintf("%s.raw", base);
	CLEANUP_FREE char *raw_path = NULL;
	CLEANUP_FREE char *pkgs_name = xasprintf("%s.packages", base);
	CLEANUP_FREE char *release_name = xasprintf("%s.release", base);
	CLEANUP_FREE char *release_path = NULL, *release = NULL;
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
	if (identity_init(&id, r, lock_path, res.epoch, err) < 0)
		goto out;

	if (r->kernel.build) {
		if (kernel_build(r, fetcher_cache_dir(f), o->kernel_source, &kernel, err) < 0)
			goto out;
		log_info("kernel %s %s", kernel.release, kernel.build_seconds > 0 ?
			 "compiled" : "from the cache");
	}
	struct assemble_options ao = {
		.overlays_dir = o->overlays_dir, .work_dir = scratch,
		.cache_dir = o->no_configured_cache ? NULL : fetcher_cache_dir(f),
		.id = &id,
		.kernel = r->kernel.build ? &kernel : NULL,
	};
	if (assemble_image(r, &res.set, &ao, raw_path, &img, err) < 0)
		goto out;
	ship_spec_from_recipe(&ship, r, base, formats | FMT_RAW);
	ship.final_dir = o->final_dir ? o->final_dir : o->out_dir;
	ship.mtime = id.epoch;
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

	/* NAME.release: which Debian the image holds */
	release_path = xasprintf("%s/%s", scratch, release_name);
	if (distro_release_file(r, &res.set, &release, err) < 0 ||
	    write_file(release_path, release, strlen(release), err) < 0)
		goto out;
	outputs_add(&outs, release_name);

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
		if (!o->unlisted)
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

/* ---- --check-reproducible ---- */

extern char **environ;

static void reverse_environment(void)
{
	size_t n = 0;

	while (environ[n])
		n++;
	for (size_t i = 0; i < n / 2; i++) {
		char *t = environ[i];
		environ[i] = environ[n - 1 - i];
		environ[n - 1 - i] = t;
	}
}

/* The differing MiB of two equally long files, and the first one. */
static void report_bytes(const char *a, const char *b)
{
	CLEANUP_FCLOSE FILE *fa = fopen(a, "rb");
	CLEANUP_FCLOSE FILE *fb = fopen(b, "rb");
	static char ba[1 << 20], bb[1 << 20];
	uint64_t chunk = 0, differing = 0, first = 0;
	size_t na, nb;

	if (!fa || !fb)
		return;
	while ((na = fread(ba, 1, sizeof(ba), fa)) > 0 &&
	       (nb = fread(bb, 1, sizeof(bb), fb)) > 0) {
		if (na != nb || memcmp(ba, bb, na)) {
			if (!differing++)
				first = chunk;
		}
		chunk++;
	}
	if (differing)
		fprintf(stderr, "  %llu MiB differ, the first at offset %llu MiB\n",
			(unsigned long long)differing, (unsigned long long)first);
}

static int have_program(const char *name)
{
	CLEANUP_FREE char *cmd = xasprintf("command -v %s >/dev/null 2>&1", name);
	return system(cmd) == 0;
}

/* Says how a and b differ: for a raw disk, where and which files inside
 * (virt-diff reads both through libguestfs); else diffoscope's report. */
static void explain_difference(const char *name, const char *a, const char *b)
{
	fprintf(stderr, "jeos: %s differs:\n", name);
	if (str_has_suffix(name, ".raw")) {
		report_bytes(a, b);
		if (have_program("virt-diff")) {
			char *const argv[] = { "virt-diff", "--format=raw", "-a", (char *)a,
					       "--format=raw", "-A", (char *)b, NULL };
			run_program(argv, NULL);
		}
	} else if (have_program("diffoscope")) {
		char *const argv[] = { "diffoscope", "--text", "-", (char *)a, (char *)b, NULL };
		run_program(argv, NULL);
	}
}

/* "SHA256  NAME" lines of dir/sums into a lookup. */
static const char *sum_of(const struct strbuf *sums, const char *name, char hex[65])
{
	for (const char *p = sums->buf; p && *p;) {
		const char *eol = strchrnul(p, '\n');
		if ((size_t)(eol - p) == 66 + strlen(name) && !strncmp(p + 66, name, strlen(name))) {
			memcpy(hex, p, 64);
			hex[64] = '\0';
			return hex;
		}
		p = *eol ? eol + 1 : NULL;
	}
	return NULL;
}

int build_check_reproducible(const struct recipe *r, const struct build_options *o,
			     struct jeos_error *err)
{
	CLEANUP_FREE char *base = xasprintf("%s.%s-%s", r->name, JEOS_ARCH, r->version);
	CLEANUP_FREE char *check_dir = NULL, *sums_a = NULL, *sums_b = NULL;
	CLEANUP_STRBUF struct strbuf a = STRBUF_INIT, b = STRBUF_INIT, differing = STRBUF_INIT;
	CLEANUP_FREE char *old_tz = getenv("TZ") ? xstrdup(getenv("TZ")) : NULL;
	struct build_options second = *o;
	mode_t old_umask;
	int rc = -1;

	if (build_appliance(r, o, err) < 0)
		return -1;
	check_dir = xasprintf("%s/.jeos-check-XXXXXX", o->out_dir);
	if (!mkdtemp(check_dir))
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot create %s: %s", check_dir,
				 strerror(errno));
	second.out_dir = check_dir;
	second.final_dir = o->out_dir;
	second.no_configured_cache = 1;
	second.unlisted = 1;
	log_info("building again to compare: configured afresh, in %s, TZ=Pacific/Chatham,"
		 " umask 077, the environment reversed", check_dir);
	setenv("TZ", "Pacific/Chatham", 1);
	old_umask = umask(077);
	reverse_environment();
	rc = build_appliance(r, &second, err);
	reverse_environment();
	umask(old_umask);
	if (old_tz)
		setenv("TZ", old_tz, 1);
	else
		unsetenv("TZ");
	if (rc < 0)
		goto out;
	rc = -1;
	sums_a = xasprintf("%s/%s.sha256", o->out_dir, base);
	sums_b = xasprintf("%s/%s.sha256", check_dir, base);
	if (strbuf_read_file(&a, sums_a) < 0 || strbuf_read_file(&b, sums_b) < 0) {
		jeos_fail(err, JEOS_EXIT_FAILED, "cannot read %s or %s: %s", sums_a, sums_b,
			  strerror(errno));
		goto out;
	}
	for (const char *p = a.buf; p && *p;) {
		const char *eol = strchrnul(p, '\n');
		CLEANUP_FREE char *name = eol - p > 66 ? xstrndup(p + 66, (size_t)(eol - p - 66)) : NULL;
		char hex[65];
		const char *other = name ? sum_of(&b, name, hex) : NULL;
		if (name && (!other || strncmp(p, other, 64))) {
			CLEANUP_FREE char *pa = xasprintf("%s/%s", o->out_dir, name);
			CLEANUP_FREE char *pb = xasprintf("%s/%s", check_dir, name);
			strbuf_addf(&differing, " %s", name);
			explain_difference(name, pa, pb);
		}
		p = *eol ? eol + 1 : NULL;
	}
	if (differing.len) {
		jeos_fail(err, JEOS_EXIT_FAILED, "not reproducible: a second build of %s differs"
			  " in%s", r->path, differing.buf);
		goto out;
	}
	log_info("reproducible: a second build gave the same %s", sums_a);
	rc = 0;
out:
	{
		char *const argv[] = { "rm", "-rf", check_dir, NULL };
		run_program(argv, NULL);
	}
	return rc;
}
