/* recipe.c - read, check and type a recipe (see recipe.h).
 *
 * Four passes, each stopping the load if it found problems, so that a
 * user sees every problem of one kind at once:
 *   1. parse the XML (libxml2) and splice in <include from="this://..."/>;
 *   2. check every element and attribute name against what jeos builds
 *      ("unsupported by jeos" for what only Kiwi knows, "unknown" else)
 *      and the values of enumerated attributes;
 *   3. validate the structure with builder/schema/recipe.rng (RELAX NG);
 *   4. select profiles and fill struct recipe, with semantic checks.
 * Every message reads "file:line: error: ...".
 */
#include "recipe.h"
#include "distro.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "mirror.h"

#define JEOS_NS "urn:jeos:1"
#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"
#define DEFAULT_KERNEL "linux-image-cloud-amd64"
#define DEFAULT_KEYRING "/usr/share/keyrings/debian-archive-keyring.gpg"

/* What a recipe may cost to read: its XML, included files counted each
 * time they are spliced in, at most RECIPE_MAX_BYTES together (the largest
 * shipped recipe is 5 KB); at most MAX_INCLUDES includes, nested at most
 * MAX_INCLUDE_DEPTH deep. With no DTD (refused) libxml2 parses in linear
 * time, so these bound the whole load. */
#define RECIPE_MAX_BYTES (4u << 20)
#define MAX_INCLUDES 256
#define MAX_INCLUDE_DEPTH 8
/* libxml2's RELAX NG validation takes time quadratic in the elements of a
 * repeated interleave (20000 <packages> take 3 s of CPU): at most this
 * many elements, includes spliced in (a large recipe has a few hundred). */
#define MAX_ELEMENTS 4096
/* Messages beyond these many are counted, not listed. */
#define MAX_ERRORS 50

extern const char schema_recipe_rng[];
extern const char schema_kiwi_names_txt[];

struct ctx {
	const struct recipe_options *opts;
	struct recipe *r;
	const char *file;         /* the main XML file */
	xmlDocPtr doc;
	struct strbuf errors;     /* accumulated messages, one per line */
	int nr_errors;
	/* included files: a node spliced in from one points at its name with
	 * _private (libxml2 leaves that field to the application) */
	char **origins;
	size_t nr_origins, alloc_origins;
	size_t bytes_left;        /* of RECIPE_MAX_BYTES */
	size_t nr_includes;
	int over_budget;          /* said once; no more includes are read */
	char **include_stack;     /* real paths, for loop detection */
	size_t include_depth, include_alloc;
	char **defined;           /* <profile name> */
	size_t nr_defined, alloc_defined;
	const char **selected;    /* selected profile names */
	size_t nr_selected;
	xmlNodePtr kernel;        /* the <jeos:kernel> in effect, for messages */
};

/* ---- messages ---- */

static const char *node_file(struct ctx *c, xmlNodePtr node)
{
	for (xmlNodePtr n = node; n; n = n->parent)
		if (n->_private)
			return n->_private;
	return c->file;
}

static void add_error_at(struct ctx *c, const char *file, long line,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void add_error_at(struct ctx *c, const char *file, long line,
			 const char *fmt, ...)
{
	va_list ap;

	if (c->nr_errors++ >= MAX_ERRORS)
		return;
	if (c->errors.len)
		strbuf_addch(&c->errors, '\n');
	strbuf_addf(&c->errors, "%s:%ld: error: ", file, line);
	va_start(ap, fmt);
	strbuf_vaddf(&c->errors, fmt, ap);
	va_end(ap);
}

#define add_error(c, node, ...) \
	add_error_at((c), node_file((c), (node)), xmlGetLineNo(node), __VA_ARGS__)

static int flush_errors(struct ctx *c, struct jeos_error *err)
{
	if (!c->nr_errors)
		return 0;
	if (c->nr_errors > MAX_ERRORS)
		strbuf_addf(&c->errors, "\n(%d more errors not shown)", c->nr_errors - MAX_ERRORS);
	return jeos_fail(err, JEOS_EXIT_USAGE, "%s", c->errors.buf);
}

/* ---- small XML helpers ---- */

static int is_elem(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !n->ns && !strcmp((const char *)n->name, name);
}

static int is_jeos_elem(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       !strcmp((const char *)n->ns->href, JEOS_NS) &&
	       !strcmp((const char *)n->name, name);
}

/* Attribute value (no namespace) or NULL; the pointer lives as long as the
 * doc. It is the whole value: read_xml refuses a DTD, so no entity can be
 * declared, and libxml2 gives each attribute one text node with character
 * and predefined entity references already replaced. */
static char *attr(xmlNodePtr n, const char *name)
{
	xmlAttrPtr a = xmlHasNsProp(n, (const xmlChar *)name, NULL);
	if (!a || !a->children || a->children->type != XML_TEXT_NODE)
		return a ? (char *)"" : NULL;
	return (char *)a->children->content;
}

static char *jeos_attr(xmlNodePtr n, const char *name)
{
	xmlAttrPtr a = xmlHasNsProp(n, (const xmlChar *)name, (const xmlChar *)JEOS_NS);
	if (!a || !a->children || a->children->type != XML_TEXT_NODE)
		return a ? (char *)"" : NULL;
	return (char *)a->children->content;
}

static char *dup_attr(xmlNodePtr n, const char *name)
{
	const char *v = attr(n, name);
	return v ? xstrdup(v) : NULL;
}

/* Trimmed text content, newly allocated. */
static char *text_of(xmlNodePtr n)
{
	xmlChar *t = xmlNodeGetContent(n);
	const char *s = t ? (const char *)t : "";
	size_t len;
	char *out;

	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	out = xstrndup(s, len);
	xmlFree(t);
	return out;
}

/* Is word in the space-separated list? */
static int in_list(const char *list, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = list; *p;) {
		size_t n = strcspn(p, " ");
		if (n == len && !strncmp(p, word, len))
			return 1;
		p += n;
		p += strspn(p, " ");
	}
	return 0;
}

static int kiwi_defines(const char *kind, const char *name)
{
	CLEANUP_FREE char *needle = xasprintf("\n%s %s\n", kind, name);
	return strstr(schema_kiwi_names_txt, needle) != NULL;
}

/* ---- pass 1: parse and include ---- */

struct parse_capture {
	char msg[512];
	int line;
	int have;
	int dtd;  /* the message is refuse_dtd's, not libxml2's */
};

static void capture_xml_error(void *data, xmlErrorPtr e)
{
	struct parse_capture *cap = data;
	size_t len;

	if (cap->have || !e || e->level < XML_ERR_ERROR)
		return;
	snprintf(cap->msg, sizeof(cap->msg), "%s", e->message ? e->message : "?");
	len = strlen(cap->msg);
	while (len && cap->msg[len - 1] == '\n')
		cap->msg[--len] = '\0';
	cap->line = e->line;
	cap->have = 1;
}

/* A DTD is where entities are declared (and where a billion laughs or a
 * quadratic blow-up would come from); Kiwi descriptions have none. Stop at
 * its <!DOCTYPE, before libxml2 reads a declaration of it. */
static void refuse_dtd(void *data, const xmlChar *name, const xmlChar *external_id,
		       const xmlChar *system_id)
{
	xmlParserCtxtPtr pc = data;
	struct parse_capture *cap = pc->_private;

	(void)name, (void)external_id, (void)system_id;
	if (!cap->have) {
		snprintf(cap->msg, sizeof(cap->msg), "a DTD (<!DOCTYPE ...>) is not allowed: "
			 "Kiwi descriptions have none, and jeos reads no entity declarations");
		cap->line = xmlSAX2GetLineNumber(pc);
		cap->have = cap->dtd = 1;
	}
	xmlStopParser(pc);
}

/* The file at path, if it is a regular file within what is left of the
 * recipe's byte budget. */
static int read_bounded(struct ctx *c, const char *path, const char *from_file,
			long from_line, struct strbuf *sb)
{
	const char *at = from_file ? from_file : path;
	struct stat st;
	ssize_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	int rc = -1;

	if (fd < 0 || fstat(fd, &st) < 0) {
		add_error_at(c, at, from_line, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		add_error_at(c, at, from_line, "%s is not a regular file", path);
		goto out;
	}
	if ((uint64_t)st.st_size > c->bytes_left) {
		add_error_at(c, at, from_line, "%s: a recipe and its includes may be %u MiB "
			     "together at most", path, RECIPE_MAX_BYTES >> 20);
		c->over_budget = 1;
		goto out;
	}
	/* what fstat said: a file that grows meanwhile is cut there */
	strbuf_grow(sb, (size_t)st.st_size);
	while (sb->len < (size_t)st.st_size &&
	       (n = read(fd, sb->buf + sb->len, (size_t)st.st_size - sb->len)) > 0)
		sb->len += (size_t)n;
	sb->buf[sb->len] = '\0';
	if (n < 0) {
		add_error_at(c, at, from_line, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	c->bytes_left -= sb->len;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

static xmlDocPtr read_xml(struct ctx *c, const char *path, const char *from_file,
			  long from_line)
{
	struct parse_capture cap = { .have = 0 };
	CLEANUP_STRBUF struct strbuf text = STRBUF_INIT;
	xmlParserCtxtPtr pc;
	xmlDocPtr doc;

	if (read_bounded(c, path, from_file, from_line, &text) < 0)
		return NULL;
	pc = xmlNewParserCtxt();
	pc->_private = &cap;
	pc->sax->internalSubset = refuse_dtd;
	xmlSetStructuredErrorFunc(&cap, capture_xml_error);
	doc = xmlCtxtReadMemory(pc, text.buf, (int)text.len, path, NULL,
				XML_PARSE_NONET | XML_PARSE_NOBLANKS);
	xmlSetStructuredErrorFunc(NULL, NULL);
	xmlFreeParserCtxt(pc);
	if (!doc || cap.have) {
		add_error_at(c, path, cap.line, "%s%s", cap.dtd ? "" : "malformed XML: ",
			     cap.have ? cap.msg : "cannot parse");
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

/* A copy of file's name that lives as long as the load. */
static char *keep_origin(struct ctx *c, const char *file)
{
	ALLOC_GROW(c->origins, c->nr_origins + 1, c->alloc_origins);
	return c->origins[c->nr_origins++] = xstrdup(file);
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
}

static int expand_includes(struct ctx *c, xmlNodePtr parent, const char *file);

/* The real path of rel, a path relative to base (a directory of the
 * recipe), if it exists and, links and ".." resolved, stays inside the
 * recipe directory; else NULL and an error at file:line naming what it is.
 * Every path a recipe names goes through here. */
static char *inside_recipe(struct ctx *c, const char *file, long line, const char *base,
			   const char *what, const char *rel)
{
	CLEANUP_FREE char *path = xasprintf("%s/%s", base, rel);
	const char *dir = c->r->dir;
	size_t len = strlen(dir);
	char real[PATH_MAX];

	if (!realpath(path, real)) {
		add_error_at(c, file, line, "%s '%s' not found in the recipe directory: %s",
			     what, rel, strerror(errno));
		return NULL;
	}
	if (strcmp(dir, "/") && (strncmp(real, dir, len) || (real[len] && real[len] != '/'))) {
		add_error_at(c, file, line, "%s '%s' is %s, outside the recipe directory %s",
			     what, rel, real, dir);
		return NULL;
	}
	return xstrdup(real);
}

/* Replace <include from="this://x"/> by the children of x's <image>. */
static int splice_include(struct ctx *c, xmlNodePtr inc, const char *file)
{
	const char *from = attr(inc, "from");
	CLEANUP_FREE char *dir = dir_of(file);
	CLEANUP_FREE char *path = NULL;
	xmlDocPtr sub;
	xmlNodePtr root;

	if (c->over_budget)
		return -1;
	if (!from || !str_has_prefix(from, "this://")) {
		add_error_at(c, file, xmlGetLineNo(inc), "<include from> must be this://FILE (relative to the recipe), got '%s'",
			  from ? from : "");
		return -1;
	}
	if (c->include_depth > MAX_INCLUDE_DEPTH || ++c->nr_includes > MAX_INCLUDES) {
		add_error_at(c, file, xmlGetLineNo(inc), "more than %d includes, or nested more "
			     "than %d deep", MAX_INCLUDES, MAX_INCLUDE_DEPTH);
		c->over_budget = 1;
		return -1;
	}
	path = inside_recipe(c, file, xmlGetLineNo(inc), dir, "include", from + strlen("this://"));
	if (!path)
		return -1;
	for (size_t i = 0; i < c->include_depth; i++)
		if (!strcmp(c->include_stack[i], path)) {
			add_error_at(c, file, xmlGetLineNo(inc), "include loop: %s includes itself (directly or through others)",
				  path);
			return -1;
		}
	sub = read_xml(c, path, file, xmlGetLineNo(inc));
	if (!sub)
		return -1;
	root = xmlDocGetRootElement(sub);
	if (!root || !is_elem(root, "image")) {
		add_error_at(c, path, root ? xmlGetLineNo(root) : 1,
			     "an included file must have <image> as its root element");
		xmlFreeDoc(sub);
		return -1;
	}
	ALLOC_GROW(c->include_stack, c->include_depth + 1, c->include_alloc);
	c->include_stack[c->include_depth++] = xstrdup(path);
	int rc = expand_includes(c, root, path);
	char *origin = keep_origin(c, path);
	for (xmlNodePtr n = root->children; rc == 0 && n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		/* A copy in the document that holds <include> (the strings of a
		 * node belong to its document), with its line numbers and the
		 * file it came from: this one, or one this one included. */
		xmlNodePtr copy = xmlDocCopyNode(n, inc->doc, 1);
		xmlAddPrevSibling(inc, copy);
		copy->_private = n->_private ? n->_private : origin;
	}
	free(c->include_stack[--c->include_depth]);
	xmlFreeDoc(sub);
	return rc;
}

static int expand_includes(struct ctx *c, xmlNodePtr parent, const char *file)
{
	xmlNodePtr n = parent->children, next;
	int rc = 0;

	for (; n; n = next) {
		next = n->next;
		if (!is_elem(n, "include"))
			continue;
		if (splice_include(c, n, file) < 0)
			rc = -1;
		xmlUnlinkNode(n);
		xmlFreeNode(n);
	}
	return rc;
}

/* The element after the first MAX_ELEMENTS below n (depth first), or NULL;
 * *count counts them. */
static xmlNodePtr element_beyond_limit(xmlNodePtr n, size_t *count)
{
	for (xmlNodePtr k = n->children; k; k = k->next) {
		xmlNodePtr beyond;
		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (++*count > MAX_ELEMENTS)
			return k;
		if ((beyond = element_beyond_limit(k, count)))
			return beyond;
	}
	return NULL;
}

/* ---- pass 2: names and enumerated values ---- */

/* What jeos builds: for each element, its attributes and child elements.
 * "jeos:" marks names in our namespace. */
static const struct elem_spec {
	const char *name, *attrs, *children;
} specs[] = {
	{ "image", "name schemaversion displayname id",
	  "description profiles preferences users drivers strip repository packages include jeos:overlay" },
	{ "description", "type", "author contact specification license" },
	{ "author", "", "" }, { "contact", "", "" }, { "specification", "", "" }, { "license", "", "" },
	{ "profiles", "", "profile" },
	{ "profile", "name description import", "" },
	{ "preferences", "profiles",
	  "version packagemanager locale keytable timezone rpm-check-signatures rpm-excludedocs type jeos:hostname jeos:kernel jeos:identity" },
	{ "version", "", "" }, { "packagemanager", "", "" }, { "locale", "", "" },
	{ "keytable", "", "" }, { "timezone", "", "" }, { "rpm-check-signatures", "", "" }, { "rpm-excludedocs", "", "" },
	{ "type", "image filesystem format formatoptions firmware kernelcmdline bootpartition devicepersistency primary",
	  "bootloader size oemconfig machine" },
	{ "bootloader", "name console timeout", "" },
	{ "size", "unit", "" },
	{ "oemconfig", "", "" }, /* children: any oem-* Kiwi defines, accepted and ignored */
	{ "machine", "memory ncpus guestOS HWversion", "vmdisk vmdvd vmnic jeos:hostdev" },
	{ "vmdisk", "controller id", "" }, { "vmdvd", "controller id", "" },
	{ "vmnic", "driver interface mode mac", "" },
	{ "users", "profiles", "user" },
	{ "user", "name password pwdformat home shell groups id realname", "" },
	{ "repository", "type profiles alias distribution components architectures repository_gpgcheck priority", "source" },
	{ "source", "path", "signing" },
	{ "signing", "key", "" },
	{ "packages", "type profiles jeos:recommends jeos:variant", "package archive namedCollection" },
	{ "package", "name arch", "" }, { "archive", "name target_dir", "" }, { "namedCollection", "name", "" },
	{ "include", "from", "" },
	{ "drivers", "profiles", "file" }, { "strip", "type profiles", "file" }, { "file", "name", "" },
	{ "jeos:hostname", "", "" },
	{ "jeos:identity", "seed", "" },
	{ "jeos:kernel", "package config source build modules", "" },
	{ "jeos:overlay", "name profiles", "" },
	{ "jeos:hostdev", "type address driver interface mac", "" },
};

/* Attributes whose values are enumerated: what jeos builds, what Kiwi knows. */
static const struct value_spec {
	const char *elem, *attr, *ours, *kiwi;
	int is_list;
} values[] = {
	{ "type", "image", "oem", "btrfs cpio docker ext2 ext3 ext4 iso oem pxe kis squashfs erofs tbz xfs oci appx enclave wsl", 0 },
	{ "type", "filesystem", "ext4 xfs btrfs", "btrfs ext2 ext3 ext4 squashfs erofs xfs", 0 },
	{ "type", "firmware", "bios efi uefi", "bios ec2 efi uefi ofw opal custom", 0 },
	{ "type", "format", "raw raw.zst qcow2 vmdk ovf ova", "gce ova qcow2 vagrant vmdk vdi vhd vhdx vhd-fixed", 1 },
	{ "bootloader", "name", "grub2 systemd_boot extlinux", "grub2 grub2_s390x_emu systemd_boot custom zipl", 0 },
	{ "bootloader", "console", "serial console gfxterm none", "", 0 },
	{ "repository", "type", "apt-deb", "apk apt-deb apt-rpm deb-dir mirrors rpm-md", 0 },
	{ "packages", "type", "bootstrap image delete uninstall",
	  "bootstrap delete docker image iso oem pxe kis oci uninstall systemfiles", 0 },
	{ "vmdisk", "controller", "ide sata lsilogic lsilogicsas pvscsi virtio",
	  "ide buslogic lsilogic lsisas1068 legacyESX pvscsi", 0 },
	{ "vmnic", "driver", "e1000 e1000e vmxnet3 virtio", "", 0 },
};

static const struct elem_spec *spec_for(const char *qname)
{
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		if (!strcmp(specs[i].name, qname))
			return &specs[i];
	return NULL;
}

/* "a, b or c" for messages */
static void add_choices(struct strbuf *sb, const char *list)
{
	size_t nr = 0, i = 0;

	for (const char *p = list; *p; p += strspn(p, " "), nr++)
		p += strcspn(p, " ");
	for (const char *p = list; *p; i++) {
		size_t n = strcspn(p, " ");
		if (i)
			strbuf_addstr(sb, i == nr - 1 ? " or " : ", ");
		strbuf_add(sb, p, n);
		p += n;
		p += strspn(p, " ");
	}
}

static void check_value(struct ctx *c, xmlNodePtr n, const struct value_spec *vs,
			const char *value)
{
	CLEANUP_FREE char *copy = xstrdup(value);
	const char *seps = vs->is_list ? ", " : "";
	char *save = NULL;

	for (char *v = vs->is_list ? strtok_r(copy, seps, &save) : copy; v;
	     v = vs->is_list ? strtok_r(NULL, seps, &save) : NULL) {
		if (in_list(vs->ours, v))
			continue;
		if (in_list(vs->kiwi, v)) {
			add_error(c, n, "unsupported by jeos: %s=\"%s\" on <%s> (jeos builds %s)",
				  vs->attr, v, vs->elem, vs->ours);
		} else {
			struct strbuf sb = STRBUF_INIT;
			add_choices(&sb, vs->ours);
			add_error(c, n, "invalid %s \"%s\" on <%s>: expected %s",
				  vs->attr, v, vs->elem, sb.buf);
			strbuf_release(&sb);
		}
	}
}

static void check_attributes(struct ctx *c, xmlNodePtr n, const struct elem_spec *spec)
{
	for (xmlAttrPtr a = n->properties; a; a = a->next) {
		const char *name = (const char *)a->name;
		const char *ns = a->ns ? (const char *)a->ns->href : NULL;
		CLEANUP_FREE char *qname = NULL;

		if (ns && !strcmp(ns, XSI_NS))
			continue;
		qname = ns && !strcmp(ns, JEOS_NS) ? xasprintf("jeos:%s", name) : xstrdup(name);
		if (ns && strcmp(ns, JEOS_NS)) {
			add_error(c, n, "unknown attribute %s (namespace %s) on <%s>",
				  name, ns, spec->name);
		} else if (!in_list(spec->attrs, qname)) {
			if (!ns && kiwi_defines("attribute", name))
				add_error(c, n, "unsupported by jeos: attribute %s on <%s>",
					  name, spec->name);
			else
				add_error(c, n, "unknown attribute %s on <%s>: expected %s%s",
					  qname, spec->name,
					  *spec->attrs ? "one of " : "none",
					  spec->attrs);
			continue;
		}
		for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
			if (!ns && !strcmp(values[i].elem, spec->name) &&
			    !strcmp(values[i].attr, name))
				check_value(c, n, &values[i], attr(n, name));
	}
	/* Kiwi sources name schemes jeos does not fetch from (obs://, iso://...) */
	if (!strcmp(spec->name, "source")) {
		const char *path = attr(n, "path");
		const char *scheme_end = path ? strstr(path, "://") : NULL;
		if (scheme_end) {
			CLEANUP_FREE char *scheme = xstrndup(path, (size_t)(scheme_end - path));
			if (!in_list("mirror this file http https", scheme))
				add_error(c, n, "unsupported by jeos: repository source scheme %s:// "
					  "(jeos reads mirror://, this://, file://, http://, https://)",
					  scheme);
		}
	}
}

static void check_names(struct ctx *c, xmlNodePtr n, const struct elem_spec *spec)
{
	check_attributes(c, n, spec);
	for (xmlNodePtr k = n->children; k; k = k->next) {
		const char *name = (const char *)k->name;
		const char *ns;
		CLEANUP_FREE char *qname = NULL;
		const struct elem_spec *ks;

		if (k->type != XML_ELEMENT_NODE)
			continue;
		ns = k->ns ? (const char *)k->ns->href : NULL;
		if (ns && strcmp(ns, JEOS_NS)) {
			add_error(c, k, "unknown element <%s> (namespace %s) in <%s>",
				  name, ns, spec->name);
			continue;
		}
		qname = ns ? xasprintf("jeos:%s", name) : xstrdup(name);
		if (!strcmp(spec->name, "oemconfig") && !ns &&
		    str_has_prefix(name, "oem-") && kiwi_defines("element", name))
			continue;
		if (!in_list(spec->children, qname)) {
			if (!ns && kiwi_defines("element", name))
				add_error(c, k, "unsupported by jeos: element <%s>", name);
			else
				add_error(c, k, "unknown element <%s> in <%s>", qname, spec->name);
			continue;
		}
		ks = spec_for(qname);
		if (ks)
			check_names(c, k, ks);
	}
	if (!strcmp(spec->name, "preferences"))
		for (xmlNodePtr k = n->children; k; k = k->next)
			if (is_elem(k, "packagemanager")) {
				CLEANUP_FREE char *pm = text_of(k);
				if (strcmp(pm, "apt"))
					add_error(c, k, "%s: <packagemanager>%s</packagemanager>: jeos builds Debian appliances with apt",
						  in_list("apk zypper dnf4 dnf5 microdnf pacman", pm) ?
						  "unsupported by jeos" : "invalid value", pm);
			}
}

/* ---- pass 3: RELAX NG ---- */

static void capture_rng_error(void *data, xmlErrorPtr e)
{
	struct ctx *c = data;
	CLEANUP_FREE char *msg = xstrdup(e->message ? e->message : "invalid");
	size_t len = strlen(msg);
	xmlNodePtr node = e->node;

	while (len && msg[len - 1] == '\n')
		msg[--len] = '\0';
	if (node)
		add_error(c, node, "schema: %s", msg);
	else
		add_error_at(c, c->file, e->line, "schema: %s", msg);
}

static int validate_schema(struct ctx *c)
{
	xmlRelaxNGParserCtxtPtr pc = xmlRelaxNGNewMemParserCtxt(schema_recipe_rng,
								(int)strlen(schema_recipe_rng));
	xmlRelaxNGPtr schema = xmlRelaxNGParse(pc);
	xmlRelaxNGValidCtxtPtr vc;
	int rc;

	xmlRelaxNGFreeParserCtxt(pc);
	if (!schema)
		abort(); /* the built-in schema is tested; it cannot fail here */
	vc = xmlRelaxNGNewValidCtxt(schema);
	xmlRelaxNGSetValidStructuredErrors(vc, capture_rng_error, c);
	rc = xmlRelaxNGValidateDoc(vc, c->doc);
	xmlRelaxNGFreeValidCtxt(vc);
	xmlRelaxNGFree(schema);
	if (rc != 0 && !c->nr_errors)
		add_error_at(c, c->file, 1, "schema: the recipe does not validate");
	return rc == 0 ? 0 : -1;
}

/* ---- pass 4: profiles ---- */

static void collect_profiles(struct ctx *c, xmlNodePtr root)
{
	for (xmlNodePtr n = root->children; n; n = n->next)
		if (is_elem(n, "profiles"))
			for (xmlNodePtr p = n->children; p; p = p->next)
				if (is_elem(p, "profile")) {
					ALLOC_GROW(c->defined, c->nr_defined + 1, c->alloc_defined);
					c->defined[c->nr_defined++] = attr(p, "name");
				}
}

static int profile_defined(struct ctx *c, const char *name)
{
	for (size_t i = 0; i < c->nr_defined; i++)
		if (!strcmp(c->defined[i], name))
			return 1;
	return 0;
}

static void defined_list(struct ctx *c, struct strbuf *sb)
{
	for (size_t i = 0; i < c->nr_defined; i++)
		strbuf_addf(sb, "%s%s", i ? ", " : "", c->defined[i]);
	if (!c->nr_defined)
		strbuf_addstr(sb, "none");
}

/* Every profiles="a,b" must name defined profiles. */
static void check_profile_refs(struct ctx *c, xmlNodePtr n)
{
	for (; n; n = n->next) {
		const char *list;
		if (n->type != XML_ELEMENT_NODE)
			continue;
		list = attr(n, "profiles");
		if (list) {
			CLEANUP_FREE char *copy = xstrdup(list);
			char *save = NULL;
			for (char *p = strtok_r(copy, ", ", &save); p; p = strtok_r(NULL, ", ", &save))
				if (!profile_defined(c, p)) {
					struct strbuf sb = STRBUF_INIT;
					defined_list(c, &sb);
					add_error(c, n, "undefined profile '%s' referenced by <%s> (defined: %s)",
						  p, n->name, sb.buf);
					strbuf_release(&sb);
				}
		}
		check_profile_refs(c, n->children);
	}
}

static int select_profiles(struct ctx *c, xmlNodePtr root, struct jeos_error *err)
{
	const char **want = c->opts ? c->opts->profiles : NULL;

	c->selected = xcalloc(c->nr_defined + 1, sizeof(*c->selected));
	if (want) {
		for (; *want; want++) {
			if (!profile_defined(c, *want)) {
				struct strbuf sb = STRBUF_INIT;
				defined_list(c, &sb);
				jeos_fail(err, JEOS_EXIT_USAGE,
					  "%s: error: --profile %s: no such profile (defined: %s)",
					  c->file, *want, sb.buf);
				strbuf_release(&sb);
				return -1;
			}
			c->selected[c->nr_selected++] = *want;
		}
		return 0;
	}
	for (xmlNodePtr n = root->children; n; n = n->next)
		if (is_elem(n, "profiles"))
			for (xmlNodePtr p = n->children; p; p = p->next)
				if (is_elem(p, "profile") && attr(p, "import") &&
				    !strcmp(attr(p, "import"), "true"))
					c->selected[c->nr_selected++] = attr(p, "name");
	return 0;
}

/* A section applies when it names no profile or one of the selected. */
static int active(struct ctx *c, xmlNodePtr n)
{
	const char *list = attr(n, "profiles");
	CLEANUP_FREE char *copy = NULL;
	char *save = NULL;

	if (!list)
		return 1;
	copy = xstrdup(list);
	for (char *p = strtok_r(copy, ", ", &save); p; p = strtok_r(NULL, ", ", &save))
		for (size_t i = 0; i < c->nr_selected; i++)
			if (!strcmp(c->selected[i], p))
				return 1;
	return 0;
}

/* ---- pass 4: typed recipe ---- */

/* s as a whole decimal number from min to max: digits only (a '-' first
 * when min < 0), nothing else, no overflow. */
static int parse_number(const char *s, long long min, long long max, long long *out)
{
	const char *digits = s && *s == '-' && min < 0 ? s + 1 : s;
	char *end;

	if (!digits || !isdigit((unsigned char)*digits))
		return -1;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno || *end || *out < min || *out > max ? -1 : 0;
}

/* What a recipe value may be: an extended regular expression (anchored),
 * its longest length and what to tell the user. */
struct syntax {
	const char *re;
	size_t max;
	const char *expected;
	regex_t compiled;
	int ready;
};

static struct syntax zone_syntax = {
	.re = "[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z][A-Za-z0-9_+-]*)*", .max = 128,
	.expected = "a tzdata zone name such as Europe/Berlin or UTC (letters, digits, _ + -, "
	"components separated by / and starting with a letter)" };
static struct syntax locale_syntax = {
	.re = "[A-Za-z]+(_[A-Za-z0-9]+)?([.][A-Za-z0-9-]+)?(@[A-Za-z0-9]+)?", .max = 64,
	.expected = "a locale name such as en_US.UTF-8 or C.UTF-8 (language[_territory][.codeset][@modifier])" };
static struct syntax keytable_syntax = {
	.re = "[A-Za-z0-9][A-Za-z0-9_.-]*", .max = 64,
	.expected = "a console keymap name such as us or de-latin1-nodeadkeys (letters, digits, _ . -)" };
/* RFC 1123: labels of letters, digits and '-', not at either end */
static struct syntax hostname_syntax = {
	.re = "[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?([.][A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*", .max = 253,
	.expected = "a host name (RFC 1123: labels of letters, digits and '-', not starting or ending "
	"with '-', separated by '.')" };
/* A kernel command line lands in extlinux.conf, a loader entry and, through
 * /etc/default/grub, in grub.cfg, whose script language gives quotes,
 * backslashes, $, ;, &, |, <, >, {, }, #, globs and newlines a meaning. */
static struct syntax cmdline_syntax = {
	.re = "[A-Za-z0-9 _.,:=/+@%~!^()-]*", .max = 1024,
	.expected = "kernel parameters of letters, digits, spaces and _ . , : = / + @ % ~ ! ^ ( ) - "
	"(no quotes, backslashes, $, backticks, ; & | < > { } # * ? [ ] or newlines)" };
/* shadow's useradd and groupadd: a lower-case letter or _, then letters,
 * digits, _ or -, and at most 32 characters */
static struct syntax account_syntax = {
	.re = "[a-z_][a-z0-9_-]*", .max = 32,
	.expected = "a lower-case letter or _, then lower-case letters, digits, _ or - (32 at most)" };
static struct syntax groups_syntax = {
	.re = "[a-z_][a-z0-9_-]{0,31}(,[a-z_][a-z0-9_-]{0,31})*", .max = 4096,
	.expected = "group names separated by ',' (each a lower-case letter or _, then lower-case "
	"letters, digits, _ or -)" };
static struct syntax path_syntax = {
	.re = "/[A-Za-z0-9/._+-]*", .max = 4096,
	.expected = "an absolute path of letters, digits and / . _ + -" };
/* what passwd's GECOS field may hold: no ':' (the field separator), no
 * control character (a newline ends the entry) */
static struct syntax gecos_syntax = {
	.re = "[^:[:cntrl:]]*", .max = 256,
	.expected = "text without ':' or control characters" };
/* crypt(3)'s alphabet (every hash method, with rounds=N), or ! or * */
static struct syntax hash_syntax = {
	.re = "!?[$][A-Za-z0-9./$=]+|!|[*]", .max = 512,
	.expected = "a crypt(3) hash (such as $6$salt$hash), ! or *" };
/* Debian Policy 5.6.1 (which also wants two characters at least): never
 * an option to apt-get or dpkg */
static struct syntax package_syntax = {
	.re = "[a-z0-9][a-z0-9+.-]*", .max = 128,
	.expected = "a Debian package name (lower-case letters, digits, + . -, "
	"starting with a letter or digit)" };
static struct syntax overlay_syntax = {
	.re = "[a-z0-9-]+", .max = 64,
	.expected = "the name of a directory of overlays/ (lower-case letters, digits, -)" };
static struct syntax version_syntax = {
	.re = "[A-Za-z0-9][A-Za-z0-9.+~_-]*", .max = 64,
	.expected = "a version such as 1.0.0 (letters, digits, . + ~ _ -)" };
/* a kernel-configs/ fragment, or the recipe's own x.config (inside_recipe) */
static struct syntax fragment_syntax = {
	.re = "[A-Za-z0-9_-]+|[^,]+[.]config", .max = 256,
	.expected = "kernel-configs fragment names (letters, digits, _ -) or the recipe's own FILE.config, "
	"separated by ','" };

static int matches(struct syntax *sx, const char *v)
{
	if (!sx->ready) {
		CLEANUP_FREE char *anchored = xasprintf("^(%s)$", sx->re);
		if (regcomp(&sx->compiled, anchored, REG_EXTENDED | REG_NOSUB))
			abort(); /* the expressions are constants, tested */
		sx->ready = 1;
	}
	return strlen(v) <= sx->max && regexec(&sx->compiled, v, 0, NULL, 0) == 0;
}

/* v as a message may show it: control characters escaped, long ones cut. */
static char *shown(const char *v)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; v[i] && i < 80; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			strbuf_addf(&sb, "\\x%02x", (unsigned char)v[i]);
		else
			strbuf_addch(&sb, v[i]);
	if (strlen(v) > 80)
		strbuf_addstr(&sb, "...");
	return strbuf_detach(&sb);
}

/* An error at n unless v (NULL: absent) has the syntax. */
static void check_syntax(struct ctx *c, xmlNodePtr n, const char *what, const char *v,
			 struct syntax *sx)
{
	CLEANUP_FREE char *s = NULL;

	if (!v || matches(sx, v))
		return;
	s = shown(v);
	add_error(c, n, "invalid %s \"%s\": expected %s", what, s, sx->expected);
}

static char **split_words(const char *s, const char *seps)
{
	CLEANUP_FREE char *copy = xstrdup(s);
	char **list = NULL, *save = NULL;
	size_t nr = 0, alloc = 0;

	for (char *p = strtok_r(copy, seps, &save); p; p = strtok_r(NULL, seps, &save)) {
		ALLOC_GROW(list, nr + 2, alloc);
		list[nr++] = xstrdup(p);
	}
	if (!list)
		list = xcalloc(1, sizeof(*list));
	list[nr] = NULL;
	return list;
}

static void free_words(char **list)
{
	if (!list)
		return;
	for (char **p = list; *p; p++)
		free(*p);
	free(list);
}

static void replace(char **field, char *value)
{
	free(*field);
	*field = value;
}

static void read_bootloader(struct ctx *c, xmlNodePtr n, struct recipe_type *t)
{
	const char *name = attr(n, "name");
	const char *timeout = attr(n, "timeout");
	long long v;

	if (name)
		t->bootloader = !strcmp(name, "systemd_boot") ? BL_SYSTEMD_BOOT :
				!strcmp(name, "extlinux") ? BL_EXTLINUX : BL_GRUB2;
	replace(&t->bootloader_console, dup_attr(n, "console"));
	/* syslinux waits at most 35996 tenths of a second */
	if (timeout && parse_number(timeout, 0, 3599, &v) < 0)
		add_error(c, n, "<bootloader timeout> must be a number of seconds from 0 to 3599, "
			  "got '%s'", timeout);
	else if (timeout)
		t->bootloader_timeout = (int)v;
	if (t->bootloader == BL_SYSTEMD_BOOT && t->firmware != FW_EFI)
		add_error(c, n, "bootloader systemd_boot needs firmware=\"efi\" on <type>");
}

static void read_size(struct ctx *c, xmlNodePtr n, struct recipe_type *t)
{
	CLEANUP_FREE char *text = text_of(n);
	const char *unit = attr(n, "unit");
	int shift = unit && !strcmp(unit, "G") ? 30 : 20;
	long long v;

	/* 16 TiB: the largest file ext4 (the usual host filesystem) holds */
	if (parse_number(text, 1, 1ll << (44 - shift), &v) < 0) {
		add_error(c, n, "<size> must be a whole number of %s from 1 to %lld (16 TiB), "
			  "got '%s'", shift == 30 ? "GiB" : "MiB", 1ll << (44 - shift), text);
		return;
	}
	t->size_bytes = (uint64_t)v << shift;
}

void recipe_machine_free(struct recipe_machine *m)
{
	free(m->guest_os);
	free(m->disk_controller);
	for (size_t i = 0; i < m->nr_nics; i++) {
		free(m->nics[i].driver);
		free(m->nics[i].interface);
		free(m->nics[i].mode);
		free(m->nics[i].mac);
	}
	free(m->nics);
	for (size_t i = 0; i < m->nr_hostdevs; i++) {
		free(m->hostdevs[i].address);
		free(m->hostdevs[i].driver);
		free(m->hostdevs[i].mac);
	}
	free(m->hostdevs);
	memset(m, 0, sizeof(*m));
}

void recipe_machine_defaults(struct recipe_machine *m)
{
	m->memory_mib = 1024;
	m->ncpus = 1;
	m->hw_version = 14;
	replace(&m->disk_controller, xstrdup("lsilogic"));
}

static const char *allowed_values(const char *elem, const char *attr_name)
{
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		if (!strcmp(values[i].elem, elem) && !strcmp(values[i].attr, attr_name))
			return values[i].ours;
	return "";
}

static int bad_choice(struct jeos_error *err, const char *what, const char *value,
		      const char *choices)
{
	struct strbuf sb = STRBUF_INIT;
	int rc;

	add_choices(&sb, choices);
	rc = jeos_fail(err, JEOS_EXIT_USAGE, "invalid %s '%s': expected %s", what, value, sb.buf);
	strbuf_release(&sb);
	return rc;
}

int recipe_machine_set(struct recipe_machine *m, const char *key, const char *value,
		       struct jeos_error *err)
{
	long long v;

	m->present = 1;
	if (!strcmp(key, "memory")) {
		if (parse_number(value, 16, 16ll << 20, &v) < 0)
			return jeos_fail(err, JEOS_EXIT_USAGE, "memory must be a number of MiB "
					 "(at least 16, at most %lld: 16 TiB), got '%s'", 16ll << 20, value);
		m->memory_mib = (uint64_t)v;
	} else if (!strcmp(key, "ncpus")) {
		if (parse_number(value, 1, 256, &v) < 0)
			return jeos_fail(err, JEOS_EXIT_USAGE, "ncpus must be a number from 1 "
					 "to 256, got '%s'", value);
		m->ncpus = (unsigned)v;
	} else if (!strcmp(key, "HWversion")) {
		/* VMware virtual hardware versions that exist: 4 (ESX 3) to 21 (vSphere 8U2). */
		if (parse_number(value, 4, 21, &v) < 0)
			return jeos_fail(err, JEOS_EXIT_USAGE, "HWversion must be a VMware "
					 "hardware version from 4 to 21, got '%s'", value);
		m->hw_version = (unsigned)v;
	} else if (!strcmp(key, "guestOS")) {
		replace(&m->guest_os, xstrdup(value));
	} else if (!strcmp(key, "controller")) {
		if (!in_list(allowed_values("vmdisk", "controller"), value))
			return bad_choice(err, "disk controller", value,
					  allowed_values("vmdisk", "controller"));
		replace(&m->disk_controller, xstrdup(value));
	} else if (!strcmp(key, "nic")) {
		/* DRIVER[:MODE[:MAC]] */
		CLEANUP_FREE char *copy = xstrdup(value);
		char *mode = strchr(copy, ':'), *mac = NULL;
		if (mode) {
			*mode++ = '\0';
			if ((mac = strchr(mode, ':')))
				*mac++ = '\0';
		}
		if (!in_list(allowed_values("vmnic", "driver"), copy))
			return bad_choice(err, "NIC driver", copy, allowed_values("vmnic", "driver"));
		if (mac && !is_mac_address(mac))
			return jeos_fail(err, JEOS_EXIT_USAGE, "invalid MAC address '%s': "
					 "expected six hex pairs like 52:54:00:12:34:56", mac);
		m->nics = xrealloc(m->nics, (m->nr_nics + 1) * sizeof(*m->nics));
		m->nics[m->nr_nics++] = (struct recipe_nic){
			.driver = xstrdup(copy), .interface = xasprintf("%zu", m->nr_nics),
			.mode = xstrdup(mode && *mode ? mode : "bridged"),
			.mac = mac ? xstrdup(mac) : NULL,
		};
	} else {
		return jeos_fail(err, JEOS_EXIT_USAGE, "unknown machine setting '%s': expected "
				 "memory, ncpus, HWversion, guestOS, controller or nic", key);
	}
	return 0;
}

static void read_machine(struct ctx *c, xmlNodePtr n, struct recipe_machine *m)
{
	static const char *const numbers[] = { "memory", "ncpus", "HWversion" };
	struct jeos_error err;

	recipe_machine_defaults(m);
	m->present = 1;
	for (size_t i = 0; i < 3; i++)
		if (attr(n, numbers[i]) && recipe_machine_set(m, numbers[i], attr(n, numbers[i]), &err) < 0)
			add_error(c, n, "%s", err.msg);
	replace(&m->guest_os, dup_attr(n, "guestOS"));
	/* controller and driver names were checked with the other names (pass 2) */
	for (xmlNodePtr k = n->children; k; k = k->next) {
		if (is_elem(k, "vmdisk") && attr(k, "controller")) {
			replace(&m->disk_controller, dup_attr(k, "controller"));
		} else if (is_elem(k, "vmdvd")) {
			m->dvd = 1;
		} else if (is_elem(k, "vmnic")) {
			const char *driver = attr(k, "driver"), *mode = attr(k, "mode");
			m->nics = xrealloc(m->nics, (m->nr_nics + 1) * sizeof(*m->nics));
			m->nics[m->nr_nics++] = (struct recipe_nic){
				.driver = xstrdup(driver ? driver : "virtio"),
				.interface = dup_attr(k, "interface"),
				.mode = xstrdup(mode ? mode : "bridged"),
				.mac = dup_attr(k, "mac"),
			};
		} else if (is_jeos_elem(k, "hostdev")) {
			const char *iface = attr(k, "interface");
			m->hostdevs = xrealloc(m->hostdevs, (m->nr_hostdevs + 1) * sizeof(*m->hostdevs));
			m->hostdevs[m->nr_hostdevs++] = (struct recipe_hostdev){
				.address = dup_attr(k, "address"),
				.driver = dup_attr(k, "driver"),
				.mac = dup_attr(k, "mac"),
				.interface = iface && !strcmp(iface, "true"),
			};
		}
	}
}

/* formatoptions="compressed,cluster_size=2M,manifest=sha1": "compressed"
 * writes a compressed qcow2 (qemu-img convert -c), manifest= picks the OVF
 * manifest's digest (sha1 for old vSphere), the rest are qemu-img's qcow2
 * creation options (-o). */
static void read_formatoptions(struct ctx *c, xmlNodePtr n, struct recipe_type *t, const char *v)
{
	static const char qcow2_keys[] = "compat cluster_size lazy_refcounts refcount_bits "
					 "compression_type extended_l2 preallocation";
	char **words = split_words(v, ", ");
	struct strbuf opts = STRBUF_INIT;

	for (char **w = words; *w; w++) {
		CLEANUP_FREE char *key = xstrndup(*w, strcspn(*w, "="));
		if (!strcmp(*w, "compressed")) {
			t->qcow2_compressed = 1;
		} else if (!strcmp(*w, "manifest=sha1") || !strcmp(*w, "manifest=sha256")) {
			t->manifest_sha1 = !strcmp(*w, "manifest=sha1");
		} else if (strchr(*w, '=') && in_list(qcow2_keys, key)) {
			strbuf_addf(&opts, "%s%s", opts.len ? "," : "", *w);
		} else {
			struct strbuf sb = STRBUF_INIT;
			add_choices(&sb, qcow2_keys);
			add_error(c, n, "invalid formatoptions entry \"%s\": expected \"compressed\", "
				  "\"manifest=sha1\" or KEY=VALUE with KEY one of %s", *w, sb.buf);
			strbuf_release(&sb);
		}
	}
	replace(&t->qcow2_options, opts.len ? strbuf_detach(&opts) : NULL);
	strbuf_release(&opts);
	free_words(words);
}

static void read_type(struct ctx *c, xmlNodePtr n, struct recipe *r)
{
	struct recipe_type *t = &r->type;
	const char *v;

	t->line = (unsigned)xmlGetLineNo(n);
	replace(&t->image, dup_attr(n, "image"));
	if ((v = attr(n, "filesystem")))
		t->filesystem = !strcmp(v, "xfs") ? FS_XFS : !strcmp(v, "btrfs") ? FS_BTRFS : FS_EXT4;
	if ((v = attr(n, "firmware")))
		t->firmware = !strcmp(v, "bios") ? FW_BIOS : FW_EFI;
	if ((v = attr(n, "format")))
		formats_parse(v, &t->formats, NULL); /* pass 2 reported unknown names */
	if ((v = attr(n, "formatoptions")))
		read_formatoptions(c, n, t, v);
	replace(&t->kernelcmdline, dup_attr(n, "kernelcmdline"));
	check_syntax(c, n, "kernelcmdline", t->kernelcmdline, &cmdline_syntax);
	if ((v = attr(n, "bootpartition")))
		t->bootpartition = !strcmp(v, "true");
	replace(&t->devicepersistency, dup_attr(n, "devicepersistency"));
	for (xmlNodePtr k = n->children; k; k = k->next) {
		if (is_elem(k, "bootloader"))
			read_bootloader(c, k, t);
		else if (is_elem(k, "size"))
			read_size(c, k, t);
		else if (is_elem(k, "machine"))
			read_machine(c, k, &r->machine);
	}
}

static void read_kernel(struct ctx *c, xmlNodePtr n, struct recipe_kernel *k)
{
	const char *v;

	if ((v = attr(n, "package")))
		replace(&k->package, xstrdup(v));
	check_syntax(c, n, "kernel package", k->package, &package_syntax);
	replace(&k->config, dup_attr(n, "config"));
	if (k->config) {
		char **names = split_words(k->config, ",");
		for (char **f = names; *f; f++) {
			check_syntax(c, n, "config", *f, &fragment_syntax);
			if (str_has_suffix(*f, ".config"))
				free(inside_recipe(c, node_file(c, n), xmlGetLineNo(n), c->r->dir,
						   "kernel config fragment", *f));
		}
		free_words(names);
	}
	replace(&k->source, dup_attr(n, "source"));
	if ((v = attr(n, "build")))
		k->build = !strcmp(v, "true");
	if ((v = attr(n, "modules")))
		k->trim_modules = !strcmp(v, "trim");
}

/* A built kernel replaces the distribution's: the recipe's kernel package
 * (<jeos:kernel package>, linux-image-cloud-amd64 by default) is left out,
 * so one recipe can offer both as profiles. */
static void drop_kernel_package(struct recipe *r)
{
	for (enum pkg_list l = PKGS_BOOTSTRAP; l <= PKGS_IMAGE; l++) {
		size_t kept = 0;
		for (size_t i = 0; i < r->nr_packages[l]; i++) {
			struct recipe_package *p = &r->packages[l][i];
			if (strcmp(p->name, r->kernel.package)) {
				r->packages[l][kept++] = *p;
			} else {
				free(p->name);
				free(p->arch);
			}
		}
		r->nr_packages[l] = kept;
	}
}

/* The text of element n into *field, checked against its syntax. */
static void read_value(struct ctx *c, xmlNodePtr n, const char *what, char **field,
		       struct syntax *sx)
{
	replace(field, text_of(n));
	check_syntax(c, n, what, *field, sx);
}

static void read_preferences(struct ctx *c, xmlNodePtr n, xmlNodePtr *type)
{
	struct recipe *r = c->r;

	for (xmlNodePtr k = n->children; k; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (is_elem(k, "version"))
			read_value(c, k, "<version>", &r->version, &version_syntax);
		else if (is_elem(k, "packagemanager"))
			replace(&r->packagemanager, text_of(k));
		else if (is_elem(k, "locale"))
			read_value(c, k, "<locale>", &r->locale, &locale_syntax);
		else if (is_elem(k, "keytable"))
			read_value(c, k, "<keytable>", &r->keytable, &keytable_syntax);
		else if (is_elem(k, "timezone"))
			read_value(c, k, "<timezone>", &r->timezone, &zone_syntax);
		else if (is_elem(k, "rpm-excludedocs")) {
			CLEANUP_FREE char *v = text_of(k);
			r->exclude_docs = !strcmp(v, "true");
		} else if (is_jeos_elem(k, "hostname"))
			read_value(c, k, "<jeos:hostname>", &r->hostname, &hostname_syntax);
		else if (is_jeos_elem(k, "identity"))
			replace(&r->identity_seed, dup_attr(k, "seed"));
		else if (is_jeos_elem(k, "kernel")) {
			read_kernel(c, k, &r->kernel);
			c->kernel = k;
		}
		else if (is_elem(k, "type")) {
			/* The first type wins unless a later one says primary="true". */
			const char *primary = attr(k, "primary");
			if (!*type || (primary && !strcmp(primary, "true")))
				*type = k;
		}
	}
}

static void read_user(struct ctx *c, xmlNodePtr n)
{
	struct recipe *r = c->r;
	struct recipe_user *u;
	const char *fmt = attr(n, "pwdformat"), *id = attr(n, "id");
	long long v;

	if (!attr(n, "name") || !*attr(n, "name")) {
		add_error(c, n, "<user> needs a name attribute");
		return;
	}
	r->users = xrealloc(r->users, (r->nr_users + 1) * sizeof(*r->users));
	u = &r->users[r->nr_users++];
	memset(u, 0, sizeof(*u));
	u->line = (unsigned)xmlGetLineNo(n);
	u->name = dup_attr(n, "name");
	u->password = dup_attr(n, "password");
	u->password_plain = fmt && !strcmp(fmt, "plain");
	u->home = dup_attr(n, "home");
	u->shell = dup_attr(n, "shell");
	u->groups = dup_attr(n, "groups");
	u->realname = dup_attr(n, "realname");
	u->id = -1;
	/* uid_t has 32 bits and (uid_t)-1 means "none" */
	if (id && parse_number(id, 0, 4294967294ll, &v) < 0)
		add_error(c, n, "user %s: id must be a number from 0 to 4294967294, got '%s'",
			  u->name, id);
	else if (id)
		u->id = (long)v;
	check_syntax(c, n, "user name", u->name, &account_syntax);
	check_syntax(c, n, "home", u->home, &path_syntax);
	check_syntax(c, n, "shell", u->shell, &path_syntax);
	check_syntax(c, n, "groups", u->groups, &groups_syntax);
	check_syntax(c, n, "realname", u->realname, &gecos_syntax);
	if (u->password && *u->password && !u->password_plain && !matches(&hash_syntax, u->password))
		add_error(c, n, "user %s: password is not a crypt(3) hash; "
			  "say pwdformat=\"plain\" to have jeos hash it at build time", u->name);
}

/* file:// and this:// keyrings (the key attribute of n) become host paths. */
static char *keyring_path(struct ctx *c, xmlNodePtr n)
{
	const char *key = attr(n, "key");

	if (str_has_prefix(key, "file://"))
		return xstrdup(key + strlen("file://"));
	if (str_has_prefix(key, "this://"))
		return inside_recipe(c, node_file(c, n), xmlGetLineNo(n), c->r->dir, "keyring",
				     key + strlen("this://"));
	return xstrdup(key);
}

static void read_repository(struct ctx *c, xmlNodePtr n)
{
	struct recipe *r = c->r;
	struct recipe_repo *repo;
	xmlNodePtr src = NULL;
	const char *v;
	long long prio = 0;
	struct jeos_error merr;

	for (xmlNodePtr k = n->children; k; k = k->next)
		if (is_elem(k, "source"))
			src = k;
	if (!src || !attr(src, "path")) {
		add_error(c, n, "<repository%s%s> has no <source path=\"...\"/>",
			  attr(n, "alias") ? " alias=" : "",
			  attr(n, "alias") ? attr(n, "alias") : "");
		return;
	}
	r->repos = xrealloc(r->repos, (r->nr_repos + 1) * sizeof(*r->repos));
	repo = &r->repos[r->nr_repos++];
	memset(repo, 0, sizeof(*repo));
	repo->line = (unsigned)xmlGetLineNo(n);
	repo->source = dup_attr(src, "path");
	repo->alias = attr(n, "alias") ? dup_attr(n, "alias") :
		      xasprintf("repo%zu", r->nr_repos);
	repo->distribution = dup_attr(n, "distribution");
	repo->components = split_words((v = attr(n, "components")) ? v : "main", " ,");
	repo->architectures = dup_attr(n, "architectures");
	repo->gpgcheck = !((v = attr(n, "repository_gpgcheck")) && !strcmp(v, "false"));
	/* the range of apt's Pin-Priority */
	if ((v = attr(n, "priority")) && parse_number(v, -32768, 32767, &prio) < 0)
		add_error(c, n, "repository %s: priority must be a whole number from -32768 "
			  "to 32767, got '%s'", repo->alias, v);
	repo->priority = (int)prio;
	for (xmlNodePtr k = src->children; k; k = k->next)
		if (is_elem(k, "signing") && attr(k, "key"))
			replace(&repo->signing_key, keyring_path(c, k));
	if (!repo->distribution)
		add_error(c, n, "apt-deb repository %s needs distribution=\"...\" (e.g. bookworm)",
			  repo->alias);
	if (str_has_prefix(repo->source, "this://"))
		free(inside_recipe(c, node_file(c, src), xmlGetLineNo(src), r->dir, "repository",
				   repo->source + strlen("this://")));
	if (mirror_resolve(repo->source, r->dir, c->opts ? c->opts->mirrors : NULL,
			   c->opts && c->opts->apt_sources_root ? c->opts->apt_sources_root : "",
			   &repo->uri, &merr) < 0)
		add_error(c, src, "%s", merr.msg);
}

static void add_name(char ***list, size_t *nr, const char *name)
{
	*list = xrealloc(*list, (*nr + 1) * sizeof(**list));
	(*list)[(*nr)++] = xstrdup(name);
}

static void read_packages(struct ctx *c, xmlNodePtr n)
{
	struct recipe *r = c->r;
	const char *type = attr(n, "type");
	const char *rec = jeos_attr(n, "recommends");
	enum pkg_list list = !strcmp(type, "bootstrap") ? PKGS_BOOTSTRAP :
			     !strcmp(type, "delete") ? PKGS_DELETE :
			     !strcmp(type, "uninstall") ? PKGS_UNINSTALL : PKGS_IMAGE;

	if (rec && !strcmp(rec, "true"))
		r->recommends = 1;
	if (list == PKGS_BOOTSTRAP && jeos_attr(n, "variant"))
		r->minbase = !strcmp(jeos_attr(n, "variant"), "minbase");
	for (xmlNodePtr k = n->children; k; k = k->next) {
		if (is_elem(k, "package")) {
			struct recipe_package *p;
			r->packages[list] = xrealloc(r->packages[list],
				(r->nr_packages[list] + 1) * sizeof(*r->packages[list]));
			p = &r->packages[list][r->nr_packages[list]++];
			p->name = dup_attr(k, "name");
			/* as written ("x86_64,aarch64"): solve.c skips the
			 * package when the list leaves out the build arch */
			p->arch = dup_attr(k, "arch");
			p->line = (unsigned)xmlGetLineNo(k);
			check_syntax(c, k, "package name", p->name, &package_syntax);
		} else if (is_elem(k, "archive")) {
			struct recipe_archive *a;
			r->archives = xrealloc(r->archives, (r->nr_archives + 1) * sizeof(*r->archives));
			a = &r->archives[r->nr_archives++];
			free(inside_recipe(c, node_file(c, k), xmlGetLineNo(k), r->dir, "archive",
					   attr(k, "name")));
			a->name = dup_attr(k, "name");
			a->target_dir = xstrdup(attr(k, "target_dir") ? attr(k, "target_dir") : "/");
			a->line = (unsigned)xmlGetLineNo(k);
			check_syntax(c, k, "target_dir", a->target_dir, &path_syntax);
		} else if (is_elem(k, "namedCollection")) {
			add_error(c, k, "namedCollection '%s': apt has no package patterns; "
				  "list the packages with <package name=.../> instead", attr(k, "name"));
		}
	}
}

static void read_file_list(xmlNodePtr n, char ***list, size_t *nr)
{
	for (xmlNodePtr k = n->children; k; k = k->next)
		if (is_elem(k, "file") && attr(k, "name"))
			add_name(list, nr, attr(k, "name"));
}

static void check_schemaversion(struct ctx *c, xmlNodePtr root)
{
	const char *v = attr(root, "schemaversion");
	unsigned major = 0, minor = 0;

	if (!v) {
		add_error(c, root, "<image> needs a schemaversion attribute (7.4 to 8.x)");
		return;
	}
	if (sscanf(v, "%u.%u", &major, &minor) != 2 ||
	    !((major == 7 && minor >= 4) || major == 8))
		add_error(c, root, "schemaversion \"%s\" is not supported: jeos reads 7.4 to 8.x", v);
}

/* The bootloader's own packages, which a recipe need not name. */
static void add_bootloader_packages(struct recipe *r)
{
	static const char *const grub_bios[] = { "grub-pc-bin", "grub2-common" };
	static const char *const grub_efi[] = { "grub-efi-amd64-bin", "grub2-common" };
	static const char *const systemd_boot[] = { "systemd-boot-efi", NULL };
	const char *const *own = r->type.bootloader == BL_SYSTEMD_BOOT ? systemd_boot :
				 r->type.firmware == FW_EFI ? grub_efi : grub_bios;

	if (r->type.bootloader == BL_EXTLINUX)
		return;
	for (size_t k = 0; k < 2 && own[k]; k++) {
		size_t i, n = r->nr_packages[PKGS_IMAGE];
		for (i = 0; i < n && strcmp(r->packages[PKGS_IMAGE][i].name, own[k]); i++)
			;
		if (i < n)
			continue;
		r->packages[PKGS_IMAGE] = xrealloc(r->packages[PKGS_IMAGE],
						   (n + 1) * sizeof(*r->packages[PKGS_IMAGE]));
		r->packages[PKGS_IMAGE][n] = (struct recipe_package){
			.name = xstrdup(own[k]), .line = r->type.line,
		};
		r->nr_packages[PKGS_IMAGE]++;
	}
}

/* root/, config.sh and images.sh, when present, by their real paths: a
 * link that stays inside the recipe directory is followed (root/ is then
 * copied from the directory it names), one that leads out is an error. */
static void find_recipe_files(struct ctx *c, xmlNodePtr root)
{
	static const struct { const char *name; size_t off; int dir; } files[] = {
		{ "root", offsetof(struct recipe, root_overlay), 1 },
		{ "config.sh", offsetof(struct recipe, config_sh), 0 },
		{ "images.sh", offsetof(struct recipe, images_sh), 0 },
	};
	struct recipe *r = c->r;
	struct stat st;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		CLEANUP_FREE char *path = xasprintf("%s/%s", r->dir, files[i].name);
		char *real;

		if (lstat(path, &st) < 0)
			continue;
		real = inside_recipe(c, c->file, xmlGetLineNo(root), r->dir, "recipe file",
				     files[i].name);
		if (real && stat(real, &st) == 0 &&
		    (files[i].dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode)))
			*(char **)((char *)r + files[i].off) = real;
		else
			free(real);
	}
}

/* <license> names a license (GPL-2.0) or a file in the recipe directory,
 * whose text becomes the OVF's EULA. */
static void read_license(struct ctx *c, xmlNodePtr n)
{
	struct recipe *r = c->r;
	CLEANUP_FREE char *path = NULL;
	struct stat st;

	replace(&r->license, text_of(n));
	path = xasprintf("%s/%s", r->dir, r->license);
	replace(&r->license_file, *r->license && lstat(path, &st) == 0 ?
		inside_recipe(c, node_file(c, n), xmlGetLineNo(n), r->dir, "license file",
			      r->license) : NULL);
}

static void read_recipe(struct ctx *c, xmlNodePtr root)
{
	struct recipe *r = c->r;
	xmlNodePtr type = NULL;

	r->name = dup_attr(root, "name");
	if (!r->name)
		add_error(c, root, "<image> needs a name attribute");
	r->schemaversion = dup_attr(root, "schemaversion");
	check_schemaversion(c, root);
	r->type.filesystem = FS_EXT4;
	r->type.firmware = FW_BIOS;
	r->type.bootloader = BL_UNSET; /* chosen after the firmware, below */
	r->type.bootloader_timeout = -1;
	r->type.formats = FMT_RAW;
	r->kernel.package = xstrdup(DEFAULT_KERNEL);
	r->exclude_docs = 1;
	r->minbase = 1;

	for (xmlNodePtr n = root->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE || !active(c, n))
			continue;
		if (is_elem(n, "description")) {
			for (xmlNodePtr k = n->children; k; k = k->next) {
				if (is_elem(k, "author"))
					replace(&r->author, text_of(k));
				else if (is_elem(k, "contact"))
					replace(&r->contact, text_of(k));
				else if (is_elem(k, "specification"))
					replace(&r->specification, text_of(k));
				else if (is_elem(k, "license"))
					read_license(c, k);
			}
		} else if (is_elem(n, "preferences")) {
			read_preferences(c, n, &type);
		} else if (is_elem(n, "users")) {
			for (xmlNodePtr k = n->children; k; k = k->next)
				if (is_elem(k, "user"))
					read_user(c, k);
		} else if (is_elem(n, "repository")) {
			read_repository(c, n);
		} else if (is_elem(n, "packages")) {
			read_packages(c, n);
		} else if (is_elem(n, "drivers")) {
			read_file_list(n, &r->drivers, &r->nr_drivers);
		} else if (is_elem(n, "strip")) {
			const char *t = attr(n, "type");
			enum strip_type st = !strcmp(t, "tools") ? STRIP_TOOLS :
					     !strcmp(t, "libs") ? STRIP_LIBS : STRIP_DELETE;
			read_file_list(n, &r->strip[st], &r->nr_strip[st]);
		} else if (is_jeos_elem(n, "overlay")) {
			check_syntax(c, n, "overlay name", attr(n, "name"), &overlay_syntax);
			add_name(&r->overlays, &r->nr_overlays, attr(n, "name"));
		}
	}
	if (type) {
		read_type(c, type, r);
	} else if (c->nr_defined) {
		struct strbuf sb = STRBUF_INIT;
		defined_list(c, &sb);
		add_error(c, root, "no <type> in the selected profiles; choose a profile "
			  "with --profile (defined: %s)", sb.buf);
		strbuf_release(&sb);
	} else {
		add_error(c, root, "no <type>: a recipe needs "
			  "<preferences><type image=\"oem\" .../></preferences>");
	}
	if (!r->nr_repos && r->name)
		add_error(c, root, "no <repository> in the selected profiles: jeos needs at least one");
	if (!r->packagemanager)
		r->packagemanager = xstrdup("apt");
	if (!r->version)
		r->version = xstrdup("1.0.0");
	if (!r->hostname)
		r->hostname = xstrdup(r->name && matches(&hostname_syntax, r->name) ? r->name :
				      "localhost");
	r->profiles = xcalloc(c->nr_selected + 1, sizeof(*r->profiles));
	for (size_t i = 0; i < c->nr_selected; i++)
		r->profiles[i] = xstrdup(c->selected[i]);
	/* No <bootloader>: extlinux for BIOS (nothing of it in the image, the
	 * JeOS choice), grub2 for EFI. */
	if (r->type.bootloader == BL_UNSET)
		r->type.bootloader = r->type.firmware == FW_EFI ? BL_GRUB2 : BL_EXTLINUX;
	add_bootloader_packages(r);
	if (!r->kernel.source && r->nr_repos) {
		/* the release's own kernel (distro.c), else the recipe must say */
		const struct distro_release *d = distro_recipe_release(r);
		if (d && d->kernel_source)
			r->kernel.source = xstrdup(d->kernel_source);
		else if (r->kernel.build)
			add_error(c, c->kernel, "<jeos:kernel build=\"true\"> needs source=\"linux-source-X.Y\": "
				  "jeos knows no default kernel source for %s", r->repos[0].distribution);
	}
	if (r->kernel.build)
		drop_kernel_package(r);
	find_recipe_files(c, root);
}

/* ---- entry points ---- */

/* path: a recipe directory (config.xml, or its one *.kiwi) or the file. */
static int locate(const char *path, char **file, char **dir, struct jeos_error *err)
{
	struct stat st;
	char real[PATH_MAX];

	if (stat(path, &st) < 0)
		return jeos_fail(err, JEOS_EXIT_USAGE, "%s: error: no such recipe: %s",
				 path, strerror(errno));
	if (!realpath(path, real))
		return jeos_fail(err, JEOS_EXIT_USAGE, "%s: error: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		*file = xstrdup(path);
		*dir = dir_of(real);
		return 0;
	}
	*dir = xstrdup(real);
	*file = xasprintf("%s/config.xml", path);
	if (access(*file, F_OK) == 0)
		return 0;
	free(*file);
	*file = NULL;

	DIR *d = opendir(path);
	struct dirent *de;
	int found = 0;
	while (d && (de = readdir(d)))
		if (str_has_suffix(de->d_name, ".kiwi")) {
			found++;
			free(*file);
			*file = xasprintf("%s/%s", path, de->d_name);
		}
	if (d)
		closedir(d);
	if (found == 1)
		return 0;
	free(*file);
	*file = NULL;
	free(*dir);
	*dir = NULL;
	return jeos_fail(err, JEOS_EXIT_USAGE,
			 found ? "%s: error: more than one *.kiwi file; name the one to use"
			       : "%s: error: no config.xml or *.kiwi file in this directory",
			 path);
}

int recipe_load(struct recipe **out, const char *path,
		const struct recipe_options *opts, struct jeos_error *err)
{
	struct ctx c = { .opts = opts, .errors = STRBUF_INIT, .bytes_left = RECIPE_MAX_BYTES };
	struct recipe *r = xcalloc(1, sizeof(*r));
	xmlNodePtr root;
	int rc = -1;

	c.r = r;
	if (locate(path, &r->path, &r->dir, err) < 0)
		goto out;
	c.file = r->path;
	c.doc = read_xml(&c, r->path, NULL, 1);
	if (!c.doc)
		goto report;
	root = xmlDocGetRootElement(c.doc);
	if (!root || !is_elem(root, "image")) {
		add_error(&c, root ? root : (xmlNodePtr)c.doc,
			  "the root element must be <image> (a Kiwi image description)");
		goto report;
	}
	{
		char real[PATH_MAX];
		if (realpath(r->path, real)) {
			ALLOC_GROW(c.include_stack, 1, c.include_alloc);
			c.include_stack[c.include_depth++] = xstrdup(real);
		}
	}
	if (expand_includes(&c, root, r->path) < 0)
		goto report;
	{
		size_t count = 1;
		xmlNodePtr beyond = element_beyond_limit(root, &count);
		if (beyond) {
			add_error(&c, beyond, "more than %d elements (includes spliced in): "
				  "jeos reads recipes of that size at most", MAX_ELEMENTS);
			goto report;
		}
	}
	check_names(&c, root, spec_for("image"));
	if (c.nr_errors)
		goto report;
	if (validate_schema(&c) < 0)
		goto report;
	collect_profiles(&c, root);
	check_profile_refs(&c, root);
	if (c.nr_errors)
		goto report;
	if (select_profiles(&c, root, err) < 0)
		goto out;
	read_recipe(&c, root);
report:
	rc = flush_errors(&c, err);
out:
	if (rc < 0) {
		recipe_free(r);
		r = NULL;
	}
	*out = r;
	for (size_t i = 0; i < c.nr_origins; i++)
		free(c.origins[i]);
	free(c.origins);
	for (size_t i = 0; i < c.include_depth; i++)
		free(c.include_stack[i]);
	free(c.include_stack);
	free(c.defined);
	free(c.selected);
	strbuf_release(&c.errors);
	xmlFreeDoc(c.doc);
	return rc;
}

void recipe_free(struct recipe *r)
{
	if (!r)
		return;
	free(r->path);
	free(r->dir);
	free(r->name);
	free(r->schemaversion);
	free(r->author);
	free(r->contact);
	free(r->specification);
	free(r->license);
	free(r->license_file);
	free(r->version);
	free(r->packagemanager);
	free(r->locale);
	free(r->keytable);
	free(r->timezone);
	free(r->hostname);
	free(r->identity_seed);
	free_words(r->profiles);
	free(r->type.image);
	free(r->type.kernelcmdline);
	free(r->type.qcow2_options);
	free(r->type.bootloader_console);
	free(r->type.devicepersistency);
	recipe_machine_free(&r->machine);
	free(r->kernel.package);
	free(r->kernel.config);
	free(r->kernel.source);
	for (size_t i = 0; i < r->nr_repos; i++) {
		struct recipe_repo *p = &r->repos[i];
		free(p->alias);
		free(p->source);
		free(p->uri);
		free(p->distribution);
		free_words(p->components);
		free(p->architectures);
		free(p->signing_key);
	}
	free(r->repos);
	for (int l = 0; l < PKGS_NR; l++) {
		for (size_t i = 0; i < r->nr_packages[l]; i++) {
			free(r->packages[l][i].name);
			free(r->packages[l][i].arch);
		}
		free(r->packages[l]);
	}
	for (size_t i = 0; i < r->nr_archives; i++) {
		free(r->archives[i].name);
		free(r->archives[i].target_dir);
	}
	free(r->archives);
	for (size_t i = 0; i < r->nr_users; i++) {
		struct recipe_user *u = &r->users[i];
		free(u->name);
		free(u->password);
		free(u->home);
		free(u->shell);
		free(u->groups);
		free(u->realname);
	}
	free(r->users);
	for (size_t i = 0; i < r->nr_overlays; i++)
		free(r->overlays[i]);
	free(r->overlays);
	for (size_t i = 0; i < r->nr_drivers; i++)
		free(r->drivers[i]);
	free(r->drivers);
	for (int t = 0; t < 3; t++) {
		for (size_t i = 0; i < r->nr_strip[t]; i++)
			free(r->strip[t][i]);
		free(r->strip[t]);
	}
	free(r->root_overlay);
	free(r->config_sh);
	free(r->images_sh);
	free(r);
}

static const char *const format_names[FMT_COUNT] = { "raw", "raw.zst", "qcow2", "vmdk", "ovf", "ova" };

const char *format_name(enum format f)
{
	for (unsigned i = 0; i < FMT_COUNT; i++)
		if (f == 1u << i)
			return format_names[i];
	return "?";
}

int formats_parse(const char *list, unsigned *out, struct jeos_error *err)
{
	char **words = split_words(list, ", ");
	int rc = 0;

	*out = 0;
	for (char **w = words; *w; w++) {
		unsigned i = 0;
		while (i < FMT_COUNT && strcmp(*w, format_names[i]))
			i++;
		if (i < FMT_COUNT) {
			*out |= 1u << i;
		} else if (rc == 0) {
			rc = err ? jeos_fail(err, JEOS_EXIT_USAGE, "unknown format '%s': expected "
					     "raw, raw.zst, qcow2, vmdk, ovf or ova", *w) : -1;
		}
	}
	free_words(words);
	return rc;
}

const char *fs_type_name(enum fs_type fs)
{
	return fs == FS_XFS ? "xfs" : fs == FS_BTRFS ? "btrfs" : "ext4";
}

const char *firmware_name(enum firmware fw)
{
	return fw == FW_EFI ? "efi" : "bios";
}

const char *bootloader_name(enum bootloader bl)
{
	return bl == BL_SYSTEMD_BOOT ? "systemd_boot" : bl == BL_EXTLINUX ? "extlinux" : "grub2";
}

const char *pkg_list_name(enum pkg_list l)
{
	static const char *names[] = { "bootstrap", "image", "delete", "uninstall" };
	return names[l];
}

static void print_formats(unsigned formats, FILE *out)
{
	int first = 1;

	for (unsigned i = 0; i < FMT_COUNT; i++)
		if (formats & (1u << i)) {
			fprintf(out, "%s%s", first ? "" : ",", format_names[i]);
			first = 0;
		}
}

void recipe_print_summary(const struct recipe *r, FILE *out)
{
	const struct recipe_type *t = &r->type;
	char size[32];
	char *release;

	fprintf(out, "recipe:       %s\n", r->path);
	fprintf(out, "name:         %s\n", r->name);
	fprintf(out, "version:      %s\n", r->version);
	release = distro_describe(r, NULL);
	fprintf(out, "release:      %s\n", release);
	free(release);
	if (r->specification)
		fprintf(out, "description:  %s\n", r->specification);
	fprintf(out, "profiles:     ");
	for (char **p = r->profiles; *p; p++)
		fprintf(out, "%s%s", p == r->profiles ? "" : ", ", *p);
	fprintf(out, "%s\n", r->profiles[0] ? "" : "(none)");
	fprintf(out, "type:         image=%s filesystem=%s format=", t->image,
		fs_type_name(t->filesystem));
	print_formats(t->formats, out);
	fprintf(out, " firmware=%s bootloader=%s", firmware_name(t->firmware),
		bootloader_name(t->bootloader));
	if (t->bootloader_console)
		fprintf(out, " console=%s", t->bootloader_console);
	if (t->bootloader_timeout >= 0)
		fprintf(out, " timeout=%d", t->bootloader_timeout);
	fprintf(out, " size=%s\n", t->size_bytes ? human_size(t->size_bytes, size) : "auto");
	if (t->kernelcmdline)
		fprintf(out, "cmdline:      %s\n", t->kernelcmdline);
	if (r->kernel.build)
		fprintf(out, "kernel:       built from %s, fragments %s\n",
			r->kernel.source,
			r->kernel.config ? r->kernel.config : "(chosen from <machine>)");
	else
		fprintf(out, "kernel:       %s%s\n", r->kernel.package,
			r->kernel.trim_modules ? " (modules trimmed)" : "");
	fprintf(out, "system:       hostname=%s locale=%s keytable=%s timezone=%s\n",
		r->hostname, r->locale ? r->locale : "C.UTF-8",
		r->keytable ? r->keytable : "us", r->timezone ? r->timezone : "UTC");
	if (r->machine.present) {
		const struct recipe_machine *m = &r->machine;
		fprintf(out, "machine:      memory=%lluMiB ncpus=%u HWversion=%u controller=%s",
			(unsigned long long)m->memory_mib, m->ncpus, m->hw_version,
			m->disk_controller);
		if (m->guest_os)
			fprintf(out, " guestOS=%s", m->guest_os);
		for (size_t i = 0; i < m->nr_nics; i++)
			fprintf(out, " nic%s=%s:%s", m->nics[i].interface, m->nics[i].driver,
				m->nics[i].mode);
		for (size_t i = 0; i < m->nr_hostdevs; i++)
			fprintf(out, " hostdev=%s%s", m->hostdevs[i].address,
				m->hostdevs[i].interface ? "(nic)" : "");
		fprintf(out, "\n");
	}
	for (size_t i = 0; i < r->nr_repos; i++) {
		const struct recipe_repo *p = &r->repos[i];
		fprintf(out, "repository:   %s %s %s", p->alias, p->uri, p->distribution);
		for (char **c = p->components; *c; c++)
			fprintf(out, " %s", *c);
		fprintf(out, " (%s)\n", !p->gpgcheck ? "UNSIGNED: gpgcheck off" :
			p->signing_key ? p->signing_key : DEFAULT_KEYRING);
	}
	fprintf(out, "packages:     bootstrap=%s%zu image=%zu delete=%zu uninstall=%zu%s%s\n",
		r->minbase ? "minbase+" : "",
		r->nr_packages[PKGS_BOOTSTRAP], r->nr_packages[PKGS_IMAGE],
		r->nr_packages[PKGS_DELETE], r->nr_packages[PKGS_UNINSTALL],
		r->recommends ? " (with Recommends)" : "",
		r->exclude_docs ? " (no docs, man pages or translations)" : "");
	for (size_t i = 0; i < r->nr_users; i++) {
		const struct recipe_user *u = &r->users[i];
		fprintf(out, "user:         %s home=%s shell=%s groups=%s password=%s\n",
			u->name, u->home ? u->home : "-", u->shell ? u->shell : "-",
			u->groups ? u->groups : "-",
			!u->password || !*u->password ? "none" :
			u->password_plain ? "plain, hashed at build time" : "hashed");
	}
	for (size_t i = 0; i < r->nr_overlays; i++)
		fprintf(out, "overlay:      overlays/%s\n", r->overlays[i]);
	if (r->root_overlay)
		fprintf(out, "overlay:      root/\n");
	for (size_t i = 0; i < r->nr_archives; i++)
		fprintf(out, "archive:      %s -> %s\n", r->archives[i].name, r->archives[i].target_dir);
	if (r->config_sh)
		fprintf(out, "script:       config.sh\n");
	if (r->images_sh)
		fprintf(out, "script:       images.sh\n");
}
