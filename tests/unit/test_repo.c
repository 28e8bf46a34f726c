/* Unit tests for signed repository metadata, on repositories built by
 * tests/integration/make-repo.sh. */
#include "testutil.h"
#include "repo.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <glob.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAKE_REPO SRCDIR "/tests/integration/make-repo.sh"

struct fixture {
	char *dir;             /* scratch */
	char *repo_dir;        /* dir/repo */
	char *cache;           /* dir/cache */
	char *uri, *keyring;
	const char *components[3];
	struct recipe_repo repo;
	struct repo_index *idx;
	size_t n;
	char sha[SHA256_HEX_LEN + 1];
	struct repo_info info;
	struct fetch_stats stats; /* of the last load */
	struct jeos_error err;
	char *warnings;        /* stderr of the last load */
};

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));

	fx->dir = test_tmpdir();
	fx->repo_dir = xasprintf("%s/repo", fx->dir);
	fx->cache = xasprintf("%s/cache", fx->dir);
	fx->uri = xasprintf("file://%s", fx->repo_dir);
	fx->keyring = xasprintf("%s/key/keyring.gpg", fx->repo_dir);
	fx->repo.alias = "test";
	fx->repo.uri = fx->uri;
	fx->repo.distribution = "stable";
	fx->repo.signing_key = fx->keyring;
	fx->repo.gpgcheck = 1;
	*state = fx;
	return 0;
}

static void reset_indexes(struct fixture *fx)
{
	repo_index_free(fx->idx, fx->n);
	fx->idx = NULL;
	fx->n = 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	test_rmrf(fx->dir);
	reset_indexes(fx);
	free(fx->dir);
	free(fx->repo_dir);
	free(fx->cache);
	free(fx->uri);
	free(fx->keyring);
	repo_info_free(&fx->info);
	free(fx->warnings);
	free(fx);
	return 0;
}

/* A repository with two packages, built with make-repo.sh OPTIONS. */
static void make_repo(struct fixture *fx, const char *options)
{
	test_shf(MAKE_REPO " %s %s 'foo 1.0-1; Depends: bar (>= 2)' 'bar 2.0; Architecture: all'",
	    options, fx->repo_dir);
}

/* repo_load with a fresh fetcher on fx->cache; stderr is kept in
 * fx->warnings. */
static int load(struct fixture *fx)
{
	struct fetch_options opts = { .cache_dir = fx->cache, .retry_delay_ms = 10 };
	struct fetcher *f;
	FILE *capture = tmpfile();
	int saved = dup(2), rc;

	assert_int_equal(fetcher_new(&f, &opts, &fx->err), 0);
	fflush(stderr);
	dup2(fileno(capture), 2);
	rc = repo_load(f, &fx->repo, 3, "amd64", &fx->idx, &fx->n, fx->sha, &fx->info, &fx->err);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fx->stats = *fetcher_stats(f);
	fetcher_free(f);

	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, ""); /* util's strbuf_detach leaves an empty buf unterminated */
	char chunk[4096];
	size_t len;
	rewind(capture);
	while ((len = fread(chunk, 1, sizeof(chunk), capture)) > 0)
		strbuf_add(&sb, chunk, len);
	fclose(capture);
	free(fx->warnings);
	fx->warnings = strbuf_detach(&sb);
	return rc;
}

static void load_ok(struct fixture *fx)
{
	if (load(fx) < 0)
		fail_msg("repo_load: %s", fx->err.msg);
}

static void load_fails(struct fixture *fx, const char *msg)
{
	assert_int_equal(load(fx), -1);
	assert_int_equal(fx->err.code, JEOS_EXIT_FAILED);
	if (!strstr(fx->err.msg, msg))
		fail_msg("error \"%s\" lacks \"%s\"", fx->err.msg, msg);
	assert_int_equal(fx->n, 0);
	assert_true(str_has_prefix(fx->err.msg, "repository test: "));
}

/* Files in the cache besides InRelease copies and temporaries. */
static int cache_entries(struct fixture *fx, int *tmp)
{
	char *path = xasprintf("%s/by-sha256", fx->cache);
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	*tmp = 0;
	if (d) {
		while ((de = readdir(d)))
			if (de->d_name[0] == '.')
				*tmp += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
			else
				n++;
		closedir(d);
	}
	free(path);
	return n;
}

/* The loaded index must be the repository's Packages text. */
static void assert_index(struct fixture *fx, size_t i, const char *comp, const char *arch)
{
	char *want_path = xasprintf("%s/want", fx->dir), *want, *got;

	/* Whichever form the repository publishes. */
	test_shf("cd %s/dists/stable/%s/binary-%s && "
	    "{ cat Packages || xzcat Packages.xz || zcat Packages.gz; } >%s 2>/dev/null",
	    fx->repo_dir, comp, arch, want_path);
	want = test_read_file(want_path);

	assert_true(i < fx->n);
	assert_int_equal(fx->idx[i].repo, 3);
	assert_string_equal(fx->idx[i].component, comp);
	assert_string_equal(fx->idx[i].arch, arch);
	got = test_read_file(fx->idx[i].packages_path);
	assert_string_equal(got, want);
	free(got);
	free(want);
	free(want_path);
}

static void test_release_parse(void **state)
{
	(void)state;
	const char *text =
		"Origin: Debian\n"
		"Suite: stable\n"
		"Version: 12.5\n"
		"Codename: bookworm\n"
		"Date: Sat, 01 Jun 2024 20:21:48 UTC\n"
		"Valid-Until: Sat, 08 Jun 2024 20:21:48 UTC\n"
		"MD5Sum:\n"
		" 0123456789abcdef0123456789abcdef 1234 main/binary-amd64/Packages\n"
		"SHA256:\n"
		" 7fed70fddd1a7fc23d1b20accb0304b0fa64ea5fdd6cefd31dc980eaf5837354 1234 main/binary-amd64/Packages\n"
		" 00294c78a9c86d312c9404a1800259cb91c73fe3648ebf2a44ee36e152d225ae    56 main/binary-amd64/Packages.xz\n";
	struct release rel;
	struct jeos_error err;
	const struct release_file *rf;

	assert_int_equal(release_parse(&rel, text, strlen(text), "Release", &err), 0);
	assert_string_equal(rel.suite, "stable");
	assert_string_equal(rel.codename, "bookworm");
	assert_string_equal(rel.origin, "Debian");
	assert_string_equal(rel.version, "12.5");
	assert_int_equal(rel.valid_until, 1717878108);
	assert_int_equal(rel.date, 1717878108 - 7 * 86400);
	assert_int_equal(rel.nr, 2);
	rf = release_find(&rel, "main/binary-amd64/Packages.xz");
	assert_non_null(rf);
	assert_string_equal(rf->sha256,
			    "00294c78a9c86d312c9404a1800259cb91c73fe3648ebf2a44ee36e152d225ae");
	assert_int_equal(rf->size, 56);
	assert_int_equal(release_find(&rel, "main/binary-amd64/Packages")->size, 1234);
	assert_null(release_find(&rel, "main/binary-i386/Packages"));
	release_free(&rel);

	const char *offset = "Valid-Until: Sat, 08 Jun 2024 22:21:48 +0200\n";
	assert_int_equal(release_parse(&rel, offset, strlen(offset), "R", &err), 0);
	assert_int_equal(rel.valid_until, 1717878108);
	release_free(&rel);

	const char *bad = "Suite: x\nSHA256:\n 1234 56 main/Packages\n";
	assert_int_equal(release_parse(&rel, bad, strlen(bad), "R", &err), -1);
	assert_string_equal(err.msg, "R:1: error: bad SHA256 line \"1234 56 main/Packages\"");
	const char *bad_date = "Valid-Until: tomorrow\n";
	assert_int_equal(release_parse(&rel, bad_date, strlen(bad_date), "R", &err), -1);
	assert_non_null(strstr(err.msg, "bad Valid-Until"));
}

#define SHA256_OF_NOTHING "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static void test_signed_repo_then_cache_hit(void **state)
{
	struct fixture *fx = *state;
	char hex[SHA256_HEX_LEN + 1], *path = xasprintf("%s/dists/stable/InRelease",
							fx->repo_dir);

	make_repo(fx, "");
	load_ok(fx);
	assert_int_equal(fx->n, 1);
	assert_index(fx, 0, "main", "amd64");
	char *text = test_read_file(fx->idx[0].packages_path);
	assert_non_null(strstr(text, "Package: foo\nVersion: 1.0-1\n"));
	free(text);
	assert_int_equal(sha256_file(path, hex, &fx->err), 0);
	assert_string_equal(fx->sha, hex);
	free(path);
	path = xasprintf("%s/by-sha256/%s", fx->cache, hex); /* kept for the lock file */
	assert_int_equal(access(path, R_OK), 0);
	free(path);
	/* what the Release says of itself, fetched and as the lock's copy */
	assert_string_equal(fx->info.origin, "jeos-test");
	assert_string_equal(fx->info.codename, "stable");
	assert_null(fx->info.version);
	struct fetch_options fo = { .cache_dir = fx->cache };
	struct fetcher *f;
	struct repo_info cached = { 0 };
	assert_int_equal(fetcher_new(&f, &fo, &fx->err), 0);
	assert_int_equal(repo_cached_info(f, hex, &cached, &fx->err), 0);
	assert_string_equal(cached.origin, "jeos-test");
	assert_int_equal(cached.date, fx->info.date);
	repo_info_free(&cached);
	assert_int_equal(repo_cached_info(f, SHA256_OF_NOTHING, &cached, &fx->err), 1);
	fetcher_free(f);
	assert_int_equal(fx->stats.downloaded, 2); /* InRelease, Packages.xz */
	assert_string_equal(fx->warnings, "");

	/* Again: only InRelease is transferred, the index is a cache hit. */
	reset_indexes(fx);
	load_ok(fx);
	assert_int_equal(fx->stats.downloaded, 1);
	assert_int_equal(fx->stats.cached, 1);
	assert_string_equal(fx->sha, hex);
	assert_index(fx, 0, "main", "amd64");
}

static void test_armored_key(void **state)
{
	struct fixture *fx = *state;

	make_repo(fx, "");
	free(fx->keyring);
	fx->keyring = xasprintf("%s/key/keyring.asc", fx->repo_dir);
	fx->repo.signing_key = fx->keyring;
	load_ok(fx);
	assert_index(fx, 0, "main", "amd64");
	int tmp;
	cache_entries(fx, &tmp);
	assert_int_equal(tmp, 0); /* the dearmored keyring is gone */
}

/* A shared cache: whatever another user planted where a temporary file
 * (InRelease, Packages, the dearmored keyring) could go is never written
 * through. */
static void test_planted_temporaries(void **state)
{
	struct fixture *fx = *state;
	static const char *const bases[] = { "InRelease", "Packages", "keyring.gpg" };
	char *victim = xasprintf("%s/victim", fx->dir);

	make_repo(fx, "");
	free(fx->keyring);
	fx->keyring = xasprintf("%s/key/keyring.asc", fx->repo_dir);
	fx->repo.signing_key = fx->keyring;
	test_shf("mkdir -p %s && echo keep >%s", fx->cache, victim);
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++)
		test_plant_tmp_links(fx->cache, bases[i], victim);
	load_ok(fx);
	assert_index(fx, 0, "main", "amd64");
	char *got = test_read_file(victim);
	assert_string_equal(got, "keep\n");
	free(got);
	int tmp;
	cache_entries(fx, &tmp);
	assert_int_equal(tmp, 0);
	free(victim);
}

static void test_wrong_key_refused(void **state)
{
	struct fixture *fx = *state;

	make_repo(fx, "");
	test_shf(MAKE_REPO " %s/other", fx->dir); /* another throwaway key */
	free(fx->keyring);
	fx->keyring = xasprintf("%s/other/key/keyring.gpg", fx->dir);
	fx->repo.signing_key = fx->keyring;
	load_fails(fx, "/dists/stable/InRelease: no valid OpenPGP signature (key ");
	assert_non_null(strstr(fx->err.msg, "is not in "));
	int tmp;
	assert_int_equal(cache_entries(fx, &tmp), 0);
	assert_int_equal(tmp, 0);

	/* With gpgcheck off it is used, with a warning. */
	fx->repo.gpgcheck = 0;
	load_ok(fx);
	assert_index(fx, 0, "main", "amd64");
	assert_non_null(strstr(fx->warnings, "signature not checked"));
}

static void test_tampered_release_refused(void **state)
{
	struct fixture *fx = *state;

	make_repo(fx, "");
	test_shf("sed -i 's/^Label: jeos-test/Label: evil/' %s/dists/stable/InRelease",
	    fx->repo_dir);
	load_fails(fx, "/dists/stable/InRelease: bad signature (key ");

	/* Well signed, but with unsigned text around the message. */
	test_rmrf(fx->repo_dir);
	make_repo(fx, "");
	test_shf("sed -i '1i Suite: evil\\n' %s/dists/stable/InRelease", fx->repo_dir);
	load_fails(fx, "/dists/stable/InRelease: not a single clearsigned message");
	make_repo(fx, "");
	test_shf("echo 'Suite: evil' >> %s/dists/stable/InRelease", fx->repo_dir);
	load_fails(fx, "/dists/stable/InRelease: not a single clearsigned message");
	fx->repo.gpgcheck = 0; /* checked all the same */
	load_fails(fx, "/dists/stable/InRelease: not a single clearsigned message");
}

static void test_unsigned_repo(void **state)
{
	struct fixture *fx = *state;

	make_repo(fx, "-U");
	load_fails(fx, "/dists/stable/Release: no valid OpenPGP signature (unsigned");
	fx->repo.gpgcheck = 0;
	load_ok(fx);
	assert_index(fx, 0, "main", "amd64");
	assert_non_null(strstr(fx->warnings, "gpgcheck is off"));
}

static void test_detached_signature(void **state)
{
	struct fixture *fx = *state;
	char hex[SHA256_HEX_LEN + 1], *path = xasprintf("%s/dists/stable/Release",
							fx->repo_dir);

	make_repo(fx, "-D");
	load_ok(fx);
	assert_index(fx, 0, "main", "amd64");
	assert_int_equal(sha256_file(path, hex, &fx->err), 0);
	assert_string_equal(fx->sha, hex);
	free(path);
	/* A Release.gpg signed by another key is refused. */
	test_shf(MAKE_REPO " -D %s/other", fx->dir);
	test_shf("cp %s/other/dists/stable/Release.gpg %s/dists/stable/", fx->dir, fx->repo_dir);
	reset_indexes(fx);
	load_fails(fx, "/dists/stable/Release: no valid OpenPGP signature (key ");
}

static void test_packages_checksum_mismatch(void **state)
{
	struct fixture *fx = *state;
	int tmp;

	make_repo(fx, "");
	/* Same size, one byte changed. */
	test_shf("printf X | dd of=%s/dists/stable/main/binary-amd64/Packages.xz bs=1 seek=40 "
	    "conv=notrunc status=none", fx->repo_dir);
	load_fails(fx, "/dists/stable/main/binary-amd64/Packages.xz: checksum mismatch");
	assert_int_equal(cache_entries(fx, &tmp), 1); /* only the InRelease copy */
	assert_int_equal(tmp, 0);
}

static void test_packages_truncated(void **state)
{
	struct fixture *fx = *state;
	int tmp;

	make_repo(fx, "");
	test_shf("truncate -s -10 %s/dists/stable/main/binary-amd64/Packages.xz", fx->repo_dir);
	load_fails(fx, "/dists/stable/main/binary-amd64/Packages.xz: truncated");
	assert_int_equal(cache_entries(fx, &tmp), 1);
	assert_int_equal(tmp, 0);
}

static void test_packages_longer_than_release_says(void **state)
{
	struct fixture *fx = *state;
	int tmp;

	make_repo(fx, "");
	/* a signed Packages.xz that unpacks to 100 kB more than the plain
	 * Packages Release lists: stopped there, the text never cached */
	test_shf("set -e; d=%s/dists/stable; p=$d/main/binary-amd64;"
		 "{ xzcat $p/Packages.xz; head -c 100000 /dev/zero | tr '\\0' '\\n'; } | xz > $p/x;"
		 "mv $p/x $p/Packages.xz; h=$(sha256sum < $p/Packages.xz | cut -d' ' -f1);"
		 "sed -i \"s|^ [0-9a-f]*  *[0-9]* main/binary-amd64/Packages.xz$| $h $(stat -c %%s $p/Packages.xz)"
		 " main/binary-amd64/Packages.xz|\" $d/Release;"
		 "gpg --batch --quiet --homedir %s/key/gnupg --pinentry-mode loopback --passphrase ''"
		 " --yes --clearsign -o $d/InRelease $d/Release", fx->repo_dir, fx->repo_dir);
	load_fails(fx, "Packages.xz: decompresses to more than Release's ");
	assert_int_equal(cache_entries(fx, &tmp), 2); /* InRelease, Packages.xz */
	assert_int_equal(tmp, 0);
}

static void test_gz_and_plain_indexes(void **state)
{
	struct fixture *fx = *state;

	make_repo(fx, "-z gz");
	load_ok(fx);
	assert_index(fx, 0, "main", "amd64");
	reset_indexes(fx);
	test_rmrf(fx->repo_dir);
	make_repo(fx, "-z plain");
	load_ok(fx);
	assert_index(fx, 0, "main", "amd64");
}

static void test_corrupt_cached_index_refetched(void **state)
{
	struct fixture *fx = *state;

	make_repo(fx, "");
	load_ok(fx);
	test_shf("printf 'Package: evil\\n\\n' > %s", fx->idx[0].packages_path);
	reset_indexes(fx);
	load_ok(fx);
	assert_index(fx, 0, "main", "amd64");
	assert_non_null(strstr(fx->warnings, "discarding corrupt"));
	/* The plain text is rebuilt from the cached, still valid Packages.xz. */
	assert_int_equal(fx->stats.downloaded, 1);
	assert_int_equal(fx->stats.cached, 1);
}

static void test_expired_release_warns(void **state)
{
	struct fixture *fx = *state;

	make_repo(fx, "-V 'Sat, 01 Jan 2000 00:00:00 UTC'");
	load_ok(fx);
	assert_index(fx, 0, "main", "amd64");
	assert_non_null(strstr(fx->warnings, "expired on 2000-01-01 00:00 UTC"));
}

static void test_components_and_architectures(void **state)
{
	struct fixture *fx = *state;

	make_repo(fx, "-a 'amd64 i386'");
	test_shf(MAKE_REPO " -a 'amd64 i386' -c contrib %s 'baz 1'", fx->repo_dir);
	fx->components[0] = "main";
	fx->components[1] = "contrib";
	fx->repo.components = (char **)fx->components;
	fx->repo.architectures = "amd64, i386";
	load_ok(fx);
	assert_int_equal(fx->n, 4);
	assert_index(fx, 0, "main", "amd64");
	assert_index(fx, 1, "contrib", "amd64");
	assert_index(fx, 2, "main", "i386");
	assert_index(fx, 3, "contrib", "i386");
	char *text = test_read_file(fx->idx[1].packages_path);
	assert_non_null(strstr(text, "Package: baz\n"));
	assert_null(strstr(text, "Package: foo\n"));
	free(text);
	text = test_read_file(fx->idx[3].packages_path); /* baz is amd64 only */
	assert_string_equal(text, "");
	free(text);

	reset_indexes(fx);
	fx->repo.architectures = "arm64";
	assert_int_equal(load(fx), -1);
	assert_int_equal(fx->err.code, JEOS_EXIT_USAGE);
	assert_non_null(strstr(fx->err.msg, "lists no main/binary-arm64/Packages"));
}

static void test_missing_repo(void **state)
{
	struct fixture *fx = *state;

	load_fails(fx, "/dists/stable/: no InRelease or Release");
	fx->repo.distribution = "./";
	assert_int_equal(load(fx), -1);
	assert_int_equal(fx->err.code, JEOS_EXIT_USAGE);
}

/* A mirror URI's credentials are in no message. */
static void test_credentials_redacted(void **state)
{
	struct fixture *fx = *state;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	/* a port nothing listens on: bound, then closed */
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &len), 0);
	close(s);
	free(fx->uri);
	fx->uri = xasprintf("http://jeos:s3cret@127.0.0.1:%d/debian", ntohs(sa.sin_port));
	fx->repo.uri = fx->uri;
	char *shown = xasprintf("repository test: http://***@127.0.0.1:%d/debian/dists/stable/"
				"InRelease: ", ntohs(sa.sin_port));
	load_fails(fx, shown);
	assert_null(strstr(fx->err.msg, "s3cret"));

	/* without an alias, the repository is named by its URI */
	fx->repo.alias = NULL;
	assert_int_equal(load(fx), -1);
	assert_true(str_has_prefix(fx->err.msg, "repository http://***@127.0.0.1:"));
	assert_null(strstr(fx->err.msg, "s3cret"));
	free(shown);
}

/* The real archive and the host's Debian keyring, when the host's apt
 * sources name one (read at run time, never written down here). */
static void test_debian_archive(void **state)
{
	struct fixture *fx = *state;
	glob_t g;
	char uri[512] = "";

	if (glob("/etc/apt/sources.list.d/*.sources", 0, NULL, &g) == 0) {
		for (size_t i = 0; !uri[0] && i < g.gl_pathc; i++) {
			FILE *fp = fopen(g.gl_pathv[i], "r");
			char line[600];
			while (fp && !uri[0] && fgets(line, sizeof(line), fp))
				if (sscanf(line, "URIs: %511s", uri) == 1 &&
				    !str_has_suffix(uri, "/debian") && !str_has_suffix(uri, "/debian/"))
					uri[0] = '\0';
			if (fp)
				fclose(fp);
		}
		globfree(&g);
	}
	if (!uri[0] || access(DEBIAN_ARCHIVE_KEYRING, R_OK) < 0)
		skip();
	fx->repo.uri = uri;
	fx->repo.distribution = "bookworm-updates"; /* small indexes */
	fx->repo.signing_key = NULL;
	load_ok(fx);
	assert_int_equal(fx->n, 1);
	char *text = test_read_file(fx->idx[0].packages_path);
	assert_true(strlen(text) == 0 || str_has_prefix(text, "Package: "));
	free(text);
	fx->repo.uri = fx->uri;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_release_parse),
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_signed_repo_then_cache_hit),
		T(test_armored_key),
		T(test_planted_temporaries),
		T(test_wrong_key_refused),
		T(test_tampered_release_refused),
		T(test_unsigned_repo),
		T(test_detached_signature),
		T(test_packages_checksum_mismatch),
		T(test_packages_truncated),
		T(test_packages_longer_than_release_says),
		T(test_gz_and_plain_indexes),
		T(test_corrupt_cached_index_refetched),
		T(test_expired_release_warns),
		T(test_components_and_architectures),
		T(test_missing_repo),
		T(test_credentials_redacted),
		T(test_debian_archive),
#undef T
	};
	return cmocka_run_group_tests_name("repo", tests, NULL, NULL);
}
