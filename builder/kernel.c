/* kernel.c - see kernel.h. */
#include "kernel.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kconfig.h"

/* Recipe names for controllers and NICs -> the modules that drive them. */
static const struct {
	const char *name;
	const char *modules;
} drivers[] = {
	{ "virtio", "virtio_pci virtio_blk virtio_scsi virtio_net" },
	{ "ide", "ata_piix ata_generic" },
	{ "sata", "ahci" },
	{ "lsilogic", "mptspi" },
	{ "lsilogicsas", "mptsas" },
	{ "pvscsi", "vmw_pvscsi" },
	{ "e1000", "e1000" },
	{ "e1000e", "e1000e" },
	{ "vmxnet3", "vmxnet3" },
};

/* Always: disks behind SCSI controllers, the entropy source virtio
 * offers, and what systemd loads by name. */
static const char base_modules[] = "sd_mod virtio_rng autofs4";

static void add_words(char ***list, size_t *nr, const char *words)
{
	CLEANUP_FREE char *copy = xstrdup(words);
	char *save = NULL;

	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		*list = xrealloc(*list, (*nr + 2) * sizeof(**list));
		(*list)[(*nr)++] = xstrdup(w);
		(*list)[*nr] = NULL;
	}
}

static void add_driver(char ***list, size_t *nr, const char *name)
{
	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (name && !strcmp(drivers[i].name, name))
			add_words(list, nr, drivers[i].modules);
}

char *kernel_initramfs_modules(const struct recipe *r)
{
	struct strbuf sb = STRBUF_INIT;
	char **ctl = NULL;
	size_t nr = 0;

	/* virtio, SATA and IDE always: jeos boot and most hypervisors use them */
	strbuf_addstr(&sb, "# written by jeos: drivers for the root disk\n"
		      "virtio_pci\nvirtio_blk\nvirtio_scsi\nsd_mod\nahci\nata_piix\n");
	if (r->machine.present && strcmp(r->machine.disk_controller, "virtio")) {
		add_driver(&ctl, &nr, r->machine.disk_controller);
		for (size_t i = 0; i < nr; i++) {
			if (strcmp(ctl[i], "ahci") && strcmp(ctl[i], "ata_piix"))
				strbuf_addf(&sb, "%s\n", ctl[i]);
			free(ctl[i]);
		}
		free(ctl);
	}
	strbuf_addf(&sb, "%s\n", fs_type_name(r->type.filesystem));
	return strbuf_detach(&sb);
}

char **kernel_wanted_modules(const struct recipe *r)
{
	char **list = xcalloc(1, sizeof(*list));
	size_t nr = 0;

	add_words(&list, &nr, base_modules);
	add_words(&list, &nr, fs_type_name(r->type.filesystem));
	if (!r->machine.present) {
		add_driver(&list, &nr, "virtio");
	} else {
		add_driver(&list, &nr, r->machine.disk_controller);
		for (size_t i = 0; i < r->machine.nr_nics; i++)
			add_driver(&list, &nr, r->machine.nics[i].driver);
		/* a passed-through device names its own module, e.g. ixgbevf */
		for (size_t i = 0; i < r->machine.nr_hostdevs; i++)
			if (r->machine.hostdevs[i].driver)
				add_words(&list, &nr, r->machine.hostdevs[i].driver);
	}
	for (size_t i = 0; i < r->nr_drivers; i++) {
		/* <drivers><file name="drivers/net/x.ko"/> or just "x" */
		const char *base = strrchr(r->drivers[i], '/');
		CLEANUP_FREE char *name = xstrdup(base ? base + 1 : r->drivers[i]);
		char *dot = strstr(name, ".ko");
		if (dot)
			*dot = '\0';
		add_words(&list, &nr, name);
	}
	return list;
}

/* "kernel/fs/x-y.ko.xz" -> "x_y", as modprobe matches names. */
static char *module_name(const char *path, size_t len)
{
	const char *slash = memrchr(path, '/', len);
	const char *start = slash ? slash + 1 : path;
	const char *dot = memchr(start, '.', (size_t)(path + len - start));
	char *name = xstrndup(start, (size_t)((dot ? dot : path + len) - start));

	for (char *p = name; *p; p++)
		if (*p == '-')
			*p = '_';
	return name;
}

struct dep_line {
	char *name;
	const char *line; /* "path: dep dep" within the text */
	size_t len;
	int keep;
};

static struct dep_line *find_dep(struct dep_line *lines, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(lines[i].name, name))
			return &lines[i];
	return NULL;
}

static void keep(struct dep_line *lines, size_t n, struct dep_line *d)
{
	const char *colon, *p, *end;

	if (d->keep)
		return;
	d->keep = 1;
	colon = memchr(d->line, ':', d->len);
	if (!colon)
		return;
	end = d->line + d->len;
	for (p = colon + 1; p < end;) {
		while (p < end && *p == ' ')
			p++;
		const char *q = p;
		while (q < end && *q != ' ')
			q++;
		if (q > p) {
			CLEANUP_FREE char *name = module_name(p, (size_t)(q - p));
			struct dep_line *dep = find_dep(lines, n, name);
			if (dep)
				keep(lines, n, dep);
		}
		p = q;
	}
}

char **kernel_module_closure(const char *modules_dep, char *const *wanted,
			     char ***missing, size_t *nr_missing)
{
	struct dep_line *lines = NULL;
	size_t n = 0, alloc = 0, nr_out = 0;
	char **out = xcalloc(1, sizeof(*out));

	for (const char *p = modules_dep; *p;) {
		const char *eol = strchrnul(p, '\n');
		const char *colon = memchr(p, ':', (size_t)(eol - p));
		if (colon) {
			ALLOC_GROW(lines, n + 1, alloc);
			lines[n].name = module_name(p, (size_t)(colon - p));
			lines[n].line = p;
			lines[n].len = (size_t)(eol - p);
			lines[n].keep = 0;
			n++;
		}
		p = *eol ? eol + 1 : eol;
	}
	for (char *const *w = wanted; *w; w++) {
		CLEANUP_FREE char *name = module_name(*w, strlen(*w));
		struct dep_line *d = find_dep(lines, n, name);
		if (d)
			keep(lines, n, d);
		else if (missing)
			add_words(missing, nr_missing, *w);
	}
	for (size_t i = 0; i < n; i++) {
		if (lines[i].keep) {
			const char *colon = memchr(lines[i].line, ':', lines[i].len);
			out = xrealloc(out, (nr_out + 2) * sizeof(*out));
			out[nr_out++] = xstrndup(lines[i].line, (size_t)(colon - lines[i].line));
			out[nr_out] = NULL;
		}
		free(lines[i].name);
	}
	free(lines);
	return out;
}

static void free_list(char **list)
{
	for (char **p = list; p && *p; p++)
		free(*p);
	free(list);
}

int kernel_trim_modules(struct guest *gu, const struct recipe *r, const char *version,
			struct kernel_trim *res, struct jeos_error *err)
{
	guestfs_h *g = guest_handle(gu);
	CLEANUP_FREE char *dir = xasprintf("/lib/modules/%s", version);
	CLEANUP_FREE char *dep_path = xasprintf("%s/modules.dep", dir);
	CLEANUP_FREE char *dep = NULL;
	CLEANUP_FREE char *builtin_path = NULL, *builtin = NULL;
	char **wanted = kernel_wanted_modules(r), **closure = NULL, **missing = NULL;
	size_t nr_missing = 0;
	struct strbuf keep_list = STRBUF_INIT, sh = STRBUF_INIT;
	size_t size = 0;
	int64_t kib;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	dep = guestfs_read_file(g, dep_path, &size);
	if (!dep) {
		guest_fail(gu, err, "reading %s", dep_path);
		goto out;
	}
	closure = kernel_module_closure(dep, wanted, &missing, &nr_missing);
	builtin_path = xasprintf("%s/modules.builtin", dir);
	builtin = guestfs_read_file(g, builtin_path, &size);
	for (size_t i = 0; i < nr_missing; i++) {
		CLEANUP_FREE char *needle = xasprintf("/%s.ko", missing[i]);
		if (!builtin || !strstr(builtin, needle))
			log_warn("module %s is not part of kernel %s: left out", missing[i], version);
	}
	for (char **p = closure; *p; p++) {
		strbuf_addf(&keep_list, "%s\n", *p);
		res->kept++;
	}
	for (const char *p = dep; *p; p++)
		res->removed += *p == '\n';
	res->removed -= res->kept;
	if ((kib = guestfs_du(g, dir)) < 0) {
		guest_fail(gu, err, "measuring %s", dir);
		goto out;
	}
	res->kib_before = (uint64_t)kib;
	if (guestfs_write(g, "/.jeos-keep", keep_list.buf, keep_list.len) < 0) {
		guest_fail(gu, err, "writing the module list");
		goto out;
	}
	/* the version is a file name in the image: a quoted word */
	strbuf_addstr(&sh, "version=");
	strbuf_add_sh_quoted(&sh, version);
	strbuf_addstr(&sh,
		"\ncd \"/lib/modules/$version\"\n"
		"find kernel -name '*.ko*' | sort > /.jeos-all\n"
		"sort /.jeos-keep | comm -23 /.jeos-all - | xargs -r rm -f\n"
		"find kernel -type d -empty -delete\n"
		"rm -f /.jeos-all /.jeos-keep\n"
		"depmod -a \"$version\"\n");
	if (guest_run_script(gu, "trimming kernel modules", sh.buf, err) < 0)
		goto out;
	if ((kib = guestfs_du(g, dir)) < 0) {
		guest_fail(gu, err, "measuring %s", dir);
		goto out;
	}
	res->kib_after = (uint64_t)kib;
	rc = 0;
out:
	free_list(wanted);
	free_list(closure);
	free_list(missing);
	strbuf_release(&keep_list);
	strbuf_release(&sh);
	return rc;
}

/* ---- a kernel built from kernel-configs/ ---- */

/* Bump when what a cached kernel directory holds changes. */
#define BUILT_KERNEL_FORMAT "jeos-kernel-1"

static int make_in(const struct kconfig_result *kr, const char *log, struct jeos_error *err,
		   const char *const targets[])
{
	CLEANUP_FREE char *odir = xasprintf("O=%s", kr->build_dir);
	CLEANUP_FREE char *jobs = xasprintf("-j%ld", sysconf(_SC_NPROCESSORS_ONLN));
	char *argv[16] = { "make", "-C", kr->source_dir, odir, "ARCH=x86", jobs };
	size_t n = 6;

	for (size_t i = 0; targets[i] && n < 15; i++)
		argv[n++] = (char *)targets[i];
	argv[n] = NULL;
	return run_program_logged(argv, log, err);
}

static int copy_to(const char *from, const char *dir, const char *name, struct jeos_error *err)
{
	CLEANUP_FREE char *to = xasprintf("%s/%s", dir, name);
	char *const argv[] = { "cp", (char *)from, to, NULL };

	return run_program(argv, err);
}

/* Compiles the configured tree and fills DIR (a temporary name). */
static int compile_into(const struct kconfig_result *kr, const char *dir, int with_modules,
			struct jeos_error *err)
{
	CLEANUP_FREE char *log = xasprintf("%s/jeos-build.log", kr->build_dir);
	CLEANUP_FREE char *bz = xasprintf("%s/arch/x86/boot/bzImage", kr->build_dir);
	CLEANUP_FREE char *map = xasprintf("%s/System.map", kr->build_dir);
	CLEANUP_FREE char *release = xasprintf("%s/release", dir);
	CLEANUP_FREE char *staging = xasprintf("INSTALL_MOD_PATH=%s/staging/usr", dir);
	const char *const build[] = { "bzImage", with_modules ? "modules" : NULL, NULL };
	const char *const install[] = { "INSTALL_MOD_STRIP=1", staging, "modules_install", NULL };
	const char *const kernelrelease[] = { "-s", "kernelrelease", NULL };

	unlink(log);
	if (mkdir_p(dir, 0755, err) < 0 || make_in(kr, log, err, build) < 0 ||
	    copy_to(bz, dir, "vmlinuz", err) < 0 || copy_to(kr->config_path, dir, "config", err) < 0 ||
	    copy_to(map, dir, "System.map", err) < 0 || make_in(kr, release, err, kernelrelease) < 0)
		return -1;
	if (with_modules) {
		CLEANUP_FREE char *tar = xasprintf("%s/modules.tar", dir);
		CLEANUP_FREE char *root = xasprintf("%s/staging", dir);
		char *const tar_argv[] = { "tar", "-C", root, "-cf", tar, "usr", NULL };
		char *const rm_argv[] = { "rm", "-rf", root, NULL };
		if (make_in(kr, log, err, install) < 0 || run_program(tar_argv, err) < 0 ||
		    run_program(rm_argv, err) < 0)
			return -1;
	}
	return 0;
}

int kernel_build(const struct recipe *r, const char *cache_dir, const char *kernel_source,
		 struct built_kernel *k, struct jeos_error *err)
{
	struct kconfig_options ko = { .cache_dir = cache_dir, .kernel_source = kernel_source };
	struct kconfig_result kr = { 0 };
	struct sha256 h;
	char key[SHA256_HEX_LEN + 1];
	CLEANUP_FREE char *vmlinuz = NULL, *release_path = NULL, *tmp = NULL, *parent = NULL;
	struct strbuf release = STRBUF_INIT;
	double start = now_seconds();
	int rc = -1;

	memset(k, 0, sizeof(*k));
	if (kconfig_for_recipe(r, &ko, &kr, err) < 0)
		goto out;
	sha256_init(&h);
	sha256_update(&h, BUILT_KERNEL_FORMAT, strlen(BUILT_KERNEL_FORMAT));
	sha256_update(&h, kr.source_id, strlen(kr.source_id));
	sha256_update(&h, kr.config_sha256, strlen(kr.config_sha256));
	sha256_final(&h, key);
	parent = xasprintf("%s/kernels", cache_dir);
	k->dir = xasprintf("%s/%s", parent, key);
	memcpy(k->config_sha256, kr.config_sha256, sizeof(k->config_sha256));
	k->has_modules = kr.nr_m > 0;
	vmlinuz = xasprintf("%s/vmlinuz", k->dir);
	if (access(vmlinuz, R_OK) < 0) {
		log_info("compiling the kernel (%zu built in, %zu modules) on %ld CPUs: minutes; "
			 "log in %s/jeos-build.log", kr.nr_y, kr.nr_m, sysconf(_SC_NPROCESSORS_ONLN),
			 kr.build_dir);
		tmp = tmpname_for(k->dir);
		if (mkdir_p(parent, 0755, err) < 0 || compile_into(&kr, tmp, k->has_modules, err) < 0 ||
		    (rename(tmp, k->dir) < 0 &&
		     jeos_fail(err, JEOS_EXIT_FAILED, "cannot rename %s: %s", tmp, strerror(errno)))) {
			char *const rm_argv[] = { "rm", "-rf", tmp, NULL };
			run_program(rm_argv, NULL);
			goto out;
		}
		k->build_seconds = now_seconds() - start;
	}
	release_path = xasprintf("%s/release", k->dir);
	if (strbuf_read_file(&release, release_path) < 0 || !release.len) {
		jeos_fail(err, JEOS_EXIT_FAILED, "cannot read %s", release_path);
		goto out;
	}
	k->release = xstrndup(release.buf, strcspn(release.buf, "\n"));
	rc = 0;
out:
	strbuf_release(&release);
	kconfig_result_free(&kr);
	if (rc < 0)
		built_kernel_free(k);
	return rc;
}

void built_kernel_free(struct built_kernel *k)
{
	free(k->dir);
	free(k->release);
	memset(k, 0, sizeof(*k));
}

int kernel_install_built(struct guest *gu, const struct built_kernel *k, struct jeos_error *err)
{
	static const struct {
		const char *file, *target;
	} files[] = {
		{ "vmlinuz", "/boot/vmlinuz-%s" },
		{ "config", "/boot/config-%s" },
		{ "System.map", "/boot/System.map-%s" },
	};
	guestfs_h *g = guest_handle(gu);

	if (guestfs_mkdir_p(g, "/boot") < 0)
		return guest_fail(gu, err, "making /boot");
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		CLEANUP_FREE char *from = xasprintf("%s/%s", k->dir, files[i].file);
		CLEANUP_FREE char *to = xasprintf(files[i].target, k->release);
		if (guestfs_upload(g, from, to) < 0)
			return guest_fail(gu, err, "copying %s into the image", to);
	}
	if (k->has_modules) {
		CLEANUP_FREE char *tar = xasprintf("%s/modules.tar", k->dir);
		if (guestfs_tar_in(g, tar, "/") < 0)
			return guest_fail(gu, err, "copying the kernel's modules into the image");
	}
	return 0;
}
