/* guest.c - see guest.h. */

#include "guest.h"
#include "imgcheck.h"
#include "vmboot.h"

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
	enum vm_accel accel;
	int watch_silence;  /* an automatic KVM: a silent appliance falls back */
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
	int printed;        /* the appliance console said something */
	double qemu_seen;   /* when the launching qemu was first found; 0: not yet */
	int silenced;       /* killed for saying nothing under KVM */
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
		if (buf_len) {
			pthread_mutex_lock(&gu->lock);
			gu->printed = 1;
			pthread_mutex_unlock(&gu->lock);
		}
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
 * guestfs(3), QEMU WRAPPERS): counts those and sends them `sig` (0: none).
 * jeos runs one VM at a time, so no other qemu child is hit. A wrapper
 * named in LIBGUESTFS_HV counts by its name too. */
static int qemu_children(int sig)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t self = getpid();
	const char *hv = strrchr(vm_qemu(), '/');
	int found = 0;

	hv = hv ? hv + 1 : vm_qemu();
	if (!d)
		return 0;
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
		/* comm is the name cut to 15 bytes */
		if (ppid == self && (str_has_prefix(open_paren + 1, "qemu-system") ||
				     !strncmp(open_paren + 1, hv, 15))) {
			found++;
			if (sig)
				kill((pid_t)atol(buf), sig);
		}
	}
	closedir(d);
	return found;
}

static void abs_time(double t, struct timespec *ts)
{
	/* now_seconds() is CLOCK_MONOTONIC, as is the condition variable. */
	ts->tv_sec = (time_t)t;
	ts->tv_nsec = (long)((t - (double)ts->tv_sec) * 1e9);
}

/* Kills qemu when the deadline passes and, while an automatic KVM
 * launches, when qemu has been running VM_KVM_SILENCE s without a word on
 * the console. */
static void *watchdog(void *arg)
{
	struct guest *gu = arg;
	struct timespec ts;

	pthread_mutex_lock(&gu->lock);
	while (!gu->quit) {
		double now = now_seconds(), wake = gu->deadline; /* 0: none */

		if (gu->watch_silence && gu->launching && !gu->printed && !gu->silenced) {
			/* qemu starts only after supermin has built the appliance,
			 * which may take a while: the silence counts from qemu on. */
			if (!gu->qemu_seen && qemu_children(0))
				gu->qemu_seen = now;
			if (gu->qemu_seen && now > gu->qemu_seen + VM_KVM_SILENCE) {
				gu->silenced = 1;
				qemu_children(SIGKILL);
				guestfs_user_cancel(gu->g);
			}
			if (!wake || wake > now + 0.2)
				wake = now + 0.2;
		}
		if (gu->deadline && now >= gu->deadline) {
			gu->fired = 1;
			if (gu->qemu_pid > 0)
				kill(gu->qemu_pid, SIGKILL);
			else
				qemu_children(SIGKILL);
			/* Interrupts an upload/download at once; safe from any thread. */
			guestfs_user_cancel(gu->g);
			/* Keep at it while armed: during a cold launch qemu starts
			 * only after supermin has built the appliance. */
			wake = now + 0.2;
		}
		if (!wake) {
			pthread_cond_wait(&gu->cond, &gu->lock);
		} else {
			abs_time(wake, &ts);
			pthread_cond_timedwait(&gu->cond, &gu->lock, &ts);
		}
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
		if (gu->launching && !fired && gu->accel == VM_ACCEL_KVM)
			strbuf_addstr(&sb, "\n(if KVM is the problem, try --accel tcg)");
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

/* Everything up to the launch; the caller launches. */
static int configure(struct guest *gu, const struct guest_drive *drives,
		     size_t ndrives, const struct guest_opts *o,
		     struct jeos_error *err)
{
	guestfs_h *g = gu->g;
	struct vm_verdict v;

	if (guestfs_parse_environment(g) < 0)
		return guest_fail(gu, err, "reading LIBGUESTFS_* variables");
	gu->accel = vm_accel(&v);
	gu->watch_silence = v.automatic && v.accel == VM_ACCEL_KVM;
	/* One setting each, so the user's other backend settings stay. */
	if (guestfs_clear_backend_setting(g, "force_tcg") < 0 ||
	    guestfs_clear_backend_setting(g, "force_kvm") < 0 ||
	    guestfs_set_backend_setting(g, gu->accel == VM_ACCEL_TCG ? "force_tcg"
							       : "force_kvm", "1") < 0)
		return guest_fail(gu, err, "choosing the accelerator");
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

/* One handle, configured and launched; *silent_kvm says the launch failed
 * because an automatic KVM said nothing (or its qemu died first). */
static int launch_once(struct guest **out, const struct guest_drive *drives,
		       size_t ndrives, const struct guest_opts *o, int *silent_kvm,
		       struct jeos_error *err)
{
	struct guest *gu = xcalloc(1, sizeof(*gu));
	pthread_condattr_t ca;
	int rc = -1;

	*out = NULL;
	*silent_kvm = 0;
	gu->script_epoch = -1;
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
	pthread_mutex_lock(&gu->lock);
	gu->launching = 1;
	pthread_cond_signal(&gu->cond); /* the watchdog starts its silence watch */
	pthread_mutex_unlock(&gu->lock);
	if (guestfs_launch(gu->g) < 0) {
		pthread_mutex_lock(&gu->lock);
		*silent_kvm = gu->watch_silence && !gu->printed && !gu->fired;
		pthread_mutex_unlock(&gu->lock);
		guest_fail(gu, err, "launching the libguestfs appliance");
		goto out;
	}
	pthread_mutex_lock(&gu->lock);
	gu->launching = 0;
	pthread_mutex_unlock(&gu->lock);
	guest_set_deadline(gu, 0);
	pthread_mutex_lock(&gu->lock);
	gu->qemu_pid = guestfs_get_pid(gu->g);
	pthread_mutex_unlock(&gu->lock);
	gu->launched = 1;
	clear_errors(gu); /* guestfs_get_pid fails on non-direct backends */
	*out = gu;
	gu = NULL;
	rc = 0;
out:
	guest_close(gu);
	return rc;
}

int guest_open(struct guest **out, const struct guest_drive *drives,
	       size_t ndrives, const struct guest_opts *opts,
	       struct jeos_error *err)
{
	static const struct guest_opts defaults;
	const struct guest_opts *o = opts ? opts : &defaults;
	double t0 = now_seconds();
	int silent_kvm;

	if (launch_once(out, drives, ndrives, o, &silent_kvm, err) < 0) {
		if (!silent_kvm)
			return -1;
		/* err says why; the next launch is under TCG */
		CLEANUP_FREE char *why = xasprintf("the libguestfs appliance printed nothing"
						   " under KVM in %d s", VM_KVM_SILENCE);
		vm_accel_demote(why);
		log_info("relaunching the appliance under TCG (%.1f s lost to KVM)",
			 now_seconds() - t0);
		if (launch_once(out, drives, ndrives, o, &silent_kvm, err) < 0)
			return -1;
	}
	log_info("appliance up in %.1f s", now_seconds() - t0);
	return 0;
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
