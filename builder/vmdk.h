/* vmdk.h - a raw disk image as a streamOptimized VMDK, the disk format of
 * OVF/OVA appliances (VMware "Virtual Disk Format 5.0").
 *
 * The file holds: the sparse extent header (its grain directory offset
 * says "at the end"), the embedded descriptor, padding to the first 64 KiB
 * grain, then each non-zero grain deflated (zlib) behind a grain marker,
 * each grain table behind a marker after the grains it maps, the grain
 * directory, the footer (the header again, with the directory's offset)
 * and the end-of-stream marker. All-zero grains and grain tables with no
 * grain are not stored; holes of the raw file are skipped without reading
 * them (SEEK_DATA).
 *
 * The output depends only on the input and the options, never on the time
 * or the number of threads: the descriptor's CID and ddb.longContentID
 * come from a SHA-256 of the content.
 */
#ifndef JEOS_VMDK_H
#define JEOS_VMDK_H

#include <stdint.h>
#include "util.h"

struct vmdk_options {
	const char *adapter_type; /* descriptor ddb.adapterType: "ide", "lsilogic",
				   * "buslogic", "legacyESX"; NULL: "lsilogic" */
	unsigned hw_version;      /* ddb.virtualHWVersion; 0: 4 */
	unsigned threads;         /* deflating threads; 0: one per online CPU, at most 8 */
};

struct vmdk_info {
	uint64_t capacity;        /* virtual size in bytes (the raw file's size,
				   * rounded up to 512) */
	uint64_t file_size;       /* bytes written */
	uint64_t populated;       /* bytes of non-zero grains stored (OVF's
				   * populatedSize): 64 KiB each */
};

/* Writes RAW (a raw disk image, usually sparse) as a streamOptimized VMDK
 * at OUT; o may be NULL. The file is written under a temporary name and
 * renamed at the end; on error nothing is left. Messages name the file:
 * "cannot read disk.raw: ...", "cannot write disk.vmdk: No space left on
 * device". */
int vmdk_write(const char *raw, const char *out, const struct vmdk_options *o,
	       struct vmdk_info *info, struct jeos_error *err);

#endif
