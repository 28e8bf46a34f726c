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
/* s as one sh word in single quotes ('it'\''s'): the one way a value
 * reaches the text of a generated shell script, so that it stays data
 * (no expansion, no word splitting, no end of line) whatever it holds. */
void strbuf_add_sh_quoted(struct strbuf *sb, const char *s);
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
/* Creates a new, empty file beside final_path under a name no other
 * process can have or guess ("dir/.base.tmp-XXXXXX", made by mkostemp
 * with O_CREAT|O_EXCL), so that processes sharing a directory (a shared
 * cache) never write one file and nothing planted there is followed; the
 * mode is 0644 less the umask. Returns the fd (O_CLOEXEC) and sets *tmp
 * (the caller frees it), or -1 with err filled and *tmp NULL. */
int tmpfile_create(const char *final_path, char **tmp, struct jeos_error *err);
/* The same for a new directory, mode 0700 ("dir/.base.tmp-XXXXXX"):
 * returns it (caller frees), or NULL with err filled. */
char *tmpdir_create(const char *final_path, struct jeos_error *err);
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

/* The data jeos reads at run time, each a directory. */
enum jeos_data { JEOS_DATA_OVERLAYS, JEOS_DATA_KERNEL_CONFIGS, JEOS_DATA_NR };
/* Its directory's name ("overlays", "kernel-configs") and the environment
 * variable that overrides where it is ("JEOS_OVERLAYS"...). */
const char *jeos_data_name(enum jeos_data d);
const char *jeos_data_env(enum jeos_data d);
/* Where it is: the variable if set; else the checkout's copy when the
 * binary runs from a checkout (build/jeos: build/../NAME); else the
 * installed copy, JEOS_DATADIR/NAME (make install's DATADIR/jeos), under
 * the root the binary is installed in (DESTDIR/usr/bin/jeos reads
 * DESTDIR/usr/share/jeos), whether it exists or not. The caller frees it. */
char *jeos_data_dir(enum jeos_data d);
/* The user's jeos cache, $XDG_CACHE_HOME/jeos or $HOME/.cache/jeos; NULL
 * when neither variable is usable. The caller frees it. */
char *jeos_cache_home(void);

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

/* Runs argv and collects at most `max` bytes of its stdout into out
 * (stderr discarded, the rest of stdout drained); 0 if it exited 0. */
int run_capture(char *const argv[], size_t max, struct strbuf *out,
		struct jeos_error *err);

/* uri as messages may show it: the userinfo of "scheme://user:pass@host/..."
 * (credentials, from --mirror or apt's sources) becomes three asterisks
 * before the '@'; anything else is copied. The caller frees it. */
char *uri_redact(const char *uri);

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
