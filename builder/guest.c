/* guest.c - see guest.h. */

#include "guest.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "imgcheck.h"

/* ---- accelerator ---- */

/* Why a probe before launching rather than "launch, and relaunch with
 * force_tcg if it failed": measured on the development host (nested KVM
 * broken: qemu aborts on "failed to set MSR 0x10a" when the vCPU first
 * runs), the probe costs 50-120 ms, a failed libguestfs launch ~0.2 s
 * plus matching its error text. The probe runs real guest code - a
 * firmware of four instructions that writes to isa-debug-exit - under a
 * short deadline, so it also catches a vCPU that never runs (which would
 * leave libguestfs waiting 20 minutes for its daemon), needs no firmware
 * or temporary files, and `jeos boot` shares the answer without
 * libguestfs. A KVM that runs real mode but breaks later in the boot
 * (seen here with -cpu qemu64) is caught only by the launch deadline. */
#define KVM_PROBE_TIMEOUT 5.0 /* seconds */
#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_STATUS 3   /* qemu exits with (value << 1) | 1 */

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* 1 if qemu runs guest code under KVM, 0 if not. */
static int kvm_probe(void)
{
	/* Executed from the reset vector, the last 16 bytes of the ROM. */
	static const unsigned char code[] = {
		0xb0, 0x01,             /* mov al, 1 */
		0xe6, DEBUG_EXIT_PORT,  /* out 0xf4, al: qemu exits */
		0xf4,                   /* hlt */
		0xeb, 0xfd,             /* jmp to hlt */
	};
	enum { ROM_SIZE = 65536 }; /* qemu wants a multiple of 64 KiB */
	CLEANUP_FREE unsigned char *rom = NULL;
	char bios[64], devexit[64];
	int fd = -1, usable = 0, status;
	pid_t pid = -1;
	double deadline;

	if (access("/dev/kvm", R_OK | W_OK) < 0)
		return 0;
	/* Inherited by qemu on purpose (no MFD_CLOEXEC): it opens /dev/fd/N. */
	fd = memfd_create("jeos-kvm-probe", 0);
	if (fd < 0)
		goto out;
	rom = xcalloc(1, ROM_SIZE);
	memcpy(rom + ROM_SIZE - 16, code, sizeof(code));
	if (write(fd, rom, ROM_SIZE) != ROM_SIZE)
		goto out;
	snprintf(bios, sizeof(bios), "/dev/fd/%d", fd);
	snprintf(devexit, sizeof(devexit), "isa-debug-exit,iobase=%#x,iosize=1",
		 DEBUG_EXIT_PORT);
	/* Same CPU model as libguestfs and vmboot use: the MSR abort depends on it. */
	char *argv[] = {
		"qemu-system-x86_64", "-nodefaults", "-no-user-config",
		"-display", "none", "-monitor", "none", "-serial", "none",
		"-machine", "pc,accel=kvm", "-cpu", "max,la57=off", "-m", "16",
		"-bios", bios, "-device", devexit, "-no-reboot", NULL,
	};

	pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execvp(argv[0], argv);
		_exit(127);
	}
	deadline = now_seconds() + KVM_PROBE_TIMEOUT;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			goto out;
		if (now_seconds() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			goto out;
		}
		sleep_ms(5);
	}
	usable = WIFEXITED(status) && WEXITSTATUS(status) == DEBUG_EXIT_STATUS;
out:
	if (fd >= 0)
		close(fd);
	return usable;
}

/* Does the colon-separated list turn `name` on ("name", "name=1")? */
static int setting_on(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; *p; ) {
		const char *end = strchrnul(p, ':');
		if ((size_t)(end - p) >= n && strncmp(p, name, n) == 0) {
			const char *v = p + n;
			if (v == end)
				return 1;
			if (*v == '=') {
				CLEANUP_FREE char *val = xstrndup(v + 1, (size_t)(end - v - 1));
				return strcmp(val, "0") && strcasecmp(val, "false") &&
				       strcasecmp(val, "no") && strcasecmp(val, "off");
			}
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}

enum guest_accel guest_accel(const char *backend_settings)
{
	/* Cached for the process: jeos is single-threaded where it asks. */
	static int kvm_usable = -1;
	const char *s = backend_settings;

	if (!s)
		s = getenv("LIBGUESTFS_BACKEND_SETTINGS");
	if (s) {
		/* The user chose; don't second-guess. */
		if (setting_on(s, "force_tcg"))
			return GUEST_ACCEL_TCG;
		if (setting_on(s, "force_kvm"))
			return GUEST_ACCEL_KVM;
		return GUEST_ACCEL_AUTO;
	}
	if (kvm_usable < 0) {
		kvm_usable = kvm_probe();
		if (!kvm_usable)
			log_warn("kvm unusable, falling back to TCG (slow)");
	}
	return kvm_usable ? GUEST_ACCEL_KVM : GUEST_ACCEL_TCG;
}

/* ---- image format ---- */

int guest_image_format(const char *path, const char **format,
		       struct jeos_error *err)
{
	return img_format(path, format, err);
}

/* ---- the guest ---- */

#define TAIL_LINES 8
#define TAIL_COLS 160
#define KEEP_ERRORS 4

struct guest {
	guestfs_h *g;
	int verbose;
	int64_t script_epoch; /* SOURCE_DATE_EPOCH for scripts; < 0: none */
	enum guest_accel accel;
	int launching, launched;

	/* The appliance console's last lines, as a hint in error messages. */
	char tail[TAIL_LINES][TAIL_COLS];
	unsigned tail_next, tail_count;
	struct strbuf partial; /* the unfinished current line */

	/* libguestfs's error messages since the last guest_fail(). */
	char *errors[KEEP_ERRORS];
	unsigned nerrors;

	/* Watchdog; everything below is under `lock`. */
	pthread_t thread;
	int thread_started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	double deadline;    /* now_seconds() value; 0: disarmed */
	unsigned seconds;   /* what the deadline was set to, for the message */
	int fired, quit;
	pid_t qemu_pid;     /* 0 until launched */
};

guestfs_h *guest_handle(struct guest *gu)
{
	return gu->g;
}

static void tail_push(struct guest *gu, const char *line, size_t len)
{
	char *dst = gu->tail[gu->tail_next];
	size_t j = 0;

	if (len == 0)
		return;
	for (size_t i = 0; i < len && j < TAIL_COLS - 1; i++)
		dst[j++] = isprint((unsigned char)line[i]) ? line[i] : '?';
	dst[j] = '\0';
	gu->tail_next = (gu->tail_next + 1) % TAIL_LINES;
	if (gu->tail_count < TAIL_LINES)
		gu->tail_count++;
}

static void console_feed(struct guest *gu, const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			tail_push(gu, gu->partial.buf, gu->partial.len);
			strbuf_reset(&gu->partial);
		} else if (buf[i] != '\r' && gu->partial.len < 4096) {
			strbuf_addch(&gu->partial, buf[i]);
		}
	}
}

static void on_event(guestfs_h *g, void *opaque, uint64_t event,
		     int event_handle, int flags, const char *buf,
		     size_t buf_len, const uint64_t *array, size_t array_len)
{
	struct guest *gu = opaque;

	(void)g, (void)event_handle, (void)flags, (void)array, (void)array_len;
	switch (event) {
	case GUESTFS_EVENT_APPLIANCE:
		console_feed(gu, buf, buf_len);
		if (gu->verbose)
			fwrite(buf, 1, buf_len, stderr);
		break;
	case GUESTFS_EVENT_WARNING:
		log_warn("libguestfs: %.*s", (int)buf_len, buf);
		break;
	default: /* LIBRARY, TRACE: only sent when LIBGUESTFS_DEBUG/TRACE asked */
		fprintf(stderr, "libguestfs: %.*s\n", (int)buf_len, buf);
		break;
	}
}

/* Replaces libguestfs's default handler, which prints to stderr. */
static void on_error(guestfs_h *g, void *opaque, const char *msg)
{
	struct guest *gu = opaque;

	(void)g;
	if (gu->nerrors == KEEP_ERRORS) {
		free(gu->errors[0]);
		memmove(gu->errors, gu->errors + 1,
			(KEEP_ERRORS - 1) * sizeof(gu->errors[0]));
		gu->nerrors--;
	}
	gu->errors[gu->nerrors++] = xstrdup(msg);
}

static void clear_errors(struct guest *gu)
{
	for (unsigned i = 0; i < gu->nerrors; i++)
		free(gu->errors[i]);
	gu->nerrors = 0;
}

/* Before the launch returns, libguestfs's qemu pid is not available
 * (guestfs_get_pid would wait for the handle's lock, which the launching
 * thread holds), but qemu is always a direct child of this process (see
 * guestfs(3), QEMU WRAPPERS): kill those. jeos runs one VM at a time, so
 * no other qemu child is hit. */
static void kill_qemu_children(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t self = getpid();

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		char path[300], buf[512];
		int fd;
		ssize_t n;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		/* "pid (comm) state ppid ...", comm may hold spaces and ')' */
		char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
		long ppid;
		char state;
		if (!open_paren || !close_paren ||
		    sscanf(close_paren + 1, " %c %ld", &state, &ppid) != 2)
			continue;
		*close_paren = '\0';
		if (ppid == self && str_has_prefix(open_paren + 1, "qemu-system"))
			kill((pid_t)atol(buf), SIGKILL);
	}
	closedir(d);
}

static void abs_time(double t, struct timespec *ts)
{
	/* now_seconds() is CLOCK_MONOTONIC, as is the condition variable. */
	ts->tv_sec = (time_t)t;
	ts->tv_nsec = (long)((t - (double)ts->tv_sec) * 1e9);
}

static void *watchdog(void *arg)
{
	struct guest *gu = arg;
	struct timespec ts;

	pthread_mutex_lock(&gu->lock);
	while (!gu->quit) {
		if (gu->deadline == 0) {
			pthread_cond_wait(&gu->cond, &gu->lock);
			continue;
		}
		double now = now_seconds();
		if (now < gu->deadline) {
			abs_time(gu->deadline, &ts);
			pthread_cond_timedwait(&gu->cond, &gu->lock, &ts);
			continue;
		}
		gu->fired = 1;
		if (gu->qemu_pid > 0)
			kill(gu->qemu_pid, SIGKILL);
		else
			kill_qemu_children();
		/* Interrupts an upload/download at once; safe from any thread. */
		guestfs_user_cancel(gu->g);
		/* Keep at it while armed: during a cold launch qemu starts only
		 * after supermin has built the appliance. */
		abs_time(now + 0.2, &ts);
		pthread_cond_timedwait(&gu->cond, &gu->lock, &ts);
	}
	pthread_mutex_unlock(&gu->lock);
	return NULL;
}

void guest_set_deadline(struct guest *gu, unsigned seconds)
{
	pthread_mutex_lock(&gu->lock);
	if (seconds)
		gu->seconds = seconds; /* kept for guest_fail() after disarming */
	gu->deadline = seconds ? now_seconds() + seconds : 0;
	pthread_cond_signal(&gu->cond);
	pthread_mutex_unlock(&gu->lock);
}

int guest_fail(struct guest *gu, struct jeos_error *err, const char *fmt, ...)
{
	CLEANUP_STRBUF struct strbuf sb = STRBUF_INIT;
	int fired, died;
	unsigned seconds;
	va_list ap;

	pthread_mutex_lock(&gu->lock);
	fired = gu->fired;
	seconds = gu->seconds;
	pthread_mutex_unlock(&gu->lock);

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	strbuf_addstr(&sb, ": ");
	if (fired) {
		strbuf_addf(&sb, "timed out after %u s (jeos killed the appliance)",
			    seconds);
	} else {
		/* When the appliance fails, libguestfs appends a paragraph on
		 * how to debug to each message and ends with generic messages
		 * that only point at earlier ones: cut the paragraphs, drop
		 * the generic. Other messages can span lines (a command's
		 * stderr) and are kept whole. */
		static const char *const boilerplate[] = {
			"\nThis usually means", "\nTo see full error messages",
			"\nDo:\n", ", see debug messages above",
		};
		int shown = 0;
		for (unsigned i = 0; i < gu->nerrors; i++) {
			const char *m = gu->errors[i];
			size_t len = strlen(m);
			if (gu->nerrors > 1 && (strstr(m, "see earlier error messages") ||
						str_has_prefix(m, "guestfs_launch failed")))
				continue;
			for (size_t b = 0; b < sizeof(boilerplate) / sizeof(*boilerplate); b++) {
				const char *p = strstr(m, boilerplate[b]);
				if (p && (size_t)(p - m) < len)
					len = (size_t)(p - m);
			}
			while (len && (m[len - 1] == '.' || isspace((unsigned char)m[len - 1])))
				len--;
			strbuf_addf(&sb, "%s%.*s", shown++ ? "; " : "", (int)len, m);
		}
		if (!shown)
			strbuf_addstr(&sb, "libguestfs failed");
	}
	clear_errors(gu);

	died = fired || gu->launching || (gu->launched && !guestfs_is_ready(gu->g));
	if (died) {
		tail_push(gu, gu->partial.buf, gu->partial.len);
		strbuf_reset(&gu->partial);
		if (gu->tail_count) {
			strbuf_addstr(&sb, "\nlast appliance output:");
			for (unsigned i = 0; i < gu->tail_count; i++) {
				unsigned k = (gu->tail_next + TAIL_LINES - gu->tail_count + i)
					     % TAIL_LINES;
				strbuf_addf(&sb, "\n  %s", gu->tail[k]);
			}
		}
		if (gu->launching && !fired && gu->accel != GUEST_ACCEL_TCG)
			strbuf_addstr(&sb, "\n(if KVM is the problem, try "
					   "LIBGUESTFS_BACKEND_SETTINGS=force_tcg)");
		strbuf_addstr(&sb, "\n(LIBGUESTFS_DEBUG=1 shows the appliance's whole log)");
	}
	return jeos_fail(err, JEOS_EXIT_FAILED, "%s", sb.buf);
}

void guest_set_script_epoch(struct guest *gu, int64_t epoch)
{
	gu->script_epoch = epoch;
}

int guest_run_script(struct guest *gu, const char *what, const char *script,
		     struct jeos_error *err)
{
	static const char path[] = "/.jeos-script";
	CLEANUP_FREE char *out = NULL;

	if (guestfs_write(gu->g, path, script, strlen(script)) < 0)
		return guest_fail(gu, err, "%s", what);
	CLEANUP_FREE char *env = gu->script_epoch >= 0
		? xasprintf("SOURCE_DATE_EPOCH=%lld ", (long long)gu->script_epoch) : xstrdup("");
	CLEANUP_FREE char *cmd = xasprintf("%ssh -e /.jeos-script 1>&2; rc=$?;"
					   " rm -f /.jeos-script; exit $rc", env);
	out = guestfs_sh(gu->g, cmd);
	if (!out)
		return guest_fail(gu, err, "%s", what);
	return 0;
}

/* "a:b" -> {"a", "b", NULL} for guestfs_set_backend_settings. */
static char **split_settings(const char *s)
{
	size_t n = 1;
	char **v, *copy = xstrdup(s), *save = NULL;

	for (const char *p = s; *p; p++)
		n += *p == ':';
	v = xcalloc(n + 2, sizeof(*v));
	n = 0;
	for (char *tok = strtok_r(copy, ":", &save); tok;
	     tok = strtok_r(NULL, ":", &save))
		v[n++] = xstrdup(tok);
	free(copy);
	return v;
}

static void free_strv(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* Everything up to the launch; the caller launches. */
static int configure(struct guest *gu, const struct guest_drive *drives,
		     size_t ndrives, const struct guest_opts *o,
		     struct jeos_error *err)
{
	guestfs_h *g = gu->g;

	if (guestfs_parse_environment(g) < 0)
		return guest_fail(gu, err, "reading LIBGUESTFS_* variables");
	gu->accel = guest_accel(o->backend_settings);
	if (o->backend_settings) {
		char **v = split_settings(o->backend_settings);
		int r = guestfs_set_backend_settings(g, v);
		free_strv(v);
		if (r < 0)
			return guest_fail(gu, err, "--backend-settings %s",
					  o->backend_settings);
	} else if (!getenv("LIBGUESTFS_BACKEND_SETTINGS") &&
		   gu->accel == GUEST_ACCEL_TCG) {
		char *v[] = { "force_tcg", NULL };
		if (guestfs_set_backend_settings(g, v) < 0)
			return guest_fail(gu, err, "forcing TCG");
	}
	if (o->memsize_mb > 0 && guestfs_set_memsize(g, o->memsize_mb) < 0)
		return guest_fail(gu, err, "setting the appliance memory");
	if (o->smp > 1 && guestfs_set_smp(g, o->smp) < 0)
		return guest_fail(gu, err, "setting the appliance vCPUs");

	for (size_t i = 0; i < ndrives; i++) {
		const struct guest_drive *d = &drives[i];
		const char *format = d->format;

		if (!format && guest_image_format(d->path, &format, err) < 0)
			return -1;
		if (guestfs_add_drive_opts(g, d->path,
				GUESTFS_ADD_DRIVE_OPTS_FORMAT, format,
				GUESTFS_ADD_DRIVE_OPTS_READONLY, d->readonly ? 1 : 0,
				GUESTFS_ADD_DRIVE_OPTS_CACHEMODE,
				d->cachemode ? d->cachemode : "writeback",
				-1) < 0)
			return guest_fail(gu, err, "adding %s", d->path);
	}
	return 0;
}

int guest_open(struct guest **out, const struct guest_drive *drives,
	       size_t ndrives, const struct guest_opts *opts,
	       struct jeos_error *err)
{
	static const struct guest_opts defaults;
	const struct guest_opts *o = opts ? opts : &defaults;
	struct guest *gu = xcalloc(1, sizeof(*gu));
	pthread_condattr_t ca;
	double t0 = now_seconds();
	int rc = -1;

	gu->script_epoch = -1;

	*out = NULL;
	gu->verbose = o->verbose;
	pthread_mutex_init(&gu->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&gu->cond, &ca);
	pthread_condattr_destroy(&ca);

	/* The environment is parsed later, once our error handler is set. */
	gu->g = guestfs_create_flags(GUESTFS_CREATE_NO_ENVIRONMENT);
	if (!gu->g) {
		jeos_fail(err, JEOS_EXIT_FAILED, "cannot create a libguestfs handle: %s",
			  strerror(errno));
		goto out;
	}
	guestfs_set_error_handler(gu->g, on_error, gu);
	if (guestfs_set_event_callback(gu->g, on_event,
			GUESTFS_EVENT_APPLIANCE | GUESTFS_EVENT_LIBRARY |
			GUESTFS_EVENT_WARNING | GUESTFS_EVENT_TRACE, 0, gu) < 0) {
		guest_fail(gu, err, "libguestfs events");
		goto out;
	}
	if (pthread_create(&gu->thread, NULL, watchdog, gu) != 0) {
		jeos_fail(err, JEOS_EXIT_FAILED, "cannot start the guest watchdog");
		goto out;
	}
	gu->thread_started = 1;

	if (configure(gu, drives, ndrives, o, err) < 0)
		goto out;

	guest_set_deadline(gu, o->launch_timeout ? o->launch_timeout
						 : GUEST_LAUNCH_TIMEOUT);
	gu->launching = 1;
	if (guestfs_launch(gu->g) < 0) {
		guest_fail(gu, err, "launching the libguestfs appliance");
		goto out;
	}
	gu->launching = 0;
	guest_set_deadline(gu, 0);
	pthread_mutex_lock(&gu->lock);
	gu->qemu_pid = guestfs_get_pid(gu->g);
	pthread_mutex_unlock(&gu->lock);
	gu->launched = 1;
	clear_errors(gu); /* guestfs_get_pid fails on non-direct backends */
	log_info("appliance up in %.1f s", now_seconds() - t0);
	*out = gu;
	gu = NULL;
	rc = 0;
out:
	guest_close(gu);
	return rc;
}

int guest_shutdown(struct guest *gu, struct jeos_error *err)
{
	int r;

	/* libguestfs reaps qemu in here, after which its pid may be reused:
	 * a deadline that fires now falls back to killing qemu children. */
	pthread_mutex_lock(&gu->lock);
	gu->qemu_pid = 0;
	pthread_mutex_unlock(&gu->lock);
	r = guestfs_shutdown(gu->g);
	guest_set_deadline(gu, 0);
	if (r < 0)
		return guest_fail(gu, err, "shutting down the appliance");
	return 0;
}

void guest_close(struct guest *gu)
{
	if (!gu)
		return;
	if (gu->thread_started) {
		pthread_mutex_lock(&gu->lock);
		gu->quit = 1;
		pthread_cond_signal(&gu->cond);
		pthread_mutex_unlock(&gu->lock);
		pthread_join(gu->thread, NULL);
	}
	if (gu->g)
		guestfs_close(gu->g);
	clear_errors(gu);
	strbuf_release(&gu->partial);
	pthread_cond_destroy(&gu->cond);
	pthread_mutex_destroy(&gu->lock);
	free(gu);
}
