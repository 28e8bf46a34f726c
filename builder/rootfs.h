/* rootfs.h - the appliance's root filesystem as one uncompressed tar
 * stream, written on the host from the verified .debs.
 *
 * The guest runs ~10x slower than the host under TCG, so everything that
 * needs no kernel happens here: decompressing data.tar, merging /usr,
 * writing dpkg's database. The result is what dpkg itself leaves after
 * unpacking every package (state "install ok unpacked"): conffiles land
 * as FILE.dpkg-new with the hash "newconffile" in the status file, and the
 * maintainer scripts wait in /var/lib/dpkg/info, so `dpkg --configure -a`
 * in the guest finishes the job exactly as on any Debian system.
 *
 * The layout is merged-/usr whatever the release: /bin, /sbin, /lib* are
 * symlinks into /usr and package paths are rewritten on the way
 * ("/bin/sh" is stored as "usr/bin/sh"); dpkg's file lists keep the paths
 * as packaged, which the symlinks resolve. The links are the packages'
 * own where a package ships them (base-files from Debian 13 on), each
 * once; jeos makes the others (Debian 12 ships none). A package that links
 * a merged directory anywhere else than into /usr is refused.
 *
 * Each member is written afresh with what dpkg applies (type, mode,
 * owner, mtime, link target, device), so no extended attribute, ACL or
 * file flag of a package's pax headers reaches the image.
 */
#ifndef JEOS_ROOTFS_H
#define JEOS_ROOTFS_H

#include <stdint.h>
#include "pkgset.h"
#include "util.h"

struct rootfs_stats {
	size_t packages;
	size_t entries;   /* tar members written */
	size_t excluded;  /* files left out (exclude_docs) */
	uint64_t bytes;   /* file content bytes */
};

/* With exclude_docs, documentation (but the copyright files), man and
 * info pages and translations are left out, as dpkg's path-exclude would
 * (the same rules go to /etc/dpkg/dpkg.cfg.d/jeos-excludes for later
 * installs); dpkg's file lists still name them, as dpkg's own do. */
struct rootfs_options {
	const char *arch;
	int64_t mtime;      /* stamps the files jeos itself writes */
	int exclude_docs;
};

/* Writes the tar for every package of set (each pkg->path must be a
 * verified .deb) to tar_path, via a temporary name. */
int rootfs_write_tar(const struct pkgset *set, const struct rootfs_options *opts,
		     const char *tar_path, struct rootfs_stats *stats,
		     struct jeos_error *err);

/* Tars the host directory dir to tar_path (via a temporary name) for
 * unpacking at /: owners root, modes kept but for group and other write,
 * which a checkout takes from the umask (git keeps only the x bit), so
 * the same tree gives the same image anywhere. Names stay the bytes the
 * host's file system holds, as in the rootfs tar. */
int rootfs_tar_tree(const char *dir, const char *tar_path, struct jeos_error *err);

#endif
