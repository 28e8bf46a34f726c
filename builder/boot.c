/* boot.c - see boot.h. */
#include "boot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ext4.h"
#include "extlinux.h"

/* The newest /boot/vmlinuz-* (glob order is sorted). */
static int find_kernel(struct guest *gu, struct image *img, struct jeos_error *err)
{
	char **list = guestfs_glob_expand(guest_handle(gu), "/boot/vmlinuz-*");
	size_t n = 0;

	if (!list)
		return guest_fail(gu, err, "looking for the kernel");
	while (list[n])
		n++;
	if (n)
		img->kernel_version = xstrdup(list[n - 1] + strlen("/boot/vmlinuz-"));
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
	if (!n)
		return jeos_fail(err, JEOS_EXIT_FAILED,
				 "no kernel in /boot: add a kernel package (e.g. linux-image-cloud-amd64) "
				 "to <packages type=\"image\">");
	return 0;
}

/* Without an initramfs (a built kernel) nobody resolves root=UUID=: the
 * kernel itself understands only root=PARTUUID=. */
static void kernel_cmdline(struct strbuf *sb, const struct recipe *r, const struct image *img,
			   int partuuid)
{
	if (partuuid)
		strbuf_addf(sb, "root=PARTUUID=%s rootfstype=%s rootwait ro", img->root_partuuid,
			    fs_type_name(r->type.filesystem));
	else
		strbuf_addf(sb, "root=UUID=%s ro", img->root_uuid);
	if (r->type.kernelcmdline && *r->type.kernelcmdline)
		strbuf_addf(sb, " %s", r->type.kernelcmdline);
}

static int wants_serial(const struct recipe *r)
{
	return (r->type.bootloader_console && !strcmp(r->type.bootloader_console, "serial")) ||
	       (r->type.kernelcmdline && strstr(r->type.kernelcmdline, "console=ttyS"));
}

static int install_extlinux(struct guest *gu, const struct recipe *r, struct image *img,
			    struct jeos_error *err)
{
	guestfs_h *g = guest_handle(gu);
	struct strbuf conf = STRBUF_INIT;
	CLEANUP_FREE char *initrd = xasprintf("/boot/initrd.img-%s", img->kernel_version);
	struct strbuf mbr = STRBUF_INIT;
	int partuuid = 0;
	int timeout = r->type.bootloader_timeout >= 0 ? r->type.bootloader_timeout : 1;
	int rc = -1;

	if (r->type.firmware != FW_BIOS) {
		jeos_fail(err, JEOS_EXIT_USAGE, "%s:%u: error: extlinux boots BIOS firmware only; "
			  "use firmware=\"bios\" or another bootloader", r->path, r->type.line);
		goto out;
	}
	if (strbuf_read_file(&mbr, EXTLINUX_MBR) < 0 || mbr.len < 440) {
		jeos_fail(err, JEOS_EXIT_FAILED, "cannot read %s (package extlinux): %s",
			  EXTLINUX_MBR, strerror(errno));
		goto out;
	}
	/* syslinux counts the timeout in tenths of a second; 0 waits forever */
	strbuf_addf(&conf, "# written by jeos\nDEFAULT jeos\nPROMPT 0\nTIMEOUT %d\n",
		    timeout > 0 ? timeout * 10 : 1);
	if (wants_serial(r))
		strbuf_addstr(&conf, "SERIAL 0 115200\n");
	strbuf_addf(&conf, "LABEL jeos\n  LINUX /boot/vmlinuz-%s\n", img->kernel_version);
	if (guestfs_is_file(g, initrd) > 0)
		strbuf_addf(&conf, "  INITRD %s\n", initrd);
	else
		partuuid = 1;
	strbuf_addstr(&conf, "  APPEND ");
	kernel_cmdline(&conf, r, img, partuuid);
	strbuf_addch(&conf, '\n');
	if (guestfs_mkdir_p(g, "/boot/extlinux") < 0 ||
	    guestfs_write(g, "/boot/extlinux/extlinux.conf", conf.buf, conf.len) < 0 ||
	    guestfs_extlinux(g, "/boot/extlinux") < 0 ||
	    guestfs_pwrite_device(g, "/dev/sda", mbr.buf, 440, 0) != 440) {
		guest_fail(gu, err, "installing extlinux");
		goto out;
	}
	rc = 0;
out:
	strbuf_release(&conf);
	strbuf_release(&mbr);
	return rc;
}

void boot_grub_defaults(struct strbuf *out, const struct recipe *r, int partuuid)
{
	int timeout = r->type.bootloader_timeout >= 0 ? r->type.bootloader_timeout : 1;

	strbuf_addf(out,
		"# written by jeos from the recipe's <type> and <bootloader>\n"
		"GRUB_DEFAULT=0\n"
		"GRUB_TIMEOUT=%d\n"
		"GRUB_DISTRIBUTOR=jeos\n"
		"GRUB_CMDLINE_LINUX_DEFAULT=\"\"\n"
		"GRUB_CMDLINE_LINUX=", timeout);
	/* grub-mkconfig sources this file as sh */
	strbuf_add_sh_quoted(out, r->type.kernelcmdline ? r->type.kernelcmdline : "");
	strbuf_addf(out, "\n"
		"GRUB_DISABLE_OS_PROBER=true\n"
		"GRUB_DISABLE_RECOVERY=true\n%s",
		partuuid ? "GRUB_DISABLE_LINUX_UUID=true\nGRUB_DISABLE_LINUX_PARTUUID=false\n" : "");
	if (wants_serial(r))
		strbuf_addstr(out, "GRUB_TERMINAL=\"serial console\"\n"
			      "GRUB_SERIAL_COMMAND=\"serial --speed=115200\"\n");
}

/* grub from the image's own packages (grub-pc-bin, grub2-common: the
 * recipe gets them implicitly), configured through /etc/default/grub so
 * that a later update-grub in the appliance keeps the recipe's settings. */
static int install_grub(struct guest *gu, const struct recipe *r, struct image *img,
			struct jeos_error *err)
{
	guestfs_h *g = guest_handle(gu);
	struct strbuf defaults = STRBUF_INIT, sh = STRBUF_INIT;
	CLEANUP_FREE char *initrd = xasprintf("/boot/initrd.img-%s", img->kernel_version);
	/* grub-mkconfig finds the kernel and the root itself; without an
	 * initramfs it must name the root by PARTUUID (see kernel_cmdline) */
	int partuuid = guestfs_is_file(g, initrd) <= 0;
	int rc = -1;

	boot_grub_defaults(&defaults, r, partuuid);
	if (guestfs_mkdir_p(g, "/etc/default") < 0 ||
	    guestfs_write(g, "/etc/default/grub", defaults.buf, defaults.len) < 0) {
		guest_fail(gu, err, "writing /etc/default/grub");
		goto out;
	}
	strbuf_addf(&sh,
		"export PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C\n"
		"%s\n"
		"grub-mkconfig -o /boot/grub/grub.cfg\n"
		/* the VM names its disk differently: insist on the UUID */
		"grep -q 'root=%sUUID=' /boot/grub/grub.cfg\n",
		/* EFI: at the removable-media path, so no NVRAM entry is needed */
		r->type.firmware == FW_EFI
		? "grub-install --target=x86_64-efi --efi-directory=/boot/efi --removable --no-nvram"
		: "grub-install --target=i386-pc --no-floppy /dev/sda",
		partuuid ? "PART" : "");
	rc = guest_run_script(gu, "installing grub", sh.buf, err);
out:
	strbuf_release(&defaults);
	strbuf_release(&sh);
	return rc;
}

/* systemd-boot reads only the ESP: its EFI binary (package
 * systemd-boot-efi) goes to the removable-media path, the kernel and
 * initramfs are copied beside a loader entry, as Kiwi does. A kernel
 * update inside the appliance does not refresh those copies. */
static int install_systemd_boot(struct guest *gu, const struct recipe *r, struct image *img,
				struct jeos_error *err)
{
	guestfs_h *g = guest_handle(gu);
	struct strbuf sh = STRBUF_INIT, loader = STRBUF_INIT, entry = STRBUF_INIT;
	int timeout = r->type.bootloader_timeout >= 0 ? r->type.bootloader_timeout : 1;
	CLEANUP_FREE char *kernel = xasprintf("/boot/vmlinuz-%s", img->kernel_version);
	CLEANUP_FREE char *initrd = xasprintf("/boot/initrd.img-%s", img->kernel_version);
	int has_initrd = guestfs_is_file(g, initrd) > 0;
	int rc = -1;

	strbuf_addstr(&sh,
		"esp=/boot/efi\n"
		"mkdir -p $esp/EFI/BOOT $esp/loader/entries $esp/jeos\n"
		"cp /usr/lib/systemd/boot/efi/systemd-bootx64.efi $esp/EFI/BOOT/BOOTX64.EFI\n"
		"cp ");
	strbuf_add_sh_quoted(&sh, kernel);
	strbuf_addstr(&sh, " $esp/jeos/vmlinuz\n");
	if (has_initrd) {
		strbuf_addstr(&sh, "cp ");
		strbuf_add_sh_quoted(&sh, initrd);
		strbuf_addstr(&sh, " $esp/jeos/initrd.img\n");
	}
	/* timeout 0 boots the default at once; the menu key still works */
	strbuf_addf(&loader, "default jeos.conf\ntimeout %d\n", timeout);
	strbuf_addf(&entry, "title %s\nlinux /jeos/vmlinuz\n%soptions ", r->name,
		    has_initrd ? "initrd /jeos/initrd.img\n" : "");
	kernel_cmdline(&entry, r, img, !has_initrd);
	strbuf_addch(&entry, '\n');
	if (guest_run_script(gu, "installing systemd-boot", sh.buf, err) < 0)
		goto out;
	if (guestfs_write(g, "/boot/efi/loader/loader.conf", loader.buf, loader.len) < 0 ||
	    guestfs_write(g, "/boot/efi/loader/entries/jeos.conf", entry.buf, entry.len) < 0) {
		guest_fail(gu, err, "writing systemd-boot's loader entry");
		goto out;
	}
	rc = 0;
out:
	strbuf_release(&sh);
	strbuf_release(&loader);
	strbuf_release(&entry);
	return rc;
}

int boot_install(struct guest *gu, const struct recipe *r, struct image *img,
		 struct jeos_error *err)
{
	if (find_kernel(gu, img, err) < 0)
		return -1;
	if (r->type.bootloader == BL_EXTLINUX)
		return install_extlinux(gu, r, img, err);
	if (r->type.bootloader == BL_SYSTEMD_BOOT)
		return install_systemd_boot(gu, r, img, err);
	return install_grub(gu, r, img, err);
}

/* extlinux's boot sector points at ldlinux.sys's first sector, and
 * ldlinux.sys lists its own sectors: both name places in the scratch
 * filesystem, so they are re-pointed at the final one's (extlinux.h). */
static int finish_extlinux(const struct partition *root, const char *scratch,
			   const char *final, struct jeos_error *err)
{
	uint64_t off = root->start * DISK_SECTOR;
	CLEANUP_FREE uint64_t *sectors = NULL;
	CLEANUP_FREE unsigned char *ldlinux = NULL;
	unsigned char vbr[DISK_SECTOR];
	size_t nr = 0;
	int in = -1, out = -1, rc = -1;

	if (ext4_file_sectors(final, off, "/boot/extlinux/ldlinux.sys", &sectors, &nr, err) < 0)
		return -1;
	struct extlinux_place place = { .part_start = root->start, .part_sectors = root->size,
					.sectors = sectors, .nr_sectors = nr };
	ldlinux = xmalloc(nr * DISK_SECTOR);
	in = open(scratch, O_RDONLY | O_CLOEXEC);
	out = open(final, O_RDWR | O_CLOEXEC);
	if (in < 0 || out < 0 || pread(in, vbr, sizeof(vbr), (off_t)off) != sizeof(vbr)) {
		jeos_fail(err, JEOS_EXIT_FAILED, "reading extlinux's boot sector: %s", strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < nr; i++)
		if (pread(out, ldlinux + i * DISK_SECTOR, DISK_SECTOR,
			  (off_t)(off + sectors[i] * DISK_SECTOR)) != DISK_SECTOR) {
			jeos_fail(err, JEOS_EXIT_FAILED, "reading ldlinux.sys: %s", strerror(errno));
			goto out;
		}
	if (extlinux_repatch(ldlinux, nr * DISK_SECTOR, vbr, &place, err) < 0)
		goto out;
	for (size_t i = 0; i < nr; i++)
		if (pwrite(out, ldlinux + i * DISK_SECTOR, DISK_SECTOR,
			   (off_t)(off + sectors[i] * DISK_SECTOR)) != DISK_SECTOR) {
			jeos_fail(err, JEOS_EXIT_FAILED, "writing ldlinux.sys: %s", strerror(errno));
			goto out;
		}
	if (pwrite(out, vbr, sizeof(vbr), (off_t)off) != sizeof(vbr)) {
		jeos_fail(err, JEOS_EXIT_FAILED, "writing extlinux's boot sector: %s",
			  strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return rc;
}

int boot_finish(const struct recipe *r, const struct disk_layout *d, const char *scratch,
		const char *final, struct jeos_error *err)
{
	const struct partition *bios_boot = disk_partition(d, PART_BIOS_BOOT);

	if (r->type.firmware == FW_EFI)
		return 0; /* all of it is in the ESP */
	/* the boot code: gptmbr.bin, or grub's boot.img pointing at core.img */
	if (disk_copy_bytes(scratch, final, 0, 440, err) < 0)
		return -1;
	if (bios_boot)
		return disk_copy_bytes(scratch, final, bios_boot->start * DISK_SECTOR,
				       bios_boot->size * DISK_SECTOR, err);
	if (r->type.bootloader == BL_EXTLINUX)
		return finish_extlinux(disk_partition(d, PART_ROOT), scratch, final, err);
	return 0;
}
