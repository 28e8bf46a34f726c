/* build.c - see build.h. */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "assemble.h"
#include "fetch.h"
#include "hash.h"
#include "resolve.h"

/* The scratch directory an interrupted build removes. */
static char scratch[4096];

static void on_signal(int sig)
{
	pid_t pid;

	if (scratch[0] && (pid = fork()) == 0) {
		char *const argv[] = { "rm", "-rf", scratch, NULL };
		execv("/bin/rm", argv);
		_exit(127);
	} else if (scratch[0] && pid > 0) {
		waitpid(pid, NULL, 0);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void trap_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static int write_text(const char *path, const char *text, size_t len, struct jeos_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot write %s: %s", path, strerror(e));
	}
	close(fd);
	return 0;
}

struct outputs {
	char **names;   /* file names inside the scratch directory */
	size_t nr;
};

static void add_output(struct outputs *o, const char *name)
{
	o->names = xrealloc(o->names, (o->nr + 1) * sizeof(*o->names));
	o->names[o->nr++] = xstrdup(name);
}

static int convert(const char *dir, const char *raw, const char *base, const char *ext,
		   const char *qemu_fmt, struct outputs *outs, struct jeos_error *err)
{
	CLEANUP_FREE char *src = xasprintf("%s/%s", dir, raw);
	CLEANUP_FREE char *name = xasprintf("%s.%s", base, ext);
	CLEANUP_FREE char *dst = xasprintf("%s/%s", dir, name);
	char *const argv[] = { "qemu-img", "convert", "-q", "-f", "raw", "-O", (char *)qemu_fmt,
			       src, dst, NULL };

	if (run_program(argv, err) < 0)
		return -1;
	add_output(outs, name);
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
	struct strbuf text = STRBUF_INIT;
	CLEANUP_FREE char *base = xasprintf("%s.%s-%s", r->name, JEOS_ARCH, r->version);
	CLEANUP_FREE char *raw = xasprintf("%s.raw", base);
	CLEANUP_FREE char *raw_path = NULL;
	CLEANUP_FREE char *pkgs_name = xasprintf("%s.packages", base);
	CLEANUP_FREE char *sums_name = xasprintf("%s.sha256", base);
	CLEANUP_FREE char *pkgs_path = NULL, *sums_path = NULL;
	unsigned formats = o->formats ? o->formats : r->type.formats;
	double start = now_seconds();
	int rc = -1;

	if (mkdir_p(o->out_dir, 0755, err) < 0)
		return -1;
	snprintf(scratch, sizeof(scratch), "%s/.jeos-build-XXXXXX", o->out_dir);
	if (!mkdtemp(scratch)) {
		jeos_fail(err, JEOS_EXIT_FAILED, "cannot create a scratch directory in %s: %s",
			  o->out_dir, strerror(errno));
		scratch[0] = '\0';
		return -1;
	}
	trap_signals();
	raw_path = xasprintf("%s/%s", scratch, raw);

	log_info("resolving and fetching packages");
	if (fetcher_new(&f, &fo, err) < 0 || resolve_recipe(r, f, 1, &res, err) < 0)
		goto out;
	log_info("%zu packages (%zu fetched, %zu from the cache)", res.set.nr, res.downloaded,
		 res.cached);

	const char *sde = getenv("SOURCE_DATE_EPOCH");
	struct assemble_options ao = {
		.overlays_dir = o->overlays_dir, .work_dir = scratch,
		.cache_dir = fetcher_cache_dir(f),
		.mtime = sde ? strtoll(sde, NULL, 10) : (int64_t)time(NULL),
	};
	if (assemble_image(r, &res.set, &ao, raw_path, &img, err) < 0)
		goto out;
	add_output(&outs, raw);

	if (formats & FMT_QCOW2 && convert(scratch, raw, base, "qcow2", "qcow2", &outs, err) < 0)
		goto out;
	if (formats & ~(FMT_RAW | FMT_QCOW2)) {
		jeos_fail(err, JEOS_EXIT_USAGE, "%s:%u: error: formats other than raw and qcow2 "
			  "are not implemented yet", r->path, r->type.line);
		goto out;
	}

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
	if (write_text(pkgs_path, text.buf, text.len, err) < 0)
		goto out;
	add_output(&outs, pkgs_name);

	/* NAME.sha256, in sha256sum's format */
	strbuf_reset(&text);
	for (size_t i = 0; i < outs.nr; i++) {
		CLEANUP_FREE char *path = xasprintf("%s/%s", scratch, outs.names[i]);
		char hex[SHA256_HEX_LEN + 1];
		progress("checksum", i + 1, outs.nr, "%s", outs.names[i]);
		if (sha256_file(path, hex, err) < 0)
			goto out;
		strbuf_addf(&text, "%s  %s\n", hex, outs.names[i]);
	}
	progress_done();
	sums_path = xasprintf("%s/%s", scratch, sums_name);
	if (write_text(sums_path, text.buf, text.len, err) < 0)
		goto out;
	add_output(&outs, sums_name);

	/* Only now do the outputs get their final names. */
	for (size_t i = 0; i < outs.nr; i++) {
		CLEANUP_FREE char *from = xasprintf("%s/%s", scratch, outs.names[i]);
		CLEANUP_FREE char *to = xasprintf("%s/%s", o->out_dir, outs.names[i]);
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
	if (scratch[0]) {
		char *const argv[] = { "rm", "-rf", scratch, NULL };
		run_program(argv, NULL);
		scratch[0] = '\0';
	}
	for (size_t i = 0; i < outs.nr; i++)
		free(outs.names[i]);
	free(outs.names);
	strbuf_release(&text);
	image_free(&img);
	resolved_free(&res);
	fetcher_free(f);
	return rc;
}
