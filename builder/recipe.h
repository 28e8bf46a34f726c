/* recipe.h - the appliance recipe: a Kiwi-style XML description parsed and
 * validated into one typed struct. No libxml2 type leaks out of recipe.c.
 *
 * Profiles are applied while parsing: the struct holds only what the
 * selected profiles (plus the unprofiled parts) contribute.
 */
#ifndef JEOS_RECIPE_H
#define JEOS_RECIPE_H

#include <stddef.h>
#include <stdint.h>
#include "util.h"

enum fs_type { FS_EXT4, FS_XFS, FS_BTRFS };
enum firmware { FW_BIOS, FW_EFI };
enum bootloader { BL_UNSET = -1, BL_GRUB2, BL_SYSTEMD_BOOT, BL_EXTLINUX };
enum pkg_list { PKGS_BOOTSTRAP, PKGS_IMAGE, PKGS_DELETE, PKGS_UNINSTALL, PKGS_NR };
enum strip_type { STRIP_DELETE, STRIP_TOOLS, STRIP_LIBS };

/* Output formats, a bit set. */
enum format {
	FMT_RAW = 1 << 0,
	FMT_RAW_ZST = 1 << 1,
	FMT_QCOW2 = 1 << 2,
	FMT_VMDK = 1 << 3,
	FMT_OVF = 1 << 4,
	FMT_OVA = 1 << 5,
};
#define FMT_COUNT 6

struct recipe_repo {
	char *alias;
	char *source;        /* as written: http(s)://, file://, this://, mirror:// */
	char *uri;           /* resolved base URI (file:// or http(s)://) */
	char *distribution;  /* e.g. "bookworm" */
	char **components;   /* NULL-terminated, default { "main" } */
	char *architectures; /* NULL: the build architecture */
	char *signing_key;   /* keyring file (path); NULL: host's Debian keyring */
	int gpgcheck;        /* repository_gpgcheck, default 1 */
	int priority;
	unsigned line;
};

struct recipe_package {
	char *name;
	char *arch;  /* as written, e.g. "x86_64,aarch64" (Kiwi) or "amd64"; NULL: any */
	unsigned line;
};

struct recipe_archive {
	char *name;       /* file in the recipe directory */
	char *target_dir; /* default "/" */
	unsigned line;
};

struct recipe_user {
	char *name;
	char *password;   /* plain or crypt(3) hash, see pwdformat; may be NULL */
	int password_plain;
	char *home, *shell, *groups, *realname;
	long id;          /* -1: allocate */
	unsigned line;
};

struct recipe_nic {
	char *driver;     /* e1000, vmxnet3, virtio, ... */
	char *interface;  /* index, as in Kiwi */
	char *mode;       /* network name, e.g. "bridged", "nat" */
	char *mac;
};

/* <jeos:hostdev type="pci" address="0000:03:00.0" [driver=] [interface="true" mac=]>:
 * a host PCI device given to the guest (VT-d/IOMMU); interface="true" marks an
 * SR-IOV virtual function handed over as a NIC. */
struct recipe_hostdev {
	char *address;    /* domain:bus:slot.function */
	char *driver;     /* the guest module it needs (kept by module trimming) */
	char *mac;        /* for interface="true" */
	int interface;
};

struct recipe_machine {
	int present;
	uint64_t memory_mib;
	unsigned ncpus;
	char *guest_os;
	unsigned hw_version;
	char *disk_controller; /* ide, lsilogic, lsilogicsas, pvscsi, sata, virtio... */
	struct recipe_nic *nics;  /* driver defaults to "virtio", mode to "bridged" */
	size_t nr_nics;
	struct recipe_hostdev *hostdevs;
	size_t nr_hostdevs;
	int dvd;
};

struct recipe_kernel {     /* <jeos:kernel>, see issue "JeOS kernels" */
	char *package;         /* default linux-image-cloud-amd64 */
	char *config;          /* kconfig fragment(s), comma separated */
	char *source;          /* e.g. linux-source-6.12; set from the release
				* (distro.h) when build and not given */
	int build;             /* compile a kernel from config */
	int trim_modules;      /* modules="trim" */
};

struct recipe_type {
	char *image;           /* "oem" */
	enum fs_type filesystem;
	unsigned formats;      /* enum format bits */
	int qcow2_compressed;  /* formatoptions "compressed" */
	char *qcow2_options;   /* formatoptions KEY=VALUE,...: qemu-img -o; or NULL */
	int manifest_sha1;     /* formatoptions manifest=sha1: OVF manifest digest */
	enum firmware firmware;
	enum bootloader bootloader;
	char *kernelcmdline;
	char *bootloader_console;
	int bootloader_timeout; /* seconds, -1: default */
	uint64_t size_bytes;   /* 0: fit the content plus headroom */
	int bootpartition;
	char *devicepersistency;
	unsigned line;
};

struct recipe {
	char *path;            /* the XML file */
	char *dir;             /* the recipe directory */
	char *name;
	char *schemaversion;
	char *author, *contact, *specification, *license;
	char *license_file;    /* <license> names a file in the recipe directory: its real path */
	char *version;
	char *packagemanager;
	char *locale, *keytable, *timezone, *hostname;
	/* <jeos:identity seed=...>: replaces the seed of the image's UUIDs and
	 * GUIDs (identity.h); NULL: derived from name, version and lock */
	char *identity_seed;
	int recommends;        /* jeos:recommends="true" on <packages> */
	int minbase;           /* bootstrap = minbase + the listed packages (default);
				* jeos:variant="custom": only the listed ones */
	int exclude_docs;      /* <rpm-excludedocs>, default true: no docs, man, locales */

	char **profiles;       /* selected profiles, NULL-terminated */
	struct recipe_type type;
	struct recipe_machine machine;
	struct recipe_kernel kernel;

	struct recipe_repo *repos;
	size_t nr_repos;
	struct recipe_package *packages[PKGS_NR];
	size_t nr_packages[PKGS_NR];
	struct recipe_archive *archives;
	size_t nr_archives;
	struct recipe_user *users;
	size_t nr_users;
	char **overlays;       /* <jeos:overlay name>: trees in the project's overlays/ */
	size_t nr_overlays;
	char **drivers;        /* <drivers><file name>: modules to keep */
	size_t nr_drivers;
	char **strip[3];       /* <strip type="delete|tools|libs"><file name> */
	size_t nr_strip[3];

	/* Found in the recipe directory (NULL if absent). */
	char *root_overlay;    /* root/ */
	char *config_sh;       /* config.sh */
	char *images_sh;       /* images.sh */
};

/* --mirror NAME=URI pairs from the command line, consulted before the
 * host's apt sources when resolving mirror://NAME/... */
struct mirror_map {
	char **names, **uris;
	size_t nr, alloc;
};

struct recipe_options {
	const char **profiles;  /* --profile values, NULL-terminated; NULL: defaults */
	const struct mirror_map *mirrors;
	const char *apt_sources_root; /* "/" normally; tests point elsewhere */
};

/* Parse and validate. path is a recipe directory (config.xml or one *.kiwi)
 * or the XML file itself. On error, err->msg reads "file:line: error: ..."
 * (several lines when several problems were found) and err->code is 2. */
int recipe_load(struct recipe **out, const char *path,
		const struct recipe_options *opts, struct jeos_error *err);
void recipe_free(struct recipe *r);

/* The normalized summary `jeos validate` prints. */
void recipe_print_summary(const struct recipe *r, FILE *out);

/* <machine> outside a recipe (`jeos convert --machine KEY=VALUE`): the
 * defaults (1 CPU, 1024 MiB, lsilogic, HWversion 14), then one setting:
 * memory, ncpus, HWversion, guestOS, controller or nic (DRIVER[:MODE[:MAC]]),
 * checked as the recipe parser checks them. */
void recipe_machine_defaults(struct recipe_machine *m);
int recipe_machine_set(struct recipe_machine *m, const char *key, const char *value,
		       struct jeos_error *err);
void recipe_machine_free(struct recipe_machine *m);

/* "qcow2,ova" -> FMT_QCOW2 | FMT_OVA; an unknown name is an error (err may be NULL). */
int formats_parse(const char *list, unsigned *out, struct jeos_error *err);
const char *format_name(enum format f);
const char *fs_type_name(enum fs_type fs);
const char *firmware_name(enum firmware fw);
const char *bootloader_name(enum bootloader bl);
const char *pkg_list_name(enum pkg_list l);

#endif
