/* mirror.c - see mirror.h. */
#include "mirror.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "deb822.h"

int mirror_map_add(struct mirror_map *m, const char *name_eq_uri,
		   struct jeos_error *err)
{
	const char *eq = strchr(name_eq_uri, '=');

	if (!eq || eq == name_eq_uri || !eq[1]) {
		CLEANUP_FREE char *shown = uri_redact(name_eq_uri);
		return jeos_fail(err, JEOS_EXIT_USAGE,
				 "--mirror expects NAME=URI, got '%s'", shown);
	}
	ALLOC_GROW(m->names, m->nr + 1, m->alloc);
	m->uris = xrealloc(m->uris, m->alloc * sizeof(*m->uris));
	m->names[m->nr] = xstrndup(name_eq_uri, (size_t)(eq - name_eq_uri));
	m->uris[m->nr] = xstrdup(eq + 1);
	m->nr++;
	return 0;
}

void mirror_map_free(struct mirror_map *m)
{
	for (size_t i = 0; i < m->nr; i++) {
		free(m->names[i]);
		free(m->uris[i]);
	}
	free(m->names);
	free(m->uris);
	memset(m, 0, sizeof(*m));
}

static void add_uri(char ***uris, size_t *n, size_t *alloc, const char *s, size_t len)
{
	while (len && s[len - 1] == '/')
		len--;
	ALLOC_GROW(*uris, *n + 2, *alloc);
	(*uris)[(*n)++] = xstrndup(s, len);
	(*uris)[*n] = NULL;
}

/* One-line format: "deb [opts] URI suite components..." */
static void read_sources_list(const char *text, char ***uris, size_t *n, size_t *alloc)
{
	const char *line = text;

	while (*line) {
		const char *eol = strchrnul(line, '\n');
		const char *p = line;

		while (p < eol && isspace((unsigned char)*p))
			p++;
		if (eol - p > 4 && !strncmp(p, "deb", 3) && isspace((unsigned char)p[3])) {
			p += 3;
			while (p < eol && isspace((unsigned char)*p))
				p++;
			if (*p == '[') {
				const char *close = memchr(p, ']', (size_t)(eol - p));
				p = close ? close + 1 : eol;
				while (p < eol && isspace((unsigned char)*p))
					p++;
			}
			const char *e = p;
			while (e < eol && !isspace((unsigned char)*e))
				e++;
			if (e > p)
				add_uri(uris, n, alloc, p, (size_t)(e - p));
		}
		line = *eol ? eol + 1 : eol;
	}
}

static int read_deb822_sources(const char *path, const char *text,
			       char ***uris, size_t *n, size_t *alloc,
			       struct jeos_error *err)
{
	struct deb822_reader r;
	struct deb822_para para = { 0 };
	int rc;

	deb822_reader_init(&r, text, strlen(text), path);
	while ((rc = deb822_next(&r, &para, err)) == 1) {
		const char *types = deb822_get(&para, "Types");
		const char *list = deb822_get(&para, "URIs");
		const char *enabled = deb822_get(&para, "Enabled");

		if (!list || !types || !strstr(types, "deb") ||
		    (enabled && !strcmp(enabled, "no")))
			continue;
		/* "deb-src" alone is not a binary source */
		if (!strcmp(types, "deb-src"))
			continue;
		for (const char *p = list; *p;) {
			size_t len = strcspn(p, " \t\n");
			if (len)
				add_uri(uris, n, alloc, p, len);
			p += len;
			p += strspn(p, " \t\n");
		}
	}
	deb822_para_clear(&para);
	return rc < 0 ? -1 : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int mirror_host_uris(const char *apt_root, char ***uris_out, size_t *n,
		     struct jeos_error *err)
{
	CLEANUP_FREE char *list = xasprintf("%s/etc/apt/sources.list", apt_root);
	CLEANUP_FREE char *dirpath = xasprintf("%s/etc/apt/sources.list.d", apt_root);
	struct strbuf sb = STRBUF_INIT;
	char **uris = NULL, **names = NULL;
	size_t alloc = 0, nr_names = 0, names_alloc = 0;
	DIR *dir;
	int rc = 0;

	*n = 0;
	if (strbuf_read_file(&sb, list) == 0)
		read_sources_list(sb.buf, &uris, n, &alloc);
	dir = opendir(dirpath);
	if (dir) {
		struct dirent *de;
		while ((de = readdir(dir))) {
			if (str_has_suffix(de->d_name, ".sources") ||
			    str_has_suffix(de->d_name, ".list")) {
				ALLOC_GROW(names, nr_names + 1, names_alloc);
				names[nr_names++] = xstrdup(de->d_name);
			}
		}
		closedir(dir);
	}
	/* apt reads the directory in alphabetical order */
	if (nr_names)
		qsort(names, nr_names, sizeof(*names), cmp_str);
	for (size_t i = 0; i < nr_names && rc == 0; i++) {
		CLEANUP_FREE char *path = xasprintf("%s/%s", dirpath, names[i]);
		strbuf_reset(&sb);
		if (strbuf_read_file(&sb, path) < 0)
			continue;
		if (str_has_suffix(names[i], ".list"))
			read_sources_list(sb.buf, &uris, n, &alloc);
		else
			rc = read_deb822_sources(path, sb.buf, &uris, n, &alloc, err);
	}
	for (size_t i = 0; i < nr_names; i++)
		free(names[i]);
	free(names);
	strbuf_release(&sb);
	if (!uris)
		uris = xcalloc(1, sizeof(*uris));
	*uris_out = uris;
	return rc;
}

static void free_list(char **list)
{
	if (!list)
		return;
	for (char **p = list; *p; p++)
		free(*p);
	free(list);
}

/* The last path component of a URI: "debian" for "http://h/debian". */
static const char *uri_basename(const char *uri)
{
	const char *slash = strrchr(uri, '/');
	return slash ? slash + 1 : uri;
}

/* "debian-security" -> "JEOS_MIRROR_DEBIAN_SECURITY" */
static char *env_var_name(const char *name)
{
	char *var = xasprintf("JEOS_MIRROR_%s", name);

	for (char *p = var; *p; p++)
		*p = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
	return var;
}

static char *mirror_from_env(const char *name)
{
	CLEANUP_FREE char *var = env_var_name(name);
	const char *v = getenv(var);

	return v && *v ? xstrdup(v) : NULL;
}

static int lookup_mirror(const char *name, const struct mirror_map *m,
			 const char *apt_root, char **base, struct jeos_error *err)
{
	char **uris = NULL;
	size_t n = 0;
	struct strbuf known = STRBUF_INIT;
	char *var;

	for (size_t i = 0; m && i < m->nr; i++)
		if (!strcmp(m->names[i], name)) {
			*base = xstrdup(m->uris[i]);
			return 0;
		}
	if ((*base = mirror_from_env(name)))
		return 0;
	if (mirror_host_uris(apt_root, &uris, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(uri_basename(uris[i]), name)) {
			*base = xstrdup(uris[i]);
			free_list(uris);
			strbuf_release(&known);
			return 0;
		}
		strbuf_addf(&known, "%s%s", known.len ? ", " : "", uri_basename(uris[i]));
	}
	free_list(uris);
	var = env_var_name(name);
	jeos_fail(err, JEOS_EXIT_USAGE,
		  "unknown mirror '%s': give --mirror %s=URI or set %s "
		  "(the host's apt sources offer: %s)",
		  name, name, var, known.len ? known.buf : "none");
	free(var);
	strbuf_release(&known);
	return -1;
}

int mirror_resolve(const char *source, const char *recipe_dir,
		   const struct mirror_map *m, const char *apt_root,
		   char **uri_out, struct jeos_error *err)
{
	char *uri;

	if (str_has_prefix(source, "mirror://")) {
		const char *name = source + strlen("mirror://");
		size_t len = strcspn(name, "/");
		CLEANUP_FREE char *nm = xstrndup(name, len);
		CLEANUP_FREE char *base = NULL;

		if (!len)
			return jeos_fail(err, JEOS_EXIT_USAGE,
					 "mirror:// needs a name, as in mirror://debian");
		if (lookup_mirror(nm, m, apt_root ? apt_root : "", &base, err) < 0)
			return -1;
		while (*base && base[strlen(base) - 1] == '/')
			base[strlen(base) - 1] = '\0';
		uri = xasprintf("%s%s", base, name + len);
	} else if (str_has_prefix(source, "this://")) {
		uri = xasprintf("file://%s/%s", recipe_dir, source + strlen("this://"));
	} else if (str_has_prefix(source, "file://") ||
		   str_has_prefix(source, "http://") ||
		   str_has_prefix(source, "https://")) {
		uri = xstrdup(source);
	} else {
		CLEANUP_FREE char *shown = uri_redact(source);
		return jeos_fail(err, JEOS_EXIT_USAGE,
				 "unsupported repository source '%s': expected "
				 "mirror://, this://, file://, http:// or https://", shown);
	}
	while (strlen(uri) > 1 && uri[strlen(uri) - 1] == '/')
		uri[strlen(uri) - 1] = '\0';
	*uri_out = uri;
	return 0;
}
