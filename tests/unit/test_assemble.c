/* Unit tests for the guest scripts assemble.c and boot.c write: a recipe
 * value reaches them only as data, whatever it holds (the recipe parser
 * refuses such values first; these bypass it on purpose). */
#include "testutil.h"

#include <stdio.h>
#include <sys/stat.h>

#include "assemble.h"
#include "boot.h"

static char *tmp, *marker;

static int setup(void **state)
{
	(void)state;
	tmp = test_tmpdir();
	marker = xasprintf("%s/pwned", tmp);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_rmrf(tmp);
	free(tmp);
	free(marker);
	return 0;
}

/* What sh prints running script. */
static char *sh_output(const char *script)
{
	char *path = xasprintf("%s/script", tmp);
	struct strbuf out = STRBUF_INIT;
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(script, f);
	fclose(f);
	char *cmd = xasprintf("sh %s", path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		strbuf_add(&out, buf, n);
	assert_int_equal(pclose(p), 0);
	free(cmd);
	free(path);
	return strbuf_detach(&out);
}

static void assert_no_marker(void)
{
	struct stat st;
	if (stat(marker, &st) == 0)
		fail_msg("a value ran as a command: %s exists", marker);
}

/* Hostile values, each a command if it were spliced in. */
static char *hostile(const char *base)
{
	return xasprintf("%s'$(touch %s)'`touch %s`\"$(touch %s)\"\n;touch %s #\\", base,
			 marker, marker, marker, marker);
}

static void test_sh_quoted_round_trip(void **state)
{
	(void)state;
	char *values[] = { hostile("x"), xstrdup("it's"), xstrdup(""), xstrdup("$HOME \\ *"),
			   xstrdup("'''") };

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addstr(&sb, "printf %s ");
		strbuf_add_sh_quoted(&sb, values[i]);
		char *out = sh_output(sb.buf);
		assert_string_equal(out, values[i]);
		free(out);
		strbuf_release(&sb);
		free(values[i]);
	}
	assert_no_marker();
}

/* The setup script: each value a variable holding exactly the recipe's
 * text, each user command getting exactly the recipe's arguments. */
static void test_setup_script_values_are_data(void **state)
{
	(void)state;
	char *h = hostile("host"), *tz = hostile("Europe/Berlin"), *loc = hostile("C.UTF-8"),
	     *kt = hostile("us"), *name = hostile("u"), *home = hostile("/home/u"),
	     *real = hostile("Real"), *grp = hostile("g");
	struct recipe_user u = { .name = name, .home = home, .realname = real, .shell = home,
				 .groups = grp, .password = "$6$s$h", .id = 1000 };
	struct recipe r = { .path = "/r/config.xml", .hostname = h, .timezone = tz, .locale = loc,
			    .keytable = kt, .users = &u, .nr_users = 1 };
	struct image img = { .root_uuid = "0123-abcd" };
	struct strbuf sh = STRBUF_INIT, run = STRBUF_INIT, want = STRBUF_INIT;
	struct jeos_error err;
	char *out, *first_use, *users;

	assert_int_equal(assemble_setup_script(&sh, &r, &img, NULL, &err), 0);
	/* the assignments come before the first use of a value */
	first_use = strstr(sh.buf, "\nprintf '%s\\n' \"$hostname\"");
	assert_non_null(first_use);
	strbuf_add(&run, sh.buf, (size_t)(first_use - sh.buf));
	strbuf_addstr(&run, "\nprintf '%s|' \"$hostname\" \"$tz\" \"$locale\" \"$keymap\"\n");
	out = sh_output(run.buf);
	strbuf_addf(&want, "%s|%s|%s|%s|", h, tz, loc, kt);
	assert_string_equal(out, want.buf);
	free(out);

	/* the users' commands, from the first, with stand-ins that print their
	 * arguments */
	users = strstr(sh.buf, "getent group ");
	assert_non_null(users);
	strbuf_reset(&run);
	strbuf_addf(&run, "getent() { return 2; }\n"
		    "useradd() { printf 'useradd'; printf ' [%%s]' \"$@\"; echo; }\n"
		    "usermod() { printf 'usermod'; printf ' [%%s]' \"$@\"; echo; }\n"
		    "groupadd() { printf 'groupadd'; printf ' [%%s]' \"$@\"; echo; }\n%s", users);
	out = sh_output(run.buf);
	strbuf_reset(&want);
	strbuf_addf(&want, "groupadd [%s]\n"
		    "useradd [-m] [-u] [1000] [-d] [%s] [-c] [%s] [%s]\n"
		    "usermod [-s] [%s] [%s]\n"
		    "usermod [-a] [-G] [%s] [%s]\n"
		    "usermod [-p] [$6$s$h] [%s]\n", grp, home, real, name, home, name, grp, name, name);
	assert_string_equal(out, want.buf);
	free(out);
	assert_no_marker();
	strbuf_release(&sh);
	strbuf_release(&run);
	strbuf_release(&want);
	free(h), free(tz), free(loc), free(kt), free(name), free(home), free(real), free(grp);
}

/* /etc/default/grub, sourced as grub-mkconfig does: the kernel command
 * line is exactly the recipe's text, and nothing ran. */
static void test_grub_defaults_cmdline_is_data(void **state)
{
	(void)state;
	char *cmdline = hostile("console=ttyS0");
	struct recipe r = { .type = { .kernelcmdline = cmdline, .bootloader_timeout = 5,
				      .bootloader_console = "serial" } };
	struct strbuf conf = STRBUF_INIT, run = STRBUF_INIT;
	char *out;

	boot_grub_defaults(&conf, &r, 0);
	strbuf_addf(&run, "%s\nprintf '%%s|%%s|%%s' \"$GRUB_CMDLINE_LINUX\" \"$GRUB_TIMEOUT\" "
		    "\"$GRUB_TERMINAL\"\n", conf.buf);
	out = sh_output(run.buf);
	char *want = xasprintf("%s|5|serial console", cmdline);
	assert_string_equal(out, want);
	assert_no_marker();
	free(want);
	free(out);
	strbuf_release(&conf);
	strbuf_release(&run);
	free(cmdline);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sh_quoted_round_trip),
		cmocka_unit_test(test_setup_script_values_are_data),
		cmocka_unit_test(test_grub_defaults_cmdline_is_data),
	};
	return cmocka_run_group_tests_name("assemble", tests, setup, teardown);
}
