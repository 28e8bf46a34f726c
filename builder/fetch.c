/* fetch.c - see fetch.h. */
#include "fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"

struct fetcher {
	CURLM *multi;
	char *cache_dir;
	char *by_sha256;
	struct fetch_options opts;
	struct fetch_stats stats;
};

/* InRelease files are some 100 KiB; Release.gpg less. */
#define METADATA_MAX (64u << 20)

enum job_state { JOB_WAITING, JOB_ACTIVE, JOB_DONE, JOB_MISSING };

/* One URL being brought to one file. */
struct job {
	struct fetcher *f;
	const char *url;
	char *shown;           /* url for messages, credentials redacted */
	char *dest;            /* final path */
	char *tmp;             /* written while downloading */
	const char *sha256;    /* expected, or NULL: unverified metadata */
	uint64_t size;         /* expected, or the most accepted */
	int optional;          /* a missing file is JOB_MISSING, not an error */
	enum job_state state;
	unsigned tries;
	double not_before;     /* backoff: do not start before this time */
	CURL *curl;
	FILE *fp;
	struct sha256 hash;
	uint64_t got;
	int too_big, write_errno;
	char curl_err[CURL_ERROR_SIZE];
};

static int is_sha256_hex(const char *s)
{
	size_t i;

	for (i = 0; s && s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == SHA256_HEX_LEN;
}

int fetcher_new(struct fetcher **out, const struct fetch_options *opts,
		struct jeos_error *err)
{
	static const struct fetch_options none;
	struct fetcher *f;

	if (!opts)
		opts = &none;
	f = xcalloc(1, sizeof(*f));
	f->opts = *opts;
	f->opts.cache_dir = NULL; /* the caller's string may not outlive us */
	if (!f->opts.parallel)
		f->opts.parallel = 4;
	if (!f->opts.tries)
		f->opts.tries = 3;
	if (!f->opts.retry_delay_ms)
		f->opts.retry_delay_ms = 500;
	if (!f->opts.timeout_s)
		f->opts.timeout_s = 30;

	f->cache_dir = opts->cache_dir ? xstrdup(opts->cache_dir) : jeos_cache_home();
	if (!f->cache_dir) {
		fetcher_free(f);
		return jeos_fail(err, JEOS_EXIT_USAGE,
				 "no cache directory: set XDG_CACHE_HOME or HOME");
	}
	f->by_sha256 = xasprintf("%s/by-sha256", f->cache_dir);
	if (mkdir_p(f->by_sha256, 0755, err) < 0) {
		fetcher_free(f);
		return -1;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    !(f->multi = curl_multi_init())) {
		fetcher_free(f);
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot initialise libcurl");
	}
	*out = f;
	return 0;
}

void fetcher_free(struct fetcher *f)
{
	if (!f)
		return;
	if (f->multi) {
		curl_multi_cleanup(f->multi);
		curl_global_cleanup(); /* balances the init in fetcher_new */
	}
	free(f->cache_dir);
	free(f->by_sha256);
	free(f);
}

const char *fetcher_cache_dir(const struct fetcher *f)
{
	return f->cache_dir;
}

const struct fetch_stats *fetcher_stats(const struct fetcher *f)
{
	return &f->stats;
}

char *fetch_cache_path(const struct fetcher *f, const char *sha256)
{
	return xasprintf("%s/%s", f->by_sha256, sha256);
}

int fetch_cache_lookup(struct fetcher *f, const char *sha256, uint64_t size,
		       char **path, struct jeos_error *err)
{
	CLEANUP_FREE char *p = fetch_cache_path(f, sha256);
	char hex[SHA256_HEX_LEN + 1];
	struct stat st;

	if (stat(p, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot stat %s: %s", p,
				 strerror(errno));
	}
	if ((uint64_t)st.st_size == size) {
		if (sha256_file(p, hex, err) < 0)
			return -1;
		if (!strcmp(hex, sha256)) {
			f->stats.cached++;
			*path = p;
			p = NULL;
			return 1;
		}
	}
	log_warn("cache: discarding corrupt %s (%s)", p,
		 (uint64_t)st.st_size == size ? "checksum mismatch" : "wrong size");
	if (unlink(p) < 0 && errno != ENOENT)
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot remove %s: %s", p,
				 strerror(errno));
	return 0;
}

static size_t job_write(char *data, size_t size, size_t nmemb, void *opaque)
{
	struct job *job = opaque;
	size_t n = size * nmemb;

	/* Stop early rather than download a file that cannot match, or
	 * metadata without end. */
	if (job->got + n > job->size) {
		job->too_big = 1;
		return 0;
	}
	if (fwrite(data, 1, n, job->fp) != n) {
		job->write_errno = errno;
		return 0;
	}
	if (job->sha256)
		sha256_update(&job->hash, data, n);
	job->got += n;
	job->f->stats.bytes += n;
	return n;
}

static int job_start(struct job *job, struct jeos_error *err)
{
	struct fetcher *f = job->f;

	int fd;

	if (job->tmp) { /* a retry starts a fresh file */
		unlink(job->tmp);
		free(job->tmp);
	}
	fd = tmpfile_create(job->dest, &job->tmp, err);
	if (fd < 0)
		return -1;
	job->fp = fdopen(fd, "w");
	if (!job->fp) {
		close(fd);
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot create %s: %s",
				 job->tmp, strerror(errno));
	}
	if (job->sha256)
		sha256_init(&job->hash);
	job->got = 0;
	job->too_big = job->write_errno = 0;
	job->curl_err[0] = '\0';
	job->tries++;

	if (!job->curl) {
		CURL *c = curl_easy_init();
		if (!c)
			return jeos_fail(err, JEOS_EXIT_FAILED, "cannot initialise libcurl");
		job->curl = c;
		curl_easy_setopt(c, CURLOPT_URL, job->url);
		curl_easy_setopt(c, CURLOPT_PRIVATE, job);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, job_write);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, job);
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, job->curl_err);
		curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
		/* A remote server must not redirect us to a local file. */
		curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)f->opts.timeout_s);
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)f->opts.timeout_s);
		curl_easy_setopt(c, CURLOPT_USERAGENT, "jeos");
	}
	if (curl_multi_add_handle(f->multi, job->curl) != CURLM_OK)
		return jeos_fail(err, JEOS_EXIT_FAILED, "%s: cannot start transfer",
				 job->shown);
	job->state = JOB_ACTIVE;
	return 0;
}

/* Stops an attempt: the handle leaves the multi, the file is closed and the
 * running hash released. Returns the errno of a failed close, or 0. */
static int job_stop(struct job *job)
{
	int close_errno = 0;

	if (job->state == JOB_ACTIVE) {
		curl_multi_remove_handle(job->f->multi, job->curl);
		job->state = JOB_WAITING;
	}
	if (job->fp && fclose(job->fp) != 0)
		close_errno = errno;
	job->fp = NULL;
	if (job->hash.ctx) {
		char discard[SHA256_HEX_LEN + 1];
		sha256_final(&job->hash, discard);
	}
	return close_errno;
}

static int is_transient(CURLcode rc, long http)
{
	switch (rc) {
	case CURLE_HTTP_RETURNED_ERROR:
		return http == 408 || http == 429 || http >= 500;
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PARTIAL_FILE:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

/* A transfer ended with rc: finish the job (verify and rename into
 * place), schedule a retry, or fail. */
static int job_finish(struct job *job, CURLcode rc, struct jeos_error *err)
{
	struct fetcher *f = job->f;
	char hex[SHA256_HEX_LEN + 1] = "";
	long http = 0;
	int close_errno;

	curl_easy_getinfo(job->curl, CURLINFO_RESPONSE_CODE, &http);
	if (rc == CURLE_OK && job->sha256)
		sha256_final(&job->hash, hex);
	close_errno = job_stop(job);

	if (rc == CURLE_OK) {
		if (close_errno)
			return jeos_fail(err, JEOS_EXIT_FAILED, "cannot write %s: %s",
					 job->tmp, strerror(close_errno));
		if (job->sha256 && job->got != job->size)
			return jeos_fail(err, JEOS_EXIT_FAILED,
					 "%s: truncated: got %llu bytes, expected %llu",
					 job->shown, (unsigned long long)job->got,
					 (unsigned long long)job->size);
		if (job->sha256 && strcmp(hex, job->sha256))
			return jeos_fail(err, JEOS_EXIT_FAILED,
					 "%s: checksum mismatch: SHA256 %s, expected %s",
					 job->shown, hex, job->sha256);
		if (commit_file(&job->tmp, job->dest, err) < 0)
			return -1;
		job->state = JOB_DONE;
		f->stats.downloaded++;
		return 0;
	}

	if (job->too_big)
		return jeos_fail(err, JEOS_EXIT_FAILED,
				 "%s: more than the %llu bytes expected", job->shown,
				 (unsigned long long)job->size);
	if (job->write_errno)
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot write %s: %s",
				 job->tmp, strerror(job->write_errno));
	if (job->optional && (rc == CURLE_FILE_COULDNT_READ_FILE ||
			      (rc == CURLE_HTTP_RETURNED_ERROR &&
			       (http == 404 || http == 410)))) {
		job->state = JOB_MISSING;
		return 0;
	}
	if (is_transient(rc, http) && job->tries < f->opts.tries) {
		double delay = f->opts.retry_delay_ms / 1000.0 * (1u << (job->tries - 1));
		job->not_before = now_seconds() + delay;
		job->state = JOB_WAITING;
		f->stats.retries++;
		return 0;
	}
	char reason[CURL_ERROR_SIZE + 64], tries[32] = "";
	if (rc == CURLE_HTTP_RETURNED_ERROR)
		snprintf(reason, sizeof(reason), "HTTP error %ld", http);
	else
		snprintf(reason, sizeof(reason), "%s",
			 job->curl_err[0] ? job->curl_err : curl_easy_strerror(rc));
	if (job->tries > 1)
		snprintf(tries, sizeof(tries), " (after %u tries)", job->tries);
	return jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s%s", job->shown, reason, tries);
}

static void draw_progress(struct fetcher *f, size_t done, size_t total,
			  uint64_t bytes0, double t0)
{
	char size[32], rate[32];
	uint64_t bytes = f->stats.bytes - bytes0;
	double secs = now_seconds() - t0;

	progress("fetch", done, total, "%s, %s/s", human_size(bytes, size),
		 human_size(secs > 0 ? (uint64_t)(bytes / secs) : 0, rate));
}

/* Runs jobs to completion, at most opts.parallel at once. A failure stops
 * everything, and no temporary file is left behind. */
static int run_jobs(struct fetcher *f, struct job *jobs, size_t n,
		    struct jeos_error *err)
{
	size_t next = 0, active = 0, finished = 0, waiting = 0;
	uint64_t bytes0 = f->stats.bytes;
	double t0 = now_seconds(), drawn = 0;
	int ret = -1;

	for (size_t i = 0; i < n; i++) {
		jobs[i].f = f;
		jobs[i].state = JOB_WAITING;
		jobs[i].shown = uri_redact(jobs[i].url);
	}
	while (finished < n) {
		double now = now_seconds(), wake = now + 1;
		int running, ended = 0;
		CURLMsg *msg;

		/* Jobs waiting for a retry first, then fresh ones. */
		for (size_t i = 0; waiting && i < next && active < f->opts.parallel; i++) {
			struct job *job = &jobs[i];
			if (job->state != JOB_WAITING)
				continue;
			if (job->not_before > now) {
				if (job->not_before < wake)
					wake = job->not_before;
				continue;
			}
			if (job_start(job, err) < 0)
				goto out;
			waiting--;
			active++;
		}
		while (next < n && active < f->opts.parallel) {
			if (job_start(&jobs[next++], err) < 0)
				goto out;
			active++;
		}

		if (curl_multi_perform(f->multi, &running) != CURLM_OK) {
			jeos_fail(err, JEOS_EXIT_FAILED, "libcurl failed");
			goto out;
		}
		while ((msg = curl_multi_info_read(f->multi, &running))) {
			struct job *job;
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &job);
			active--;
			ended++;
			if (job_finish(job, msg->data.result, err) < 0)
				goto out;
			if (job->state == JOB_WAITING)
				waiting++;
			else
				finished++;
		}
		if (now - drawn > 0.1) {
			draw_progress(f, finished, n, bytes0, t0);
			drawn = now;
		}
		/* Freed slots are refilled at once; file:// transfers have no
		 * socket that would wake a poll. */
		if (finished < n && !ended) {
			int ms = (int)((wake - now_seconds()) * 1000);
			curl_multi_poll(f->multi, NULL, 0, ms > 0 ? ms : 0, NULL);
		}
	}
	ret = 0;
out:
	for (size_t i = 0; i < n; i++) {
		struct job *job = &jobs[i];
		job_stop(job);
		if (job->curl)
			curl_easy_cleanup(job->curl);
		job->curl = NULL;
		if (job->tmp)
			unlink(job->tmp);
		free(job->tmp);
		job->tmp = NULL;
		free(job->shown);
		job->shown = NULL;
	}
	progress_done();
	return ret;
}

int fetch_items(struct fetcher *f, struct fetch_item *items, size_t n,
		struct jeos_error *err)
{
	CLEANUP_FREE struct job *jobs = xcalloc(n, sizeof(*jobs));
	CLEANUP_FREE char **paths = xcalloc(n, sizeof(*paths));
	size_t nr_jobs = 0;
	int ret = -1;

	for (size_t i = 0; i < n; i++) {
		int hit;
		if (!is_sha256_hex(items[i].sha256)) {
			CLEANUP_FREE char *shown = uri_redact(items[i].url);
			jeos_fail(err, JEOS_EXIT_FAILED, "%s: bad SHA256 \"%s\"", shown,
				  items[i].sha256 ? items[i].sha256 : "");
			goto out;
		}
		hit = fetch_cache_lookup(f, items[i].sha256, items[i].size, &paths[i], err);
		if (hit < 0)
			goto out;
		if (hit)
			continue;
		paths[i] = fetch_cache_path(f, items[i].sha256);
		jobs[nr_jobs].url = items[i].url;
		jobs[nr_jobs].dest = paths[i];
		jobs[nr_jobs].sha256 = items[i].sha256;
		jobs[nr_jobs].size = items[i].size;
		nr_jobs++;
	}
	if (run_jobs(f, jobs, nr_jobs, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		free(items[i].path);
		items[i].path = paths[i];
		paths[i] = NULL;
	}
	ret = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	return ret;
}

int fetch_packages(struct fetcher *f, struct pkgset *set,
		   const char *const *repo_base_uris, struct jeos_error *err)
{
	CLEANUP_FREE struct fetch_item *items = xcalloc(set->nr, sizeof(*items));
	CLEANUP_FREE char **urls = xcalloc(set->nr, sizeof(*urls));
	size_t nr_repos = 0;
	int ret = -1;

	while (repo_base_uris[nr_repos])
		nr_repos++;
	for (size_t i = 0; i < set->nr; i++) {
		const struct pkg *p = &set->pkgs[i];
		const char *base;
		size_t len;

		if (p->repo < 0 || (size_t)p->repo >= nr_repos || !p->filename) {
			jeos_fail(err, JEOS_EXIT_FAILED,
				  "package %s: no repository or file name", p->name);
			goto out;
		}
		base = repo_base_uris[p->repo];
		len = strlen(base);
		while (len && base[len - 1] == '/')
			len--;
		urls[i] = xasprintf("%.*s/%s", (int)len, base, p->filename);
		items[i].url = urls[i];
		items[i].sha256 = p->sha256;
		items[i].size = p->size;
	}
	if (fetch_items(f, items, set->nr, err) < 0)
		goto out;
	for (size_t i = 0; i < set->nr; i++) {
		free(set->pkgs[i].path);
		set->pkgs[i].path = items[i].path;
	}
	ret = 0;
out:
	for (size_t i = 0; i < set->nr; i++)
		free(urls[i]);
	return ret;
}

static int fetch_one(struct fetcher *f, const char *url, const char *dest,
		     int optional, struct jeos_error *err)
{
	CLEANUP_FREE char *d = xstrdup(dest);
	/* Unverified: only a bound on its size. */
	struct job job = { .url = url, .dest = d, .optional = optional,
			   .size = METADATA_MAX };

	if (run_jobs(f, &job, 1, err) < 0)
		return -1;
	return job.state == JOB_MISSING;
}

int fetch_url(struct fetcher *f, const char *url, const char *dest,
	      struct jeos_error *err)
{
	return fetch_one(f, url, dest, 0, err);
}

int fetch_url_optional(struct fetcher *f, const char *url, const char *dest,
		       struct jeos_error *err)
{
	return fetch_one(f, url, dest, 1, err);
}
