/* kconfig.c - see kconfig.h. */
#include "kconfig.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deb.h"
#include "fetch.h"
#include "kconfig_tree.h"
#include "resolve.h"

/* ---- fragments ---- */

static size_t name_hash(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static struct kconfig_sym *find(const struct kconfig_frag *f, const char *name)
{
	size_t mask = f->nr_slots - 1;

	if (!f->nr_slots)
		return NULL;
	for (size_t h = name_hash(name) & mask; f->slots[h]; h = (h + 1) & mask)
		if (!strcmp(f->syms[f->slots[h] - 1].name, name))
			return &f->syms[f->slots[h] - 1];
	return NULL;
}

/* Keeps the table at most half full so that probes stay short. */
static void index_add(struct kconfig_frag *f, size_t i)
{
	size_t mask, h;

	if ((f->nr + 1) * 2 > f->nr_slots) {
		free(f->slots);
		f->nr_slots = f->nr_slots ? f->nr_slots * 2 : 256;
		f->slots = xcalloc(f->nr_slots, sizeof(*f->slots));
		for (size_t k = 0; k < f->nr; k++)
			if (k != i)
				index_add(f, k);
	}
	mask = f->nr_slots - 1;
	for (h = name_hash(f->syms[i].name) & mask; f->slots[h]; h = (h + 1) & mask)
		;
	f->slots[h] = i + 1;
}

static void frag_set(struct kconfig_frag *f, const char *name, const char *value, const char *where)
{
	struct kconfig_sym *s = find(f, name);

	if (s) {
		free(s->value);
		free(s->where);
	} else {
		ALLOC_GROW(f->syms, f->nr + 1, f->alloc);
		s = &f->syms[f->nr];
		s->name = xstrdup(name);
		index_add(f, f->nr);
		f->nr++;
	}
	s->value = xstrdup(value);
	s->where = xstrdup(where);
}

const struct kconfig_sym *kconfig_frag_get(const struct kconfig_frag *f, const char *name)
{
	return find(f, name);
}

const char *kconfig_frag_value(const struct kconfig_frag *f, const char *name)
{
	const struct kconfig_sym *s = find(f, name);

	return s ? s->value : "n";
}

static int valid_symbol(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return n > 0;
}

/* y, m, n, a decimal or 0x hex number, or a "quoted string" */
static int valid_value(const char *v)
{
	const char *p = v;

	if (!strcmp(v, "y") || !strcmp(v, "m") || !strcmp(v, "n"))
		return 1;
	if (*v == '"') {
		for (p = v + 1; *p && *p != '"'; p++)
			if (*p == '\\' && p[1])
				p++;
		return *p == '"' && !p[1];
	}
	if (str_has_prefix(v, "0x") || str_has_prefix(v, "0X")) {
		for (p = v + 2; isxdigit((unsigned char)*p); p++)
			;
		return p > v + 2 && !*p;
	}
	if (*p == '-')
		p++;
	for (v = p; isdigit((unsigned char)*p); p++)
		;
	return p > v && !*p;
}

static int parse_line(struct kconfig_frag *f, char *line, const char *path, unsigned lineno,
		      struct jeos_error *err)
{
	static const char not_set[] = " is not set";
	char *s = line + strspn(line, " \t"), *end = s + strlen(s), *eq;
	const char *name, *value;
	size_t len;

	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	if (str_has_prefix(s, "# CONFIG_") && str_has_suffix(s, not_set)) {
		name = s + strlen("# CONFIG_");
		len = (size_t)(end - name) - strlen(not_set);
		value = "n";
	} else if (!*s || *s == '#') {
		return 0;
	} else if (str_has_prefix(s, "CONFIG_") && (eq = strchr(s, '='))) {
		name = s + strlen("CONFIG_");
		len = (size_t)(eq - name);
		value = eq + 1;
		if (!valid_value(value))
			return jeos_fail(err, JEOS_EXIT_USAGE,
					 "%s:%u: error: CONFIG_%.*s: expected y, m, n, a number or a "
					 "\"quoted string\", got '%s'", path, lineno, (int)len, name, value);
	} else {
		return jeos_fail(err, JEOS_EXIT_USAGE,
				 "%s:%u: error: expected CONFIG_NAME=VALUE or "
				 "'# CONFIG_NAME is not set', got '%s'", path, lineno, s);
	}
	if (!valid_symbol(name, len))
		return jeos_fail(err, JEOS_EXIT_USAGE,
				 "%s:%u: error: '%.*s' is not a Kconfig symbol (letters, digits, _)",
				 path, lineno, (int)len, name);

	CLEANUP_FREE char *sym = xstrndup(name, len);
	CLEANUP_FREE char *where = xasprintf("%s:%u", path, lineno);
	const struct kconfig_sym *old = find(f, sym);
	if (old)
		return jeos_fail(err, JEOS_EXIT_USAGE, "%s: error: CONFIG_%s is set again (first at %s)",
				 where, sym, old->where);
	frag_set(f, sym, value, where);
	return 0;
}

int kconfig_frag_parse(struct kconfig_frag *f, const char *text, const char *path,
		       struct jeos_error *err)
{
	unsigned lineno = 0;

	for (const char *p = text; *p;) {
		const char *eol = strchrnul(p, '\n');
		CLEANUP_FREE char *line = xstrndup(p, (size_t)(eol - p));
		p = *eol ? eol + 1 : eol;
		if (parse_line(f, line, path, ++lineno, err) < 0)
			return -1;
	}
	return 0;
}

int kconfig_frag_load(struct kconfig_frag *f, const char *path, struct jeos_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	int rc;

	if (strbuf_read_file(&sb, path) < 0)
		return jeos_fail(err, JEOS_EXIT_USAGE, "cannot read %s: %s", path, strerror(errno));
	rc = kconfig_frag_parse(f, sb.buf ? sb.buf : "", path, err);
	strbuf_release(&sb);
	return rc;
}

size_t kconfig_frag_merge(struct kconfig_frag *into, const struct kconfig_frag *from,
			  int note_overrides)
{
	size_t changed = 0;

	for (size_t i = 0; i < from->nr; i++) {
		const struct kconfig_sym *s = &from->syms[i], *old = find(into, s->name);
		if (!strcmp(old ? old->value : "n", s->value))
			continue;
		changed++;
		if (note_overrides && old)
			log_info("%s: CONFIG_%s=%s overrides %s from %s", s->where, s->name,
				 s->value, old->value, old->where);
	}
	for (size_t i = 0; i < from->nr; i++)
		frag_set(into, from->syms[i].name, from->syms[i].value, from->syms[i].where);
	return changed;
}

void kconfig_frag_format(const struct kconfig_frag *f, struct strbuf *out)
{
	for (size_t i = 0; i < f->nr; i++) {
		if (!strcmp(f->syms[i].value, "n"))
			strbuf_addf(out, "# CONFIG_%s is not set\n", f->syms[i].name);
		else
			strbuf_addf(out, "CONFIG_%s=%s\n", f->syms[i].name, f->syms[i].value);
	}
}

void kconfig_frag_free(struct kconfig_frag *f)
{
	for (size_t i = 0; i < f->nr; i++) {
		free(f->syms[i].name);
		free(f->syms[i].value);
		free(f->syms[i].where);
	}
	free(f->syms);
	free(f->slots);
	memset(f, 0, sizeof(*f));
}

/* ---- which fragments ---- */

/* <machine> controller and NIC names -> the fragment that drives them.
 * The names are the ones kernel.c maps to modules. */
static const struct {
	const char *name, *fragment;
} hardware[] = {
	{ "virtio", "virtio" },
	{ "ide", "legacy" },
	{ "sata", "legacy" },
	{ "e1000", "legacy" },
	{ "e1000e", "legacy" },
	{ "lsilogic", "vmware" },
	{ "lsilogicsas", "vmware" },
	{ "pvscsi", "vmware" },
	{ "vmxnet3", "vmware" },
};

static void add_name(char ***list, size_t *nr, const char *name)
{
	for (size_t i = 0; i < *nr; i++)
		if (!strcmp((*list)[i], name))
			return;
	*list = xrealloc(*list, (*nr + 2) * sizeof(**list));
	(*list)[(*nr)++] = xstrdup(name);
	(*list)[*nr] = NULL;
}

static int add_hardware(char ***list, size_t *nr, const struct recipe *r, const char *what,
			const char *name, struct jeos_error *err)
{
	for (size_t i = 0; i < sizeof(hardware) / sizeof(hardware[0]); i++)
		if (!strcmp(hardware[i].name, name)) {
			add_name(list, nr, hardware[i].fragment);
			return 0;
		}
	return jeos_fail(err, JEOS_EXIT_USAGE,
			 "%s: error: <machine>: no kernel config fragment drives the %s '%s'",
			 r->path, what, name);
}

/* The names in <jeos:kernel config="a, b">: empty entries are skipped. */
static int recipe_fragments(const struct recipe *r, char ***list, size_t *nr,
			    struct jeos_error *err)
{
	CLEANUP_FREE char *copy = xstrdup(r->kernel.config ? r->kernel.config : "");
	char *save = NULL;

	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		char *end;
		w += strspn(w, " \t");
		for (end = w + strlen(w); end > w && isspace((unsigned char)end[-1]);)
			*--end = '\0';
		if (!*w)
			continue;
		/* a name, not a path: fragments live in kernel-configs/ or the recipe directory */
		if (*w == '.' || w[strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")])
			return jeos_fail(err, JEOS_EXIT_USAGE,
					 "%s: error: <jeos:kernel config>: '%s' is not a fragment name "
					 "(letters, digits, '.', '_', '-')", r->path, w);
		add_name(list, nr, w);
	}
	return 0;
}

int kconfig_choose(const struct recipe *r, char ***names, struct jeos_error *err)
{
	char **list = NULL, **own = NULL;
	size_t nr = 0, nr_own = 0;
	int busybox = 0, rc = -1; /* a recipe that names base-minimal boots busybox */

	if (recipe_fragments(r, &own, &nr_own, err) < 0)
		goto out;
	for (size_t i = 0; i < nr_own; i++)
		busybox |= !strcmp(own[i], "base-minimal");
	add_name(&list, &nr, "base-minimal");
	if (!busybox)
		add_name(&list, &nr, "base-systemd");
	if (!r->machine.present) {
		add_name(&list, &nr, "virtio");
	} else {
		if (r->machine.disk_controller &&
		    add_hardware(&list, &nr, r, "disk controller", r->machine.disk_controller, err) < 0)
			goto out;
		for (size_t i = 0; i < r->machine.nr_nics; i++)
			if (add_hardware(&list, &nr, r, "NIC", r->machine.nics[i].driver ?
					 r->machine.nics[i].driver : "virtio", err) < 0)
				goto out;
	}
	add_name(&list, &nr, fs_type_name(r->type.filesystem));
	if (r->type.firmware == FW_EFI)
		add_name(&list, &nr, "efi");
	for (size_t i = 0; i < nr_own; i++)
		add_name(&list, &nr, own[i]);
	*names = list;
	list = NULL;
	rc = 0;
out:
	for (size_t i = 0; list && list[i]; i++)
		free(list[i]);
	free(list);
	for (size_t i = 0; i < nr_own; i++)
		free(own[i]);
	free(own);
	return rc;
}

/* ---- verification ---- */

int kconfig_verify(const struct kconfig_frag *requested, const struct kconfig_frag *final,
		   const char *srctree, struct jeos_error *err)
{
	struct strbuf msg = STRBUF_INIT;
	char **bad = xcalloc(requested->nr + 1, sizeof(*bad));
	size_t nr = 0;
	int rc = 0;

	for (size_t i = 0; i < requested->nr; i++)
		if (strcmp(requested->syms[i].value, kconfig_frag_value(final, requested->syms[i].name)))
			bad[nr++] = requested->syms[i].name;
	if (nr) {
		strbuf_addf(&msg, "error: kernel config: Kconfig did not keep %zu value%s the fragments "
			    "ask for (kernel tree %s):\n", nr, nr == 1 ? "" : "s", srctree);
		rc = kconfig_explain(srctree, bad, nr, requested, final, &msg, err);
		if (rc == 0) {
			while (msg.len && msg.buf[msg.len - 1] == '\n')
				msg.buf[--msg.len] = '\0';
			rc = jeos_fail(err, JEOS_EXIT_FAILED, "%s", msg.buf);
		}
	}
	free(bad);
	strbuf_release(&msg);
	return rc;
}

/* ---- the kernel source ---- */

/* Resolves the source package with the recipe's repositories (as `jeos
 * resolve` does: signed indexes, libsolv, the repository priorities) and
 * fetches that one package; the rest of the solved set is not needed. */
static int fetch_source_package(const struct recipe *r, struct fetcher *f, const char *name,
				char **deb, char sha256[SHA256_HEX_LEN + 1], struct jeos_error *err)
{
	struct recipe q = *r;
	struct recipe_package want = { .name = (char *)name };
	struct resolved res;
	struct fetch_item item = { 0 };
	const struct pkg *p;
	CLEANUP_FREE char *url = NULL;
	int rc = -1;

	q.packages[PKGS_BOOTSTRAP] = NULL;
	q.nr_packages[PKGS_BOOTSTRAP] = 0;
	q.packages[PKGS_IMAGE] = &want;
	q.nr_packages[PKGS_IMAGE] = 1;
	q.recommends = 0;
	if (resolve_recipe(&q, f, 0, &res, err) < 0) {
		jeos_error_prefix(err, "%s: kernel source %s: ", r->path, name);
		return -1;
	}
	if (!(p = pkgset_find(&res.set, name))) {
		jeos_fail(err, JEOS_EXIT_USAGE, "%s: error: kernel source %s is a virtual package: "
			  "name the package that provides it", r->path, name);
		goto out;
	}
	url = xasprintf("%s/%s", r->repos[p->repo].uri, p->filename);
	item.url = url;
	item.sha256 = p->sha256;
	item.size = p->size;
	log_info("kernel source: %s %s", p->name, p->version);
	if (fetch_items(f, &item, 1, err) < 0)
		goto out;
	*deb = item.path;
	memcpy(sha256, p->sha256, SHA256_HEX_LEN + 1);
	rc = 0;
out:
	resolved_free(&res);
	return rc;
}

/* Copies /usr/src/linux-source-*.tar.xz out of the package into dir and
 * unpacks it there with tar. */
static int unpack_source_deb(const char *deb_path, const char *dir, struct jeos_error *err)
{
	struct deb *d = NULL;
	struct deb_data *it = NULL;
	struct deb_entry e;
	CLEANUP_FREE char *tarball = NULL;
	FILE *fp = NULL;
	char buf[1 << 16];
	ssize_t n = 0;
	int more, short_write, rc = -1;

	if (deb_open(&d, deb_path, err) < 0 || deb_data_begin(d, &it, err) < 0)
		goto out;
	while ((more = deb_data_next(it, &e, err)) == 1)
		if (S_ISREG(e.mode) && !e.hardlink && str_has_prefix(e.path, "/usr/src/linux-source-") &&
		    str_has_suffix(e.path, ".tar.xz"))
			break;
	if (more < 0)
		goto out;
	if (!more) {
		jeos_fail(err, JEOS_EXIT_FAILED, "%s: no /usr/src/linux-source-*.tar.xz in it", deb_path);
		goto out;
	}
	tarball = xasprintf("%s/%s", dir, strrchr(e.path, '/') + 1);
	if (!(fp = fopen(tarball, "wxe"))) {
		jeos_fail(err, JEOS_EXIT_FAILED, "cannot create %s: %s", tarball, strerror(errno));
		goto out;
	}
	while ((n = deb_data_read(it, buf, sizeof(buf), err)) > 0)
		if (fwrite(buf, 1, (size_t)n, fp) != (size_t)n)
			break;
	if (n < 0)
		goto out;
	short_write = n > 0;
	if (fclose(fp) != 0 || short_write) {
		fp = NULL;
		jeos_fail(err, JEOS_EXIT_FAILED, "cannot write %s: %s", tarball, strerror(errno));
		goto out;
	}
	fp = NULL;
	char *const tar[] = { "tar", "-xf", tarball, "-C", (char *)dir, "--no-same-owner", NULL };
	if (run_program(tar, err) < 0)
		goto out;
	rc = 0;
out:
	if (fp)
		fclose(fp);
	if (tarball)
		unlink(tarball);
	deb_data_end(it);
	deb_close(d);
	return rc;
}

/* The one directory inside dir (the tarball's top), or NULL. */
static char *top_dir(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	char *top = NULL;

	while (dp && !top && (de = readdir(dp)))
		if (de->d_name[0] != '.' && de->d_type == DT_DIR)
			top = xasprintf("%s/%s", dir, de->d_name);
	if (dp)
		closedir(dp);
	return top;
}

/* <cache>/kernel-source/<sha256 of the .deb>/<top>: unpacked once, under a
 * temporary name renamed into place when complete. */
static int source_tree(const char *cache, const char *deb, const char *sha256, char **tree,
		       struct jeos_error *err)
{
	CLEANUP_FREE char *root = xasprintf("%s/kernel-source", cache);
	CLEANUP_FREE char *final = xasprintf("%s/%s", root, sha256);
	CLEANUP_FREE char *tmp = NULL;
	struct jeos_error ignored;
	double start = now_seconds();
	int rc = -1;

	if ((*tree = top_dir(final)))
		return 0;
	if (mkdir_p(root, 0755, err) < 0)
		return -1;
	tmp = tmpname_for(final);
	if (mkdir(tmp, 0755) < 0)
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot create %s: %s", tmp, strerror(errno));
	log_info("kernel source: unpacking %s into %s", deb, final);
	if (unpack_source_deb(deb, tmp, err) < 0)
		goto out;
	/* EEXIST/ENOTEMPTY: another jeos unpacked it meanwhile; use that one */
	if (rename(tmp, final) < 0 && errno != EEXIST && errno != ENOTEMPTY) {
		jeos_fail(err, JEOS_EXIT_FAILED, "cannot rename %s to %s: %s", tmp, final, strerror(errno));
		goto out;
	}
	if (!(*tree = top_dir(final))) {
		jeos_fail(err, JEOS_EXIT_FAILED, "%s: the kernel tarball held no directory", final);
		goto out;
	}
	log_info("kernel source: unpacked in %.0f s", now_seconds() - start);
	rc = 0;
out:
	if (access(tmp, F_OK) == 0) {
		char *const rm[] = { "rm", "-rf", tmp, NULL };
		run_program(rm, &ignored);
	}
	return rc;
}

static int find_source(const struct recipe *r, const struct kconfig_options *o,
		       struct fetcher *f, const char *cache, struct kconfig_result *res,
		       struct jeos_error *err)
{
	const char *name = r->kernel.source;
	CLEANUP_FREE char *deb = NULL, *kconfig = NULL;
	char sha256[SHA256_HEX_LEN + 1];

	if (o->kernel_source) {
		res->source_dir = realpath(o->kernel_source, NULL);
		kconfig = xasprintf("%s/Kconfig", o->kernel_source);
		if (!res->source_dir || access(kconfig, R_OK) < 0)
			return jeos_fail(err, JEOS_EXIT_USAGE, "--kernel-source %s: not a kernel tree "
					 "(no readable Kconfig)", o->kernel_source);
		res->source_id = xstrdup(res->source_dir);
		return 0;
	}
	if (!name)
		return jeos_fail(err, JEOS_EXIT_USAGE, "%s: error: no kernel source known for this "
				 "release: name one with <jeos:kernel source=\"linux-source-X.Y\"/> "
				 "or --kernel-source DIR", r->path);
	if (fetch_source_package(r, f, name, &deb, sha256, err) < 0 ||
	    source_tree(cache, deb, sha256, &res->source_dir, err) < 0)
		return -1;
	res->source_id = xstrdup(sha256);
	return 0;
}

/* ---- running Kconfig ---- */

/* make -C src O=build ARCH=x86 target, its output kept in build/ so that
 * make's chatter stays out of jeos's own, and a failure can quote it. */
static int run_make(const char *src, const char *build, const char *target, struct jeos_error *err)
{
	CLEANUP_FREE char *log = xasprintf("%s/jeos-%s.log", build, target);
	CLEANUP_FREE char *out = xasprintf("O=%s", build);
	struct strbuf text = STRBUF_INIT;
	/* the caller's make variables (MAKEFLAGS when run from `make test`,
	 * KCONFIG_CONFIG) must not reach the kernel's make */
	char *const argv[] = {
		"sh", "-c", "unset MAKEFLAGS MFLAGS MAKELEVEL KCONFIG_CONFIG KCONFIG_ALLCONFIG; "
		"log=$1; shift; exec \"$@\" >\"$log\" 2>&1",
		"sh", log, "make", "-C", (char *)src, out, "ARCH=" KCONFIG_SRCARCH, (char *)target, NULL,
	};
	const char *tail = "";
	int lines = 0;

	if (run_program(argv, err) == 0)
		return 0;
	if (strbuf_read_file(&text, log) == 0 && text.len) {
		/* the last 20 lines */
		for (tail = text.buf + text.len - 1; tail > text.buf; tail--)
			if (tail[-1] == '\n' && ++lines == 20)
				break;
	}
	jeos_fail(err, JEOS_EXIT_FAILED, "error: make %s for %s failed (output in %s):\n%s",
		  target, src, log, tail);
	strbuf_release(&text);
	return -1;
}

static int copy_file(const char *from, const char *to, struct jeos_error *err)
{
	struct strbuf text = STRBUF_INIT;
	int rc;

	if (strbuf_read_file(&text, from) < 0)
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot read %s: %s", from, strerror(errno));
	rc = write_file(to, text.buf ? text.buf : "", text.len, err);
	strbuf_release(&text);
	return rc;
}

/* The O= directory: one per kernel source and set of requested values, so
 * the kernel build that follows in it is incremental for the same recipe. */
static char *build_dir_for(const char *cache, const char *source_id,
			   const struct kconfig_frag *requested)
{
	struct strbuf sb = STRBUF_INIT;
	char key[SHA256_HEX_LEN + 1];

	strbuf_addf(&sb, "%s\n", source_id);
	kconfig_frag_format(requested, &sb);
	sha256_buffer(sb.buf, sb.len, key);
	strbuf_release(&sb);
	return xasprintf("%s/kernel-build/%s", cache, key);
}

/* tinyconfig, the fragments merged onto it as text (olddefconfig reads no
 * fragments), olddefconfig; final is the resulting .config. */
static int configure(struct kconfig_result *res, const struct kconfig_frag *frags,
		     struct kconfig_frag *final, struct jeos_error *err)
{
	struct kconfig_frag config = { 0 };
	struct strbuf text = STRBUF_INIT;
	double t0 = now_seconds(), t1, t2;
	int rc = -1;

	if (mkdir_p(res->build_dir, 0755, err) < 0 ||
	    run_make(res->source_dir, res->build_dir, "tinyconfig", err) < 0 ||
	    kconfig_frag_load(&config, res->config_path, err) < 0)
		goto out;
	t1 = now_seconds();
	for (size_t i = 0; i < res->nr_frags; i++)
		res->frags[i].added = kconfig_frag_merge(&config, &frags[i], 0);
	kconfig_frag_format(&config, &text);
	if (write_file(res->config_path, text.buf, text.len, err) < 0 ||
	    run_make(res->source_dir, res->build_dir, "olddefconfig", err) < 0 ||
	    kconfig_frag_load(final, res->config_path, err) < 0)
		goto out;
	t2 = now_seconds();
	log_info("kernel config: tinyconfig %.1f s, olddefconfig %.1f s in %s",
		 t1 - t0, t2 - t1, res->build_dir);
	rc = 0;
out:
	kconfig_frag_free(&config);
	strbuf_release(&text);
	return rc;
}

static int load_fragments(const struct recipe *r, const char *configs, char **names,
			  struct kconfig_result *res, struct kconfig_frag **frags,
			  struct jeos_error *err)
{
	size_t n = 0;

	while (names[n])
		n++;
	*frags = xcalloc(n, sizeof(**frags));
	res->frags = xcalloc(n, sizeof(*res->frags));
	res->nr_frags = n;
	for (size_t i = 0; i < n; i++) {
		struct kconfig_fragment_stat *st = &res->frags[i];
		st->name = xstrdup(names[i]);
		/* "x.config" is the recipe's own; other names are kernel-configs/NAME.config */
		st->path = str_has_suffix(names[i], ".config") ?
			   xasprintf("%s/%s", r->dir, names[i]) :
			   xasprintf("%s/%s.config", configs, names[i]);
		if (kconfig_frag_load(&(*frags)[i], st->path, err) < 0) {
			jeos_error_prefix(err, "%s: kernel config fragment '%s': ", r->path, names[i]);
			return -1;
		}
		st->set = (*frags)[i].nr;
	}
	return 0;
}

static void count_values(const struct kconfig_frag *final, struct kconfig_result *res)
{
	for (size_t i = 0; i < final->nr; i++) {
		res->nr_y += !strcmp(final->syms[i].value, "y");
		res->nr_m += !strcmp(final->syms[i].value, "m");
	}
}

int kconfig_for_recipe(const struct recipe *r, const struct kconfig_options *o,
		       struct kconfig_result *res, struct jeos_error *err)
{
	struct fetch_options fo = { .cache_dir = o->cache_dir };
	struct fetcher *f = NULL;
	CLEANUP_FREE char *dir = o->configs_dir ? xstrdup(o->configs_dir) :
				 jeos_data_dir(JEOS_DATA_KERNEL_CONFIGS);
	/* messages name the fragments without build/../ */
	CLEANUP_FREE char *configs = realpath(dir, NULL);
	CLEANUP_FREE char *cache = NULL;
	struct kconfig_frag *frags = NULL, requested = { 0 }, final = { 0 };
	char **names = NULL;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (kconfig_choose(r, &names, err) < 0 ||
	    load_fragments(r, configs ? configs : dir, names, res, &frags, err) < 0 ||
	    fetcher_new(&f, &fo, err) < 0)
		goto out;
	/* absolute: make runs in the kernel tree */
	if (!(cache = realpath(fetcher_cache_dir(f), NULL))) {
		jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s", fetcher_cache_dir(f), strerror(errno));
		goto out;
	}
	if (find_source(r, o, f, cache, res, err) < 0)
		goto out;
	for (size_t i = 0; i < res->nr_frags; i++)
		kconfig_frag_merge(&requested, &frags[i], 1);
	res->build_dir = build_dir_for(cache, res->source_id, &requested);
	res->config_path = xasprintf("%s/.config", res->build_dir);
	if (configure(res, frags, &final, err) < 0 ||
	    kconfig_verify(&requested, &final, res->source_dir, err) < 0 ||
	    sha256_file(res->config_path, res->config_sha256, err) < 0)
		goto out;
	count_values(&final, res);
	if (o->output && copy_file(res->config_path, o->output, err) < 0)
		goto out;
	rc = 0;
out:
	for (size_t i = 0; frags && i < res->nr_frags; i++)
		kconfig_frag_free(&frags[i]);
	free(frags);
	for (size_t i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
	kconfig_frag_free(&requested);
	kconfig_frag_free(&final);
	fetcher_free(f);
	if (rc < 0)
		kconfig_result_free(res);
	return rc;
}

void kconfig_print_summary(const struct kconfig_result *res, FILE *out)
{
	fprintf(out, "kernel source: %s\n", res->source_dir);
	for (size_t i = 0; i < res->nr_frags; i++)
		fprintf(out, "fragment %s: %zu symbols, %zu new (not so in tinyconfig%s)\n",
			res->frags[i].name, res->frags[i].set, res->frags[i].added,
			i ? " or the fragments before" : "");
	fprintf(out, "kernel config: %zu =y, %zu =m, sha256 %s: %s\n", res->nr_y, res->nr_m,
		res->config_sha256, res->config_path);
}

void kconfig_result_free(struct kconfig_result *res)
{
	free(res->source_dir);
	free(res->source_id);
	free(res->build_dir);
	free(res->config_path);
	for (size_t i = 0; i < res->nr_frags; i++) {
		free(res->frags[i].name);
		free(res->frags[i].path);
	}
	free(res->frags);
	memset(res, 0, sizeof(*res));
}
