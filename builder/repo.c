/* repo.c - see repo.h. */
#include "repo.h"

#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "deb822.h"

extern char **environ;

/* ---- Release ---- */

/* RFC 2822 dates as Release files write them: "Sat, 08 Jun 2024 20:21:48 UTC". */
static int parse_date(const char *s, time_t *out)
{
	struct tm tm = { 0 };
	long offset = 0;
	const char *p = strptime(s, "%a, %d %b %Y %H:%M:%S", &tm);

	if (!p)
		return -1;
	while (*p == ' ')
		p++;
	if (!strcmp(p, "UTC") || !strcmp(p, "GMT") || !strcmp(p, "Z")) {
		offset = 0;
	} else {
		struct tm zone = { 0 };
		const char *end = strptime(p, "%z", &zone);
		if (!end || *end)
			return -1;
		offset = zone.tm_gmtoff;
	}
	*out = timegm(&tm) - offset;
	return 0;
}

static int parse_sha256_table(struct release *rel, const char *value,
			      const char *source, unsigned line,
			      struct jeos_error *err)
{
	const char *p = value;

	while (*p) {
		const char *eol = strchrnul(p, '\n');
		CLEANUP_FREE char *l = xstrndup(p, (size_t)(eol - p));
		char hex[SHA256_HEX_LEN + 2], name[1024];
		unsigned long long size;
		int used = 0;

		p = *eol ? eol + 1 : eol;
		if (!l[0])
			continue;
		if (sscanf(l, "%65s %llu %1023s %n", hex, &size, name, &used) != 3 ||
		    l[used] || strlen(hex) != SHA256_HEX_LEN ||
		    strspn(hex, "0123456789abcdef") != SHA256_HEX_LEN)
			return jeos_fail(err, JEOS_EXIT_FAILED,
					 "%s:%u: error: bad SHA256 line \"%s\"", source,
					 line, l);
		ALLOC_GROW(rel->files, rel->nr + 1, rel->alloc);
		struct release_file *rf = &rel->files[rel->nr++];
		rf->name = xstrdup(name);
		memcpy(rf->sha256, hex, sizeof(rf->sha256));
		rf->size = size;
	}
	return 0;
}

int release_parse(struct release *rel, const char *text, size_t len,
		  const char *source, struct jeos_error *err)
{
	struct deb822_reader r;
	struct deb822_para para = { 0 };
	const char *v;
	int ret = -1;

	memset(rel, 0, sizeof(*rel));
	deb822_reader_init(&r, text, len, source);
	switch (deb822_next(&r, &para, err)) {
	case -1:
		goto out;
	case 0:
		jeos_fail(err, JEOS_EXIT_FAILED, "%s: error: empty Release file", source);
		goto out;
	}
	if ((v = deb822_get(&para, "Suite")))
		rel->suite = xstrdup(v);
	if ((v = deb822_get(&para, "Codename")))
		rel->codename = xstrdup(v);
	if ((v = deb822_get(&para, "Origin")))
		rel->origin = xstrdup(v);
	if ((v = deb822_get(&para, "Version")))
		rel->version = xstrdup(v);
	if ((v = deb822_get(&para, "Date")) && parse_date(v, &rel->date) < 0) {
		jeos_fail(err, JEOS_EXIT_FAILED, "%s:%u: error: bad Date \"%s\"", source, para.line, v);
		goto out;
	}
	if ((v = deb822_get(&para, "Valid-Until")) && parse_date(v, &rel->valid_until) < 0) {
		jeos_fail(err, JEOS_EXIT_FAILED, "%s:%u: error: bad Valid-Until date \"%s\"",
			  source, para.line, v);
		goto out;
	}
	if ((v = deb822_get(&para, "SHA256")) &&
	    parse_sha256_table(rel, v, source, para.line, err) < 0)
		goto out;
	ret = 0;
out:
	deb822_para_clear(&para);
	if (ret < 0)
		release_free(rel);
	return ret;
}

const struct release_file *release_find(const struct release *rel, const char *name)
{
	for (size_t i = 0; i < rel->nr; i++)
		if (!strcmp(rel->files[i].name, name))
			return &rel->files[i];
	return NULL;
}

void release_free(struct release *rel)
{
	for (size_t i = 0; i < rel->nr; i++)
		free(rel->files[i].name);
	free(rel->files);
	free(rel->suite);
	free(rel->codename);
	free(rel->origin);
	free(rel->version);
	memset(rel, 0, sizeof(*rel));
}

void repo_info_free(struct repo_info *info)
{
	free(info->origin);
	free(info->version);
	free(info->codename);
	memset(info, 0, sizeof(*info));
}

static void info_from_release(struct repo_info *info, const struct release *rel)
{
	repo_info_free(info);
	info->date = rel->date;
	info->origin = rel->origin ? xstrdup(rel->origin) : NULL;
	info->version = rel->version ? xstrdup(rel->version) : NULL;
	info->codename = rel->codename ? xstrdup(rel->codename) : NULL;
}

/* ---- signatures ---- */

static int read_fp(FILE *fp, struct strbuf *sb)
{
	char chunk[4096];
	size_t n;

	rewind(fp);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		strbuf_add(sb, chunk, n);
	return ferror(fp) ? -1 : 0;
}

/* Runs a GnuPG tool and waits for it. Its stdout and stderr go to *log, what
 * it writes to fd 3 (--status-fd 3) to *status. Returns its exit status, or
 * -1 (err set) when it could not be run. */
static int run_gpg(const char *const argv[], struct strbuf *status,
		   struct strbuf *log, struct jeos_error *err)
{
	CLEANUP_FCLOSE FILE *status_fp = tmpfile();
	CLEANUP_FCLOSE FILE *log_fp = tmpfile();
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int rc, wstatus;

	if (!status_fp || !log_fp)
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot create a temporary file: %s",
				 strerror(errno));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fileno(log_fp), 1);
	posix_spawn_file_actions_adddup2(&fa, fileno(log_fp), 2);
	posix_spawn_file_actions_adddup2(&fa, fileno(status_fp), 3);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot run %s: %s", argv[0],
				 strerror(rc));
	while (waitpid(pid, &wstatus, 0) < 0)
		if (errno != EINTR)
			return jeos_fail(err, JEOS_EXIT_FAILED, "waitpid: %s", strerror(errno));
	if (read_fp(status_fp, status) < 0 || read_fp(log_fp, log) < 0)
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot read %s output", argv[0]);
	if (!WIFEXITED(wstatus))
		return jeos_fail(err, JEOS_EXIT_FAILED, "%s died (status %d)", argv[0], wstatus);
	if (WEXITSTATUS(wstatus) == 127)
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot run %s: not installed?",
				 argv[0]);
	return WEXITSTATUS(wstatus);
}

static const char *last_line(struct strbuf *sb)
{
	char *p;

	while (sb->len && sb->buf[sb->len - 1] == '\n')
		sb->buf[--sb->len] = '\0';
	p = sb->len ? strrchr(sb->buf, '\n') : NULL;
	return p ? p + 1 : sb->len ? sb->buf : "no details";
}

/* *tmp: a new empty file of ours beside final_path (tmpfile_create). */
static int reserve(const char *final_path, char **tmp, struct jeos_error *err)
{
	int fd = tmpfile_create(final_path, tmp, err);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* gpgv needs a binary keyring: an ASCII-armored key is converted into a
 * temporary file (*tmp, which the caller removes). */
static int keyring_for_gpgv(const char *key, const char **out, char **tmp,
			    struct fetcher *f, struct jeos_error *err)
{
	static const char armor[] = "-----BEGIN PGP PUBLIC KEY BLOCK-----";
	char head[sizeof(armor) - 1];
	CLEANUP_FCLOSE FILE *fp = fopen(key, "re");
	CLEANUP_STRBUF struct strbuf status = STRBUF_INIT, log = STRBUF_INIT;
	CLEANUP_FREE char *base = NULL;
	int rc;

	if (!fp)
		return jeos_fail(err, JEOS_EXIT_USAGE, "signing key %s: %s", key,
				 strerror(errno));
	*out = key;
	if (fread(head, 1, sizeof(head), fp) != sizeof(head) ||
	    memcmp(head, armor, sizeof(head)))
		return 0;
	base = xasprintf("%s/keyring.gpg", fetcher_cache_dir(f));
	/* ours, made exclusively: gpg --yes then writes over it */
	if (reserve(base, tmp, err) < 0)
		return -1;
	const char *argv[] = { "gpg", "--batch", "--no-tty", "--yes", "--dearmor",
			       "--output", *tmp, key, NULL };
	rc = run_gpg(argv, &status, &log, err);
	if (rc < 0)
		return -1;
	if (rc)
		return jeos_fail(err, JEOS_EXIT_USAGE, "signing key %s: gpg --dearmor: %s",
				 key, last_line(&log));
	*out = *tmp;
	return 0;
}

/* Checks gpgv's verdict: at least one good signature by a key in the
 * keyring and no bad one. Keys of other signatures may be missing from the
 * keyring (Debian signs with several keys), which makes gpgv exit 2. */
static int check_gpgv_status(int rc, const char *status, const char *what,
			     const char *keyring, struct strbuf *log,
			     struct jeos_error *err)
{
	int good = 0, valid = 0;
	char key[64] = "", missing[64] = "";
	const char *key_state = NULL;
	const char *p = status;

	while (*p) {
		const char *eol = strchrnul(p, '\n');
		char word[32] = "", arg[64] = "";

		sscanf(p, "[GNUPG:] %31s %63s", word, arg);
		if (!strcmp(word, "GOODSIG"))
			good = 1;
		else if (!strcmp(word, "VALIDSIG"))
			valid = 1;
		else if (!strcmp(word, "NO_PUBKEY"))
			snprintf(missing, sizeof(missing), "%s", arg);
		else if (!strcmp(word, "BADSIG"))
			return jeos_fail(err, JEOS_EXIT_FAILED, "%s: bad signature (key %s)",
					 what, arg);
		else if (!strcmp(word, "EXPKEYSIG") || !strcmp(word, "REVKEYSIG")) {
			key_state = word[0] == 'E' ? "expired" : "revoked";
			snprintf(key, sizeof(key), "%s", arg);
		}
		p = *eol ? eol + 1 : eol;
	}
	if ((rc == 0 || rc == 2) && good && valid)
		return 0;
	if (key_state)
		return jeos_fail(err, JEOS_EXIT_FAILED,
				 "%s: no valid OpenPGP signature (signed with %s key %s)",
				 what, key_state, key);
	if (missing[0])
		return jeos_fail(err, JEOS_EXIT_FAILED,
				 "%s: no valid OpenPGP signature (key %s is not in %s)",
				 what, missing, keyring);
	return jeos_fail(err, JEOS_EXIT_FAILED, "%s: no valid OpenPGP signature (gpgv: %s)",
			 what, last_line(log));
}

/* Verifies signed (InRelease; or Release with its detached signature sig)
 * and puts only the signed text into *text. */
static int verify_signature(struct fetcher *f, const struct recipe_repo *repo,
			    const char *signed_file, const char *sig,
			    const char *what, struct strbuf *text,
			    struct jeos_error *err)
{
	const char *key = repo->signing_key ? repo->signing_key : DEBIAN_ARCHIVE_KEYRING;
	CLEANUP_UNLINK_FREE char *dearmored = NULL;
	CLEANUP_FREE char *outdir = NULL, *output = NULL;
	CLEANUP_STRBUF struct strbuf status = STRBUF_INIT, log = STRBUF_INIT;
	CLEANUP_FREE char *keyarg = NULL;
	const char *keyring = key;
	int rc, ret = -1;

	if (keyring_for_gpgv(key, &keyring, &dearmored, f, err) < 0)
		return -1;
	/* gpgv looks for a bare file name in its home directory. */
	keyarg = strchr(keyring, '/') ? xstrdup(keyring) : xasprintf("./%s", keyring);
	/* As apt does; gpgv itself only refuses MD5. */
	const char *argv[16] = { "gpgv", "--status-fd", "3", "--weak-digest", "SHA1",
				 "--weak-digest", "RIPEMD160", "--keyring", keyarg };
	size_t i = 9;
	if (sig) {
		argv[i++] = sig;
	} else {
		/* gpgv writes the text it found signed, whatever the verdict
		 * (used only when the verdict is good), and will not write over
		 * a file: so into a directory only we can write to. */
		if (!(outdir = tmpdir_create(signed_file, err)))
			return -1;
		output = xasprintf("%s/signed", outdir);
		argv[i++] = "--output";
		argv[i++] = output;
	}
	argv[i++] = signed_file;
	rc = run_gpg(argv, &status, &log, err);
	if (rc >= 0 &&
	    check_gpgv_status(rc, status.buf ? status.buf : "", what, key, &log, err) == 0) {
		strbuf_addstr(text, ""); /* NUL-terminated even if the file is empty */
		if (strbuf_read_file(text, sig ? signed_file : output) < 0)
			jeos_fail(err, JEOS_EXIT_FAILED, "cannot read %s: %s",
				  sig ? signed_file : output, strerror(errno));
		else
			ret = 0;
	}
	if (outdir) {
		unlink(output);
		rmdir(outdir);
	}
	return ret;
}

static const char clear_begin[] = "-----BEGIN PGP SIGNED MESSAGE-----\n";
static const char sig_begin[] = "\n-----BEGIN PGP SIGNATURE-----\n";
static const char sig_end[] = "\n-----END PGP SIGNATURE-----";

/* One clearsigned message and nothing around it, as apt insists: a second
 * message or unsigned text beside it has no business in an InRelease. */
static int check_clearsigned(const char *raw, const char *what, struct jeos_error *err)
{
	const char *sig = strstr(raw, sig_begin), *end = strstr(raw, sig_end);
	const char *tail = end ? end + strlen(sig_end) : NULL;

	if (!str_has_prefix(raw, clear_begin) || strstr(raw + 1, clear_begin) ||
	    !sig || strstr(sig + 1, sig_begin) || !end || end < sig ||
	    tail[strspn(tail, "\r\n")])
		return jeos_fail(err, JEOS_EXIT_FAILED,
				 "%s: not a single clearsigned message", what);
	return 0;
}

/* The text of a message check_clearsigned() accepted, signature unchecked
 * (gpgcheck off). */
static void clearsigned_text(const char *raw, struct strbuf *text)
{
	const char *p = strstr(raw, "\n\n"), *end = strstr(raw, sig_begin);

	/* The line break before the signature belongs to the signature. */
	for (p = p ? p + 2 : end; p < end; ) {
		const char *eol = strchrnul(p, '\n');
		if (str_has_prefix(p, "- ")) /* dash-escaped */
			p += 2;
		strbuf_add(text, p, (size_t)(eol - p));
		strbuf_addch(text, '\n');
		p = eol + 1;
	}
}

int repo_cached_info(const struct fetcher *f, const char *inrelease_sha256,
		     struct repo_info *info, struct jeos_error *err)
{
	CLEANUP_FREE char *path = fetch_cache_path(f, inrelease_sha256);
	CLEANUP_STRBUF struct strbuf raw = STRBUF_INIT, text = STRBUF_INIT;
	struct release rel = { 0 };
	char sha256[SHA256_HEX_LEN + 1];

	strbuf_addstr(&raw, "");
	if (strbuf_read_file(&raw, path) < 0)
		return 1;
	sha256_buffer(raw.buf, raw.len, sha256);
	if (strcmp(sha256, inrelease_sha256))
		return jeos_fail(err, JEOS_EXIT_FAILED, "%s: its SHA256 is %s", path, sha256);
	if (str_has_prefix(raw.buf, "-----BEGIN PGP SIGNED MESSAGE-----"))
		clearsigned_text(raw.buf, &text);
	else
		strbuf_add(&text, raw.buf, raw.len);
	if (release_parse(&rel, text.buf, text.len, path, err) < 0)
		return -1;
	info_from_release(info, &rel);
	release_free(&rel);
	return 0;
}

/* ---- indexes ---- */

/* Unpacks a verified compressed index into the cache, checking the result
 * against the plain file's entry in Release when there is one. */
static int unpack_index(struct fetcher *f, const char *compressed,
			const struct release_file *plain, const char *what,
			char **path, struct jeos_error *err)
{
	CLEANUP_FREE char *base = xasprintf("%s/Packages", fetcher_cache_dir(f));
	CLEANUP_UNLINK_FREE char *tmp = NULL;
	int fd = tmpfile_create(base, &tmp, err);
	CLEANUP_FCLOSE FILE *out = fd < 0 ? NULL : fdopen(fd, "w");
	struct archive *a = archive_read_new();
	struct archive_entry *entry;
	struct sha256 h;
	char hex[SHA256_HEX_LEN + 1], buf[65536];
	uint64_t size = 0;
	ssize_t n;
	int ret = -1, rc;

	sha256_init(&h);
	if (!out) {
		if (fd >= 0) {
			close(fd);
			jeos_fail(err, JEOS_EXIT_FAILED, "cannot create %s: %s", tmp,
				  strerror(errno));
		}
		goto out;
	}
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	archive_read_support_format_empty(a);
	rc = archive_read_open_filename(a, compressed, sizeof(buf));
	if (rc == ARCHIVE_OK)
		rc = archive_read_next_header(a, &entry);
	if (rc == ARCHIVE_OK) {
		while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
			if (fwrite(buf, 1, (size_t)n, out) != (size_t)n) {
				jeos_fail(err, JEOS_EXIT_FAILED, "cannot write %s: %s", tmp,
					  strerror(errno));
				goto out;
			}
			sha256_update(&h, buf, (size_t)n);
			size += (uint64_t)n;
			if (plain && size > plain->size) {
				/* stopped at once: it cannot match */
				jeos_fail(err, JEOS_EXIT_FAILED,
					  "%s: decompresses to more than Release's %" PRIu64
					  " bytes for %s", what, plain->size, plain->name);
				goto out;
			}
		}
		rc = n < 0 ? ARCHIVE_FATAL : ARCHIVE_OK;
	}
	if (rc != ARCHIVE_OK && rc != ARCHIVE_EOF) { /* EOF: an empty index */
		jeos_fail(err, JEOS_EXIT_FAILED, "%s: cannot decompress: %s", what,
			  archive_error_string(a) ? archive_error_string(a) : "unknown error");
		goto out;
	}
	if (fclose(out) != 0) {
		out = NULL;
		jeos_fail(err, JEOS_EXIT_FAILED, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	out = NULL;
	sha256_final(&h, hex);
	if (plain && (strcmp(hex, plain->sha256) || size != plain->size)) {
		jeos_fail(err, JEOS_EXIT_FAILED,
			  "%s: decompressed index does not match Release's %s", what,
			  plain->name);
		goto out;
	}
	*path = fetch_cache_path(f, hex);
	if (commit_file(&tmp, *path, err) < 0) {
		free(*path);
		*path = NULL;
		goto out;
	}
	ret = 0;
out:
	if (h.ctx)
		sha256_final(&h, hex);
	archive_read_free(a);
	return ret;
}

/* Brings component/binary-arch/Packages into the cache, uncompressed.
 * shown is dists for messages (no credentials). */
static int load_index(struct fetcher *f, const char *dists, const char *shown,
		      const struct release *rel, const char *component, const char *arch,
		      char **path, struct jeos_error *err)
{
	static const char *const exts[] = { ".xz", ".gz", "" };
	CLEANUP_FREE char *stem = xasprintf("%s/binary-%s/Packages", component, arch);
	CLEANUP_FREE char *name = NULL, *url = NULL, *what = NULL;
	const struct release_file *plain = release_find(rel, stem), *rf = NULL;
	struct fetch_item item = { 0 };
	int ret = -1;

	/* The plain text, if Release gives its hash, may be cached already. */
	if (plain) {
		int hit = fetch_cache_lookup(f, plain->sha256, plain->size, path, err);
		if (hit)
			return hit < 0 ? -1 : 0;
	}
	for (size_t i = 0; !rf && i < sizeof(exts) / sizeof(exts[0]); i++) {
		free(name);
		name = xasprintf("%s%s", stem, exts[i]);
		rf = release_find(rel, name);
	}
	if (!rf)
		return jeos_fail(err, JEOS_EXIT_USAGE, "%s/Release lists no %s{.xz,.gz,}",
				 shown, stem);
	url = xasprintf("%s/%s", dists, rf->name);
	what = xasprintf("%s/%s", shown, rf->name);
	item.url = url;
	item.sha256 = rf->sha256;
	item.size = rf->size;
	if (fetch_items(f, &item, 1, err) < 0)
		goto out;
	if (rf == plain) {
		*path = item.path;
		item.path = NULL;
	} else if (unpack_index(f, item.path, plain, what, path, err) < 0) {
		goto out;
	}
	ret = 0;
out:
	free(item.path);
	return ret;
}

/* ---- repositories ---- */

/* Fetches and checks dists/<dist>/InRelease (or Release + Release.gpg);
 * *text gets the signed text, sha256 the hash of the file as fetched.
 * shown is dists for messages (no credentials). */
static int load_release(struct fetcher *f, const struct recipe_repo *repo,
			const char *dists, const char *shown, struct strbuf *text,
			char sha256[SHA256_HEX_LEN + 1], struct jeos_error *err)
{
	CLEANUP_FREE char *base = xasprintf("%s/InRelease", fetcher_cache_dir(f));
	CLEANUP_UNLINK_FREE char *inrelease = NULL, *release = NULL, *release_gpg = NULL;
	CLEANUP_FREE char *url = xasprintf("%s/InRelease", dists);
	CLEANUP_FREE char *what = xasprintf("%s/InRelease", shown);
	CLEANUP_FREE char *final = NULL;
	CLEANUP_STRBUF struct strbuf raw = STRBUF_INIT;
	char **fetched = &inrelease;
	int rc, has_sig = 1;

	/* the files are fetched onto names reserved here: no other process
	 * sharing the cache fetches onto them */
	if (reserve(base, &inrelease, err) < 0 || reserve(base, &release, err) < 0 ||
	    reserve(base, &release_gpg, err) < 0)
		return -1;
	rc = fetch_url_optional(f, url, inrelease, err);
	if (rc < 0)
		return -1;
	if (rc) {
		free(url);
		free(what);
		url = xasprintf("%s/Release", dists);
		what = xasprintf("%s/Release", shown);
		fetched = &release;
		rc = fetch_url_optional(f, url, release, err);
		if (rc)
			return rc < 0 ? -1 : jeos_fail(err, JEOS_EXIT_FAILED,
						      "%s/: no InRelease or Release", shown);
		CLEANUP_FREE char *sig_url = xasprintf("%s.gpg", url);
		rc = fetch_url_optional(f, sig_url, release_gpg, err);
		if (rc < 0)
			return -1;
		has_sig = !rc;
	}

	strbuf_addstr(&raw, ""); /* NUL-terminated even if the file is empty */
	if (strbuf_read_file(&raw, *fetched) < 0)
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot read %s: %s", *fetched,
				 strerror(errno));
	if (fetched == &inrelease && check_clearsigned(raw.buf, what, err) < 0)
		return -1;

	if (!repo->gpgcheck) {
		log_warn("repository %s: signature not checked (gpgcheck is off)",
			 repo->alias ? repo->alias : shown);
		if (fetched != &inrelease)
			strbuf_add(text, raw.buf, raw.len);
		else
			clearsigned_text(raw.buf, text);
	} else if (!has_sig) {
		return jeos_fail(err, JEOS_EXIT_FAILED,
				 "%s: no valid OpenPGP signature (unsigned repository:"
				 " no InRelease or Release.gpg)", what);
	} else if (verify_signature(f, repo, *fetched,
				    fetched == &inrelease ? NULL : release_gpg, what,
				    text, err) < 0) {
		return -1;
	}

	/* Keep the file the lock file will name, by its hash. */
	sha256_buffer(raw.buf, raw.len, sha256);
	final = fetch_cache_path(f, sha256);
	return commit_file(fetched, final, err);
}

static void clear_indexes(struct repo_index *idx, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(idx[i].component);
		free(idx[i].arch);
		free(idx[i].packages_path);
	}
}

static void add_index(struct repo_index **out, size_t *n, int repo_idx,
		      const char *component, const char *arch, char *path)
{
	struct repo_index *idx;

	*out = xrealloc(*out, (*n + 1) * sizeof(**out));
	idx = &(*out)[(*n)++];
	idx->repo = repo_idx;
	idx->component = xstrdup(component);
	idx->arch = xstrdup(arch);
	idx->packages_path = path;
}

int repo_load(struct fetcher *f, const struct recipe_repo *repo, int repo_idx,
	      const char *arch, struct repo_index **out, size_t *n,
	      char inrelease_sha256[SHA256_HEX_LEN + 1], struct repo_info *info,
	      struct jeos_error *err)
{
	static const char *const main_only[] = { "main", NULL };
	CLEANUP_FREE char *shown_uri = uri_redact(repo->uri);
	const char *name = repo->alias ? repo->alias : shown_uri;
	const char *const *components = repo->components
		? (const char *const *)repo->components : main_only;
	const char *dist = repo->distribution;
	CLEANUP_FREE char *dists = NULL, *shown = NULL, *archs = xstrdup(repo->architectures
							  ? repo->architectures : arch);
	CLEANUP_STRBUF struct strbuf text = STRBUF_INIT;
	struct release rel = { 0 };
	size_t len = strlen(repo->uri), n0 = *n;
	char *save = NULL;
	int ret = -1;

	if (!dist || !*dist || str_has_suffix(dist, "/")) {
		jeos_fail(err, JEOS_EXIT_USAGE, "repository %s: a distribution is needed"
			  " (flat repositories are not supported)", name);
		return -1;
	}
	while (len && repo->uri[len - 1] == '/')
		len--;
	dists = xasprintf("%.*s/dists/%s", (int)len, repo->uri, dist);
	shown = uri_redact(dists);

	if (load_release(f, repo, dists, shown, &text, inrelease_sha256, err) < 0 ||
	    release_parse(&rel, text.buf, text.len, shown, err) < 0)
		goto out;
	info_from_release(info, &rel);

	const char *last = strrchr(dist, '/') ? strrchr(dist, '/') + 1 : dist;
	if ((rel.suite || rel.codename) &&
	    !(rel.suite && !strcmp(rel.suite, last)) &&
	    !(rel.codename && !strcmp(rel.codename, last)))
		log_warn("repository %s: asked for %s, Release is for %s", name, dist,
			 rel.codename ? rel.codename : rel.suite);
	if (rel.valid_until && rel.valid_until < time(NULL)) {
		char when[64];
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime(&rel.valid_until));
		/* Not fatal: snapshot mirrors serve old signed metadata on purpose. */
		log_warn("repository %s: Release expired on %s (Valid-Until), using it anyway",
			 name, when);
	}

	for (char *a = strtok_r(archs, ", ", &save); a; a = strtok_r(NULL, ", ", &save)) {
		for (size_t c = 0; components[c]; c++) {
			char *path = NULL;
			if (load_index(f, dists, shown, &rel, components[c], a, &path, err) < 0)
				goto out;
			add_index(out, n, repo_idx, components[c], a, path);
		}
	}
	ret = 0;
out:
	if (ret < 0) {
		jeos_error_prefix(err, "repository %s: ", name);
		if (*n > n0) /* *out may still be NULL: no arithmetic on it */
			clear_indexes(*out + n0, *n - n0);
		*n = n0;
	}
	release_free(&rel);
	return ret;
}

void repo_index_free(struct repo_index *idx, size_t n)
{
	clear_indexes(idx, n);
	free(idx);
}
