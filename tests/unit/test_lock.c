/* Unit tests for lock files: the format, on hand-made package sets, and
 * resolve_locked against a signed repository built by
 * tests/integration/make-repo.sh. */
#include "testutil.h"
#include "lock.h"

#include <unistd.h>

#define MAKE_REPO SRCDIR "/tests/integration/make-repo.sh"
#define SHA(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
	       c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c
#define HEADER "# jeos lock 1\n"
#define REQUEST "request " SHA("0") "\n"
#define REPO "repo main bookworm " SHA("1") "\n"

struct fx {
	char *dir, *lock_path;
	struct recipe r;
	struct recipe_repo repos[2];
	struct recipe_package pkgs[3];
	struct resolved res;
	struct lock lk;
	struct jeos_error err;
	/* the repository tests */
	char *repo_dir, *uri, *keyring, *cache;
	struct fetcher *f;
};

static int setup(void **state)
{
	struct fx *fx = xcalloc(1, sizeof(*fx));

	fx->dir = test_tmpdir();
	fx->lock_path = xasprintf("%s/x.lock", fx->dir);
	fx->r.path = "config.xml";
	fx->r.minbase = 1;
	fx->r.dir = fx->dir;
	fx->r.name = "x";
	fx->r.repos = fx->repos;
	fx->r.packages[PKGS_IMAGE] = fx->pkgs;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	test_rmrf(fx->dir);
	resolved_free(&fx->res);
	lock_free(&fx->lk);
	fetcher_free(fx->f);
	free(fx->repo_dir);
	free(fx->uri);
	free(fx->keyring);
	free(fx->cache);
	free(fx->lock_path);
	free(fx->dir);
	free(fx);
	return 0;
}

static void add_pkg(struct pkgset *set, const char *name, const char *version,
		    const char *arch, const char *sha256, int repo, uint64_t size)
{
	struct pkg *p = pkgset_add(set);
	const char *colon = strchr(version, ':');

	p->name = xstrdup(name);
	p->version = xstrdup(version);
	p->arch = xstrdup(arch);
	p->sha256 = sha256 ? xstrdup(sha256) : NULL;
	p->repo = repo;
	p->size = size;
	/* pool file names leave out the epoch */
	p->filename = xasprintf("pool/main/%c/%s/%s_%s_%s.deb", name[0], name, name,
				colon ? colon + 1 : version, arch);
}

/* Two repositories, two requested packages and a set from both, in no
 * particular order. */
static void make_set(struct fx *fx)
{
	fx->repos[0] = (struct recipe_repo){ .alias = "main", .distribution = "bookworm",
					     .source = "mirror://debian", .line = 3 };
	fx->repos[1] = (struct recipe_repo){ .alias = "security",
					     .distribution = "bookworm-security",
					     .priority = 10, .line = 4 };
	fx->r.nr_repos = 2;
	fx->pkgs[0] = (struct recipe_package){ .name = "vim" };
	fx->pkgs[1] = (struct recipe_package){ .name = "curl", .arch = "x86_64" };
	fx->r.nr_packages[PKGS_IMAGE] = 2;

	fx->res.nr_repos = 2;
	fx->res.inrelease = xcalloc(2, sizeof(*fx->res.inrelease));
	strcpy(fx->res.inrelease[0], SHA("1"));
	strcpy(fx->res.inrelease[1], SHA("2"));
	fx->res.epoch = 1718306458;
	add_pkg(&fx->res.set, "zlib1g", "1:1.2.13.dfsg-1", "amd64", SHA("c"), 0, 90000);
	add_pkg(&fx->res.set, "libc6", "2.36-9+deb12u4", "i386", SHA("b"), 1, 2800000);
	add_pkg(&fx->res.set, "apt", "2.6.1", "amd64", SHA("d"), 0, 1394528);
	add_pkg(&fx->res.set, "libc6", "2.36-9+deb12u4", "amd64", SHA("a"), 1, 2755000);
}

static void write_ok(struct fx *fx)
{
	if (lock_write(fx->lock_path, &fx->r, &fx->res, &fx->err) < 0)
		fail_msg("lock_write: %s", fx->err.msg);
}

static void read_ok(struct fx *fx)
{
	lock_free(&fx->lk);
	if (lock_read(fx->lock_path, &fx->lk, &fx->err) < 0)
		fail_msg("lock_read: %s", fx->err.msg);
}

static void test_round_trip(void **state)
{
	struct fx *fx = *state;
	char want_request[SHA256_HEX_LEN + 1];

	make_set(fx);
	write_ok(fx);
	/* The request: repositories in order, then the packages sorted. */
	const char *canonical = "arch amd64\nrecommends 0\n"
		"repo main bookworm - 0\nrepo security bookworm-security - 10\n"
		"image curl x86_64\nimage vim -\n";
	sha256_buffer(canonical, strlen(canonical), want_request);
	char *want = xasprintf(
		"# jeos lock 1\n"
		"# `jeos lock --update RECIPE` re-resolves; jeos build installs exactly this\n"
		"request %s\n"
		"epoch 1718306458\n"
		"repo main bookworm " SHA("1") "\n"
		"repo security bookworm-security " SHA("2") "\n"
		"pkg apt 2.6.1 amd64 " SHA("d") " main pool/main/a/apt/apt_2.6.1_amd64.deb 1394528\n"
		"pkg libc6 2.36-9+deb12u4 amd64 " SHA("a") " security"
		" pool/main/l/libc6/libc6_2.36-9+deb12u4_amd64.deb 2755000\n"
		"pkg libc6 2.36-9+deb12u4 i386 " SHA("b") " security"
		" pool/main/l/libc6/libc6_2.36-9+deb12u4_i386.deb 2800000\n"
		"pkg zlib1g 1:1.2.13.dfsg-1 amd64 " SHA("c") " main"
		" pool/main/z/zlib1g/zlib1g_1.2.13.dfsg-1_amd64.deb 90000\n", want_request);
	char *got = test_read_file(fx->lock_path);
	assert_string_equal(got, want);
	free(got);
	free(want);
	assert_int_equal(test_count_entries(fx->dir), 1); /* no temporary left */

	read_ok(fx);
	assert_string_equal(fx->lk.path, fx->lock_path);
	assert_string_equal(fx->lk.request, want_request);
	assert_int_equal(fx->lk.nr_repos, 2);
	assert_string_equal(fx->lk.repos[1].alias, "security");
	assert_string_equal(fx->lk.repos[1].distribution, "bookworm-security");
	assert_string_equal(fx->lk.repos[1].inrelease, SHA("2"));
	assert_int_equal(fx->lk.repos[1].line, 6);
	assert_int_equal(fx->lk.epoch, 1718306458);
	pkgset_sort(&fx->res.set);
	assert_int_equal(fx->lk.set.nr, fx->res.set.nr);
	for (size_t i = 0; i < fx->res.set.nr; i++) {
		const struct pkg *a = &fx->res.set.pkgs[i], *b = &fx->lk.set.pkgs[i];
		assert_string_equal(b->name, a->name);
		assert_string_equal(b->version, a->version);
		assert_string_equal(b->arch, a->arch);
		assert_string_equal(b->sha256, a->sha256);
		assert_string_equal(b->filename, a->filename);
		assert_int_equal(b->size, a->size);
		assert_int_equal(b->repo, a->repo);
		assert_null(b->path);
		assert_int_equal(fx->lk.lines[i], 7 + i);
	}
}

static void test_stable_order(void **state)
{
	struct fx *fx = *state;
	char *first, *second;

	make_set(fx);
	write_ok(fx);
	first = test_read_file(fx->lock_path);
	/* the same set and requests, shuffled */
	for (size_t i = 0, j = fx->res.set.nr - 1; i < j; i++, j--) {
		struct pkg t = fx->res.set.pkgs[i];
		fx->res.set.pkgs[i] = fx->res.set.pkgs[j];
		fx->res.set.pkgs[j] = t;
	}
	struct recipe_package t = fx->pkgs[0];
	fx->pkgs[0] = fx->pkgs[1];
	fx->pkgs[1] = t;
	write_ok(fx);
	second = test_read_file(fx->lock_path);
	assert_string_equal(second, first);
	free(second);

	/* a request more is another request */
	fx->pkgs[2] = (struct recipe_package){ .name = "less" };
	fx->r.nr_packages[PKGS_IMAGE] = 3;
	write_ok(fx);
	second = test_read_file(fx->lock_path);
	assert_string_not_equal(strstr(second, "request "), strstr(first, "request "));
	free(second);
	free(first);
}

static void test_write_refuses(void **state)
{
	struct fx *fx = *state;

	make_set(fx);
	free(fx->res.set.pkgs[2].sha256);
	fx->res.set.pkgs[2].sha256 = NULL;
	assert_int_equal(lock_write(fx->lock_path, &fx->r, &fx->res, &fx->err), -1);
	assert_int_equal(fx->err.code, JEOS_EXIT_FAILED);
	assert_non_null(strstr(fx->err.msg, "error: cannot lock package 'apt' 2.6.1: its SHA256"
				" is missing or not a single word"));

	fx->res.set.pkgs[2].sha256 = xstrdup(SHA("d"));
	free(fx->res.set.pkgs[1].version);
	fx->res.set.pkgs[1].version = xstrdup("2.36 9");
	assert_int_equal(lock_write(fx->lock_path, &fx->r, &fx->res, &fx->err), -1);
	assert_non_null(strstr(fx->err.msg, "cannot lock package 'libc6' 2.36 9: its version"));

	fx->repos[1].alias = "main";
	assert_int_equal(lock_write(fx->lock_path, &fx->r, &fx->res, &fx->err), -1);
	assert_int_equal(fx->err.code, JEOS_EXIT_USAGE);
	assert_string_equal(fx->err.msg, "config.xml:4: error: cannot lock: repositories on"
			    " lines 3 and 4 share the alias 'main' (give them distinct aliases)");
	assert_int_equal(test_count_entries(fx->dir), 0); /* nothing written */
}

/* A lock of LEN bytes TEXT is refused with "PATH" MSG... (case I). */
static void expect_refused(struct fx *fx, size_t i, const char *text, size_t len,
			   const char *msg)
{
	assert_int_equal(write_file(fx->lock_path, text, len, &fx->err), 0);
	lock_free(&fx->lk);
	if (lock_read(fx->lock_path, &fx->lk, &fx->err) != -1)
		fail_msg("case %zu: accepted", i);
	assert_int_equal(fx->err.code, JEOS_EXIT_USAGE);
	if (!str_has_prefix(fx->err.msg, fx->lock_path) ||
	    !str_has_prefix(fx->err.msg + strlen(fx->lock_path), msg))
		fail_msg("case %zu: \"%s\" is not \"%s%s...\"", i, fx->err.msg,
			 fx->lock_path, msg);
}

static void test_parse_errors(void **state)
{
	struct fx *fx = *state;
	static const struct {
		const char *text, *msg; /* msg follows "PATH" */
	} cases[] = {
		{ "", ":1: error: the file ends here, expected '# jeos lock 1'" },
		{ "jeos lock 1\n", ":1: error: not a jeos lock file: expected '# jeos lock 1',"
		  " got 'jeos lock 1'" },
		{ "# jeos lock 2\n" REQUEST, ":1: error: lock format 2, this jeos reads format 1"
		  " (`jeos lock --update RECIPE` rewrites it)" },
		{ HEADER REPO, ":2: error: expected 'request SHA256', got 'repo main bookworm" },
		{ HEADER "request 12ab\n", ":2: error: '12ab' is not a SHA-256 (64 lowercase hex"
		  " digits), expected 'request SHA256'" },
		{ HEADER REQUEST "pkg a 1 amd64 " SHA("a") " main a.deb 1\n",
		  ":3: error: expected 'repo ALIAS DISTRIBUTION INRELEASE-SHA256', got 'pkg a 1" },
		{ HEADER REQUEST "epoch 17e8\n", ":3: error: '17e8' is not a time, expected"
		  " 'epoch SECONDS'" },
		{ HEADER REQUEST REPO "epoch 1718306458\n", ":4: error: expected 'repo ALIAS" },
		{ HEADER REQUEST "repo main bookworm " SHA("A") "\n", ":3: error: '" SHA("A")
		  "' is not a SHA-256" },
		{ HEADER REQUEST REPO "repo main trixie " SHA("2") "\n",
		  ":4: error: repository 'main' again (first on line 3), expected each alias once" },
		{ HEADER REQUEST REPO, ":3: error: the file ends here, expected 'repo ALIAS"
		  " DISTRIBUTION INRELEASE-SHA256' or 'pkg NAME VERSION ARCH SHA256 ALIAS"
		  " FILENAME SIZE'" },
		{ HEADER REQUEST REPO "pkg a 1 amd64 " SHA("a") " other a.deb 1\n",
		  ":4: error: no 'repo' line declares the alias 'other', expected one of the"
		  " repositories above" },
		{ HEADER REQUEST REPO "pkg a 1 amd64 " SHA("a") " main a.deb 12k\n",
		  ":4: error: '12k' is not a size in bytes, expected 'pkg NAME VERSION ARCH" },
		{ HEADER REQUEST REPO "pkg a 1 amd64 " SHA("a") " main a.deb -1\n",
		  ":4: error: '-1' is not a size in bytes" },
		{ HEADER REQUEST REPO "pkg a 1 amd64 " SHA("a") " main a.deb\n",
		  ":4: error: expected 'repo ALIAS DISTRIBUTION INRELEASE-SHA256' or 'pkg NAME"
		  " VERSION ARCH SHA256 ALIAS FILENAME SIZE', got 'pkg a 1 amd64" },
		{ HEADER REQUEST REPO "pkg b 1 amd64 " SHA("a") " main b.deb 1\n"
		  "pkg a 1 amd64 " SHA("a") " main a.deb 1\n",
		  ":5: error: a (amd64) after b (amd64) on line 4: expected the packages sorted"
		  " by name, then architecture, each once" },
		{ HEADER REQUEST REPO "pkg a 1 i386 " SHA("a") " main a.deb 1\n"
		  "pkg a 2 i386 " SHA("a") " main a.deb 1\n",
		  ":5: error: a (i386) after a (i386) on line 4" },
		{ HEADER REQUEST REPO "pkg a 1 amd64 " SHA("a") " main a.deb 1\n" REPO,
		  ":5: error: expected 'pkg NAME VERSION ARCH SHA256 ALIAS FILENAME SIZE', got"
		  " 'repo main" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		expect_refused(fx, i, cases[i].text, strlen(cases[i].text), cases[i].msg);
	}

	/* comments, blank lines, CRLF and extra blanks are fine */
	const char *ok = HEADER "\r\n# a comment\nrequest  " SHA("0") "\r\n\n" REPO
		"  pkg a 1:2 all " SHA("a") " main pool/a.deb 0\r\n";
	assert_int_equal(write_file(fx->lock_path, ok, strlen(ok), &fx->err), 0);
	read_ok(fx);
	assert_int_equal(fx->lk.set.nr, 1);
	assert_string_equal(fx->lk.set.pkgs[0].version, "1:2");
	assert_string_equal(fx->lk.set.pkgs[0].filename, "pool/a.deb");
	assert_int_equal(fx->lk.lines[0], 7);

	lock_free(&fx->lk);
	assert_int_equal(lock_read("/nonexistent/x.lock", &fx->lk, &fx->err), -1);
	assert_string_equal(fx->err.msg, "cannot read lock file /nonexistent/x.lock:"
			    " No such file or directory");
}

/* ---- against a repository ---- */

/* The repository tests' default packages: foo, which the recipe asks for,
 * and bar, which nothing needs. */
#define PKGS "'apt 2.6; Priority: important; Installed-Size: 100'" \
	" 'foo 1.0; Priority: optional; Installed-Size: 12' 'bar 1.0'"

static void make_repo(struct fx *fx, const char *pkgs)
{
	struct fetch_options opts = { .retry_delay_ms = 10 };

	fx->repo_dir = xasprintf("%s/repo", fx->dir);
	fx->uri = xasprintf("file://%s", fx->repo_dir);
	fx->keyring = xasprintf("%s/key/keyring.gpg", fx->repo_dir);
	fx->cache = xasprintf("%s/cache", fx->dir);
	opts.cache_dir = fx->cache;
	test_shf(MAKE_REPO " %s %s >/dev/null", fx->repo_dir, pkgs);
	fx->repos[0] = (struct recipe_repo){ .alias = "test", .uri = fx->uri,
					     .distribution = "stable",
					     .signing_key = fx->keyring, .gpgcheck = 1 };
	fx->r.nr_repos = 1;
	fx->pkgs[0] = (struct recipe_package){ .name = "foo" };
	fx->r.nr_packages[PKGS_IMAGE] = 1;
	assert_int_equal(fetcher_new(&fx->f, &opts, &fx->err), 0);
}

/* Every field of the packages that later stages read. */
static void assert_same_packages(const struct resolved *a, const struct resolved *b)
{
	assert_int_equal(a->set.nr, b->set.nr);
	for (size_t i = 0; i < a->set.nr; i++) {
		const struct pkg *p = &a->set.pkgs[i], *q = &b->set.pkgs[i];
		assert_string_equal(p->name, q->name);
		assert_string_equal(p->version, q->version);
		assert_string_equal(p->arch, q->arch);
		assert_string_equal(p->sha256, q->sha256);
		assert_string_equal(p->filename, q->filename);
		assert_string_equal(p->priority, q->priority);
		assert_int_equal(p->size, q->size);
		assert_int_equal(p->installed_size, q->installed_size);
		assert_int_equal(p->essential, q->essential);
		assert_int_equal(p->repo, q->repo);
	}
}

static int locked(struct fx *fx, int download, struct resolved *out)
{
	read_ok(fx);
	return resolve_locked(&fx->r, &fx->lk, fx->f, download, out, &fx->err);
}

static void test_locked_resolution(void **state)
{
	struct fx *fx = *state;
	struct resolved got = { 0 };

	make_repo(fx, PKGS);
	if (resolve_recipe(&fx->r, fx->f, 0, &fx->res, &fx->err) < 0)
		fail_msg("resolve_recipe: %s", fx->err.msg);
	write_ok(fx);
	if (locked(fx, 0, &got) < 0)
		fail_msg("resolve_locked: %s", fx->err.msg);
	assert_same_packages(&fx->res, &got);
	assert_int_equal(got.set.pkgs[1].installed_size, 12 * 1024);
	assert_int_equal(got.nr_repos, 1);
	assert_string_equal(got.inrelease[0], fx->res.inrelease[0]);
	/* make-repo.sh dates its Release at its SOURCE_DATE_EPOCH */
	assert_int_equal(fx->res.epoch, 1700000000);
	assert_int_equal(got.epoch, 1700000000);
	resolved_free(&got);

	/* the recipe asks for more: the lock is out of date */
	fx->pkgs[1] = (struct recipe_package){ .name = "bar" };
	fx->r.nr_packages[PKGS_IMAGE] = 2;
	assert_int_equal(locked(fx, 0, &got), -1);
	assert_int_equal(fx->err.code, JEOS_EXIT_USAGE);
	char *want = xasprintf("%s: error: out of date: the packages or repositories config.xml"
			       " asks for (with the selected profiles) changed since the lock"
			       " was written; run `jeos lock --update config.xml` to re-resolve",
			       fx->lock_path);
	assert_string_equal(fx->err.msg, want);
	free(want);
	fx->r.nr_packages[PKGS_IMAGE] = 1;

	/* a hand-edited repository line */
	char *text = test_read_file(fx->lock_path);
	memcpy(strstr(text, "repo test stable "), "repo test stabl3 ", 17);
	assert_int_equal(write_file(fx->lock_path, text, strlen(text), &fx->err), 0);
	free(text);
	assert_int_equal(locked(fx, 0, &got), -1);
	want = xasprintf("%s:5: error: expected 'repo test stable ...', as config.xml:0 says;"
			 " run `jeos lock --update config.xml`", fx->lock_path);
	assert_string_equal(fx->err.msg, want);
	free(want);
}

static void test_wrong_hash(void **state)
{
	struct fx *fx = *state;
	struct resolved got = { 0 };
	char *text, *line, *want;
	const char *good;

	make_repo(fx, PKGS);
	if (resolve_recipe(&fx->r, fx->f, 0, &fx->res, &fx->err) < 0)
		fail_msg("resolve_recipe: %s", fx->err.msg);
	write_ok(fx);
	/* one hex digit of foo's SHA-256 changed */
	good = fx->res.set.pkgs[1].sha256;
	text = test_read_file(fx->lock_path);
	line = strstr(text, "\npkg foo 1.0 amd64 ") + strlen("\npkg foo 1.0 amd64 ");
	*line = *line == '0' ? '1' : '0';
	assert_int_equal(write_file(fx->lock_path, text, strlen(text), &fx->err), 0);
	assert_int_equal(locked(fx, 1, &got), -1);
	assert_int_equal(fx->err.code, JEOS_EXIT_FAILED);
	want = xasprintf("%s:7: error: foo 1.0 (amd64): the lock says SHA-256 %.64s, repository"
			 " test's index says %s (a tampered lock entry, or the repository"
			 " replaced the file: check, then `jeos lock --update`)",
			 fx->lock_path, line, good);
	assert_string_equal(fx->err.msg, want);
	assert_null(got.set.pkgs);
	free(want);
	free(text);
}

static void test_gone_from_repository(void **state)
{
	struct fx *fx = *state;
	struct resolved got = { 0 };
	struct fetch_options opts = { .retry_delay_ms = 10 };

	make_repo(fx, PKGS);
	if (resolve_recipe(&fx->r, fx->f, 1, &fx->res, &fx->err) < 0)
		fail_msg("resolve_recipe: %s", fx->err.msg);
	write_ok(fx);
	/* foo leaves the repository; the cache still has its .deb */
	test_shf("rm %s/pool/main/f/foo/foo_1.0_amd64.deb && " MAKE_REPO " %s >/dev/null",
		 fx->repo_dir, fx->repo_dir);
	if (locked(fx, 1, &got) < 0)
		fail_msg("resolve_locked: %s", fx->err.msg);
	assert_same_packages(&fx->res, &got); /* from the .deb's control file */
	assert_int_equal(got.downloaded, 0);
	assert_int_equal(got.cached, 2);
	resolved_free(&got);

	/* with an empty cache nothing has it any more */
	fetcher_free(fx->f);
	free(fx->cache);
	fx->cache = xasprintf("%s/cache2", fx->dir);
	opts.cache_dir = fx->cache;
	assert_int_equal(fetcher_new(&fx->f, &opts, &fx->err), 0);
	assert_int_equal(locked(fx, 1, &got), -1);
	assert_int_equal(fx->err.code, JEOS_EXIT_FAILED);
	char *want = xasprintf("%s:7: error: foo 1.0 (amd64) is no longer in repository test,"
			       " nor in the cache %s\nrun `jeos lock --update config.xml` to"
			       " lock what the repositories have now", fx->lock_path, fx->cache);
	assert_string_equal(fx->err.msg, want);
	free(want);
}

/* The lock file with the line that starts with prefix removed. */
static void drop_line(struct fx *fx, const char *prefix)
{
	char *text = test_read_file(fx->lock_path);
	char *line = strstr(text, prefix);

	assert_non_null(line);
	memmove(line, strchr(line, '\n') + 1, strlen(strchr(line, '\n') + 1) + 1);
	assert_int_equal(write_file(fx->lock_path, text, strlen(text), &fx->err), 0);
	free(text);
}

/* A lock that lost package lines (a bad merge, a hand edit) is refused
 * for what is missing: the recipe's own package, minbase's, and any
 * dependency of the packages left. */
static void test_deleted_lines(void **state)
{
	struct fx *fx = *state;
	struct resolved got = { 0 };
	static const struct {
		const char *line, *msg; /* msg follows "PATH: error: " */
	} cases[] = {
		{ "pkg foo ", "'foo', which the recipe's image packages ask for (config.xml:7),"
		  " is not in it" },
		{ "pkg apt ", "'apt', which minbase (Essential: yes, Priority: required, apt)"
		  " asks for, is not in it" },
		{ "pkg libbar1 ", "foo 1.0 (amd64) depends on 'libbar1 >= 2', which nothing"
		  " in it provides" },
		{ "pkg mawk ", "base 1 (all) depends on 'awk', which nothing in it provides" },
	};

	make_repo(fx, "'apt 2.6' 'foo 1.0; Depends: libbar1 (>= 2)' 'libbar1 2.1'"
		  " 'base 1; Architecture: all; Essential: yes; Pre-Depends: awk'"
		  " 'mawk 1.3; Provides: awk'");
	fx->pkgs[0].line = 7;
	if (resolve_recipe(&fx->r, fx->f, 1, &fx->res, &fx->err) < 0)
		fail_msg("resolve_recipe: %s", fx->err.msg);
	assert_int_equal(fx->res.set.nr, 5);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_ok(fx);
		if (locked(fx, 0, &got) < 0) /* whole, it is fine */
			fail_msg("resolve_locked: %s", fx->err.msg);
		resolved_free(&got);
		drop_line(fx, cases[i].line);
		assert_int_equal(locked(fx, 1, &got), -1);
		assert_int_equal(fx->err.code, JEOS_EXIT_FAILED);
		char *want = xasprintf("%s: error: %s\n%s: error: not the whole package set;"
				       " run `jeos lock --update config.xml` to re-resolve",
				       fx->lock_path, cases[i].msg, fx->lock_path);
		assert_string_equal(fx->err.msg, want);
		free(want);
		assert_null(got.set.pkgs);
	}
}

/* A NUL or another control character is refused where it is, rather than
 * read as the end of the file. */
static void test_control_characters(void **state)
{
	struct fx *fx = *state;
	static const char pkg_a[] = "pkg a 1 amd64 " SHA("a") " main a.deb 1\n";
	static const char pkg_b[] = "pkg b 1 amd64 " SHA("b") " main b.deb 1\n";
#define BYTES(s) s, sizeof(s) - 1
	static const struct {
		const char *bad;
		size_t len;
		const char *msg; /* follows "PATH" */
	} cases[] = {
		{ BYTES("\0"), ":5: error: a NUL byte 0x00 in column 1, expected plain text" },
		{ BYTES("pkg b 1 amd64\0"), ":5: error: a NUL byte 0x00 in column 14" },
		{ BYTES("# \0 a comment"), ":5: error: a NUL byte 0x00 in column 3" },
		{ BYTES("pkg b\x1b[2K 1"), ":5: error: a control byte 0x1b in column 6,"
		  " expected plain text" },
		{ BYTES("pkg b 1\r amd64"), ":5: error: a control byte 0x0d in column 8" },
	};
#undef BYTES

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf text = STRBUF_INIT;
		strbuf_addstr(&text, HEADER REQUEST REPO);
		strbuf_addstr(&text, pkg_a);
		strbuf_add(&text, cases[i].bad, cases[i].len);
		strbuf_addstr(&text, "\n");
		strbuf_addstr(&text, pkg_b);
		expect_refused(fx, i, text.buf, text.len, cases[i].msg);
		strbuf_release(&text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_round_trip),
		T(test_stable_order),
		T(test_write_refuses),
		T(test_parse_errors),
		T(test_locked_resolution),
		T(test_wrong_hash),
		T(test_gone_from_repository),
		T(test_deleted_lines),
		T(test_control_characters),
#undef T
	};
	return cmocka_run_group_tests_name("lock", tests, NULL, NULL);
}
