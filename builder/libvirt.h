/* libvirt.h - a libvirt domain for the appliance (NAME.libvirt.xml), so
 * `virsh define NAME.libvirt.xml && virsh start NAME` runs it on KVM with
 * the virtual hardware the recipe's <machine> declares.
 *
 * Mapping: <vmdisk controller> virtio -> virtio-blk (vda); lsilogic,
 * lsilogicsas, pvscsi -> a SCSI controller of that model (sda); sata ->
 * sda on AHCI; ide -> hda on an i440fx machine (q35 has no IDE). Each
 * <vmnic> becomes an <interface> with its driver as the model, on the
 * libvirt network named by its mode ("nat" and "bridged" use "default").
 * <jeos:hostdev> becomes a PCI <hostdev>, or an <interface type="hostdev">
 * for an SR-IOV virtual function (interface="true"). EFI firmware is
 * libvirt's automatic OVMF selection (<os firmware="efi">).
 */
#ifndef JEOS_LIBVIRT_H
#define JEOS_LIBVIRT_H

#include "recipe.h"
#include "util.h"

struct libvirt_domain {
	const char *name;
	const struct recipe_machine *machine; /* present == 0: 1 CPU, 1 GiB, virtio */
	enum firmware firmware;
	const char *disk_path;   /* absolute path of the disk image */
	const char *disk_format; /* "qcow2" or "raw" */
};

/* Write the domain XML to PATH (a temporary name first, renamed when complete). */
int libvirt_write(const char *path, const struct libvirt_domain *d, struct jeos_error *err);

#endif
