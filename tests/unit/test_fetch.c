/* Unit tests for the downloader and its content-addressed cache. */
#include "testutil.h"
#include "fetch.h"
#include "hash.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define NR_FILES 9
/* a SHA-256 that "hello\n" does not have */
#define SHA_OF_NOTHING_ELSE "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct fixture {
	char *dir;           /* scratch */
	char *src;           /* dir/src: the "repository" */
	char *base_uri;      /* file://dir/src */
	struct fetch_options opts;
	struct pkgset set;   /* one package per file in src */
};

static void make_file(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* Files of assorted sizes, one empty and one bigger than curl's buffers. */
static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));
	char hex[SHA256_HEX_LEN + 1];

	fx->dir = test_tmpdir();
	fx->src = xasprintf("%s/src/pool", fx->dir);
	test_shf("mkdir -p %s %s/cache", fx->src, fx->dir);
	fx->base_uri = xasprintf("file://%s/src", fx->dir);
	fx->opts.cache_dir = xasprintf("%s/cache", fx->dir);
	fx->opts.retry_delay_ms = 10;
	for (int i = 0; i < NR_FILES; i++) {
		size_t len = i == 0 ? 0 : i == 1 ? 3 << 20 : (size_t)i * 1000;
		char *data = xmalloc(len + 1);
		char *path = xasprintf("%s/f%d.deb", fx->src, i);
		struct pkg *p = pkgset_add(&fx->set);

		for (size_t j = 0; j < len; j++)
			data[j] = (char)('a' + (j * 7 + (size_t)i) % 26);
		make_file(path, data, len);
		sha256_buffer(data, len, hex);
		p->name = xasprintf("f%d", i);
		p->filename = xasprintf("pool/f%d.deb", i);
		p->sha256 = xstrdup(hex);
		p->size = len;
		free(data);
		free(path);
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	test_rmrf(fx->dir);
	pkgset_free(&fx->set);
	free((char *)fx->opts.cache_dir);
	free(fx->dir);
	free(fx->src);
	free(fx->base_uri);
	free(fx);
	return 0;
}

/* Files (final or temporary) in CACHE/by-sha256. */
static int cache_entries(struct fixture *fx)
{
	char *path = xasprintf("%s/by-sha256", fx->opts.cache_dir);
	int n = (int)test_count_entries(path);

	free(path);
	return n;
}

/* Fetches the fixture's set with a fresh fetcher; returns its stats. */
static struct fetch_stats fetch_set(struct fixture *fx)
{
	const char *uris[] = { fx->base_uri, NULL };
	struct fetcher *f;
	struct jeos_error err;
	struct fetch_stats st;

	assert_int_equal(fetcher_new(&f, &fx->opts, &err), 0);
	if (fetch_packages(f, &fx->set, uris, &err) < 0)
		fail_msg("fetch_packages: %s", err.msg);
	st = *fetcher_stats(f);
	fetcher_free(f);
	for (size_t i = 0; i < fx->set.nr; i++) {
		char hex[SHA256_HEX_LEN + 1];
		assert_non_null(fx->set.pkgs[i].path);
		assert_int_equal(sha256_file(fx->set.pkgs[i].path, hex, &err), 0);
		assert_string_equal(hex, fx->set.pkgs[i].sha256);
	}
	return st;
}

static void test_fetch_then_cache_hit(void **state)
{
	struct fixture *fx = *state;
	struct fetch_stats st;

	fx->opts.parallel = 2; /* fewer slots than files: the queue is used */
	st = fetch_set(fx);
	assert_int_equal(st.downloaded, NR_FILES);
	assert_int_equal(st.cached, 0);
	assert_true(st.bytes > (3 << 20));
	char *want = xasprintf("%s/by-sha256/%s", fx->opts.cache_dir,
			       fx->set.pkgs[2].sha256);
	assert_string_equal(fx->set.pkgs[2].path, want);
	free(want);

	st = fetch_set(fx);
	assert_int_equal(st.downloaded, 0);
	assert_int_equal(st.cached, NR_FILES);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(cache_entries(fx), NR_FILES);
}

/* A shared cache: whatever another user planted where a temporary file
 * could go is never written through. */
static void test_planted_temporaries(void **state)
{
	struct fixture *fx = *state;
	char *victim = xasprintf("%s/victim", fx->dir);
	char *by_sha256 = xasprintf("%s/by-sha256", fx->opts.cache_dir);

	make_file(victim, "keep\n", 5);
	test_shf("mkdir -p %s", by_sha256);
	for (size_t i = 0; i < fx->set.nr; i++)
		test_plant_tmp_links(by_sha256, fx->set.pkgs[i].sha256, victim);
	fetch_set(fx);
	char *got = test_read_file(victim);
	assert_string_equal(got, "keep\n");
	free(got);
	assert_int_equal(cache_entries(fx), NR_FILES * 501); /* no temporary left */
	free(by_sha256);
	free(victim);
}

static void test_corrupt_cache_is_refetched(void **state)
{
	struct fixture *fx = *state;
	struct fetch_stats st;

	fetch_set(fx);
	/* Same size, other bytes; and a truncated copy. */
	test_shf("printf X | dd of=%s bs=1 seek=100 conv=notrunc status=none",
			  fx->set.pkgs[1].path);
	test_shf("truncate -s 10 %s", fx->set.pkgs[3].path);
	st = fetch_set(fx); /* checks every file's hash again */
	assert_int_equal(st.downloaded, 2);
	assert_int_equal(st.cached, NR_FILES - 2);
	assert_int_equal(cache_entries(fx), NR_FILES);
}

static void test_checksum_mismatch_leaves_nothing(void **state)
{
	struct fixture *fx = *state;
	const char *uris[] = { fx->base_uri, NULL };
	struct fetcher *f;
	struct jeos_error err;

	/* The repository's file differs from what the index promised. */
	test_shf("printf X | dd of=%s/f4.deb bs=1 seek=5 conv=notrunc status=none",
			  fx->src);
	assert_int_equal(fetcher_new(&f, &fx->opts, &err), 0);
	assert_int_equal(fetch_packages(f, &fx->set, uris, &err), -1);
	assert_int_equal(err.code, JEOS_EXIT_FAILED);
	assert_non_null(strstr(err.msg, "/src/pool/f4.deb: checksum mismatch"));
	assert_null(fx->set.pkgs[0].path);
	fetcher_free(f);
	/* Nothing under f4's name; no temporary file either. */
	char *p = xasprintf("%s/by-sha256/%s", fx->opts.cache_dir, fx->set.pkgs[4].sha256);
	assert_int_equal(access(p, F_OK), -1);
	free(p);
	assert_true(cache_entries(fx) < NR_FILES);
	test_shf("! ls -a %s/by-sha256 | grep -q tmp", fx->opts.cache_dir);
}

static void test_wrong_size(void **state)
{
	struct fixture *fx = *state;
	struct fetcher *f;
	struct jeos_error err;
	char *url = xasprintf("%s/pool/f5.deb", fx->base_uri);
	struct fetch_item item = { .url = url, .sha256 = fx->set.pkgs[5].sha256 };

	assert_int_equal(fetcher_new(&f, &fx->opts, &err), 0);
	item.size = fx->set.pkgs[5].size + 1; /* the file is shorter */
	assert_int_equal(fetch_items(f, &item, 1, &err), -1);
	assert_non_null(strstr(err.msg, "f5.deb: truncated: got 5000 bytes, expected 5001"));
	item.size = fx->set.pkgs[5].size - 1; /* the file is longer */
	assert_int_equal(fetch_items(f, &item, 1, &err), -1);
	assert_non_null(strstr(err.msg, "f5.deb: more than the 4999 bytes expected"));
	item.sha256 = "not-a-hash";
	assert_int_equal(fetch_items(f, &item, 1, &err), -1);
	assert_non_null(strstr(err.msg, "bad SHA256"));
	assert_null(item.path);
	assert_int_equal(cache_entries(fx), 0);
	fetcher_free(f);
	free(url);
}

static void test_fetch_url_and_missing(void **state)
{
	struct fixture *fx = *state;
	struct fetcher *f;
	struct jeos_error err;
	char *url = xasprintf("%s/pool/f2.deb", fx->base_uri);
	char *missing = xasprintf("%s/pool/nope", fx->base_uri);
	char *dest = xasprintf("%s/out", fx->dir);

	assert_int_equal(fetcher_new(&f, &fx->opts, &err), 0);
	make_file(dest, "old", 3);
	assert_int_equal(fetch_url(f, url, dest, &err), 0);
	char *got = test_read_file(dest);
	assert_int_equal(strlen(got), 2000);
	free(got);

	assert_int_equal(fetch_url_optional(f, missing, dest, &err), 1);
	assert_int_equal(fetch_url(f, missing, dest, &err), -1);
	assert_non_null(strstr(err.msg, missing));
	got = test_read_file(dest); /* left alone */
	assert_int_equal(strlen(got), 2000);
	free(got);
	assert_int_equal(fetcher_stats(f)->downloaded, 1);
	fetcher_free(f);
	free(url);
	free(missing);
	free(dest);
}

/* ---- HTTP: a tiny server in a child process ---- */

static int listen_local(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	assert_true(s >= 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s, 16), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return s;
}

/* /flaky answers 503 once then "hello\n"; /gone 404; anything else 500. */
static void serve(int s)
{
	int flaky_seen = 0;

	for (;;) {
		char req[4096], resp[256];
		int c = accept(s, NULL, NULL);
		ssize_t n, got = 0;
		const char *status = "500 Oops", *body = "";

		if (c < 0)
			continue;
		while (got < (ssize_t)sizeof(req) - 1 &&
		       (n = read(c, req + got, sizeof(req) - 1 - (size_t)got)) > 0) {
			got += n;
			req[got] = '\0';
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		req[got] = '\0';
		if (str_has_prefix(req, "GET /flaky ")) {
			if (flaky_seen++) {
				status = "200 OK";
				body = "hello\n";
			} else {
				status = "503 Busy";
			}
		} else if (str_has_prefix(req, "GET /gone ")) {
			status = "404 Not Found";
		}
		n = snprintf(resp, sizeof(resp),
			     "HTTP/1.1 %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
			     status, strlen(body), body);
		if (write(c, resp, (size_t)n) < 0)
			_exit(1);
		close(c);
	}
}

/* serve() in a child process, on *port. */
static pid_t start_server(int *port)
{
	int s = listen_local(port);
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(60); /* outlive no failed test */
		serve(s);
	}
	close(s);
	return pid;
}

static void test_http_retries(void **state)
{
	struct fixture *fx = *state;
	struct fetcher *f;
	struct jeos_error err;
	int port;
	pid_t pid = start_server(&port);
	char *dest = xasprintf("%s/out", fx->dir);

	char *flaky = xasprintf("http://127.0.0.1:%d/flaky", port);
	char *gone = xasprintf("http://127.0.0.1:%d/gone", port);
	char *broken = xasprintf("http://127.0.0.1:%d/broken", port);
	assert_int_equal(fetcher_new(&f, &fx->opts, &err), 0);
	if (fetch_url(f, flaky, dest, &err) < 0)
		fail_msg("%s", err.msg);
	char *got = test_read_file(dest);
	assert_string_equal(got, "hello\n");
	free(got);
	assert_int_equal(fetcher_stats(f)->retries, 1);

	assert_int_equal(fetch_url_optional(f, gone, dest, &err), 1);
	assert_int_equal(fetch_url(f, gone, dest, &err), -1);
	assert_non_null(strstr(err.msg, "/gone: HTTP error 404"));
	assert_int_equal(fetcher_stats(f)->retries, 1); /* 404 is not retried */

	assert_int_equal(fetch_url(f, broken, dest, &err), -1);
	assert_non_null(strstr(err.msg, "/broken: HTTP error 500 (after 3 tries)"));
	assert_int_equal(fetcher_stats(f)->retries, 3);

	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	/* Now nothing listens on the port: connection refused, retried. */
	assert_int_equal(fetch_url(f, flaky, dest, &err), -1);
	assert_non_null(strstr(err.msg, flaky));
	assert_non_null(strstr(err.msg, "(after 3 tries)"));
	fetcher_free(f);
	free(flaky);
	free(gone);
	free(broken);
	free(dest);
}

/* A URI's credentials reach the server but no message: not an HTTP
 * error, a checksum mismatch, nor a refused connection. */
static void test_credentials_redacted(void **state)
{
	struct fixture *fx = *state;
	struct fetcher *f;
	struct jeos_error err;
	int port;
	pid_t pid = start_server(&port);
	char *dest = xasprintf("%s/out", fx->dir);

	char *gone = xasprintf("http://jeos:s3cret@127.0.0.1:%d/gone", port);
	char *flaky = xasprintf("http://jeos:s3cret@127.0.0.1:%d/flaky", port);
	char *shown = xasprintf("http://***@127.0.0.1:%d/", port);
	struct fetch_item item = { .url = flaky, .sha256 = SHA_OF_NOTHING_ELSE, .size = 6 };
	assert_int_equal(fetcher_new(&f, &fx->opts, &err), 0);

	assert_int_equal(fetch_url(f, gone, dest, &err), -1);
	assert_true(str_has_prefix(err.msg, shown));
	assert_non_null(strstr(err.msg, "/gone: HTTP error 404"));
	assert_null(strstr(err.msg, "s3cret"));
	assert_int_equal(fetch_items(f, &item, 1, &err), -1); /* 503, then "hello\n" */
	assert_true(str_has_prefix(err.msg, shown));
	assert_non_null(strstr(err.msg, "/flaky: checksum mismatch"));
	assert_null(strstr(err.msg, "s3cret"));
	item.sha256 = "not hex";
	assert_int_equal(fetch_items(f, &item, 1, &err), -1);
	assert_true(str_has_prefix(err.msg, shown));
	assert_null(strstr(err.msg, "s3cret"));

	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	assert_int_equal(fetch_url(f, gone, dest, &err), -1); /* connection refused */
	assert_true(str_has_prefix(err.msg, shown));
	assert_null(strstr(err.msg, "s3cret"));
	fetcher_free(f);
	free(gone);
	free(flaky);
	free(shown);
	free(dest);
}

static void test_default_cache_dir(void **state)
{
	struct fixture *fx = *state;
	struct fetcher *f;
	struct jeos_error err;
	char *old_home = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
	char *xdg = xasprintf("%s/xdg", fx->dir), *want;

	setenv("XDG_CACHE_HOME", xdg, 1);
	assert_int_equal(fetcher_new(&f, NULL, &err), 0);
	want = xasprintf("%s/jeos", xdg);
	assert_string_equal(fetcher_cache_dir(f), want);
	free(want);
	fetcher_free(f);

	unsetenv("XDG_CACHE_HOME");
	setenv("HOME", fx->dir, 1);
	assert_int_equal(fetcher_new(&f, NULL, &err), 0);
	want = xasprintf("%s/.cache/jeos", fx->dir);
	assert_string_equal(fetcher_cache_dir(f), want);
	free(want);
	test_shf("test -d %s/.cache/jeos/by-sha256", fx->dir);
	fetcher_free(f);

	if (old_home)
		setenv("HOME", old_home, 1);
	free(old_home);
	free(xdg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fetch_then_cache_hit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_planted_temporaries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_cache_is_refetched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checksum_mismatch_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fetch_url_and_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_retries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_credentials_redacted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_cache_dir, setup, teardown),
	};
	return cmocka_run_group_tests_name("fetch", tests, NULL, NULL);
}
