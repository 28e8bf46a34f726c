/* ovf.h - OVF 1.x packages: the descriptor (.ovf), the manifest (.mf),
 * the OVA archive, and the reader behind `jeos inspect`.
 *
 * The descriptor is what VMware's ovftool writes for one virtual machine
 * with one streamOptimized VMDK (namespace .../ovf/envelope/1: VMware
 * refuses OVF 2.x), and validates against DMTF's DSP8023 1.1 schema.
 * Every output is written under a temporary name and renamed into place
 * once complete, and the same input gives the same bytes.
 */
#ifndef JEOS_OVF_H
#define JEOS_OVF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "recipe.h"
#include "util.h"

/* Network a <vmnic> without mode joins: VMware's default connection type,
 * which is also how Kiwi's recipes spell it (mode="bridged"). */
#define OVF_DEFAULT_NETWORK "bridged"
/* Guest OS when the machine names none: jeos builds Debian 12. */
#define OVF_DEFAULT_GUEST_OS "debian12-64"

struct ovf_product {           /* from the recipe's description/preferences */
	const char *name;          /* appliance name: VirtualSystem ovf:id, Name, Product */
	const char *version;       /* Version, or NULL */
	const char *vendor;        /* Vendor (the recipe's author), or NULL */
	const char *url;           /* ProductUrl, or NULL */
	const char *annotation;    /* AnnotationSection (the recipe's specification), or NULL */
	const char *eula;          /* EULA text, or NULL: no EulaSection */
};

struct ovf_disk {
	const char *href;          /* file name of the VMDK inside the package */
	uint64_t file_size;        /* bytes of the VMDK file */
	uint64_t capacity;         /* virtual disk size in bytes */
	uint64_t populated_size;   /* bytes of data (0: unknown, omitted) */
};

struct ovf_options {
	const struct ovf_product *product;
	/* machine->present 0: 1 CPU, 1024 MiB, lsilogic, vmx-14, no NIC.
	 * Controllers: ide sata lsilogic lsilogicsas pvscsi virtio; NIC
	 * drivers: e1000 e1000e vmxnet3 virtio (NULL: virtio, as the image's
	 * kernel modules assume). guest_os NULL: OVF_DEFAULT_GUEST_OS. */
	const struct recipe_machine *machine;
	enum firmware firmware;    /* vmw:Config firmware bios|efi */
	const struct ovf_disk *disk;
	/* VirtualSystemIdentifier (e.g. the build's file name stem); NULL:
	 * the product name. Nothing else varies: RASD InstanceIDs are small
	 * integers (virt-v2v resolves rasd:Parent numerically) and the disk
	 * is "vmdisk1", as ovftool writes them. */
	const char *identity;
};

/* Writes the descriptor to path. Bad input (an unknown controller or NIC
 * driver, a malformed MAC, text that is not UTF-8) fails with
 * JEOS_EXIT_USAGE and writes nothing. */
int ovf_write(const char *path, const struct ovf_options *o, struct jeos_error *err);

enum ovf_digest { OVF_DIGEST_SHA256, OVF_DIGEST_SHA1 };

/* The manifest: "SHA256(file)= hex" for each of files (names in dir), in
 * the order given. SHA1 is for consumers older than ESXi 6.5. */
int ovf_write_manifest(const char *path, const char *dir, const char *const files[],
		       size_t nr, enum ovf_digest d, struct jeos_error *err);

/* The OVA: a POSIX ustar archive of files (names in dir) in the order
 * given, which must start with the .ovf (the spec wants the descriptor
 * first, then the manifest, then the files in References order). Members
 * are uid/gid 0 root/root, mode 0644, mtime as given: no pax or GNU
 * headers, so a member's data starts one 512-byte header after its
 * entry, which virt-v2v relies on to read disks in place. A member holds
 * at most 8 GiB - 1 (the ustar size field). */
int ova_write(const char *path, const char *dir, const char *const files[], size_t nr,
	      int64_t mtime, struct jeos_error *err);

/* jeos inspect: an .ova, or an .ovf with its files beside it. Prints the
 * product, OS, CPUs, memory, firmware, disk controllers, disks (file,
 * capacity) and NICs (type, network), then checks the manifest NAME.mf:
 * every file of the package must be listed and match its digest, and
 * every listed file must be there. Returns -1 with err naming each file
 * that failed (JEOS_EXIT_FAILED); a package without a manifest is
 * reported, not an error. The package is untrusted: it fails at once with
 * JEOS_EXIT_USAGE, reading nothing else, for a file that is not a regular
 * one (a FIFO, a device, a symlink beside an .ovf), a name that is not a
 * plain file name, a descriptor or manifest over 16 MiB, OVA members
 * yielding more bytes than the archive holds, over 1024 files, References,
 * disks or items, a DTD, an empty manifest, malformed XML. */
int ovf_inspect(const char *path, FILE *out, struct jeos_error *err);

#endif
