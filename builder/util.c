/* util.c - see util.h. */

#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int jeos_fail(struct jeos_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void jeos_error_prefix(struct jeos_error *err, const char *fmt, ...)
{
	char prefix[1024], old[sizeof(err->msg)];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	size_t n = strlen(prefix);
	if (n >= sizeof(err->msg))
		n = sizeof(err->msg) - 1;
	memcpy(err->msg, prefix, n);
	/* keep as much of the old message as fits after the prefix */
	strncpy(err->msg + n, old, sizeof(err->msg) - n - 1);
	err->msg[sizeof(err->msg) - 1] = '\0';
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		abort();
	return p;
}

void *xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (!p)
		abort();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		abort();
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (!p)
		abort();
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	return strbuf_detach(&sb);
}

/* ---- strbuf ---- */

void strbuf_grow(struct strbuf *sb, size_t extra)
{
	if (sb->len + extra + 1 > sb->alloc) {
		size_t want = sb->len + extra + 1;
		sb->alloc = sb->alloc * 2 > want ? sb->alloc * 2 : want + 64;
		sb->buf = xrealloc(sb->buf, sb->alloc);
		sb->buf[sb->len] = '\0'; /* a fresh buffer is a valid empty string */
	}
}

void strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	strbuf_grow(sb, len);
	if (len)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void strbuf_addstr(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void strbuf_addch(struct strbuf *sb, char c)
{
	strbuf_add(sb, &c, 1);
}

void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list copy;
	int n;

	strbuf_grow(sb, 64);
	va_copy(copy, ap);
	n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, copy);
	va_end(copy);
	if (n < 0)
		abort();
	if ((size_t)n >= sb->alloc - sb->len) {
		strbuf_grow(sb, (size_t)n);
		n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, ap);
	}
	sb->len += (size_t)n;
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void strbuf_release(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->alloc = 0;
}

char *strbuf_detach(struct strbuf *sb)
{
	char *s;

	strbuf_grow(sb, 0);
	s = sb->buf;
	sb->buf = NULL;
	sb->len = sb->alloc = 0;
	return s;
}

int strbuf_read_file(struct strbuf *sb, const char *path)
{
	char chunk[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		strbuf_add(sb, chunk, (size_t)n);
	}
	close(fd);
	strbuf_grow(sb, 0);
	return 0;
}

/* ---- cleanup attributes ---- */

void cleanup_free(void *ptr)
{
	free(*(void **)ptr);
}

void cleanup_strbuf(struct strbuf *sb)
{
	strbuf_release(sb);
}

void cleanup_fclose(FILE **fp)
{
	if (*fp)
		fclose(*fp);
}

void cleanup_unlink_free(char **path)
{
	if (*path) {
		unlink(*path);
		free(*path);
	}
}

/* ---- files ---- */

char *tmpname_for(const char *final_path)
{
	static unsigned counter;
	const char *slash = strrchr(final_path, '/');
	int dirlen = slash ? (int)(slash - final_path + 1) : 0;
	const char *base = slash ? slash + 1 : final_path;

	return xasprintf("%.*s.%s.tmp-%ld-%u", dirlen, final_path, base,
			 (long)getpid(), counter++);
}

int commit_file(char **tmp, const char *final_path, struct jeos_error *err)
{
	int fd = open(*tmp, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	if (rename(*tmp, final_path) < 0)
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot rename %s to %s: %s",
				 *tmp, final_path, strerror(errno));
	free(*tmp);
	*tmp = NULL;
	return 0;
}

int write_file(const char *path, const void *data, size_t len, struct jeos_error *err)
{
	CLEANUP_UNLINK_FREE char *tmp = tmpname_for(path);
	const char *p = data;
	int ret = -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0) {
		jeos_fail(err, JEOS_EXIT_FAILED, "cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		tmp = NULL; /* not ours to unlink */
		return -1;
	}
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			jeos_fail(err, JEOS_EXIT_FAILED, "cannot write %s: %s", tmp,
				  strerror(errno));
			goto out;
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) < 0) {
		fd = -1;
		jeos_fail(err, JEOS_EXIT_FAILED, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	ret = commit_file(&tmp, path, err);
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

int is_mac_address(const char *s)
{
	for (int i = 0; i < 6; i++, s += 3)
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]) ||
		    s[2] != (i < 5 ? ':' : '\0'))
			return 0;
	return 1;
}

int mkdir_p(const char *path, unsigned mode, struct jeos_error *err)
{
	CLEANUP_FREE char *copy = xstrdup(path);

	for (char *p = copy + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char saved = *p;
			*p = '\0';
			if (mkdir(copy, mode) < 0 && errno != EEXIST)
				return jeos_fail(err, JEOS_EXIT_FAILED,
						 "cannot create directory %s: %s",
						 copy, strerror(errno));
			*p = saved;
			if (!saved)
				break;
		}
	}
	return 0;
}

/* ---- strset ---- */

static size_t str_hash(const char *s)
{
	size_t h = 5381; /* djb2 */
	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static size_t strset_slot(char **slots, size_t alloc, const char *s)
{
	size_t i = str_hash(s) & (alloc - 1);
	while (slots[i] && strcmp(slots[i], s))
		i = (i + 1) & (alloc - 1);
	return i;
}

int strset_has(const struct strset *set, const char *s)
{
	return set->alloc && set->slots[strset_slot(set->slots, set->alloc, s)];
}

int strset_add(struct strset *set, const char *s)
{
	size_t i;

	if ((set->nr + 1) * 2 > set->alloc) {
		size_t alloc = set->alloc ? set->alloc * 2 : 64;
		char **slots = xcalloc(alloc, sizeof(*slots));
		for (size_t k = 0; k < set->alloc; k++)
			if (set->slots[k])
				slots[strset_slot(slots, alloc, set->slots[k])] = set->slots[k];
		free(set->slots);
		set->slots = slots;
		set->alloc = alloc;
	}
	i = strset_slot(set->slots, set->alloc, s);
	if (set->slots[i])
		return 0;
	set->slots[i] = xstrdup(s);
	set->nr++;
	return 1;
}

void strset_clear(struct strset *set)
{
	for (size_t i = 0; i < set->alloc; i++)
		free(set->slots[i]);
	free(set->slots);
	memset(set, 0, sizeof(*set));
}

char *jeos_data_dir(const char *env_var, const char *name)
{
	const char *env = getenv(env_var);
	char exe[4096];
	ssize_t n;

	if (env)
		return xstrdup(env);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			return xasprintf("%s/../%s", exe, name);
		}
	}
	return xstrdup(name);
}

int run_program(char *const argv[], struct jeos_error *err)
{
	return run_program_logged(argv, NULL, err);
}

/* The last lines of a log, for an error message. */
static void add_log_tail(struct jeos_error *err, const char *log, int lines)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p;
	int n = 0;

	if (strbuf_read_file(&sb, log) < 0 || !sb.len) {
		strbuf_release(&sb);
		return;
	}
	/* back over the trailing newline and `lines` more */
	for (p = sb.buf + sb.len; p > sb.buf && n <= lines;)
		n += *--p == '\n';
	if (*p == '\n')
		p++;
	size_t used = strlen(err->msg);
	snprintf(err->msg + used, sizeof(err->msg) - used, "; the end of %s:\n%s", log, p);
	strbuf_release(&sb);
}

int run_program_logged(char *const argv[], const char *log, struct jeos_error *err)
{
	return run_program_io(argv, NULL, log, err);
}

/* Waits for pid; after `seconds` (0: never) kills it. Returns its status,
 * or -1 with err filled (timed out, waitpid failed). */
static int wait_bounded(pid_t pid, const char *name, unsigned seconds, struct jeos_error *err)
{
	double deadline = now_seconds() + seconds;
	int status;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &status, seconds ? WNOHANG : 0);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return jeos_fail(err, JEOS_EXIT_FAILED, "waitpid: %s", strerror(errno));
		if (r == 0 && now_seconds() >= deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			return jeos_fail(err, JEOS_EXIT_FAILED, "%s did not finish within %u s: killed",
					 name, seconds);
		}
		if (r == 0)
			nanosleep(&(struct timespec){ .tv_nsec = 20 * 1000 * 1000 }, NULL);
	}
}

/* The one way jeos runs a program: stdin from INPUT, output to LOG (NULL:
 * inherited), killed after `seconds` (0: no bound). */
static int run_child(char *const argv[], const char *input, const char *log, unsigned seconds,
		     struct jeos_error *err)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return jeos_fail(err, JEOS_EXIT_FAILED, "fork: %s", strerror(errno));
	if (pid == 0) {
		if (input) {
			int fd = open(input, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || dup2(fd, STDIN_FILENO) < 0)
				_exit(126);
		}
		if (log) {
			int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
			if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
				_exit(126);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if ((status = wait_bounded(pid, argv[0], seconds, err)) < 0)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		jeos_fail(err, JEOS_EXIT_FAILED, "%s failed (%s %d)", argv[0],
			  WIFEXITED(status) ? "exit" : "signal",
			  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		if (log && err)
			add_log_tail(err, log, 20);
		return -1;
	}
	return 0;
}

int run_program_io(char *const argv[], const char *input, const char *log,
		   struct jeos_error *err)
{
	return run_child(argv, input, log, 0, err);
}

int run_program_bounded(char *const argv[], unsigned seconds, struct jeos_error *err)
{
	return run_child(argv, NULL, NULL, seconds, err);
}

int str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int str_has_suffix(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);
	return ls >= lx && memcmp(s + ls - lx, suffix, lx) == 0;
}

/* ---- messages ---- */

static int quiet;
static int progress_drawn;

void log_set_quiet(int q)
{
	quiet = q;
}

int log_is_quiet(void)
{
	return quiet;
}

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	progress_done();
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vlog("jeos: ", fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("jeos: warning: ", fmt, ap);
	va_end(ap);
}

void progress(const char *stage, size_t n, size_t total, const char *fmt, ...)
{
	va_list ap;

	if (quiet || !isatty(STDERR_FILENO))
		return;
	fprintf(stderr, "\r\033[K[%s] ", stage);
	if (total)
		fprintf(stderr, "%zu/%zu ", n, total);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
	progress_drawn = 1;
}

void progress_done(void)
{
	if (progress_drawn) {
		fputs("\r\033[K", stderr);
		progress_drawn = 0;
	}
}

const char *human_size(uint64_t bytes, char buf[32])
{
	static const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, 32, u ? "%.1f %s" : "%.0f %s", v, units[u]);
	return buf;
}

double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The scratch directory an interrupted command removes. */
static char scratch[4096];

static void on_signal(int sig)
{
	pid_t pid;

	if (scratch[0] && (pid = fork()) == 0) {
		char *const argv[] = { "rm", "-rf", scratch, NULL };
		execv("/bin/rm", argv);
		_exit(127);
	} else if (scratch[0] && pid > 0) {
		waitpid(pid, NULL, 0);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

const char *scratch_create(const char *parent, const char *prefix, struct jeos_error *err)
{
	struct sigaction sa = { .sa_handler = on_signal };

	snprintf(scratch, sizeof(scratch), "%s/%s-XXXXXX", parent, prefix);
	if (!mkdtemp(scratch)) {
		jeos_fail(err, JEOS_EXIT_FAILED, "cannot create a scratch directory in %s: %s",
			  parent, strerror(errno));
		scratch[0] = '\0';
		return NULL;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	return scratch;
}

void scratch_remove(void)
{
	if (scratch[0]) {
		char *const argv[] = { "rm", "-rf", scratch, NULL };
		run_program(argv, NULL);
		scratch[0] = '\0';
	}
}
