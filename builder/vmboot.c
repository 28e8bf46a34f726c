/* vmboot.c - see vmboot.h. */

#include "vmboot.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"
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

static int build_argv(const struct vmboot_opts *o, const char *accel,
		      struct argv *a, struct jeos_error *err)
{
	static const char *const fixed[] = {
		"qemu-system-x86_64", "-nodefaults", "-no-user-config",
		"-display", "none", "-monitor", "none", "-serial", "stdio",
		"-no-reboot",
		/* as libguestfs: 5-level paging slows TCG down for nothing */
		"-cpu", "max,la57=off",
	};

	for (size_t i = 0; i < sizeof(fixed) / sizeof(*fixed); i++)
		arg(a, xstrdup(fixed[i]));
	arg(a, xstrdup("-machine"));
	arg(a, xasprintf("pc,accel=%s", accel));
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
	static const char msg[] = "cannot run qemu-system-x86_64\n";
	ssize_t ignored = write(2, msg, sizeof(msg) - 1);
	(void)ignored;
	_exit(127);
}

static const char *accel_name(enum guest_accel a)
{
	return a == GUEST_ACCEL_KVM ? "kvm" : a == GUEST_ACCEL_TCG ? "tcg" : "kvm:tcg";
}

int vmboot_run(const struct vmboot_opts *o, struct vmboot_result *res,
	       struct jeos_error *err)
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
	int re_ok = 0, rc = -1, status = 0, out_open, err_open, r;
	pid_t pid = -1;
	double t0, deadline;

	memset(res, 0, sizeof(*res));
	if (!what) {
		jeos_fail(err, JEOS_EXIT_USAGE, "boot: no image and no kernel");
		goto out;
	}
	r = regcomp(&con.re, expect, REG_EXTENDED | REG_NOSUB);
	if (r != 0) {
		char buf[256];
		regerror(r, &con.re, buf, sizeof(buf));
		jeos_fail(err, JEOS_EXIT_USAGE, "invalid regex /%s/: %s", expect, buf);
		goto out;
	}
	re_ok = 1;
	res->accel = accel_name(guest_accel(o->backend_settings));
	if (build_argv(o, res->accel, &a, err) < 0)
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
		double left = deadline - now_seconds();
		char buf[4096];
		ssize_t n;

		if (left <= 0)
			break;
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
	if (out_open || err_open) {
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
		while (qerr.len && qerr.buf[qerr.len - 1] == '\n')
			qerr.buf[--qerr.len] = '\0';
		if (qerr.len)
			strbuf_addf(&msg, "\nqemu said: %s", qerr.len > QEMU_ERR_MAX
				    ? qerr.buf + qerr.len - QEMU_ERR_MAX : qerr.buf);
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
