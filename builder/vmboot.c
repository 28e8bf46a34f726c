/* vmboot.c - see vmboot.h. */

#include "vmboot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"
#include "hash.h"
#include "imgcheck.h"

/* Sized so an error message (struct jeos_error: 2 KiB) holds them all. */
#define TAIL_LINES 8
#define TAIL_COLS 120
#define QEMU_ERR_MAX 512    /* the end of qemu's stderr */
#define LINE_MAX_LEN 4096   /* longer "lines" are split */

/* The serial console as lines: escape sequences and carriage returns
 * dropped (firmware and getty clear the screen), the last lines kept for
 * error messages. */
struct console {
	regex_t re;
	struct strbuf cur;
	int esc; /* 0; 1 after ESC; 2 inside ESC [ ... */
	char tail[TAIL_LINES][TAIL_COLS];
	unsigned tail_next, tail_count;
	int matched;
	char line[256];
};

static void console_check(struct console *c)
{
	if (!c->matched && c->cur.len &&
	    regexec(&c->re, c->cur.buf, 0, NULL, 0) == 0) {
		c->matched = 1;
		snprintf(c->line, sizeof(c->line), "%s", c->cur.buf);
	}
}

static void tail_push(struct console *c, const char *line)
{
	snprintf(c->tail[c->tail_next], TAIL_COLS, "%s", line);
	c->tail_next = (c->tail_next + 1) % TAIL_LINES;
	if (c->tail_count < TAIL_LINES)
		c->tail_count++;
}

static void console_end_line(struct console *c)
{
	console_check(c);
	if (c->cur.len)
		tail_push(c, c->cur.buf);
	strbuf_reset(&c->cur);
}

static void console_feed(struct console *c, const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)buf[i];

		if (c->esc == 1) {
			c->esc = ch == '[' ? 2 : 0;
			continue;
		}
		if (c->esc == 2) {
			if (ch >= 0x40 && ch <= 0x7e)
				c->esc = 0;
			continue;
		}
		if (ch == 0x1b)
			c->esc = 1;
		else if (ch == '\n')
			console_end_line(c);
		else if (ch == '\t' || (ch >= 0x20 && ch != 0x7f)) {
			strbuf_addch(&c->cur, (char)ch);
			if (c->cur.len >= LINE_MAX_LEN)
				console_end_line(c);
		}
	}
	/* A prompt ("login: ") ends without a newline. */
	console_check(c);
}

/* "\nlast console lines:\n  ..." for error messages. */
static void console_tail(struct console *c, struct strbuf *sb)
{
	if (c->cur.len)
		tail_push(c, c->cur.buf);
	strbuf_reset(&c->cur);
	if (!c->tail_count) {
		strbuf_addstr(sb, "\n(the console printed nothing)");
		return;
	}
	strbuf_addstr(sb, "\nlast console lines:");
	for (unsigned i = 0; i < c->tail_count; i++)
		strbuf_addf(sb, "\n  %s",
			    c->tail[(c->tail_next + TAIL_LINES - c->tail_count + i) % TAIL_LINES]);
}

/* qemu splits -drive values at commas; a literal one is doubled. */
static char *qemu_escape(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	for (; *s; s++) {
		strbuf_addch(&sb, *s);
		if (*s == ',')
			strbuf_addch(&sb, ',');
	}
	return strbuf_detach(&sb);
}

struct argv {
	char **v;
	size_t n, alloc;
};

static void arg(struct argv *a, char *owned)
{
	ALLOC_GROW(a->v, a->n + 2, a->alloc);
	a->v[a->n++] = owned;
	a->v[a->n] = NULL;
}

static void argv_free(struct argv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
}

static int build_argv(const struct vmboot_opts *o, enum vm_accel accel,
		      struct argv *a, struct jeos_error *err)
{
	static const char *const fixed[] = {
		"-nodefaults", "-no-user-config",
		"-display", "none", "-monitor", "none", "-serial", "stdio",
		"-no-reboot",
		/* as libguestfs: 5-level paging slows TCG down for nothing; the
		 * MSR abort of broken nested KVM depends on the model too */
		"-cpu", "max,la57=off",
	};

	arg(a, xstrdup(vm_qemu()));
	for (size_t i = 0; i < sizeof(fixed) / sizeof(*fixed); i++)
		arg(a, xstrdup(fixed[i]));
	arg(a, xstrdup("-machine"));
	arg(a, xasprintf("pc,accel=%s", vm_accel_name(accel)));
	arg(a, xstrdup("-m"));
	arg(a, xasprintf("%u", o->memory_mb ? o->memory_mb : 1024));
	arg(a, xstrdup("-smp"));
	arg(a, xasprintf("%u", o->cpus ? o->cpus : 1));
	arg(a, xstrdup("-nic"));
	arg(a, xstrdup(o->user_net ? "user,model=virtio-net-pci" : "none"));
	if (o->efi) {
		/* read-only firmware image: OVMF keeps no variables between
		 * boots, which jeos images do not need (grub is installed at
		 * the removable-media path) */
		if (access(VMBOOT_OVMF, R_OK) < 0)
			return jeos_fail(err, JEOS_EXIT_FAILED, "EFI boot needs %s (package ovmf)",
					 VMBOOT_OVMF);
		arg(a, xstrdup("-bios"));
		arg(a, xstrdup(VMBOOT_OVMF));
	}
	if (o->image) {
		struct img_info info;
		CLEANUP_FREE char *path = NULL;

		if (img_check(o->image, &info, err) < 0)
			return -1;
		path = qemu_escape(o->image);
		arg(a, xstrdup("-drive"));
		arg(a, xasprintf("file=%s,format=%s,if=virtio,snapshot=on", path, info.format));
	}
	if (o->kernel) {
		arg(a, xstrdup("-kernel"));
		arg(a, xstrdup(o->kernel));
		if (o->append) {
			arg(a, xstrdup("-append"));
			arg(a, xstrdup(o->append));
		}
	}
	return 0;
}

static pid_t spawn(char **argv, int out_fd, int err_fd)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	/* Child: async-signal-safe calls only. */
	int null = open("/dev/null", O_RDONLY);
	if (null >= 0)
		dup2(null, 0);
	dup2(out_fd, 1);
	dup2(err_fd, 2);
	/* qemu must not outlive jeos. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	execvp(argv[0], argv);
	static const char msg[] = "cannot run qemu\n";
	ssize_t ignored = write(2, msg, sizeof(msg) - 1);
	(void)ignored;
	_exit(127);
}

/* How one qemu run ended without a match: nothing at all on the console
 * (the mark of a broken KVM), and qemu's last stderr line. */
struct boot_end {
	int silent;
	char qemu_said[160];
};

/* The end of qemu's stderr, trailing newlines dropped. */
static const char *qemu_words(struct strbuf *qerr)
{
	while (qerr->len && qerr->buf[qerr->len - 1] == '\n')
		qerr->buf[--qerr->len] = '\0';
	return qerr->len > QEMU_ERR_MAX ? qerr->buf + qerr->len - QEMU_ERR_MAX : qerr->buf;
}

/* One qemu run under `accel` until the console matches, qemu exits, the
 * timeout passes or, with `silence` set, `silence` seconds pass without
 * one byte on the console. */
static int boot_once(const struct vmboot_opts *o, enum vm_accel accel, unsigned silence,
		     struct vmboot_result *res, struct boot_end *end, struct jeos_error *err)
{
	const char *expect = o->expect ? o->expect : VMBOOT_EXPECT;
	unsigned timeout = o->timeout ? o->timeout : VMBOOT_TIMEOUT;
	const char *what = o->image ? o->image : o->kernel;
	struct console con = { .cur = STRBUF_INIT };
	CLEANUP_STRBUF struct strbuf qerr = STRBUF_INIT;
	CLEANUP_STRBUF struct strbuf msg = STRBUF_INIT;
	struct argv a = { 0 };
	FILE *log = NULL;
	int out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int re_ok = 0, rc = -1, status = 0, out_open, err_open, r, printed = 0, hushed = 0;
	pid_t pid = -1;
	double t0, deadline;

	memset(end, 0, sizeof(*end));
	res->accel = vm_accel_name(accel);
	r = regcomp(&con.re, expect, REG_EXTENDED | REG_NOSUB);
	if (r != 0) {
		char buf[256];
		regerror(r, &con.re, buf, sizeof(buf));
		jeos_fail(err, JEOS_EXIT_USAGE, "invalid regex /%s/: %s", expect, buf);
		goto out;
	}
	re_ok = 1;
	if (build_argv(o, accel, &a, err) < 0)
		goto out;
	if (o->console_log && !(log = fopen(o->console_log, "we"))) {
		jeos_fail(err, JEOS_EXIT_FAILED, "cannot create %s: %s",
			  o->console_log, strerror(errno));
		goto out;
	}
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		jeos_fail(err, JEOS_EXIT_FAILED, "pipe: %s", strerror(errno));
		goto out;
	}

	t0 = now_seconds();
	deadline = t0 + timeout;
	pid = spawn(a.v, out[1], errp[1]);
	if (pid < 0) {
		jeos_fail(err, JEOS_EXIT_FAILED, "fork: %s", strerror(errno));
		goto out;
	}
	close(out[1]);
	close(errp[1]);
	out[1] = errp[1] = -1;

	out_open = err_open = 1;
	while (!con.matched && (out_open || err_open)) {
		struct pollfd fds[2] = {
			{ .fd = out_open ? out[0] : -1, .events = POLLIN },
			{ .fd = err_open ? errp[0] : -1, .events = POLLIN },
		};
		double until = deadline, left;
		char buf[4096];
		ssize_t n;

		if (silence && !printed && t0 + silence < until)
			until = t0 + silence;
		left = until - now_seconds();
		if (left <= 0) {
			hushed = silence && !printed;
			break;
		}
		r = poll(fds, 2, (int)(left * 1000) + 1);
		if (r < 0 && errno != EINTR) {
			jeos_fail(err, JEOS_EXIT_FAILED, "poll: %s", strerror(errno));
			goto out;
		}
		if (r <= 0)
			continue;
		if (fds[0].revents) {
			n = read(out[0], buf, sizeof(buf));
			if (n > 0) {
				printed = 1;
				console_feed(&con, buf, (size_t)n);
				if (log)
					fwrite(buf, 1, (size_t)n, log);
			} else if (n == 0 || errno != EINTR) {
				out_open = 0;
			}
		}
		if (fds[1].revents) {
			n = read(errp[0], buf, sizeof(buf));
			if (n > 0) {
				strbuf_add(&qerr, buf, (size_t)n);
				if (qerr.len > 2 * QEMU_ERR_MAX) { /* keep the end */
					memmove(qerr.buf, qerr.buf + qerr.len - QEMU_ERR_MAX,
						QEMU_ERR_MAX + 1);
					qerr.len = QEMU_ERR_MAX;
				}
			} else if (n == 0 || errno != EINTR) {
				err_open = 0;
			}
		}
	}

	if (con.matched) {
		res->seconds = now_seconds() - t0;
		snprintf(res->line, sizeof(res->line), "%s", con.line);
		rc = 0;
		goto out;
	}
	end->silent = !printed;
	if (hushed) {
		strbuf_addf(&msg, "booting %s: the console printed nothing within %u s (%s)",
			    what, silence, res->accel);
	} else if (out_open || err_open) {
		strbuf_addf(&msg, "booting %s: no console line matched /%s/ within %u s (%s)",
			    what, expect, timeout, res->accel);
	} else {
		/* Both pipes closed: qemu is exiting, reap it for its status. */
		waitpid(pid, &status, 0);
		pid = -1;
		strbuf_addf(&msg, "booting %s: qemu ", what);
		if (WIFEXITED(status))
			strbuf_addf(&msg, "exited with status %d", WEXITSTATUS(status));
		else
			strbuf_addf(&msg, "was killed by signal %d", WTERMSIG(status));
		strbuf_addf(&msg, " before the console matched /%s/", expect);
		/* Its last words; on a timeout they are only warnings. */
		const char *said = qemu_words(&qerr);
		if (*said) {
			const char *nl = strchr(said, '\n');
			strbuf_addf(&msg, "\nqemu said: %s", said);
			snprintf(end->qemu_said, sizeof(end->qemu_said), "%.*s",
				 nl ? (int)(nl - said) : (int)strlen(said), said);
		}
	}
	console_tail(&con, &msg);
	jeos_fail(err, JEOS_EXIT_FAILED, "%s", msg.buf);
out:
	if (pid > 0) {
		/* Nothing to save: the disk is a throwaway snapshot. */
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	if (log && fclose(log) != 0)
		log_warn("writing %s: %s", o->console_log, strerror(errno));
	if (re_ok)
		regfree(&con.re);
	strbuf_release(&con.cur);
	argv_free(&a);
	return rc;
}

int vmboot_run(const struct vmboot_opts *o, struct vmboot_result *res,
	       struct jeos_error *err)
{
	struct vm_verdict v;
	struct boot_end end;
	double t0 = now_seconds();

	memset(res, 0, sizeof(*res));
	if (!o->image && !o->kernel)
		return jeos_fail(err, JEOS_EXIT_USAGE, "boot: no image and no kernel");
	vm_accel(&v);
	int watch = v.accel == VM_ACCEL_KVM && v.automatic;
	if (boot_once(o, v.accel, watch ? VM_KVM_SILENCE : 0, res, &end, err) == 0)
		return 0;
	if (!watch || !end.silent)
		return -1;
	CLEANUP_FREE char *why = *end.qemu_said
		? xasprintf("qemu under KVM: %s", end.qemu_said)
		: xasprintf("a KVM guest printed nothing in %d s", VM_KVM_SILENCE);
	vm_accel_demote(why);
	res->fallback_seconds = now_seconds() - t0;
	return boot_once(o, VM_ACCEL_TCG, 0, res, &end, err);
}

/* ---- the accelerator ---- */

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


static struct {
	int requested;         /* an --accel kvm|tcg was given */
	enum vm_accel request;
	int decided;
	int warned;
	struct vm_verdict v;
} accel_state;

const char *vm_accel_name(enum vm_accel a)
{
	return a == VM_ACCEL_KVM ? "kvm" : "tcg";
}

int vm_accel_request(const char *name, struct jeos_error *err)
{
	if (!strcmp(name, "auto")) {
		accel_state.requested = 0;
	} else if (!strcmp(name, "kvm") || !strcmp(name, "tcg")) {
		accel_state.requested = 1;
		accel_state.request = !strcmp(name, "kvm") ? VM_ACCEL_KVM : VM_ACCEL_TCG;
	} else {
		return jeos_fail(err, JEOS_EXIT_USAGE,
				 "--accel takes kvm, tcg or auto, not '%s'", name);
	}
	accel_state.decided = 0;
	return 0;
}

const char *vm_qemu(void)
{
	const char *hv = getenv("LIBGUESTFS_HV");

	return hv && *hv ? hv : "qemu-system-x86_64";
}

/* vm_qemu() as a path, PATH searched, for the verdict's key; NULL if not found. */
static char *qemu_path(void)
{
	const char *q = vm_qemu(), *path = getenv("PATH");

	if (strchr(q, '/'))
		return access(q, X_OK) == 0 ? xstrdup(q) : NULL;
	for (const char *p = path ? path : "/usr/bin:/bin"; *p; ) {
		const char *colon = strchrnul(p, ':');
		char *cand = xasprintf("%.*s/%s", (int)(colon - p), p, q);
		if (colon > p && access(cand, X_OK) == 0)
			return cand;
		free(cand);
		p = *colon ? colon + 1 : colon;
	}
	return NULL;
}

char *vm_probe_kernel(void)
{
	const char *env = getenv("SUPERMIN_KERNEL");
	char *best = NULL;
	struct dirent *de;
	DIR *d;

	if (env && *env)
		return access(env, R_OK) == 0 ? xstrdup(env) : NULL;
	if (!(d = opendir("/boot")))
		return NULL;
	while ((de = readdir(d)) != NULL) {
		if (!str_has_prefix(de->d_name, "vmlinuz-"))
			continue;
		char *p = xasprintf("/boot/%s", de->d_name);
		if (access(p, R_OK) == 0 && (!best || strverscmp(p, best) > 0)) {
			free(best);
			best = p;
		} else {
			free(p);
		}
	}
	closedir(d);
	return best;
}

/* What the verdict depends on, hashed: this boot, the qemu binary, the
 * probe kernel. NULL when there is nothing to key on (no qemu, no kernel). */
static char *verdict_key(const char *qemu, const char *kernel)
{
	CLEANUP_STRBUF struct strbuf boot = STRBUF_INIT;
	const char *paths[] = { qemu, kernel };
	char hex[HASH_HEX_MAX + 1];
	struct hash h;

	if (strbuf_read_file(&boot, "/proc/sys/kernel/random/boot_id") < 0)
		return NULL;
	hash_init(&h, HASH_SHA256);
	hash_update(&h, boot.buf, boot.len);
	for (size_t i = 0; i < 2; i++) {
		struct stat st;
		if (stat(paths[i], &st) < 0)
			return NULL;
		CLEANUP_FREE char *line = xasprintf("%s %llu %llu %lld %lld\n", paths[i],
			(unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
			(long long)st.st_size, (long long)st.st_mtime);
		hash_update(&h, line, strlen(line));
	}
	hash_final(&h, hex);
	return xstrdup(hex);
}

/* The verdict file: per boot in the runtime directory, else in the cache
 * (the key holds the boot id either way). */
static char *verdict_file(void)
{
	const char *run = getenv("XDG_RUNTIME_DIR");
	CLEANUP_FREE char *cache = NULL;

	if (run && run[0] == '/')
		return xasprintf("%s/jeos/accel", run);
	cache = jeos_cache_home();
	return cache ? xasprintf("%s/accel", cache) : NULL;
}

/* "KEY kvm|tcg SECONDS WHY" */
static int verdict_read(const char *file, const char *key, struct vm_verdict *v)
{
	CLEANUP_STRBUF struct strbuf sb = STRBUF_INIT;
	char accel[4];
	double secs;
	int off = 0;

	if (strbuf_read_file(&sb, file) < 0 || !str_has_prefix(sb.buf, key) ||
	    sb.buf[strlen(key)] != ' ')
		return -1;
	if (sscanf(sb.buf + strlen(key), " %3s %lf %n", accel, &secs, &off) != 2 || !off)
		return -1;
	if (strcmp(accel, "kvm") && strcmp(accel, "tcg"))
		return -1;
	v->accel = !strcmp(accel, "kvm") ? VM_ACCEL_KVM : VM_ACCEL_TCG;
	v->probe_seconds = secs;
	snprintf(v->why, sizeof(v->why), "%.*s",
		 (int)strcspn(sb.buf + strlen(key) + off, "\n"), sb.buf + strlen(key) + off);
	v->remembered = 1;
	return 0;
}

/* Remembers v; a failure costs only a probe next time, so it is silent. */
static void verdict_write(const char *file, const char *key, const struct vm_verdict *v)
{
	CLEANUP_FREE char *dir = xstrdup(file);
	CLEANUP_FREE char *line = xasprintf("%s %s %.2f %s\n", key, vm_accel_name(v->accel),
					    v->probe_seconds, v->why);
	struct jeos_error err;

	*strrchr(dir, '/') = '\0';
	if (mkdir_p(dir, 0700, &err) == 0)
		write_file(file, line, strlen(line), &err);
}

/* Boots `kernel` under KVM: does it reach its "Linux version" line? */
static void kvm_probe(const char *kernel, struct vm_verdict *v)
{
	struct vmboot_opts o = {
		.kernel = kernel,
		/* earlyprintk: printed from start_kernel, in long mode; edd=off
		 * skips the real-mode line a broken KVM still prints */
		.append = "console=ttyS0 earlyprintk=ttyS0 edd=off panic=-1",
		.expect = "Linux version",
		.timeout = VM_PROBE_TIMEOUT,
		.memory_mb = 256,
	};
	struct vmboot_result res;
	struct boot_end end;
	struct jeos_error err;
	double t0 = now_seconds();
	int rc = boot_once(&o, VM_ACCEL_KVM, 0, &res, &end, &err);

	v->probe_seconds = now_seconds() - t0;
	if (rc == 0) {
		v->accel = VM_ACCEL_KVM;
		snprintf(v->why, sizeof(v->why), "%s printed its first line under KVM in %.2f s",
			 kernel, res.seconds);
	} else {
		v->accel = VM_ACCEL_TCG;
		if (*end.qemu_said)
			snprintf(v->why, sizeof(v->why), "qemu under KVM: %s", end.qemu_said);
		else
			snprintf(v->why, sizeof(v->why), "%s printed no kernel line under KVM"
				 " within %d s", kernel, VM_PROBE_TIMEOUT);
	}
}

/* Steps 3-5 of the header's order. */
static void decide_automatically(struct vm_verdict *v)
{
	CLEANUP_FREE char *qemu = qemu_path(), *kernel = vm_probe_kernel();
	CLEANUP_FREE char *key = NULL, *file = NULL;

	v->automatic = 1;
	if (access("/dev/kvm", R_OK | W_OK) < 0) {
		v->accel = VM_ACCEL_TCG;
		snprintf(v->why, sizeof(v->why), "/dev/kvm: %s", strerror(errno));
		return;
	}
	if (!qemu || !kernel) {
		/* Nothing to probe with; a silent launch still falls back. */
		v->accel = VM_ACCEL_KVM;
		snprintf(v->why, sizeof(v->why), "not probed: no %s", !qemu ? vm_qemu()
			 : "kernel in /boot (or $SUPERMIN_KERNEL) to probe with");
		return;
	}
	key = verdict_key(qemu, kernel);
	file = verdict_file();
	if (file)
		snprintf(v->file, sizeof(v->file), "%s", file);
	if (key && file && verdict_read(file, key, v) == 0)
		return;
	kvm_probe(kernel, v);
	if (key && file)
		verdict_write(file, key, v);
}

enum vm_accel vm_accel(struct vm_verdict *out)
{
	struct vm_verdict *v = &accel_state.v;
	const char *s = getenv("LIBGUESTFS_BACKEND_SETTINGS");

	if (!accel_state.decided) {
		memset(v, 0, sizeof(*v));
		if (accel_state.requested) {
			v->accel = accel_state.request;
			snprintf(v->why, sizeof(v->why), "--accel %s", vm_accel_name(v->accel));
		} else if (s && (setting_on(s, "force_tcg") || setting_on(s, "force_kvm"))) {
			v->accel = setting_on(s, "force_tcg") ? VM_ACCEL_TCG : VM_ACCEL_KVM;
			snprintf(v->why, sizeof(v->why), "LIBGUESTFS_BACKEND_SETTINGS=%s", s);
		} else {
			decide_automatically(v);
		}
		accel_state.decided = 1;
	}
	if (v->automatic && v->accel == VM_ACCEL_TCG && !accel_state.warned) {
		log_warn("kvm unusable, falling back to TCG (slow)");
		accel_state.warned = 1;
	}
	if (out)
		*out = *v;
	return v->accel;
}

void vm_accel_demote(const char *why)
{
	struct vm_verdict *v = &accel_state.v;
	CLEANUP_FREE char *qemu = qemu_path(), *kernel = vm_probe_kernel();
	CLEANUP_FREE char *key = qemu && kernel ? verdict_key(qemu, kernel) : NULL;
	CLEANUP_FREE char *file = verdict_file();

	v->accel = VM_ACCEL_TCG;
	v->remembered = 0;
	snprintf(v->why, sizeof(v->why), "%s", why);
	if (key && file)
		verdict_write(file, key, v);
	vm_accel(NULL); /* the warning, once */
}
