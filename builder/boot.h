/* boot.h - the kernel command line and the bootloader, installed into the
 * mounted image through libguestfs.
 *
 * extlinux (BIOS): ldlinux.sys from the libguestfs appliance's extlinux,
 * syslinux's gptmbr.bin from the host in the first 440 bytes, and
 * /boot/extlinux/extlinux.conf naming the kernel and initramfs the
 * packages installed. Nothing of the bootloader is a package in the image.
 *
 * grub2 (BIOS or EFI): the image's grub-pc-bin or grub-efi-amd64-bin and
 * grub2-common (recipe.c adds them to the image packages),
 * /etc/default/grub from the recipe, grub-install (EFI: to the ESP's
 * removable-media path, no NVRAM) and grub-mkconfig, run in the image.
 *
 * systemd-boot (EFI): the image's systemd-boot-efi at the ESP's
 * removable-media path, the kernel and initramfs copied into the ESP with
 * a loader entry (loader/entries/jeos.conf).
 *
 * A kernel without initramfs finds its root by root=PARTUUID= (the GPT
 * partition GUID); with one, by the filesystem UUID.
 */
#ifndef JEOS_BOOT_H
#define JEOS_BOOT_H

#include "assemble.h"
#include "disk.h"
#include "guest.h"
#include "recipe.h"
#include "util.h"

/* syslinux's boot code for GPT disks on the host (package extlinux) */
#define EXTLINUX_MBR "/usr/lib/EXTLINUX/gptmbr.bin"

/* Finds the installed kernel (img->kernel_version) and installs the
 * bootloader r names, for the root filesystem img->root_uuid. */
int boot_install(struct guest *gu, const struct recipe *r, struct image *img,
		 struct jeos_error *err);

/* /etc/default/grub for r (grub-mkconfig sources it as sh: the kernel
 * command line is in it as one sh-quoted word); partuuid: the kernel has no
 * initramfs, so grub names the root by PARTUUID. */
void boot_grub_defaults(struct strbuf *out, const struct recipe *r, int partuuid);

/* The bootloader's pieces outside the filesystems, carried from the
 * scratch disk (where boot_install put them) to the final disk of the same
 * layout, whose root filesystem was rewritten (assemble.h): the boot code
 * in the first 440 bytes, grub's core.img in the BIOS boot partition, and
 * for extlinux its volume boot record and ldlinux.sys re-pointed at the
 * sectors ldlinux.sys now occupies (extlinux.h). */
int boot_finish(const struct recipe *r, const struct disk_layout *d, const char *scratch,
		const char *final, struct jeos_error *err);

#endif
