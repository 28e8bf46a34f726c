/* assemble.c - see assemble.h. */
#include "assemble.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <guestfs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot.h"
#include "disk.h"
#include "ext4.h"
#include "hash.h"
#include "kernel.h"
#include "guest.h"
#include "rootfs.h"

/* Headroom over the packages' installed size when <size> is absent: the
 * initramfs, dpkg's database, logs written at first boot and some room to
 * work. The disk is sparse, so unused space costs nothing in the outputs. */
#define AUTO_SIZE_PERCENT 130
#define AUTO_SIZE_EXTRA (256ull << 20)

/* What a <size> must leave beyond the packages: filesystem metadata and
 * journal, the initramfs, dpkg's database. */
#define SIZE_MARGIN(bytes) ((bytes) / 8 + (8ull << 20))

#define STAGES 5

static void stage(int n, const char *name, double start)
{
	log_info("[%d/%d] %s (%.0f s)", n, STAGES, name, now_seconds() - start);
}

/* ---- the disk ---- */

static uint64_t auto_size(const struct pkgset *set)
{
	uint64_t installed = 0;

	for (size_t i = 0; i < set->nr; i++)
		installed += set->pkgs[i].installed_size;
	installed = installed * AUTO_SIZE_PERCENT / 100 + AUTO_SIZE_EXTRA;
	return (installed + (1 << 20) - 1) & ~((uint64_t)(1 << 20) - 1);
}

/* The guest's name for a partition of the layout. */
static char *part_device(const struct disk_layout *d, enum part_role role)
{
	return xasprintf("/dev/sda%d", disk_partition(d, role)->number);
}

/* While jeos assembles, nothing needs atime or crash safety (a failed
 * build is thrown away, and with ext4 the final filesystem is written
 * afresh on the host anyway): mount for speed. The ESP goes to /boot/efi. */
static int mount_root(struct guest *gu, const struct recipe *r, const struct disk_layout *d,
		      struct jeos_error *err)
{
	guestfs_h *g = guest_handle(gu);
	CLEANUP_FREE char *root = part_device(d, PART_ROOT);
	const char *opts = r->type.filesystem == FS_EXT4 ? "noatime,barrier=0,data=writeback"
							 : "noatime";
	if (guestfs_mount_options(g, opts, root, "/") < 0)
		return guest_fail(gu, err, "mounting the root filesystem");
	if (disk_partition(d, PART_ESP)) {
		CLEANUP_FREE char *esp = part_device(d, PART_ESP);
		if (guestfs_mkdir_p(g, "/boot/efi") < 0 || guestfs_mount(g, esp, "/boot/efi") < 0)
			return guest_fail(gu, err, "mounting the EFI system partition");
	}
	return 0;
}

/* The scratch disk jeos assembles in: partitioned and, for ext4 and the
 * ESP, formatted on the host with the layout's identities; xfs and btrfs
 * are made in the guest (make_guest_filesystem). */
static int create_scratch_disk(const struct recipe *r, const struct disk_layout *d,
			       const struct assemble_options *o, const char *path,
			       struct jeos_error *err)
{
	const struct partition *root = disk_partition(d, PART_ROOT);
	struct ext4_params ep = { .label = "root", .uuid = d->root_uuid,
				  .hash_seed = d->root_hash_seed, .epoch = o->id->epoch };

	if (disk_create(d, path, o->work_dir, err) < 0 ||
	    disk_make_esp(d, path, o->work_dir, err) < 0)
		return -1;
	if (r->type.filesystem != FS_EXT4)
		return 0;
	return ext4_mkfs(path, root->start * DISK_SECTOR, root->size * DISK_SECTOR, &ep, err);
}

static int make_guest_filesystem(struct guest *gu, const struct recipe *r,
				 const struct disk_layout *d, struct image *img,
				 struct jeos_error *err)
{
	guestfs_h *g = guest_handle(gu);
	CLEANUP_FREE char *root = part_device(d, PART_ROOT);

	if (r->type.filesystem == FS_EXT4)
		return 0;
	if (guestfs_mkfs_opts(g, fs_type_name(r->type.filesystem), root,
			      GUESTFS_MKFS_OPTS_LABEL, "root", -1) < 0)
		return guest_fail(gu, err, "making the filesystem");
	free(img->root_uuid);
	if (!(img->root_uuid = guestfs_vfs_uuid(g, root)))
		return guest_fail(gu, err, "reading the filesystem UUID");
	return 0;
}

/* ---- packages ---- */

/* Lists the initramfs needs to find its root disk on the declared
 * controller; MODULES=list keeps everything else out (JeOS: lean). */
static const char initramfs_conf[] =
	"# written by jeos: only the modules listed in modules.d/jeos, and a\n"
	"# fast gzip level: the guest is slow, the image is sparse anyway\n"
	"MODULES=list\n"
	"COMPRESSLEVEL=1\n"
	"# an appliance does not resume from hibernation: do not look for swap\n"
	"RESUME=none\n";

static int prepare_configure(struct guest *gu, const struct recipe *r, struct jeos_error *err)
{
	guestfs_h *g = guest_handle(gu);
	CLEANUP_FREE char *mods = kernel_initramfs_modules(r);
	int rc;

	rc = guestfs_mkdir_p(g, "/etc/initramfs-tools/conf.d") < 0 ||
	     guestfs_mkdir_p(g, "/usr/share/initramfs-tools/modules.d") < 0 ||
	     guestfs_write(g, "/etc/initramfs-tools/conf.d/jeos.conf", initramfs_conf,
			   strlen(initramfs_conf)) < 0 ||
	     guestfs_write(g, "/usr/share/initramfs-tools/modules.d/jeos", mods, strlen(mods)) < 0
		     ? guest_fail(gu, err, "writing the initramfs configuration") : 0;
	return rc;
}

/* What dpkg does after unpacking: preinst "install" for every package
 * (status order), then configure everything in dependency order. Service
 * starts are blocked by policy-rc.d, as in every image builder. */
static const char configure_script[] =
	"export DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true\n"
	"export LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
	"printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d\n"
	"chmod 755 /usr/sbin/policy-rc.d\n"
	"arch=$(cat /var/lib/dpkg/arch)\n"
	"for p in $(sed -n 's/^Package: //p' /var/lib/dpkg/status); do\n"
	"  for f in /var/lib/dpkg/info/$p.preinst /var/lib/dpkg/info/$p:*.preinst; do\n"
	"    [ -x \"$f\" ] || continue\n"
	"    DPKG_MAINTSCRIPT_PACKAGE=$p DPKG_MAINTSCRIPT_NAME=preinst \\\n"
	"    DPKG_MAINTSCRIPT_ARCH=$arch DPKG_MAINTSCRIPT_PACKAGE_REFCOUNT=1 \\\n"
	"    DPKG_ADMINDIR=/var/lib/dpkg DPKG_ROOT= \"$f\" install ||\n"
	"      { echo \"preinst of $p failed\" >&2; exit 1; }\n"
	"  done\n"
	"done\n"
	/* Every kernel and udev postinst would rebuild the initramfs: make it
	 * once, at the end. */
	"ui=/usr/sbin/update-initramfs\n"
	"if [ -e $ui ]; then\n"
	"  dpkg-divert --quiet --local --rename --add $ui\n"
	"  printf '#!/bin/sh\\nexit 0\\n' > $ui; chmod 755 $ui\n"
	"fi\n"
	"dpkg --configure -a --force-confdef --force-confold\n"
	"if [ -e $ui.distrib ]; then\n"
	"  rm -f $ui; dpkg-divert --quiet --local --rename --remove $ui\n"
	"  update-initramfs -c -k all\n"
	"fi\n"
	"rm -f /usr/sbin/policy-rc.d\n";

/* A custom bootstrap set without dpkg (jeos:variant="custom", e.g. just
 * busybox-static): nobody runs maintainer scripts, so the set must need
 * none; conffiles take their final names and busybox provides its applets. */
static const char configure_without_dpkg_script[] =
	"export LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
	"if [ -x /usr/bin/busybox ]; then /usr/bin/busybox --install -s; fi\n"
	"for f in $(find / -xdev -name '*.dpkg-new'); do mv \"$f\" \"${f%.dpkg-new}\"; done\n";

static int configure_packages(struct guest *gu, const struct recipe *r, const struct pkgset *set,
			      struct jeos_error *err)
{
	guestfs_h *g = guest_handle(gu);

	if (pkgset_find(set, "dpkg"))
		return prepare_configure(gu, r, err) < 0 ||
		       guest_run_script(gu, "configuring packages", configure_script, err) < 0 ? -1 : 0;
	/* every script jeos runs in the image needs /bin/sh */
	if (guestfs_is_file_opts(g, "/usr/bin/sh", GUESTFS_IS_FILE_OPTS_FOLLOWSYMLINKS, 1, -1) <= 0) {
		if (guestfs_is_file(g, "/usr/bin/busybox") <= 0)
			return jeos_fail(err, JEOS_EXIT_USAGE, "%s: error: an image without dpkg needs "
					 "a shell: add busybox-static (or dash) to its packages", r->path);
		if (guestfs_ln_s(g, "busybox", "/usr/bin/sh") < 0)
			return guest_fail(gu, err, "linking /bin/sh to busybox");
	}
	return guest_run_script(gu, "preparing the packages (no dpkg)",
				configure_without_dpkg_script, err);
}

/* ---- system setup ---- */

/* The salt comes from the identity: the same recipe and lock give the
 * same /etc/shadow, and no two appliances or users share a salt. */
static char *hash_password(const char *plain, const char *user, const struct identity *id,
			   struct jeos_error *err)
{
	CLEANUP_FREE char *purpose = xasprintf("password salt %s", user);
	unsigned char rbytes[16];
	identity_bytes(id, purpose, rbytes, sizeof(rbytes));
	CLEANUP_FREE char *salt = crypt_gensalt_ra("$6$", 0, (const char *)rbytes, sizeof(rbytes));
	void *data = NULL;
	int size = 0;
	char *hash, *out = NULL;

	if (!salt) {
		jeos_fail(err, JEOS_EXIT_FAILED, "cannot make a password salt: %s", strerror(errno));
		return NULL;
	}
	hash = crypt_ra(plain, salt, &data, &size);
	if (hash && hash[0] == '$')
		out = xstrdup(hash);
	else
		jeos_fail(err, JEOS_EXIT_FAILED, "cannot hash a password: %s", strerror(errno));
	if (data) {
		explicit_bzero(data, (size_t)size);
		free(data);
	}
	return out;
}

/* usermod FLAGS 'value' 'user' */
static void add_usermod(struct strbuf *sh, const char *flags, const char *value,
			const char *user)
{
	strbuf_addf(sh, "usermod %s ", flags);
	strbuf_add_sh_quoted(sh, value);
	strbuf_addch(sh, ' ');
	strbuf_add_sh_quoted(sh, user);
	strbuf_addch(sh, '\n');
}

static int add_users(struct strbuf *sh, const struct recipe *r, const struct identity *id,
		     struct jeos_error *err)
{
	for (size_t i = 0; i < r->nr_users; i++) {
		const struct recipe_user *u = &r->users[i];
		CLEANUP_FREE char *hash = NULL;

		if (u->groups) {
			CLEANUP_FREE char *groups = xstrdup(u->groups);
			char *save = NULL;
			for (char *gname = strtok_r(groups, ",", &save); gname;
			     gname = strtok_r(NULL, ",", &save)) {
				strbuf_addstr(sh, "getent group ");
				strbuf_add_sh_quoted(sh, gname);
				strbuf_addstr(sh, " >/dev/null || groupadd ");
				strbuf_add_sh_quoted(sh, gname);
				strbuf_addch(sh, '\n');
			}
		}
		strbuf_addstr(sh, "if ! getent passwd ");
		strbuf_add_sh_quoted(sh, u->name);
		strbuf_addstr(sh, " >/dev/null; then useradd -m");
		if (u->id >= 0)
			strbuf_addf(sh, " -u %ld", u->id);
		if (u->home) {
			strbuf_addstr(sh, " -d ");
			strbuf_add_sh_quoted(sh, u->home);
		}
		if (u->realname) {
			strbuf_addstr(sh, " -c ");
			strbuf_add_sh_quoted(sh, u->realname);
		}
		strbuf_addstr(sh, " ");
		strbuf_add_sh_quoted(sh, u->name);
		strbuf_addstr(sh, "; fi\n");
		if (u->shell)
			add_usermod(sh, "-s", u->shell, u->name);
		if (u->groups)
			add_usermod(sh, "-a -G", u->groups, u->name);
		if (u->password && *u->password) {
			/* only the hash ever reaches the guest */
			if (u->password_plain &&
			    !(hash = hash_password(u->password, u->name, id, err)))
				return -1;
			add_usermod(sh, "-p", hash ? hash : u->password, u->name);
		}
	}
	return 0;
}

/* No systemd but busybox (recipes/tiny): busybox's init runs rcS, which
 * mounts the kernel filesystems and says the appliance is up, then a shell
 * on the console. */
static const char busybox_init[] =
	"if [ ! -e /lib/systemd/systemd ] && [ -x /usr/bin/busybox ]; then\n"
	"  mkdir -p /etc/init.d /proc /sys /dev /tmp /root\n"
	"  printf '::sysinit:/etc/init.d/rcS\\nconsole::respawn:-/bin/sh\\n"
	"::ctrlaltdel:/sbin/reboot\\n::shutdown:/bin/umount -a -r\\n' > /etc/inittab\n"
	"  printf '#!/bin/sh\\nmount -t proc proc /proc\\nmount -t sysfs sysfs /sys\\n"
	"mount -o remount,rw /\\nhostname -F /etc/hostname\\necho \"jeos: $(hostname) is up\"\\n'"
	" > /etc/init.d/rcS\n"
	"  chmod 755 /etc/init.d/rcS\n"
	"  [ -e /etc/passwd ] || echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd\n"
	"  [ -e /etc/group ] || echo 'root:x:0:' > /etc/group\n"
	"fi\n";

int assemble_setup_script(struct strbuf *sh, const struct recipe *r, const struct image *img,
			  const struct identity *id, struct jeos_error *err)
{
	static const struct { const char *var; size_t off; const char *dflt; } values[] = {
		{ "hostname", offsetof(struct recipe, hostname), "localhost" },
		{ "tz", offsetof(struct recipe, timezone), "UTC" },
		{ "locale", offsetof(struct recipe, locale), "C.UTF-8" },
		{ "keymap", offsetof(struct recipe, keytable), "us" },
		{ "recipe", offsetof(struct recipe, path), "recipe" },
	};

	strbuf_addstr(sh, "export PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C\n");
	/* the recipe's values as sh variables, one a line, used only as "$var" */
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		const char *v = *(const char *const *)((const char *)r + values[i].off);
		strbuf_addf(sh, "%s=", values[i].var);
		strbuf_add_sh_quoted(sh, v ? v : values[i].dflt);
		strbuf_addch(sh, '\n');
	}
	strbuf_addstr(sh, "printf '%s\\n' \"$hostname\" > /etc/hostname\n"
		      "printf '127.0.0.1\\tlocalhost\\n127.0.1.1\\t%s\\n::1\\tlocalhost ip6-localhost ip6-loopback\\n'"
		      " \"$hostname\" > /etc/hosts\n");
	strbuf_addf(sh, "printf 'UUID=%%s\\t/\\t%s\\terrors=remount-ro\\t0\\t1\\n' ",
		    fs_type_name(r->type.filesystem));
	strbuf_add_sh_quoted(sh, img->root_uuid);
	strbuf_addstr(sh, " > /etc/fstab\n");
	if (img->esp_uuid) {
		strbuf_addstr(sh, "printf 'UUID=%s\\t/boot/efi\\tvfat\\tumask=0077\\t0\\t1\\n' ");
		strbuf_add_sh_quoted(sh, img->esp_uuid);
		strbuf_addstr(sh, " >> /etc/fstab\n");
	}
	/* recipe.c checked the zone name's syntax; whether the image's tzdata
	 * has it (a compiled zone, TZif, not a directory or a table) only the
	 * image can say. The kernel keeps UTC: only an image without tzdata
	 * may do without. */
	strbuf_addstr(sh,
		"zone=/usr/share/zoneinfo/$tz\n"
		"if [ -f \"$zone\" ] && [ \"$(head -c 4 \"$zone\")\" = TZif ]; then\n"
		"  ln -sf \"$zone\" /etc/localtime; printf '%s\\n' \"$tz\" > /etc/timezone\n"
		"elif [ \"$tz\" != UTC ]; then\n"
		"  echo \"$recipe: error: <timezone> $tz is not a time zone of the image's tzdata\" >&2; exit 1\n"
		"fi\n"
		"if [ -d /lib/systemd ]; then\n"
		"  printf 'LANG=%s\\n' \"$locale\" > /etc/default/locale\n"
		"  printf 'KEYMAP=%s\\n' \"$keymap\" > /etc/vconsole.conf\n"
		"fi\n");
	strbuf_addstr(sh, busybox_init);
	/* DHCP on the first NIC, with systemd-networkd (part of systemd) */
	strbuf_addstr(sh,
		"if [ -e /lib/systemd/system/systemd-networkd.service ]; then\n"
		"  mkdir -p /etc/systemd/network\n"
		"  printf '[Match]\\nName=en* eth*\\n\\n[Network]\\nDHCP=yes\\n' > /etc/systemd/network/80-jeos-dhcp.network\n"
		"  systemctl enable systemd-networkd.service >/dev/null 2>&1\n"
		"fi\n");
	/* Boot time is an appliance's: e2scrub_reap looks for LVM snapshots
	 * (jeos makes no LVM) and took 14 s of a 45 s boot under TCG;
	 * getty-static starts gettys on tty2-6 when logind is missing. */
	strbuf_addstr(sh, "systemctl mask e2scrub_reap.service getty-static.service >/dev/null 2>&1 || true\n");
	/* No baked-in host keys: made at first boot when sshd is there. */
	strbuf_addstr(sh,
		"if [ -x /usr/sbin/sshd ]; then\n"
		"  printf '[Unit]\\nDescription=Generate SSH host keys\\nBefore=ssh.service\\n"
		"ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key\\n\\n[Service]\\nType=oneshot\\n"
		"ExecStart=/usr/bin/ssh-keygen -A\\n\\n[Install]\\nWantedBy=multi-user.target\\n'"
		" > /etc/systemd/system/jeos-ssh-keygen.service\n"
		"  systemctl enable jeos-ssh-keygen.service >/dev/null 2>&1\n"
		"fi\n");
	return add_users(sh, r, id, err);
}

/* As virt-sysprep does: nothing that identifies this build or this host. */
static const char hygiene_script[] =
	"rm -f /etc/ssh/ssh_host_*\n"
	"if [ -e /etc/machine-id ]; then : > /etc/machine-id; fi\n"
	"rm -f /var/lib/dbus/machine-id /var/lib/systemd/random-seed\n"
	"rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/apt/archives/*.deb\n"
	"rm -f /var/log/dpkg.log /var/log/alternatives.log /var/log/apt/*.log\n"
	"rm -f /var/cache/ldconfig/aux-cache /var/cache/debconf/*-old /var/lib/dpkg/*-old\n"
	"rm -f /usr/sbin/policy-rc.d\n";

/* Kiwi's two ways to remove packages after configuration: uninstall takes
 * the packages that depend on them along (apt does that), delete removes
 * just them, whatever depends on them. */
static void remove_packages(struct strbuf *sh, const struct recipe *r)
{
	static const struct {
		enum pkg_list list;
		const char *command;
	} ways[] = {
		{ PKGS_UNINSTALL, "apt-get -y -q --allow-remove-essential purge" },
		{ PKGS_DELETE, "dpkg --purge --force-depends --force-remove-essential" },
	};

	for (size_t w = 0; w < sizeof(ways) / sizeof(ways[0]); w++) {
		if (!r->nr_packages[ways[w].list])
			continue;
		strbuf_addf(sh, "%s", ways[w].command);
		for (size_t i = 0; i < r->nr_packages[ways[w].list]; i++) {
			strbuf_addch(sh, ' ');
			strbuf_add_sh_quoted(sh, r->packages[ways[w].list][i].name);
		}
		strbuf_addch(sh, '\n');
	}
}

/* ---- overlays ---- */

/* Unpacks a host directory at / (rootfs_tar_tree says how it is tarred). */
static int copy_tree(struct guest *gu, const char *dir, const char *work_dir,
		     struct jeos_error *err)
{
	CLEANUP_UNLINK_FREE char *tar = xasprintf("%s/overlay.tar", work_dir);

	if (rootfs_tar_tree(dir, tar, err) < 0)
		return -1;
	if (guestfs_tar_in_opts(guest_handle(gu), tar, "/", GUESTFS_TAR_IN_OPTS_XATTRS, 1,
				-1) < 0)
		return guest_fail(gu, err, "%s", dir);
	return 0;
}

/* tar_in's compress option for an <archive> named so; NULL: a plain tar. */
static const char *archive_compression(const char *name)
{
	if (str_has_suffix(name, ".gz") || str_has_suffix(name, ".tgz"))
		return "gzip";
	if (str_has_suffix(name, ".xz"))
		return "xz";
	if (str_has_suffix(name, ".bz2"))
		return "bzip2";
	if (str_has_suffix(name, ".zst"))
		return "zstd";
	return NULL;
}

static int apply_overlays(struct guest *gu, const struct recipe *r,
			  const struct assemble_options *o, struct jeos_error *err)
{
	guestfs_h *g = guest_handle(gu);
	for (size_t i = 0; i < r->nr_overlays; i++) {
		CLEANUP_FREE char *dir = xasprintf("%s/%s", o->overlays_dir, r->overlays[i]);
		struct stat st;
		if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
			return jeos_fail(err, JEOS_EXIT_USAGE,
					 "overlay '%s': no directory %s", r->overlays[i], dir);
		if (copy_tree(gu, dir, o->work_dir, err) < 0)
			return -1;
	}
	if (r->root_overlay && copy_tree(gu, r->root_overlay, o->work_dir, err) < 0)
		return -1;
	for (size_t i = 0; i < r->nr_archives; i++) {
		CLEANUP_FREE char *path = xasprintf("%s/%s", r->dir, r->archives[i].name);
		/* a plain tar takes no compress option: tar_in knows no "none" */
		struct guestfs_tar_in_opts_argv opts = { .compress = archive_compression(path) };

		if (opts.compress)
			opts.bitmask = GUESTFS_TAR_IN_OPTS_COMPRESS_BITMASK;
		if (guestfs_mkdir_p(g, r->archives[i].target_dir) < 0 ||
		    guestfs_tar_in_opts_argv(g, path, r->archives[i].target_dir, &opts) < 0)
			return guest_fail(gu, err, "%s", r->archives[i].name);
	}
	return 0;
}

static int run_user_script(struct guest *gu, const char *host_path, const char *name,
			   struct jeos_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	int rc;

	if (strbuf_read_file(&sb, host_path) < 0)
		return jeos_fail(err, JEOS_EXIT_USAGE, "cannot read %s: %s", host_path, strerror(errno));
	rc = guest_run_script(gu, name, sb.buf, err);
	strbuf_release(&sb);
	if (rc < 0)
		jeos_error_prefix(err, "%s failed (exit non-zero); its output:\n", name);
	return rc;
}

/* ---- the whole stage ---- */

/* Deadlines for guest work under TCG (~10x slower than the host): none
 * of these steps takes a tenth of it on this machine; a hang fails. */
#define DEADLINE_SHORT 300
#define DEADLINE_CONFIGURE 1800

/* Bump when the configured disk would come out different. */
#define CONFIGURED_FORMAT "jeos-configured-3"

/* The configured root (packages unpacked and configured, nothing of the
 * recipe's own yet) depends only on this: the exact packages, the disk's
 * layout and identities, the epoch and how jeos configures. Same key,
 * same disk, so a warm build may start from a copy, as mkosi's
 * Incremental= does. */
static char *configured_key(const struct recipe *r, const struct pkgset *set,
			    const struct disk_layout *d, int64_t epoch)
{
	struct sha256 h;
	char hex[SHA256_HEX_LEN + 1];
	CLEANUP_STRBUF struct strbuf sb = STRBUF_INIT;
	CLEANUP_FREE char *initramfs_mods = kernel_initramfs_modules(r);

	strbuf_addf(&sb, "%s\n%s%s%s\n%s %s docs=%d epoch=%lld\n", CONFIGURED_FORMAT,
		    configure_script, initramfs_conf, initramfs_mods,
		    fs_type_name(r->type.filesystem), firmware_name(r->type.firmware),
		    !r->exclude_docs, (long long)epoch);
	disk_layout_describe(d, &sb);
	sha256_init(&h);
	sha256_update(&h, sb.buf, sb.len);
	for (size_t i = 0; i < set->nr; i++)
		sha256_update(&h, set->pkgs[i].sha256, strlen(set->pkgs[i].sha256));
	sha256_final(&h, hex);
	return xstrdup(hex);
}

static int copy_sparse(const char *from, const char *to, struct jeos_error *err)
{
	char *const argv[] = { "cp", "--sparse=always", "--reflink=auto", (char *)from,
			       (char *)to, NULL };
	return run_program(argv, err);
}

/* A fresh disk: partitions, filesystem, the packages unpacked and
 * configured. Leaves the guest running with the root mounted. */
static int make_configured_disk(const struct recipe *r, const struct pkgset *set,
				const struct assemble_options *o, const struct disk_layout *d,
				const char *disk, struct image *img, struct guest **gu,
				struct jeos_error *err)
{
	CLEANUP_UNLINK_FREE char *tar = xasprintf("%s/rootfs.tar", o->work_dir);
	/* The tar goes in as a second, read-only drive and is unpacked by the
	 * appliance's own tar: twice as fast under TCG as guestfs_tar_in,
	 * which pushes every byte through the daemon's protocol. */
	struct guest_drive drives[] = {
		{ .path = disk, .format = "raw", .cachemode = "unsafe" },
		{ .path = tar, .format = "raw", .readonly = 1 },
	};
	struct rootfs_stats st;
	char sz[32], sz2[32];

	struct rootfs_options ro = { .arch = "amd64", .mtime = o->id->epoch,
				     .exclude_docs = r->exclude_docs };
	if (rootfs_write_tar(set, &ro, tar, &st, err) < 0)
		return -1;
	log_info("%zu packages, %zu files (%zu docs left out), %s", st.packages, st.entries,
		 st.excluded, human_size(st.bytes, sz));
	if (st.bytes + SIZE_MARGIN(st.bytes) > img->disk_bytes)
		return jeos_fail(err, JEOS_EXIT_USAGE,
				 "%s:%u: error: <size> is %s but the packages alone need %s; "
				 "raise it or leave <size> out to fit the content",
				 r->path, r->type.line, human_size(img->disk_bytes, sz),
				 human_size(st.bytes + SIZE_MARGIN(st.bytes), sz2));
	if (create_scratch_disk(r, d, o, disk, err) < 0 ||
	    guest_open(gu, drives, 2, NULL, err) < 0)
		return -1;
	guest_set_script_epoch(*gu, o->id->epoch);
	guest_set_deadline(*gu, DEADLINE_SHORT);
	if (make_guest_filesystem(*gu, r, d, img, err) < 0 || mount_root(*gu, r, d, err) < 0)
		return -1;
	progress("unpack", 0, 0, "streaming %s into the guest", human_size(st.bytes, sz));
	/* guestfs_debug "sh" runs in the appliance, outside the (still
	 * empty) root; the root filesystem is mounted at /sysroot there. The
	 * appliance's kernel names its disks in the order it finds them, not
	 * as the API does, so the tar drive is the one holding a tar. GNU tar
	 * ignores the tar's hdrcharset=BINARY (hence no-unknown-keyword) and
	 * converts pax names from UTF-8 to the locale's charset, keeping them
	 * as they are where it cannot: in the C locale it never can, so every
	 * name that is not ASCII lands byte for byte. */
	char *untar[] = { "for d in /dev/sd[a-z]; do"
			  " [ \"$(dd if=$d bs=1 skip=257 count=5 2>/dev/null)\" = ustar ] || continue;"
			  " LC_ALL=C tar --warning=no-unknown-keyword --numeric-owner -xf $d -C /sysroot 2>&1"
			  " && echo jeos-untar-ok; exit 0;"
			  " done; echo 'no drive holds the root filesystem tar'", NULL };
	CLEANUP_FREE char *out = guestfs_debug(guest_handle(*gu), "sh", untar);
	if (!out)
		return guest_fail(*gu, err, "unpacking the root filesystem");
	if (!strstr(out, "jeos-untar-ok"))
		return jeos_fail(err, JEOS_EXIT_FAILED, "unpacking the root filesystem in the guest"
				 " failed: %s", out);
	progress_done();
	log_info("configuring %zu packages in the guest", set->nr);
	guest_set_deadline(*gu, DEADLINE_CONFIGURE);
	return configure_packages(*gu, r, set, err);
}

/* Saves the configured disk for later builds: unmounted, so the copy is
 * a clean filesystem. A failure to save costs only time: warn. */
static int save_configured(struct guest *gu, const struct recipe *r,
			   const struct disk_layout *d, const char *disk, const char *cached,
			   struct jeos_error *err)
{
	guestfs_h *g = guest_handle(gu);
	CLEANUP_UNLINK_FREE char *tmp = tmpname_for(cached);
	struct jeos_error cerr;

	if (guestfs_umount_all(g) < 0 || guestfs_sync(g) < 0)
		return guest_fail(gu, err, "unmounting the configured root");
	if (copy_sparse(disk, tmp, &cerr) < 0 || commit_file(&tmp, cached, &cerr) < 0)
		log_warn("cannot cache the configured root: %s", cerr.msg);
	return mount_root(gu, r, d, err);
}

static int open_configured(const struct recipe *r, const struct disk_layout *d,
			   const char *cached, const char *disk, struct image *img,
			   struct guest **gu, struct jeos_error *err)
{
	struct guest_drive drive = { .path = disk, .format = "raw", .cachemode = "unsafe" };
	CLEANUP_FREE char *root = part_device(d, PART_ROOT);

	if (copy_sparse(cached, disk, err) < 0 || guest_open(gu, &drive, 1, NULL, err) < 0 ||
	    mount_root(*gu, r, d, err) < 0)
		return -1;
	if (r->type.filesystem != FS_EXT4) {
		free(img->root_uuid);
		if (!(img->root_uuid = guestfs_vfs_uuid(guest_handle(*gu), root)))
			return guest_fail(*gu, err, "reading the filesystem UUID");
	}
	return 0;
}

/* Without dpkg, the image holds exactly what was unpacked. */
static char *installed_from_set(const struct pkgset *set)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < set->nr; i++)
		strbuf_addf(&sb, "%s %s %s\n", set->pkgs[i].name, set->pkgs[i].version,
			    set->pkgs[i].arch);
	return strbuf_detach(&sb);
}

/* The final disk, made on the host from the (unmounted) scratch disk: a
 * fresh partition table, the root filesystem rewritten file by file in
 * byte order with clamped times (ext4.h), the ESP likewise, then the
 * bootloader's pieces outside the filesystems (boot.h). A filesystem a
 * kernel has mounted read-write is never reproducible; this one is. */
static int write_final_disk(const struct recipe *r, const struct disk_layout *d,
			    const struct assemble_options *o, const char *scratch,
			    const char *final, struct image *img, struct jeos_error *err)
{
	const struct partition *root = disk_partition(d, PART_ROOT);
	struct ext4_params ep = { .label = "root", .uuid = d->root_uuid,
				  .hash_seed = d->root_hash_seed, .epoch = o->id->epoch };
	struct ext4_stats st;
	uint64_t off = root->start * DISK_SECTOR;
	double start = now_seconds();

	progress("finish", 0, 0, "writing the final filesystem");
	if (disk_create(d, final, o->work_dir, err) < 0 ||
	    disk_make_esp(d, final, o->work_dir, err) < 0 ||
	    ext4_mkfs(final, off, root->size * DISK_SECTOR, &ep, err) < 0 ||
	    ext4_copy_tree(scratch, off, final, off, o->id->epoch, &st, err) < 0 ||
	    disk_copy_esp(d, scratch, final, o->work_dir, o->id->epoch, err) < 0 ||
	    boot_finish(r, d, scratch, final, err) < 0)
		return -1;
	progress_done();
	log_info("final disk written on the host in %.1f s: %llu files, %llu directories",
		 now_seconds() - start, (unsigned long long)st.files, (unsigned long long)st.dirs);
	img->used_bytes = st.bytes_tree;
	return 0;
}

int assemble_image(const struct recipe *r, const struct pkgset *set,
		   const struct assemble_options *o, const char *raw_path,
		   struct image *img, struct jeos_error *err)
{
	CLEANUP_UNLINK_FREE char *tmp = tmpname_for(raw_path);
	CLEANUP_UNLINK_FREE char *scratch = xasprintf("%s/scratch.raw", o->work_dir);
	CLEANUP_FREE char *key = NULL, *cached = NULL;
	struct strbuf setup = STRBUF_INIT;
	struct disk_layout d;
	struct guest *gu = NULL;
	guestfs_h *g;
	double start = now_seconds();
	int ext4 = r->type.filesystem == FS_EXT4;
	int rc = -1;
	char sz[32], sz2[32];

	memset(img, 0, sizeof(*img));
	img->disk_bytes = r->type.size_bytes ? r->type.size_bytes : auto_size(set);
	disk_layout_init(&d, r, img->disk_bytes, o->id);
	img->root_uuid = xstrdup(d.root_uuid);
	img->root_partuuid = xstrdup(disk_partition(&d, PART_ROOT)->guid);
	if (disk_partition(&d, PART_ESP))
		img->esp_uuid = xstrdup(d.esp_volid);
	key = configured_key(r, set, &d, o->id->epoch);
	if (o->cache_dir)
		cached = xasprintf("%s/configured/%s.raw", o->cache_dir, key);
	if (cached && access(cached, R_OK) == 0) {
		stage(1, "configured root from the cache", start);
		if (open_configured(r, &d, cached, scratch, img, &gu, err) < 0)
			goto out;
	} else {
		stage(1, "packages: unpack on the host, configure in the guest", start);
		if (make_configured_disk(r, set, o, &d, scratch, img, &gu, err) < 0)
			goto out;
		if (cached) {
			CLEANUP_FREE char *dir = xasprintf("%s/configured", o->cache_dir);
			if (mkdir_p(dir, 0755, err) < 0 ||
			    save_configured(gu, r, &d, scratch, cached, err) < 0)
				goto out;
		}
	}
	g = guest_handle(gu);
	guest_set_script_epoch(gu, o->id->epoch);
	stage(2, "setup: users, system, overlays, config.sh", start);
	guest_set_deadline(gu, DEADLINE_CONFIGURE);
	if (assemble_setup_script(&setup, r, img, o->id, err) < 0 ||
	    guest_run_script(gu, "system setup", setup.buf, err) < 0 ||
	    apply_overlays(gu, r, o, err) < 0 ||
	    (r->config_sh && run_user_script(gu, r->config_sh, "config.sh", err) < 0))
		goto out;
	stage(3, "packages: delete and uninstall", start);
	strbuf_reset(&setup);
	strbuf_addstr(&setup, "export DEBIAN_FRONTEND=noninteractive PATH=/usr/sbin:/usr/bin:/sbin:/bin\n");
	remove_packages(&setup, r);
	if (guest_run_script(gu, "removing delete/uninstall packages", setup.buf, err) < 0)
		goto out;
	stage(4, "boot: kernel and bootloader", start);
	guest_set_deadline(gu, DEADLINE_SHORT);
	if ((o->kernel && kernel_install_built(gu, o->kernel, err) < 0) ||
	    boot_install(gu, r, img, err) < 0)
		goto out;
	if (r->kernel.trim_modules) {
		struct kernel_trim kt;
		if (kernel_trim_modules(gu, r, img->kernel_version, &kt, err) < 0)
			goto out;
		log_info("kernel modules trimmed: %zu kept, %zu removed, %.1f -> %.1f MiB",
			 kt.kept, kt.removed, kt.kib_before / 1024.0, kt.kib_after / 1024.0);
	}
	stage(5, "finish: images.sh, hygiene, final disk", start);
	guest_set_deadline(gu, DEADLINE_CONFIGURE);
	if ((r->images_sh && run_user_script(gu, r->images_sh, "images.sh", err) < 0) ||
	    guest_run_script(gu, "cleaning the image", hygiene_script, err) < 0)
		goto out;
	img->installed = pkgset_find(set, "dpkg") ?
		guestfs_sh(g, "dpkg-query -W -f '${Package} ${Version} ${Architecture}\\n'") :
		installed_from_set(set);
	if (!img->installed) {
		guest_fail(gu, err, "listing the installed packages");
		goto out;
	}
	if (!ext4) {
		/* xfs and btrfs stay as the guest left them (not reproducible) */
		struct guestfs_statvfs *sv = guestfs_statvfs(g, "/");
		if (sv) {
			img->used_bytes = (uint64_t)(sv->blocks - sv->bfree) * (uint64_t)sv->frsize;
			guestfs_free_statvfs(sv);
		}
		if (guestfs_fstrim(g, "/", -1) < 0) {
			guest_fail(gu, err, "trimming");
			goto out;
		}
	}
	if (guestfs_umount_all(g) < 0) {
		guest_fail(gu, err, "unmounting");
		goto out;
	}
	if (guest_shutdown(gu, err) < 0)
		goto out;
	if (ext4) {
		if (write_final_disk(r, &d, o, scratch, tmp, img, err) < 0)
			goto out;
	} else if (rename(scratch, tmp) < 0) {
		jeos_fail(err, JEOS_EXIT_FAILED, "renaming %s: %s", scratch, strerror(errno));
		goto out;
	}
	if (commit_file(&tmp, raw_path, err) < 0)
		goto out;
	img->raw_path = xstrdup(raw_path);
	log_info("assembled in %.0f s: %s used of %s", now_seconds() - start,
		 human_size(img->used_bytes, sz), human_size(img->disk_bytes, sz2));
	rc = 0;
out:
	guest_close(gu);
	strbuf_release(&setup);
	return rc;
}

void image_free(struct image *img)
{
	free(img->raw_path);
	free(img->root_uuid);
	free(img->root_partuuid);
	free(img->esp_uuid);
	free(img->kernel_version);
	free(img->installed);
	memset(img, 0, sizeof(*img));
}
