/* boot.c - see boot.h. */
#include "boot.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
 * kernel itself understands only root=PARTUUID=, which for an MBR disk is
 * its disk signature and the partition number. */
static char *mbr_partuuid(struct guest *gu, struct jeos_error *err)
{
	size_t n = 0;
	CLEANUP_FREE char *sig = guestfs_pread_device(guest_handle(gu), "/dev/sda", 4, 440, &n);

	if (!sig || n != 4) {
		guest_fail(gu, err, "reading the disk signature");
		return NULL;
	}
	return xasprintf("%02x%02x%02x%02x-01", (unsigned char)sig[3], (unsigned char)sig[2],
			 (unsigned char)sig[1], (unsigned char)sig[0]);
}

static void kernel_cmdline(struct strbuf *sb, const struct recipe *r, const struct image *img,
			   const char *partuuid)
{
	if (partuuid)
		strbuf_addf(sb, "root=PARTUUID=%s rootfstype=%s rootwait ro", partuuid,
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
	CLEANUP_FREE char *partuuid = NULL;
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
	else if (!(partuuid = mbr_partuuid(gu, err)))
		goto out;
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

/* grub from the image's own packages (grub-pc-bin, grub2-common: the
 * recipe gets them implicitly), configured through /etc/default/grub so
 * that a later update-grub in the appliance keeps the recipe's settings. */
static int install_grub(struct guest *gu, const struct recipe *r, struct image *img,
			struct jeos_error *err)
{
	struct strbuf sh = STRBUF_INIT;
	int timeout = r->type.bootloader_timeout >= 0 ? r->type.bootloader_timeout : 1;
	int rc;

	CLEANUP_FREE char *initrd = xasprintf("/boot/initrd.img-%s", img->kernel_version);
	/* grub-mkconfig finds the kernel and the root itself; without an
	 * initramfs it must name the root by PARTUUID (see mbr_partuuid) */
	int partuuid = guestfs_is_file(guest_handle(gu), initrd) <= 0;
	strbuf_addf(&sh,
		"export PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C\n"
		"cat > /etc/default/grub <<'EOF'\n"
		"# written by jeos from the recipe's <type> and <bootloader>\n"
		"GRUB_DEFAULT=0\n"
		"GRUB_TIMEOUT=%d\n"
		"GRUB_DISTRIBUTOR=jeos\n"
		"GRUB_CMDLINE_LINUX_DEFAULT=\"\"\n"
		"GRUB_CMDLINE_LINUX=\"%s\"\n"
		"GRUB_DISABLE_OS_PROBER=true\n"
		"GRUB_DISABLE_RECOVERY=true\n%s",
		timeout, r->type.kernelcmdline ? r->type.kernelcmdline : "",
		partuuid ? "GRUB_DISABLE_LINUX_UUID=true\nGRUB_DISABLE_LINUX_PARTUUID=false\n" : "");
	if (wants_serial(r))
		strbuf_addstr(&sh, "GRUB_TERMINAL=\"serial console\"\n"
			      "GRUB_SERIAL_COMMAND=\"serial --speed=115200\"\n");
	strbuf_addf(&sh,
		"EOF\n"
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
	strbuf_release(&sh);
	return rc;
}

int boot_install(struct guest *gu, const struct recipe *r, struct image *img,
		 struct jeos_error *err)
{
	if (find_kernel(gu, img, err) < 0)
		return -1;
	if (r->type.bootloader == BL_EXTLINUX)
		return install_extlinux(gu, r, img, err);
	if (r->type.bootloader == BL_GRUB2)
		return install_grub(gu, r, img, err);
	return jeos_fail(err, JEOS_EXIT_USAGE,
			 "%s:%u: error: bootloader %s is not implemented yet; "
			 "use grub2 (BIOS or EFI) or extlinux (BIOS)", r->path, r->type.line,
			 bootloader_name(r->type.bootloader));
}
