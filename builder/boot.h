/* boot.h - the kernel command line and the bootloader, installed into the
 * mounted image through libguestfs.
 *
 * extlinux (BIOS): ldlinux.sys from the libguestfs appliance's extlinux,
 * syslinux's mbr.bin from the host in the first 440 bytes, and
 * /boot/extlinux/extlinux.conf naming the kernel and initramfs the
 * packages installed. Nothing of the bootloader is a package in the image.
 *
 * grub2 (BIOS or EFI): the image's grub-pc-bin or grub-efi-amd64-bin and
 * grub2-common (recipe.c adds them to the image packages),
 * /etc/default/grub from the recipe, grub-install (EFI: to the ESP's
 * removable-media path, no NVRAM) and grub-mkconfig, run in the image.
 */
#ifndef JEOS_BOOT_H
#define JEOS_BOOT_H

#include "assemble.h"
#include "guest.h"
#include "recipe.h"
#include "util.h"

/* syslinux's master boot record on the host (package extlinux) */
#define EXTLINUX_MBR "/usr/lib/EXTLINUX/mbr.bin"

/* Finds the installed kernel (img->kernel_version) and installs the
 * bootloader r names, for the root filesystem img->root_uuid. */
int boot_install(struct guest *gu, const struct recipe *r, struct image *img,
		 struct jeos_error *err);

#endif
