/* kernel.c - see kernel.h. */
#include "kernel.h"

#include <stdlib.h>
#include <string.h>

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
	strbuf_addf(&sh,
		"cd /lib/modules/%s\n"
		"find kernel -name '*.ko*' | sort > /.jeos-all\n"
		"sort /.jeos-keep | comm -23 /.jeos-all - | xargs -r rm -f\n"
		"find kernel -type d -empty -delete\n"
		"rm -f /.jeos-all /.jeos-keep\n"
		"depmod -a %s\n", version, version);
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
