/* util.h - small helpers every stage shares: errors, strbuf, cleanup
 * attributes, allocation, logging and progress.
 *
 * Conventions (see README "Code"): a function that can fail returns 0 or
 * -1 and fills a struct jeos_error; the caller either adds context and
 * passes it up, or main() prints it and exits with its code.
 */
#ifndef JEOS_UTIL_H
#define JEOS_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

/* Exit codes of the jeos command (documented in the README). */
enum jeos_exit {
	JEOS_EXIT_OK = 0,
	JEOS_EXIT_FAILED = 1, /* the build (or fetch, boot...) failed */
	JEOS_EXIT_USAGE = 2,  /* bad input: recipe, flags, arguments */
};

struct jeos_error {
	int code;        /* enum jeos_exit */
	char msg[8192];  /* full text, e.g. "recipes/x/config.xml:12: error: ..." */
};

/* Fill err (if not NULL) and return -1, so callers can `return jeos_fail(...)`. */
int jeos_fail(struct jeos_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefix the message already in err with more context ("fetching X: "). */
void jeos_error_prefix(struct jeos_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Allocation that never returns NULL: out of memory aborts. */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow an array of `nr` used elements so that it holds at least `want`. */
#define ALLOC_GROW(array, want, alloc)                                        \
	do {                                                                  \
		if ((size_t)(want) > (alloc)) {                               \
			(alloc) = (alloc) * 2 > (size_t)(want) ? (alloc) * 2  \
							       : (size_t)(want) + 8; \
			(array) = xrealloc((array), (alloc) * sizeof(*(array))); \
		}                                                             \
	} while (0)

/* A growable string, after git's strbuf: buf is always NUL-terminated. */
struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};
#define STRBUF_INIT { NULL, 0, 0 }
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
void strbuf_reset(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);
char *strbuf_detach(struct strbuf *sb); /* caller frees; sb is reset */
/* Read a whole file; returns 0/-1 (errno set). */
int strbuf_read_file(struct strbuf *sb, const char *path);

/* Cleanup attributes, as libguestfs's tools use them: the variable is
 * released when it goes out of scope, so every return path is clean. */
void cleanup_free(void *ptr);
void cleanup_strbuf(struct strbuf *sb);
void cleanup_fclose(FILE **fp);
void cleanup_unlink_free(char **path);
#define CLEANUP_FREE __attribute__((cleanup(cleanup_free)))
#define CLEANUP_STRBUF __attribute__((cleanup(cleanup_strbuf)))
#define CLEANUP_FCLOSE __attribute__((cleanup(cleanup_fclose)))
/* Unlinks the file it names unless the pointer was set to NULL (i.e. the
 * function reached the point where the output is complete). */
#define CLEANUP_UNLINK_FREE __attribute__((cleanup(cleanup_unlink_free)))

/* Output files are written under a temporary name beside the final one
 * and renamed into place only once complete. */
char *tmpname_for(const char *final_path); /* "dir/.base.tmp-PID-N" */
/* fsync + rename tmp onto final; on success frees *tmp and NULLs it. */
int commit_file(char **tmp, const char *final_path, struct jeos_error *err);
/* PATH holds exactly DATA, written under a temporary name and committed. */
int write_file(const char *path, const void *data, size_t len, struct jeos_error *err);
/* "52:54:00:12:34:56": six pairs of hex digits */
int is_mac_address(const char *s);
/* The process's scratch directory, PARENT/PREFIX-XXXXXX: removed by
 * scratch_remove() and on SIGINT/SIGTERM/SIGHUP, so an interrupted command
 * leaves nothing behind. Returns its path, or NULL with err filled. */
const char *scratch_create(const char *parent, const char *prefix, struct jeos_error *err);
void scratch_remove(void);
/* mkdir -p */
int mkdir_p(const char *path, unsigned mode, struct jeos_error *err);

/* A set of strings (open addressing); strings are copied. */
struct strset {
	char **slots;
	size_t nr, alloc;
};
/* Returns 1 if s was added, 0 if it was already there. */
int strset_add(struct strset *set, const char *s);
int strset_has(const struct strset *set, const char *s);
void strset_clear(struct strset *set);

/* A directory of the source tree jeos was built from (overlays,
 * kernel-configs): $env_var if set, else NAME beside the directory of the
 * running binary (build/../NAME), else NAME in the current directory.
 * The caller frees it. */
char *jeos_data_dir(const char *env_var, const char *name);

/* Runs argv (PATH searched) and waits: 0 if it exited 0. */
int run_program(char *const argv[], struct jeos_error *err);
/* The same with stdout and stderr appended to LOG (NULL: inherited); on
 * failure the error ends with the log's last lines. */
int run_program_logged(char *const argv[], const char *log, struct jeos_error *err);
/* The same with stdin read from the file INPUT (NULL: inherited). */
int run_program_io(char *const argv[], const char *input, const char *log,
		   struct jeos_error *err);
/* run_program, killing the program if it has not exited after `seconds`
 * (for programs reading untrusted input, which might never finish). */
int run_program_bounded(char *const argv[], unsigned seconds, struct jeos_error *err);

int str_has_prefix(const char *s, const char *prefix);
int str_has_suffix(const char *s, const char *suffix);

/* Messages. Everything goes to stderr; --quiet silences info and progress
 * but never warnings or errors. Progress lines are drawn only on a tty. */
void log_set_quiet(int quiet);
int log_is_quiet(void);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "[stage] n/N detail" redrawn in place on a tty; nothing otherwise. */
void progress(const char *stage, size_t n, size_t total, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void progress_done(void);

/* Little-endian integers in byte buffers (on-disk formats). */
static inline uint32_t le16_get(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}
static inline uint32_t le32_get(const unsigned char *p)
{
	return le16_get(p) | le16_get(p + 2) << 16;
}
static inline uint64_t le64_get(const unsigned char *p)
{
	return le32_get(p) | (uint64_t)le32_get(p + 4) << 32;
}
static inline void le16_put(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}
static inline void le32_put(unsigned char *p, uint32_t v)
{
	le16_put(p, v);
	le16_put(p + 2, v >> 16);
}
static inline void le64_put(unsigned char *p, uint64_t v)
{
	le32_put(p, (uint32_t)v);
	le32_put(p + 4, (uint32_t)(v >> 32));
}

/* "12.3 MiB" into buf */
const char *human_size(uint64_t bytes, char buf[32]);
double now_seconds(void); /* monotonic */

#endif
