/* doctor.c - see doctor.h. */

#define _XOPEN_SOURCE 700
#include "doctor.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <guestfs.h>
#include <langinfo.h>
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "vmboot.h"

#define ROW "%-17s "

/* ---- facts ---- */

static uint64_t tree_bytes;

static int add_blocks(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path, (void)flag, (void)ftw;
	tree_bytes += (uint64_t)st->st_blocks * 512;
	return 0;
}

/* What a directory tree occupies on disk (du), 0 when it does not exist. */
static uint64_t du(const char *dir)
{
	tree_bytes = 0;
	nftw(dir, add_blocks, 32, FTW_PHYS | FTW_MOUNT);
	return tree_bytes;
}

/* Free bytes for an unprivileged user where `path` (or its nearest
 * existing parent) lives; sets *where to that directory. */
static uint64_t free_bytes(const char *path, char **where)
{
	char *p = xstrdup(path);
	struct statvfs vfs;

	while (statvfs(p, &vfs) < 0) {
		char *slash = strrchr(p, '/');
		if (!slash || slash == p) {
			strcpy(p, "/");
			if (statvfs(p, &vfs) < 0)
				memset(&vfs, 0, sizeof(vfs));
			break;
		}
		*slash = '\0';
	}
	*where = p;
	return (uint64_t)vfs.f_bavail * vfs.f_frsize;
}

/* The first line of a command's output, or "" when it failed. */
static char *first_line(char *const argv[])
{
	CLEANUP_STRBUF struct strbuf sb = STRBUF_INIT;
	struct jeos_error err;

	if (run_capture(argv, 4096, &sb, &err) < 0)
		return xstrdup("");
	return xstrndup(sb.buf, strcspn(sb.buf, "\n"));
}

/* A one-line /proc/sys value, or NULL. */
static char *sysctl(const char *path)
{
	CLEANUP_STRBUF struct strbuf sb = STRBUF_INIT;

	if (strbuf_read_file(&sb, path) < 0)
		return NULL;
	return xstrndup(sb.buf, strcspn(sb.buf, "\n"));
}

/* ---- sections ---- */

static void report_accel(FILE *out)
{
	struct vm_verdict v;

	vm_accel(&v);
	fprintf(out, ROW "%s (%s)\n", "accelerator", vm_accel_name(v.accel), v.why);
	if (!v.automatic)
		fprintf(out, ROW "chosen by you; jeos neither probes nor falls back\n", "");
	else if (v.remembered)
		fprintf(out, ROW "remembered in %s (probe took %.2f s)\n", "", v.file,
			v.probe_seconds);
	else if (v.probe_seconds > 0)
		fprintf(out, ROW "probed now in %.2f s%s%s\n", "", v.probe_seconds,
			*v.file ? ", remembered in " : "", v.file);
	if (v.accel == VM_ACCEL_TCG)
		fprintf(out, ROW "TCG works everywhere but is ~10x slower than KVM\n", "");
}

/* qemu and the kernel; -1 when either is missing. */
static int report_qemu(FILE *out, struct strbuf *problems)
{
	char *argv[] = { (char *)vm_qemu(), "--version", NULL };
	CLEANUP_FREE char *version = first_line(argv);
	CLEANUP_FREE char *kernel = vm_probe_kernel();
	int rc = 0;

	if (*version) {
		fprintf(out, ROW "%s: %s\n", "qemu", vm_qemu(), version);
	} else {
		fprintf(out, ROW "%s: cannot run it\n", "qemu", vm_qemu());
		strbuf_addf(problems, "\n  %s cannot run: install qemu-system-x86 "
			    "(`make deps` does), or point LIBGUESTFS_HV at a qemu", vm_qemu());
		rc = -1;
	}
	if (kernel) {
		fprintf(out, ROW "%s (booted by libguestfs's appliance and the KVM probe)\n",
			"kernel", kernel);
	} else {
		fprintf(out, ROW "none readable in /boot\n", "kernel");
		strbuf_addstr(problems, "\n  no readable /boot/vmlinuz-*: libguestfs's appliance"
			      " boots the host's kernel; install linux-image-amd64 (`make deps`"
			      " does) or set SUPERMIN_KERNEL");
		rc = -1;
	}
	return rc;
}

static void report_libguestfs(FILE *out)
{
	guestfs_h *g = guestfs_create_flags(GUESTFS_CREATE_NO_ENVIRONMENT);
	struct guestfs_version *ver;
	CLEANUP_FREE char *backend = NULL, *cachedir = NULL, *appliance = NULL;
	struct stat st;

	if (!g) {
		fprintf(out, ROW "cannot create a handle: %s\n", "libguestfs", strerror(errno));
		return;
	}
	guestfs_set_error_handler(g, NULL, NULL);
	guestfs_parse_environment(g);
	ver = guestfs_version(g);
	backend = guestfs_get_backend(g);
	cachedir = guestfs_get_cachedir(g);
	fprintf(out, ROW "%lld.%lld.%lld%s, backend %s\n", "libguestfs",
		ver ? (long long)ver->major : 0, ver ? (long long)ver->minor : 0,
		ver ? (long long)ver->release : 0, ver ? ver->extra : "",
		backend ? backend : "?");
	guestfs_free_version(ver);
	appliance = xasprintf("%s/.guestfs-%ld/appliance.d", cachedir ? cachedir : "/var/tmp",
			      (long)geteuid());
	CLEANUP_FREE char *root = xasprintf("%s/root", appliance);
	if (stat(root, &st) == 0) {
		char when[32];
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", localtime(&st.st_mtime));
		fprintf(out, ROW "built %s in %s\n", "appliance", when, appliance);
	} else {
		fprintf(out, ROW "not built yet: the first build makes it in %s (~30 s)\n",
			"appliance", appliance);
	}
	guestfs_close(g);
}

/* The cache and free space; -1 when a build will not fit. */
static int report_space(FILE *out, const char *cache_dir, struct strbuf *problems)
{
	CLEANUP_FREE char *cache = cache_dir ? xstrdup(cache_dir) : jeos_cache_home();
	const char *tmp = getenv("TMPDIR");
	const char *places[] = { cache, tmp && *tmp ? tmp : "/tmp", "/var/tmp" };
	const char *what[] = { "cache free", "tmp free", "appliance free" };
	char sz[32];
	int rc = 0;

	if (!cache) {
		fprintf(out, ROW "none: set XDG_CACHE_HOME or HOME\n", "cache");
		strbuf_addstr(problems, "\n  no cache directory: set XDG_CACHE_HOME or HOME,"
			      " or give --cache DIR");
		return -1;
	}
	fprintf(out, ROW "%s, %s\n", "cache", cache, human_size(du(cache), sz));
	for (size_t i = 0; i < sizeof(places) / sizeof(*places); i++) {
		CLEANUP_FREE char *where = NULL;
		uint64_t f = free_bytes(places[i], &where);
		fprintf(out, ROW "%s on %s\n", what[i], human_size(f, sz), where);
		if (f < DOCTOR_MIN_FREE) {
			strbuf_addf(problems, "\n  only %s free in %s: a build needs at least %s",
				    human_size(f, sz), where, "2 GiB");
			rc = -1;
		}
	}
	if (access(cache, W_OK) < 0 && errno != ENOENT) {
		strbuf_addf(problems, "\n  %s is not writable: give --cache DIR", cache);
		rc = -1;
	}
	return rc;
}

static void report_locale(FILE *out)
{
	const char *vars[] = { "LC_ALL", "LC_CTYPE", "LANG" };
	CLEANUP_STRBUF struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < sizeof(vars) / sizeof(*vars); i++) {
		const char *v = getenv(vars[i]);
		strbuf_addf(&sb, "%s%s=%s", i ? " " : "", vars[i], v ? v : "(unset)");
	}
	/* What the user's environment asks for; jeos itself never uses it. */
	const char *asked = setlocale(LC_CTYPE, "");
	fprintf(out, ROW "%s -> %s (%s)\n", "locale", sb.buf, asked ? asked : "invalid",
		asked ? nl_langinfo(CODESET) : "C");
	setlocale(LC_CTYPE, "C");
	fprintf(out, ROW "file names are copied as bytes, whatever the locale\n", "");
}

static void report_userns(FILE *out)
{
	CLEANUP_FREE char *max = sysctl("/proc/sys/user/max_user_namespaces");
	CLEANUP_FREE char *clone = sysctl("/proc/sys/kernel/unprivileged_userns_clone");

	fprintf(out, ROW "max %s%s%s; jeos does not need them (privileged work runs in"
		" libguestfs's VM)\n", "user namespaces", max ? max : "unknown",
		clone ? ", unprivileged clone " : "", clone ? (strcmp(clone, "0") ? "on" : "off") : "");
	fprintf(out, ROW "%s\n", "user", geteuid() == 0 ? "root (not needed)" : "not root (fine)");
}

/* The overlays and kernel-configs recipes name: a checkout's, the
 * installed ones or the environment's (jeos_data_dir), and how many
 * entries each holds besides its README. */
static int report_data(FILE *out, struct strbuf *problems)
{
	int rc = 0;

	for (enum jeos_data d = 0; d < JEOS_DATA_NR; d++) {
		CLEANUP_FREE char *dir = jeos_data_dir(d);
		DIR *dh = opendir(dir);
		size_t n = 0;

		if (!dh) {
			fprintf(out, ROW "%s: %s\n", jeos_data_name(d), dir, strerror(errno));
			if (getenv(jeos_data_env(d)))
				strbuf_addf(problems, "\n  no %s in %s, which $%s names",
					    jeos_data_name(d), dir, jeos_data_env(d));
			else
				strbuf_addf(problems, "\n  no %s in %s: install jeos (make install,"
					    " or its package) or set %s", jeos_data_name(d), dir,
					    jeos_data_env(d));
			rc = -1;
			continue;
		}
		for (struct dirent *de; (de = readdir(dh)); )
			n += de->d_name[0] != '.' && strcmp(de->d_name, "README.md");
		closedir(dh);
		fprintf(out, ROW "%s, %zu entries%s%s\n", jeos_data_name(d), dir, n,
			getenv(jeos_data_env(d)) ? " from $" : "",
			getenv(jeos_data_env(d)) ? jeos_data_env(d) : "");
	}
	return rc;
}

int doctor_report(FILE *out, const char *cache_dir, struct jeos_error *err)
{
	CLEANUP_STRBUF struct strbuf problems = STRBUF_INIT;
	int rc = 0;

	if (report_qemu(out, &problems) < 0)
		rc = -1;
	report_accel(out);
	report_libguestfs(out);
	if (report_space(out, cache_dir, &problems) < 0)
		rc = -1;
	if (report_data(out, &problems) < 0)
		rc = -1;
	report_locale(out);
	report_userns(out);
	if (rc < 0) {
		fprintf(out, ROW "no\n", "can build");
		return jeos_fail(err, JEOS_EXIT_FAILED, "this host cannot build:%s", problems.buf);
	}
	fprintf(out, ROW "yes\n", "can build");
	return 0;
}
