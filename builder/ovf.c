/* ovf.c - see ovf.h.
 *
 * The descriptor follows what VMware's ovftool writes (element names,
 * Info texts, vmw:Config), checked against DMTF's DSP8023 1.1 schema;
 * virt-v2v's OVA input reads the same fields (Name, the RASD items by
 * ResourceType, rasd:Parent as a number, vmw:Config firmware).
 */
#include "ovf.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlwriter.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "hash.h"
#include "xmlw.h"

#define OVF_NS "http://schemas.dmtf.org/ovf/envelope/1"
#define RASD_NS "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"
#define VSSD_NS "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData"
#define VMW_NS "http://www.vmware.com/schema/ovf"
#define CIM_NS "http://schemas.dmtf.org/wbem/wscim/1/common"
#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"
#define VMDK_FORMAT "http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"

/* A descriptor or manifest bigger than this is not one. */
#define MAX_TEXT_MEMBER (16u << 20)
/* Files in a package, manifest lines, References, disks, hardware items:
 * an appliance has a handful; the checks compare them pairwise. */
#define MAX_PACKAGE_FILES 1024
/* The ustar size field: 11 octal digits. */
#define USTAR_MAX_SIZE 077777777777ULL

/* CIM ResourceType values (CIM_ResourceAllocationSettingData.xsd). */
enum {
	RT_CPU = 3,
	RT_MEMORY = 4,
	RT_IDE = 5,
	RT_SCSI = 6,
	RT_ETHERNET = 10,
	RT_DISK = 17,
	RT_STORAGE = 20, /* "other storage device": VMware's SATA and NVMe */
};

static const struct controller {
	const char *name;       /* <vmdisk controller> */
	unsigned resource_type;
	const char *subtype;    /* rasd:ResourceSubType, NULL: none */
	const char *label;
} controllers[] = {
	{ "ide", RT_IDE, NULL, "IDE Controller" },
	{ "sata", RT_STORAGE, "vmware.sata.ahci", "SATA Controller" },
	{ "lsilogic", RT_SCSI, "lsilogic", "SCSI Controller" },
	{ "lsilogicsas", RT_SCSI, "lsilogicsas", "SCSI Controller" },
	{ "pvscsi", RT_SCSI, "VirtualSCSI", "SCSI Controller" },
	/* Not a VMware controller: VMware refuses to import the machine until
	 * it has one of the above; KVM importers (virt-v2v) take it. */
	{ "virtio", RT_SCSI, "virtio-scsi", "SCSI Controller" },
};

static const struct nic_type {
	const char *driver;     /* <vmnic driver> */
	const char *subtype;    /* as ovftool spells it */
} nic_types[] = {
	{ "e1000", "E1000" },
	{ "e1000e", "E1000e" },
	{ "vmxnet3", "VmxNet3" },
	{ "virtio", "virtio" },
};

/* The .vmx guestOS value and VMware's API name for it (vmw:osType). */
static const struct guest_os {
	const char *vmx, *vmw;
} guest_oses[] = {
	{ "debian8-64", "debian8_64Guest" },
	{ "debian9-64", "debian9_64Guest" },
	{ "debian10-64", "debian10_64Guest" },
	{ "debian11-64", "debian11_64Guest" },
	{ "debian12-64", "debian12_64Guest" },
	{ "ubuntu-64", "ubuntu64Guest" },
	{ "other26xlinux-64", "other26xLinux64Guest" },
	{ "other3xlinux-64", "other3xLinux64Guest" },
	{ "other4xlinux-64", "other4xLinux64Guest" },
	{ "other5xlinux-64", "other5xLinux64Guest" },
	{ "other6xlinux-64", "other6xLinux64Guest" },
	{ "otherlinux-64", "otherLinux64Guest" },
};
/* Known to every ESXi release, so the import never stops on it. */
#define FALLBACK_OS_TYPE "otherLinux64Guest"

/* CIM_OperatingSystem OsType values. */
enum { CIM_OS_UBUNTU_64 = 94, CIM_OS_DEBIAN_64 = 96, CIM_OS_LINUX_64 = 101 };

#define NR(a) (sizeof(a) / sizeof(*(a)))

/* ---- input checks ---- */

/* UTF-8 without the control characters XML 1.0 cannot carry. */
static int is_xml_text(const char *s)
{
	if (!xmlCheckUTF8((const unsigned char *)s))
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r')
			return 0;
	return 1;
}

static int check_text(const char *path, const char *what, const char *s,
		      int required, struct jeos_error *err)
{
	if (!s || !*s)
		return required ? jeos_fail(err, JEOS_EXIT_USAGE, "%s: no %s given", path, what)
				: 0;
	if (!is_xml_text(s))
		return jeos_fail(err, JEOS_EXIT_USAGE,
				 "%s: the %s is not text (expected UTF-8 without control characters)",
				 path, what);
	return 0;
}

/* A file inside the package: a plain name, as ovftool lays packages out. */
static int check_name(const char *path, const char *name, struct jeos_error *err)
{
	if (!*name || strchr(name, '/') || strpbrk(name, "\n\r") ||
	    !strcmp(name, ".") || !strcmp(name, ".."))
		return jeos_fail(err, JEOS_EXIT_USAGE,
				 "%s: bad file name '%s' (expected a plain file name)", path, name);
	return 0;
}

static const char *nic_network(const struct recipe_nic *nic)
{
	return nic->mode ? nic->mode : OVF_DEFAULT_NETWORK;
}

/* ---- writing the descriptor ---- */

/* The machine as the descriptor describes it, checked. */
struct plan {
	const struct recipe_machine *m;
	const struct controller *controller;
	const char **nic_subtypes;   /* one per NIC */
	const char **networks;       /* distinct, in NIC order */
	size_t nr_networks;
	unsigned os_id;
	const char *os_type;
};

static void plan_clear(struct plan *p)
{
	free(p->nic_subtypes);
	free(p->networks);
}

static void choose_os(struct plan *p, const char *guest_os)
{
	p->os_id = !strncasecmp(guest_os, "debian", 6) ? CIM_OS_DEBIAN_64 :
		   !strncasecmp(guest_os, "ubuntu", 6) ? CIM_OS_UBUNTU_64 :
							CIM_OS_LINUX_64;
	p->os_type = NULL;
	for (size_t i = 0; i < NR(guest_oses); i++)
		if (!strcasecmp(guest_oses[i].vmx, guest_os))
			p->os_type = guest_oses[i].vmw;
	if (!p->os_type) {
		log_warn("guest OS %s has no VMware osType jeos knows; the OVF says %s",
			 guest_os, FALLBACK_OS_TYPE);
		p->os_type = FALLBACK_OS_TYPE;
	}
}

static int make_plan(const char *path, const struct ovf_options *o, struct plan *p,
		     struct jeos_error *err)
{
	static const struct recipe_machine defaults = {
		.present = 1, .memory_mib = 1024, .ncpus = 1, .hw_version = 14,
	};
	const struct recipe_machine *m = o->machine && o->machine->present ? o->machine
									  : &defaults;
	const struct ovf_product *pr = o->product;
	const char *ctl = m->disk_controller ? m->disk_controller : "lsilogic";

	p->m = m;
	if (!pr || !o->disk)
		return jeos_fail(err, JEOS_EXIT_USAGE, "%s: no product or disk given", path);
	if (check_text(path, "product name", pr->name, 1, err) < 0 ||
	    check_text(path, "product version", pr->version, 0, err) < 0 ||
	    check_text(path, "vendor", pr->vendor, 0, err) < 0 ||
	    check_text(path, "product URL", pr->url, 0, err) < 0 ||
	    check_text(path, "annotation", pr->annotation, 0, err) < 0 ||
	    check_text(path, "EULA", pr->eula, 0, err) < 0 ||
	    check_text(path, "identity", o->identity, 0, err) < 0 ||
	    check_text(path, "guest OS", m->guest_os, 0, err) < 0 ||
	    check_text(path, "disk file name", o->disk->href, 1, err) < 0 ||
	    check_name(path, o->disk->href, err) < 0)
		return -1;
	if (!m->ncpus || !m->memory_mib || !m->hw_version)
		return jeos_fail(err, JEOS_EXIT_USAGE,
				 "%s: %u CPUs, %" PRIu64 " MiB, hardware version %u "
				 "(expected each to be at least 1)",
				 path, m->ncpus, m->memory_mib, m->hw_version);
	for (size_t i = 0; i < NR(controllers); i++)
		if (!strcmp(controllers[i].name, ctl))
			p->controller = &controllers[i];
	if (!p->controller)
		return jeos_fail(err, JEOS_EXIT_USAGE,
				 "%s: unknown disk controller '%s' (expected ide, sata, "
				 "lsilogic, lsilogicsas, pvscsi or virtio)", path, ctl);

	p->nic_subtypes = xcalloc(m->nr_nics, sizeof(*p->nic_subtypes));
	p->networks = xcalloc(m->nr_nics, sizeof(*p->networks));
	for (size_t i = 0; i < m->nr_nics; i++) {
		const struct recipe_nic *nic = &m->nics[i];
		const char *driver = nic->driver ? nic->driver : "virtio";
		size_t k;

		for (k = 0; k < NR(nic_types); k++)
			if (!strcmp(nic_types[k].driver, driver))
				p->nic_subtypes[i] = nic_types[k].subtype;
		if (!p->nic_subtypes[i])
			return jeos_fail(err, JEOS_EXIT_USAGE,
					 "%s: NIC %zu: unknown driver '%s' (expected e1000, "
					 "e1000e, vmxnet3 or virtio)", path, i + 1, driver);
		if (nic->mac && !is_mac_address(nic->mac))
			return jeos_fail(err, JEOS_EXIT_USAGE,
					 "%s: NIC %zu: bad MAC address '%s' (expected six "
					 "hex pairs such as 00:50:56:00:00:01)",
					 path, i + 1, nic->mac);
		if (check_text(path, "network name", nic_network(nic), 1, err) < 0)
			return -1;
		for (k = 0; k < p->nr_networks; k++)
			if (!strcmp(p->networks[k], nic_network(nic)))
				break;
		if (k == p->nr_networks)
			p->networks[p->nr_networks++] = nic_network(nic);
	}
	choose_os(p, m->guest_os ? m->guest_os : OVF_DEFAULT_GUEST_OS);
	return 0;
}

static void w_config(struct xmlw *x, const char *key, const char *value)
{
	xmlw_start(x, "vmw:Config");
	xmlw_attr(x, "ovf:required", "false");
	xmlw_attr(x, "vmw:key", key);
	xmlw_attr(x, "vmw:value", value);
	xmlw_end(x);
}

/* One <Item>: its RASD elements, NULL or 0 when absent. */
struct rasd {
	const char *address, *address_on_parent, *allocation_units,
		*automatic_allocation, *connection, *description, *element_name,
		*host_resource, *resource_subtype;
	unsigned instance_id, parent, resource_type;
	uint64_t virtual_quantity;
};

/* In the order of the xs:sequence in CIM_ResourceAllocationSettingData.xsd,
 * which validators enforce. */
static void w_item(struct xmlw *x, const struct rasd *r)
{
	xmlw_start(x, "Item");
	if (r->address)
		xmlw_text(x, "rasd:Address", r->address);
	if (r->address_on_parent)
		xmlw_text(x, "rasd:AddressOnParent", r->address_on_parent);
	if (r->allocation_units)
		xmlw_text(x, "rasd:AllocationUnits", r->allocation_units);
	if (r->automatic_allocation)
		xmlw_text(x, "rasd:AutomaticAllocation", r->automatic_allocation);
	if (r->connection)
		xmlw_text(x, "rasd:Connection", r->connection);
	if (r->description)
		xmlw_text(x, "rasd:Description", r->description);
	xmlw_text(x, "rasd:ElementName", r->element_name);
	if (r->host_resource)
		xmlw_text(x, "rasd:HostResource", r->host_resource);
	xmlw_text_u64(x, "rasd:InstanceID", r->instance_id);
	if (r->parent)
		xmlw_text_u64(x, "rasd:Parent", r->parent);
	if (r->resource_subtype)
		xmlw_text(x, "rasd:ResourceSubType", r->resource_subtype);
	xmlw_text_u64(x, "rasd:ResourceType", r->resource_type);
	if (r->virtual_quantity)
		xmlw_text_u64(x, "rasd:VirtualQuantity", r->virtual_quantity);
	xmlw_end(x);
}

static void w_envelope_head(struct xmlw *x, const struct ovf_disk *d,
			    const struct plan *p)
{
	xmlw_start(x, "Envelope");
	xmlw_attr(x, "ovf:version", "1.0");
	xmlw_attr(x, "xmlns", OVF_NS);
	xmlw_attr(x, "xmlns:cim", CIM_NS);
	xmlw_attr(x, "xmlns:ovf", OVF_NS);
	xmlw_attr(x, "xmlns:rasd", RASD_NS);
	xmlw_attr(x, "xmlns:vmw", VMW_NS);
	xmlw_attr(x, "xmlns:vssd", VSSD_NS);
	xmlw_attr(x, "xmlns:xsi", XSI_NS);

	xmlw_start(x, "References");
	xmlw_start(x, "File");
	xmlw_attr(x, "ovf:href", d->href);
	xmlw_attr(x, "ovf:id", "file1");
	xmlw_attr_u64(x, "ovf:size", d->file_size);
	xmlw_end(x);
	xmlw_end(x);

	xmlw_start(x, "DiskSection");
	xmlw_text(x, "Info", "Virtual disk information");
	xmlw_start(x, "Disk");
	xmlw_attr_u64(x, "ovf:capacity", d->capacity);
	xmlw_attr(x, "ovf:capacityAllocationUnits", "byte");
	xmlw_attr(x, "ovf:diskId", "vmdisk1");
	xmlw_attr(x, "ovf:fileRef", "file1");
	xmlw_attr(x, "ovf:format", VMDK_FORMAT);
	if (d->populated_size)
		xmlw_attr_u64(x, "ovf:populatedSize", d->populated_size);
	xmlw_end(x);
	xmlw_end(x);

	if (p->nr_networks) {
		xmlw_start(x, "NetworkSection");
		xmlw_text(x, "Info", "The list of logical networks");
		for (size_t i = 0; i < p->nr_networks; i++) {
			CLEANUP_FREE char *desc = xasprintf("The %s network", p->networks[i]);
			xmlw_start(x, "Network");
			xmlw_attr(x, "ovf:name", p->networks[i]);
			xmlw_text(x, "Description", desc);
			xmlw_end(x);
		}
		xmlw_end(x);
	}
}

static void w_product(struct xmlw *x, const struct ovf_product *pr)
{
	if (pr->annotation && *pr->annotation) {
		xmlw_start(x, "AnnotationSection");
		xmlw_attr(x, "ovf:required", "false");
		xmlw_text(x, "Info", "A human-readable annotation");
		xmlw_text(x, "Annotation", pr->annotation);
		xmlw_end(x);
	}
	xmlw_start(x, "ProductSection");
	xmlw_text(x, "Info", "Information about the installed software");
	xmlw_text(x, "Product", pr->name);
	if (pr->vendor && *pr->vendor)
		xmlw_text(x, "Vendor", pr->vendor);
	if (pr->version && *pr->version)
		xmlw_text(x, "Version", pr->version);
	if (pr->url && *pr->url)
		xmlw_text(x, "ProductUrl", pr->url);
	xmlw_end(x);
	if (pr->eula && *pr->eula) {
		xmlw_start(x, "EulaSection");
		xmlw_text(x, "Info", "An end-user license agreement");
		xmlw_text(x, "License", pr->eula);
		xmlw_end(x);
	}
}

static void w_hardware(struct xmlw *x, const struct ovf_options *o,
		       const struct plan *p)
{
	const struct recipe_machine *m = p->m;
	const struct controller *c = p->controller;
	char vmx[16], cpus[48], memory[48], controller[48];
	unsigned id = 1, controller_id;

	snprintf(vmx, sizeof(vmx), "vmx-%02u", m->hw_version);
	snprintf(cpus, sizeof(cpus), "%u virtual CPU(s)", m->ncpus);
	snprintf(memory, sizeof(memory), "%" PRIu64 "MB of memory", m->memory_mib);
	snprintf(controller, sizeof(controller), "%s 0", c->label);

	xmlw_start(x, "VirtualHardwareSection");
	xmlw_text(x, "Info", "Virtual hardware requirements");
	xmlw_start(x, "System");
	xmlw_text(x, "vssd:ElementName", "Virtual Hardware Family");
	xmlw_text(x, "vssd:InstanceID", "0");
	xmlw_text(x, "vssd:VirtualSystemIdentifier",
	       o->identity && *o->identity ? o->identity : o->product->name);
	xmlw_text(x, "vssd:VirtualSystemType", vmx);
	xmlw_end(x);

	w_item(x, &(struct rasd){
		.allocation_units = "hertz * 10^6", .description = "Number of Virtual CPUs",
		.element_name = cpus, .instance_id = id++, .resource_type = RT_CPU,
		.virtual_quantity = m->ncpus });
	w_item(x, &(struct rasd){
		.allocation_units = "byte * 2^20", .description = "Memory Size",
		.element_name = memory, .instance_id = id++, .resource_type = RT_MEMORY,
		.virtual_quantity = m->memory_mib });
	controller_id = id;
	w_item(x, &(struct rasd){
		.address = "0", .description = c->label, .element_name = controller,
		.instance_id = id++, .resource_subtype = c->subtype,
		.resource_type = c->resource_type });
	w_item(x, &(struct rasd){
		.address_on_parent = "0", .element_name = "Hard Disk 1",
		.host_resource = "ovf:/disk/vmdisk1", .instance_id = id++,
		.parent = controller_id, .resource_type = RT_DISK });
	for (size_t i = 0; i < m->nr_nics; i++) {
		const char *net = nic_network(&m->nics[i]);
		CLEANUP_FREE char *desc = xasprintf("%s ethernet adapter on \"%s\"",
						    p->nic_subtypes[i], net);
		CLEANUP_FREE char *name = xasprintf("Ethernet %zu", i + 1);

		w_item(x, &(struct rasd){
			.address = m->nics[i].mac, .automatic_allocation = "true",
			.connection = net, .description = desc, .element_name = name,
			.instance_id = id++, .resource_subtype = p->nic_subtypes[i],
			.resource_type = RT_ETHERNET });
	}
	w_config(x, "firmware", o->firmware == FW_EFI ? "efi" : "bios");
	xmlw_end(x);
}

int ovf_write(const char *path, const struct ovf_options *o, struct jeos_error *err)
{
	struct plan p = { 0 };
	struct xmlw x;
	int ret = -1;

	if (make_plan(path, o, &p, err) < 0)
		goto out;
	xmlw_begin(&x); /* two-space indentation, as ovftool writes */
	w_envelope_head(&x, o->disk, &p);
	xmlw_start(&x, "VirtualSystem");
	xmlw_attr(&x, "ovf:id", o->product->name);
	xmlw_text(&x, "Info", "A virtual machine");
	xmlw_text(&x, "Name", o->product->name);
	w_product(&x, o->product);
	xmlw_start(&x, "OperatingSystemSection");
	xmlw_attr_u64(&x, "ovf:id", p.os_id);
	xmlw_attr(&x, "vmw:osType", p.os_type);
	xmlw_text(&x, "Info", "The kind of installed guest operating system");
	xmlw_end(&x);
	w_hardware(&x, o, &p);
	xmlw_end(&x); /* VirtualSystem */
	xmlw_end(&x); /* Envelope */
	ret = xmlw_commit(&x, path, "descriptor", err);
out:
	plan_clear(&p);
	return ret;
}

/* ---- manifest and OVA ---- */

static const enum hash_alg digest_algs[] = {
	[OVF_DIGEST_SHA256] = HASH_SHA256,
	[OVF_DIGEST_SHA1] = HASH_SHA1,
};

int ovf_write_manifest(const char *path, const char *dir, const char *const files[],
		       size_t nr, enum ovf_digest d, struct jeos_error *err)
{
	CLEANUP_STRBUF struct strbuf mf = STRBUF_INIT;
	enum hash_alg alg = digest_algs[d];

	for (size_t i = 0; i < nr; i++) {
		CLEANUP_FREE char *file = xasprintf("%s/%s", dir, files[i]);
		char hex[HASH_HEX_MAX + 1];

		if (check_name(path, files[i], err) < 0 ||
		    hash_file(file, alg, hex, err) < 0)
			return -1;
		strbuf_addf(&mf, "%s(%s)= %s\n", hash_alg_name(alg), files[i], hex);
	}
	return write_file(path, mf.buf ? mf.buf : "", mf.len, err);
}

/* Copies dir/name into the archive as one ustar member. */
static int add_member(struct archive *a, const char *path, const char *dir,
		      const char *name, int64_t mtime, struct jeos_error *err)
{
	CLEANUP_FREE char *file = xasprintf("%s/%s", dir, name);
	struct archive_entry *ae = NULL;
	char chunk[1 << 16];
	struct stat st;
	uint64_t left;
	int ret = -1;
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot open %s: %s", file,
				 strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s is not a regular file", path, file);
		goto out;
	}
	if ((uint64_t)st.st_size > USTAR_MAX_SIZE) {
		jeos_fail(err, JEOS_EXIT_FAILED,
			  "%s: %s has %jd bytes; a POSIX ustar member holds at most 8 GiB - 1",
			  path, name, (intmax_t)st.st_size);
		goto out;
	}
	ae = archive_entry_new();
	if (!ae)
		abort();
	archive_entry_set_pathname(ae, name);
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_perm(ae, 0644);
	archive_entry_set_size(ae, st.st_size);
	archive_entry_set_uid(ae, 0);
	archive_entry_set_gid(ae, 0);
	archive_entry_set_uname(ae, "root");
	archive_entry_set_gname(ae, "root");
	archive_entry_set_mtime(ae, (time_t)mtime, 0);
	if (archive_write_header(a, ae) != ARCHIVE_OK) {
		jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s: %s", path, name,
			  archive_error_string(a));
		goto out;
	}
	for (left = (uint64_t)st.st_size; left;) {
		ssize_t n = read(fd, chunk, left < sizeof(chunk) ? left : sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* a short file would leave the archive's sizes wrong */
			jeos_fail(err, JEOS_EXIT_FAILED, "cannot read %s: %s", file,
				  n ? strerror(errno) : "it shrank while being archived");
			goto out;
		}
		if (archive_write_data(a, chunk, (size_t)n) != n) {
			jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s: %s", path, name,
				  archive_error_string(a));
			goto out;
		}
		left -= (uint64_t)n;
	}
	ret = 0;
out:
	archive_entry_free(ae);
	close(fd);
	return ret;
}

int ova_write(const char *path, const char *dir, const char *const files[], size_t nr,
	      int64_t mtime, struct jeos_error *err)
{
	CLEANUP_UNLINK_FREE char *tmp = tmpname_for(path);
	struct archive *a = NULL;
	int ret = -1;

	if (!nr || !str_has_suffix(files[0], ".ovf")) {
		jeos_fail(err, JEOS_EXIT_USAGE,
			  "%s: the first member must be the .ovf descriptor (got %s)",
			  path, nr ? files[0] : "no files");
		goto out;
	}
	for (size_t i = 0; i < nr; i++)
		if (check_name(path, files[i], err) < 0)
			goto out;
	a = archive_write_new();
	if (!a)
		abort();
	if (archive_write_set_format_ustar(a) != ARCHIVE_OK ||
	    archive_write_open_filename(a, tmp) != ARCHIVE_OK) {
		jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s", tmp, archive_error_string(a));
		goto out;
	}
	for (size_t i = 0; i < nr; i++)
		if (add_member(a, path, dir, files[i], mtime, err) < 0)
			goto out;
	if (archive_write_close(a) != ARCHIVE_OK) {
		jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s", tmp, archive_error_string(a));
		goto out;
	}
	ret = commit_file(&tmp, path, err);
out:
	/* failed: not padded out to the member's declared size, and closed,
	 * or libarchive 3.6 would keep its file and buffer */
	if (a && ret < 0) {
		archive_write_fail(a);
		archive_write_close(a);
	}
	if (a)
		archive_write_free(a);
	return ret;
}

/* ---- inspect ---- */

struct mf_entry {
	char *name;
	enum hash_alg alg;
	char hex[HASH_HEX_MAX + 1];
};

/* A file of the package, with the digests the manifest asks for. */
struct member {
	char *name;
	char hex[HASH_NR][HASH_HEX_MAX + 1]; /* "" where not computed */
};

struct package {
	const char *path;          /* as the user named it */
	char *dir;                 /* an .ovf's directory; NULL for an OVA */
	uint64_t unread;           /* an OVA: bytes its members may still yield
				    * (no more than the archive holds) */
	char *ovf_name, *mf_name;
	struct strbuf ovf, mf;
	struct mf_entry *entries;
	size_t nr_entries, alloc_entries;
	struct member *members;
	size_t nr_members, alloc_members;
};

static void package_clear(struct package *p)
{
	for (size_t i = 0; i < p->nr_entries; i++)
		free(p->entries[i].name);
	for (size_t i = 0; i < p->nr_members; i++)
		free(p->members[i].name);
	free(p->entries);
	free(p->members);
	free(p->dir);
	free(p->ovf_name);
	free(p->mf_name);
	strbuf_release(&p->ovf);
	strbuf_release(&p->mf);
}

static const struct mf_entry *find_entry(const struct package *p, const char *name)
{
	for (size_t i = 0; i < p->nr_entries; i++)
		if (!strcmp(p->entries[i].name, name))
			return &p->entries[i];
	return NULL;
}

static const struct member *find_member(const struct package *p, const char *name)
{
	for (size_t i = 0; i < p->nr_members; i++)
		if (!strcmp(p->members[i].name, name))
			return &p->members[i];
	return NULL;
}

/* "SHA256(file)= hex" lines; OpenSSL's `dgst -r`-less output, as ovftool
 * and virt-v2v read them (a CR before the LF is allowed). */
static int parse_manifest(struct package *p, struct jeos_error *err)
{
	const char *line, *end;

	if (!p->mf.len)
		return jeos_fail(err, JEOS_EXIT_USAGE,
				 "%s: the manifest %s is empty: it must list the package's files",
				 p->path, p->mf_name);
	line = p->mf.buf;
	end = p->mf.buf + p->mf.len;
	for (unsigned lineno = 1; line < end; lineno++) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		const char *le = eol ? eol : end, *next = eol ? eol + 1 : end;
		const char *open = memchr(line, '(', (size_t)(le - line)), *close = NULL;
		struct mf_entry e = { 0 };
		size_t hex_len;

		while (le > line && (le[-1] == '\r' || le[-1] == ' '))
			le--;
		if (le == line) {
			line = next;
			continue;
		}
		for (const char *s = open; s && s + 3 <= le; s++)
			if (!memcmp(s, ")= ", 3))
				close = s; /* the last one: a name may hold ")= " */
		hex_len = close ? (size_t)(le - close - 3) : 0;
		if (!open || !close ||
		    hash_alg_from_name(line, (size_t)(open - line), &e.alg) < 0 ||
		    hex_len != hash_hex_len(e.alg) ||
		    strspn(close + 3, "0123456789abcdefABCDEF") < hex_len)
			return jeos_fail(err, JEOS_EXIT_USAGE,
					 "%s: %s:%u: expected \"SHA256(file)= hex digest\" "
					 "(or SHA1, SHA512)", p->path, p->mf_name, lineno);
		e.name = xstrndup(open + 1, (size_t)(close - open - 1));
		for (size_t i = 0; i < hex_len; i++)
			e.hex[i] = (char)tolower((unsigned char)close[3 + i]);
		if (find_entry(p, e.name)) {
			jeos_fail(err, JEOS_EXIT_USAGE, "%s: %s:%u: %s is listed twice",
				  p->path, p->mf_name, lineno, e.name);
			free(e.name);
			return -1;
		}
		if (p->nr_entries == MAX_PACKAGE_FILES) {
			free(e.name);
			return jeos_fail(err, JEOS_EXIT_USAGE, "%s: %s lists over %u files: "
					 "not an appliance's manifest", p->path, p->mf_name,
					 MAX_PACKAGE_FILES);
		}
		ALLOC_GROW(p->entries, p->nr_entries + 1, p->alloc_entries);
		p->entries[p->nr_entries++] = e;
		line = next;
	}
	if (!p->nr_entries)
		return jeos_fail(err, JEOS_EXIT_USAGE,
				 "%s: the manifest %s lists no files (only blank lines)",
				 p->path, p->mf_name);
	return 0;
}

/* Digests a member is hashed with: the one its manifest line names; all
 * while the manifest is still unknown (an OVA may place it late). */
struct member_hash {
	struct member *m;
	struct hash h[HASH_NR];
	unsigned algs;
};

static void member_begin(struct package *p, struct member_hash *mh, const char *name,
			 int manifest_known)
{
	const struct mf_entry *e = find_entry(p, name);

	ALLOC_GROW(p->members, p->nr_members + 1, p->alloc_members);
	mh->m = &p->members[p->nr_members++];
	memset(mh->m, 0, sizeof(*mh->m));
	mh->m->name = xstrdup(name);
	mh->algs = !manifest_known ? (1u << HASH_NR) - 1 : e ? 1u << e->alg : 0;
	for (int i = 0; i < HASH_NR; i++)
		if (mh->algs & (1u << i))
			hash_init(&mh->h[i], (enum hash_alg)i);
}

static void member_update(struct member_hash *mh, const void *data, size_t len)
{
	for (int i = 0; i < HASH_NR; i++)
		if (mh->algs & (1u << i))
			hash_update(&mh->h[i], data, len);
}

static void member_end(struct member_hash *mh)
{
	for (int i = 0; i < HASH_NR; i++)
		if (mh->algs & (1u << i))
			hash_final(&mh->h[i], mh->m->hex[i]);
}

static int archive_failed(const struct package *p, const char *name,
			  struct archive *a, struct jeos_error *err)
{
	const char *msg = archive_error_string(a);

	return jeos_fail(err, JEOS_EXIT_USAGE, "%s: %s%s%s", p->path,
			 name ? name : "", name ? ": " : "", msg ? msg : "read error");
}

/* archive_read_data, bounded: the members together yield no more bytes
 * than the archive holds (a sparse member would otherwise expand to
 * exabytes of zeroes to hash). */
static la_ssize_t read_member_data(struct package *p, struct archive *a, const char *name,
				   void *buf, size_t len, struct jeos_error *err)
{
	la_ssize_t n = archive_read_data(a, buf, len);

	if (n < 0)
		return archive_failed(p, name, a, err);
	if ((uint64_t)n > p->unread)
		return jeos_fail(err, JEOS_EXIT_USAGE, "%s: %s yields more data than the "
				 "archive holds (a sparse member): refused", p->path, name);
	p->unread -= (uint64_t)n;
	return n;
}

/* The current member into sb: a descriptor or manifest. */
static int read_text_member(struct package *p, struct archive *a, const char *name,
			    struct strbuf *sb, struct jeos_error *err)
{
	char chunk[1 << 16];
	la_ssize_t n;

	while ((n = read_member_data(p, a, name, chunk, sizeof(chunk), err)) > 0) {
		if (sb->len + (size_t)n > MAX_TEXT_MEMBER)
			return jeos_fail(err, JEOS_EXIT_USAGE,
					 "%s: %s is over %u MiB: not a descriptor or manifest",
					 p->path, name, MAX_TEXT_MEMBER >> 20);
		strbuf_add(sb, chunk, (size_t)n);
	}
	return n < 0 ? -1 : 0;
}

static int read_ova_member(struct package *p, struct archive *a, const char *name,
			   struct jeos_error *err)
{
	struct member_hash mh;
	char chunk[1 << 16];
	la_ssize_t n = 0;

	if (str_has_suffix(name, ".ovf") || str_has_suffix(name, ".mf")) {
		int is_ovf = str_has_suffix(name, ".ovf");
		char **slot = is_ovf ? &p->ovf_name : &p->mf_name;

		if (*slot)
			return jeos_fail(err, JEOS_EXIT_USAGE, "%s: two %s files: %s and %s",
					 p->path, is_ovf ? "descriptor (.ovf)" : "manifest (.mf)",
					 *slot, name);
		*slot = xstrdup(name);
		if (read_text_member(p, a, name, is_ovf ? &p->ovf : &p->mf, err) < 0)
			return -1;
		if (!is_ovf)
			return parse_manifest(p, err);
		member_begin(p, &mh, name, p->mf_name != NULL);
		member_update(&mh, p->ovf.buf, p->ovf.len);
		member_end(&mh);
		return 0;
	}
	/* a certificate signs the manifest; the manifest does not list it */
	if (str_has_suffix(name, ".cert"))
		return 0;
	member_begin(p, &mh, name, p->mf_name != NULL);
	/* a member the manifest does not list is reported, not read */
	while (mh.algs && (n = read_member_data(p, a, name, chunk, sizeof(chunk), err)) > 0)
		member_update(&mh, chunk, (size_t)n);
	member_end(&mh);
	return n < 0 ? -1 : 0;
}

/* FILE, opened to be read: a regular file only (never waiting on a FIFO,
 * a device or a socket), and with nofollow not through a symlink. -1
 * with err filled and errno kept (ENOENT: missing). */
static int open_regular(const struct package *p, const char *file, int nofollow,
			uint64_t *size, struct jeos_error *err)
{
	int fd = open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
	int saved = errno;
	struct stat st;

	if (fd < 0) {
		if (saved == ELOOP)
			jeos_fail(err, JEOS_EXIT_USAGE, "%s: %s is a symbolic link: an OVF "
				  "package is read from regular files only", p->path, file);
		else
			jeos_fail(err, JEOS_EXIT_USAGE, "cannot open %s: %s", file, strerror(saved));
		errno = saved;
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		jeos_fail(err, JEOS_EXIT_USAGE, "%s: %s is not a regular file (a FIFO, device "
			  "or directory): an OVF package is read from regular files only",
			  p->path, file);
		close(fd);
		errno = EINVAL;
		return -1;
	}
	if (size)
		*size = (uint64_t)st.st_size;
	return fd;
}

/* A descriptor or manifest file into sb, at most MAX_TEXT_MEMBER bytes. */
static int read_text_file(const struct package *p, const char *file, int nofollow,
			  struct strbuf *sb, struct jeos_error *err)
{
	char chunk[1 << 16];
	ssize_t n;
	int fd = open_regular(p, file, nofollow, NULL, err);

	if (fd < 0)
		return -1;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0 || (n < 0 && errno == EINTR)) {
		if (n < 0)
			continue;
		if (sb->len + (size_t)n > MAX_TEXT_MEMBER) {
			close(fd);
			return jeos_fail(err, JEOS_EXIT_USAGE,
					 "%s is over %u MiB: not a descriptor or manifest", file,
					 MAX_TEXT_MEMBER >> 20);
		}
		strbuf_add(sb, chunk, (size_t)n);
	}
	if (n < 0) {
		int saved = errno;
		close(fd);
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot read %s: %s", file, strerror(saved));
	}
	close(fd);
	return 0;
}

static int read_ova(struct package *p, struct jeos_error *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	int fd = open_regular(p, p->path, 0, &p->unread, err);
	int r, ret = -1;

	if (!a)
		abort();
	if (fd < 0)
		goto out;
	/* tar only, no decompression filter: nothing expands */
	if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_open_fd(a, fd, 64 * 1024) != ARCHIVE_OK) {
		/* a wrong format is ARCHIVE_ERRNO_FILE_FORMAT: EILSEQ (see deb.c) */
		if (archive_errno(a) > 0 && archive_errno(a) != EILSEQ)
			jeos_fail(err, JEOS_EXIT_FAILED, "cannot read %s: %s", p->path,
				  strerror(archive_errno(a)));
		else
			archive_failed(p, "not an OVA (a tar archive)", a, err);
		goto out;
	}
	while ((r = archive_read_next_header(a, &ae)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const char *name = archive_entry_pathname(ae);

		if (archive_entry_filetype(ae) != AE_IFREG || !name)
			continue;
		if (str_has_prefix(name, "./"))
			name += 2;
		if (p->nr_members == MAX_PACKAGE_FILES) {
			jeos_fail(err, JEOS_EXIT_USAGE, "%s: over %u files: not an appliance",
				  p->path, MAX_PACKAGE_FILES);
			goto out;
		}
		if (read_ova_member(p, a, name, err) < 0)
			goto out;
	}
	if (r != ARCHIVE_EOF) {
		archive_failed(p, NULL, a, err);
		goto out;
	}
	if (!p->ovf_name) {
		jeos_fail(err, JEOS_EXIT_USAGE, "%s: no .ovf descriptor in the archive", p->path);
		goto out;
	}
	ret = 0;
out:
	archive_read_free(a);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* An .ovf and, beside it, the manifest of the same name. */
static int read_ovf(struct package *p, struct jeos_error *err)
{
	const char *slash = strrchr(p->path, '/');
	CLEANUP_FREE char *mf_path = NULL;
	struct member_hash mh;

	p->dir = slash ? xstrndup(p->path, (size_t)(slash - p->path)) : xstrdup(".");
	p->ovf_name = xstrdup(slash ? slash + 1 : p->path);
	if (read_text_file(p, p->path, 0, &p->ovf, err) < 0)
		return -1;
	p->mf_name = xasprintf("%.*s.mf", (int)(strlen(p->ovf_name) - 4), p->ovf_name);
	mf_path = xasprintf("%s/%s", p->dir, p->mf_name);
	if (read_text_file(p, mf_path, 1, &p->mf, err) < 0) {
		if (errno != ENOENT)
			return -1;
		free(p->mf_name);
		p->mf_name = NULL;
	} else if (parse_manifest(p, err) < 0) {
		return -1;
	}
	member_begin(p, &mh, p->ovf_name, 1);
	member_update(&mh, p->ovf.buf, p->ovf.len);
	member_end(&mh);
	return 0;
}

/* A file beside an .ovf: hashed if it exists, else left for the check
 * to report. Names come from the descriptor or manifest: a file name in
 * the package's directory (ovftool's packages are flat), no path. */
static int hash_beside(struct package *p, const char *name, struct jeos_error *err)
{
	CLEANUP_FREE char *file = NULL;
	struct member_hash mh;
	char chunk[1 << 16];
	ssize_t n = 0;
	int fd;

	if (find_member(p, name))
		return 0;
	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return jeos_fail(err, JEOS_EXIT_USAGE, "%s: \"%s\" is not a file name in the "
				 "package's directory: refused", p->path, name);
	file = xasprintf("%s/%s", p->dir, name);
	fd = open_regular(p, file, 1, NULL, err);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	/* beside an .ovf the manifest is known: there or not */
	member_begin(p, &mh, name, 1);
	while (mh.algs && ((n = read(fd, chunk, sizeof(chunk))) > 0 ||
			   (n < 0 && errno == EINTR)))
		if (n > 0)
			member_update(&mh, chunk, (size_t)n);
	member_end(&mh);
	if (n < 0) {
		int saved = errno;
		close(fd);
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot read %s: %s", file,
				 strerror(saved));
	}
	close(fd);
	return 0;
}

/* ---- the descriptor's summary ---- */

#define VHS "/ovf:Envelope/ovf:VirtualSystem/ovf:VirtualHardwareSection"

/* The string value of expr evaluated at node (NULL: the document), or
 * NULL when empty. */
static char *xp_str(xmlXPathContextPtr ctx, xmlNodePtr node, const char *expr)
{
	CLEANUP_FREE char *full = xasprintf("string(%s)", expr);
	xmlXPathObjectPtr o;
	char *s = NULL;

	ctx->node = node ? node : xmlDocGetRootElement(ctx->doc);
	o = xmlXPathEvalExpression(BAD_CAST full, ctx);
	if (o && o->type == XPATH_STRING && o->stringval && *o->stringval)
		s = xstrdup((const char *)o->stringval);
	xmlXPathFreeObject(o);
	return s;
}

static xmlXPathObjectPtr xp_nodes(xmlXPathContextPtr ctx, const char *expr)
{
	ctx->node = xmlDocGetRootElement(ctx->doc);
	return xmlXPathEvalExpression(BAD_CAST expr, ctx);
}

static size_t nr_nodes(xmlXPathObjectPtr o)
{
	return o && o->type == XPATH_NODESET && o->nodesetval ?
	       (size_t)o->nodesetval->nodeNr : 0;
}

/* "byte", "byte * 2^30": bytes per unit; 0 for units jeos cannot scale. */
static uint64_t unit_bytes(const char *units)
{
	unsigned shift;
	int used = 0;

	if (!units || !strcmp(units, "byte"))
		return 1;
	if (sscanf(units, "byte * 2^%u%n", &shift, &used) == 1 && !units[used] &&
	    shift < 64)
		return (uint64_t)1 << shift;
	return 0;
}

static const char *os_name(const char *cim_id)
{
	static const struct { const char *id, *name; } names[] = {
		{ "36", "Linux" }, { "94", "Ubuntu 64-bit" }, { "96", "Debian 64-bit" },
		{ "100", "Linux 2.6.x 64-bit" }, { "101", "Linux 64-bit" },
	};

	for (size_t i = 0; i < NR(names); i++)
		if (cim_id && !strcmp(names[i].id, cim_id))
			return names[i].name;
	return "CIM OS id";
}

static void print_disk(xmlXPathContextPtr ctx, xmlNodePtr item, FILE *out)
{
	CLEANUP_FREE char *host = xp_str(ctx, item, "rasd:HostResource");
	const char *id = !host ? "" : str_has_prefix(host, "ovf:/disk/") ? host + 10 :
			 str_has_prefix(host, "/disk/") ? host + 6 : NULL;
	xmlXPathObjectPtr disks = xp_nodes(ctx, "/ovf:Envelope/ovf:DiskSection/ovf:Disk");
	xmlXPathObjectPtr files = xp_nodes(ctx, "/ovf:Envelope/ovf:References/ovf:File");
	xmlChar *file_ref = NULL, *capacity = NULL, *units = NULL, *href = NULL;

	for (size_t i = 0; id && i < nr_nodes(disks) && !file_ref; i++) {
		xmlNodePtr d = disks->nodesetval->nodeTab[i];
		xmlChar *disk_id = xmlGetNsProp(d, BAD_CAST "diskId", BAD_CAST OVF_NS);

		if (disk_id && !strcmp((const char *)disk_id, id)) {
			file_ref = xmlGetNsProp(d, BAD_CAST "fileRef", BAD_CAST OVF_NS);
			capacity = xmlGetNsProp(d, BAD_CAST "capacity", BAD_CAST OVF_NS);
			units = xmlGetNsProp(d, BAD_CAST "capacityAllocationUnits",
					     BAD_CAST OVF_NS);
		}
		xmlFree(disk_id);
	}
	for (size_t i = 0; file_ref && i < nr_nodes(files) && !href; i++) {
		xmlNodePtr f = files->nodesetval->nodeTab[i];
		xmlChar *file_id = xmlGetNsProp(f, BAD_CAST "id", BAD_CAST OVF_NS);

		if (file_id && xmlStrEqual(file_id, file_ref))
			href = xmlGetNsProp(f, BAD_CAST "href", BAD_CAST OVF_NS);
		xmlFree(file_id);
	}
	fprintf(out, "disk:         %s", href ? (const char *)href :
		host ? host : "(no disk)");
	if (capacity) {
		uint64_t scale = unit_bytes((const char *)units);
		char *end, size[32];
		uint64_t n = strtoull((const char *)capacity, &end, 10);

		if (scale && !*end && n <= UINT64_MAX / scale)
			fprintf(out, ", %s (%" PRIu64 " bytes)",
				human_size(n * scale, size), n * scale);
		else
			fprintf(out, ", capacity %s %s", (const char *)capacity,
				units ? (const char *)units : "");
	}
	fputc('\n', out);
	xmlFree(file_ref);
	xmlFree(capacity);
	xmlFree(units);
	xmlFree(href);
	xmlXPathFreeObject(disks);
	xmlXPathFreeObject(files);
}

static void print_items(xmlXPathContextPtr ctx, FILE *out)
{
	xmlXPathObjectPtr items = xp_nodes(ctx, VHS "/ovf:Item");

	for (size_t i = 0; i < nr_nodes(items); i++) {
		xmlNodePtr item = items->nodesetval->nodeTab[i];
		CLEANUP_FREE char *type = xp_str(ctx, item, "rasd:ResourceType");
		CLEANUP_FREE char *subtype = xp_str(ctx, item, "rasd:ResourceSubType");
		CLEANUP_FREE char *conn = xp_str(ctx, item, "rasd:Connection");
		CLEANUP_FREE char *addr = xp_str(ctx, item, "rasd:Address");
		int rt = type ? atoi(type) : 0;

		if (rt == RT_IDE || rt == RT_SCSI || rt == RT_STORAGE)
			fprintf(out, "controller:   %s%s%s\n",
				rt == RT_IDE ? "IDE" : rt == RT_SCSI ? "SCSI" : "storage",
				subtype ? " " : "", subtype ? subtype : "");
		else if (rt == RT_DISK)
			print_disk(ctx, item, out);
		else if (rt == RT_ETHERNET)
			fprintf(out, "nic:          %s on %s%s%s\n",
				subtype ? subtype : "(type not given)",
				conn ? conn : "(no network)", addr ? ", mac " : "",
				addr ? addr : "");
	}
	xmlXPathFreeObject(items);
}

static void print_summary(xmlXPathContextPtr ctx, FILE *out)
{
	CLEANUP_FREE char *product = xp_str(ctx, NULL, "/ovf:Envelope/ovf:VirtualSystem/ovf:ProductSection/ovf:Product");
	CLEANUP_FREE char *name = xp_str(ctx, NULL, "/ovf:Envelope/ovf:VirtualSystem/ovf:Name");
	CLEANUP_FREE char *id = xp_str(ctx, NULL, "/ovf:Envelope/ovf:VirtualSystem/@ovf:id");
	CLEANUP_FREE char *version = xp_str(ctx, NULL, "/ovf:Envelope/ovf:VirtualSystem/ovf:ProductSection/ovf:Version");
	CLEANUP_FREE char *vendor = xp_str(ctx, NULL, "/ovf:Envelope/ovf:VirtualSystem/ovf:ProductSection/ovf:Vendor");
	CLEANUP_FREE char *url = xp_str(ctx, NULL, "/ovf:Envelope/ovf:VirtualSystem/ovf:ProductSection/ovf:ProductUrl");
	CLEANUP_FREE char *os_id = xp_str(ctx, NULL, "/ovf:Envelope/ovf:VirtualSystem/ovf:OperatingSystemSection/@ovf:id");
	CLEANUP_FREE char *os_type = xp_str(ctx, NULL, "/ovf:Envelope/ovf:VirtualSystem/ovf:OperatingSystemSection/@vmw:osType");
	CLEANUP_FREE char *cpus = xp_str(ctx, NULL, VHS "/ovf:Item[rasd:ResourceType=3]/rasd:VirtualQuantity");
	CLEANUP_FREE char *mem = xp_str(ctx, NULL, VHS "/ovf:Item[rasd:ResourceType=4]/rasd:VirtualQuantity");
	CLEANUP_FREE char *mem_units = xp_str(ctx, NULL, VHS "/ovf:Item[rasd:ResourceType=4]/rasd:AllocationUnits");
	CLEANUP_FREE char *firmware = xp_str(ctx, NULL, VHS "/vmw:Config[@vmw:key='firmware']/@vmw:value");
	CLEANUP_FREE char *hw = xp_str(ctx, NULL, VHS "/ovf:System/vssd:VirtualSystemType");
	const char *title = product ? product : name ? name : id;

	fprintf(out, "product:      %s%s%s\n", title ? title : "(unnamed)",
		version ? " " : "", version ? version : "");
	if (vendor || url)
		fprintf(out, "vendor:       %s%s%s\n", vendor ? vendor : "",
			vendor && url ? ", " : "", url ? url : "");
	fprintf(out, "os:           %s (%s%s%s)\n", os_name(os_id), os_id ? os_id : "?",
		os_type ? ", " : "", os_type ? os_type : "");
	fprintf(out, "hardware:     %s\n", hw ? hw : "(not given)");
	fprintf(out, "cpus:         %s\n", cpus ? cpus : "(not given)");
	if (mem && mem_units && !strcmp(mem_units, "byte * 2^20"))
		fprintf(out, "memory:       %s MiB\n", mem);
	else
		fprintf(out, "memory:       %s%s%s\n", mem ? mem : "(not given)",
			mem_units ? " " : "", mem_units ? mem_units : "");
	fprintf(out, "firmware:     %s\n", firmware ? firmware : "bios (not given)");
	print_items(ctx, out);
}

/* SAX callback at a <!DOCTYPE>: the parse stops there. An OVF descriptor
 * has no DTD, and a DTD is how entities come in (nested ones expanding to
 * gigabytes, external ones naming host files). */
static void stop_at_dtd(void *ctx, const xmlChar *name, const xmlChar *external_id,
			const xmlChar *system_id)
{
	xmlParserCtxtPtr ctxt = ctx;

	(void)name, (void)external_id, (void)system_id;
	*(int *)ctxt->_private = 1;
	xmlStopParser(ctxt);
}

/* The descriptor, parsed offline (XML_PARSE_NONET, no DTD, no XInclude,
 * libxml2's default size limits). */
static xmlDocPtr parse_descriptor(const struct package *p, struct jeos_error *err)
{
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	xmlDocPtr doc;
	xmlNodePtr root;
	const xmlError *e;
	int dtd = 0;

	if (!ctxt)
		abort();
	ctxt->sax->internalSubset = stop_at_dtd;
	ctxt->_private = &dtd;
	doc = xmlCtxtReadMemory(ctxt, p->ovf.buf, (int)p->ovf.len, p->ovf_name, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	e = xmlCtxtGetLastError(ctxt);
	root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (dtd) {
		jeos_fail(err, JEOS_EXIT_USAGE, "%s: %s has a DTD (<!DOCTYPE>): refused, an OVF "
			  "descriptor has none (entities could expand without bound or name "
			  "host files)", p->path, p->ovf_name);
	} else if (!doc) {
		/* libxml2's message ends in a newline */
		jeos_fail(err, JEOS_EXIT_USAGE, "%s: %s:%d: malformed XML: %.*s", p->path,
			  p->ovf_name, e ? e->line : 0,
			  e && e->message ? (int)strcspn(e->message, "\n") : 12,
			  e && e->message ? e->message : "cannot parse");
	} else if (!root || !xmlStrEqual(root->name, BAD_CAST "Envelope") || !root->ns ||
		   !xmlStrEqual(root->ns->href, BAD_CAST OVF_NS)) {
		jeos_fail(err, JEOS_EXIT_USAGE,
			  "%s: %s: not an OVF 1.x descriptor (expected an Envelope in "
			  "namespace %s)", p->path, p->ovf_name, OVF_NS);
	} else {
		xmlFreeParserCtxt(ctxt);
		return doc;
	}
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	return NULL;
}

/* The summary and the checks compare References, disks and hardware items
 * pairwise: a descriptor with thousands of them is refused. */
static int check_counts(const struct package *p, xmlXPathContextPtr ctx,
			struct jeos_error *err)
{
	static const char *const what[] = {
		"/ovf:Envelope/ovf:References/ovf:File",
		"/ovf:Envelope/ovf:DiskSection/ovf:Disk",
		VHS "/ovf:Item",
	};

	for (size_t i = 0; i < NR(what); i++) {
		xmlXPathObjectPtr o = xp_nodes(ctx, what[i]);
		size_t n = nr_nodes(o);

		xmlXPathFreeObject(o);
		if (n > MAX_PACKAGE_FILES)
			return jeos_fail(err, JEOS_EXIT_USAGE, "%s: %s has %zu %s elements, over "
					 "the %u jeos reads", p->path, p->ovf_name, n,
					 strrchr(what[i], ':') + 1, MAX_PACKAGE_FILES);
	}
	return 0;
}

/* Hashes what an .ovf's package holds beside it: every file the descriptor
 * references and every file the manifest lists. */
static int hash_referenced(struct package *p, xmlXPathContextPtr ctx,
			   struct jeos_error *err)
{
	xmlXPathObjectPtr files = xp_nodes(ctx, "/ovf:Envelope/ovf:References/ovf:File/@ovf:href");
	int ret = 0;

	for (size_t i = 0; i < nr_nodes(files) && !ret; i++) {
		xmlChar *href = xmlNodeGetContent(files->nodesetval->nodeTab[i]);

		ret = hash_beside(p, href ? (const char *)href : "", err);
		xmlFree(href);
	}
	for (size_t i = 0; i < p->nr_entries && !ret; i++)
		ret = hash_beside(p, p->entries[i].name, err);
	xmlXPathFreeObject(files);
	return ret;
}

/* The verdict: every file there is listed and matches, every file
 * referenced or listed is there. All problems, one per line. */
static int check_package(const struct package *p, xmlXPathContextPtr ctx, FILE *out,
			 struct jeos_error *err)
{
	xmlXPathObjectPtr files = xp_nodes(ctx, "/ovf:Envelope/ovf:References/ovf:File/@ovf:href");
	CLEANUP_STRBUF struct strbuf problems = STRBUF_INIT;

	for (size_t i = 0; i < nr_nodes(files); i++) {
		xmlChar *href = xmlNodeGetContent(files->nodesetval->nodeTab[i]);

		if (href && !find_member(p, (const char *)href) &&
		    !find_entry(p, (const char *)href))
			strbuf_addf(&problems, "\n  %s (in the descriptor's References) is missing",
				    (const char *)href);
		xmlFree(href);
	}
	xmlXPathFreeObject(files);
	for (size_t i = 0; p->mf_name && i < p->nr_entries; i++)
		if (!find_member(p, p->entries[i].name))
			strbuf_addf(&problems, "\n  %s (listed in %s) is missing",
				    p->entries[i].name, p->mf_name);
	for (size_t i = 0; p->mf_name && i < p->nr_members; i++) {
		const struct member *m = &p->members[i];
		const struct mf_entry *e = find_entry(p, m->name);

		if (!e)
			strbuf_addf(&problems, "\n  %s is not in the manifest %s",
				    m->name, p->mf_name);
		else if (strcmp(e->hex, m->hex[e->alg]))
			strbuf_addf(&problems, "\n  %s: %s digest does not match %s "
				    "(damaged or altered)", m->name, hash_alg_name(e->alg),
				    p->mf_name);
	}
	if (problems.len)
		return jeos_fail(err, JEOS_EXIT_FAILED, "%s: the package does not check out:%s",
				 p->path, problems.buf);
	if (!p->mf_name)
		fprintf(out, "manifest:     none (nothing to check)\n");
	else
		fprintf(out, "manifest:     %s, %s: %zu files match\n", p->mf_name,
			p->nr_entries ? hash_alg_name(p->entries[0].alg) : "empty",
			p->nr_entries);
	return 0;
}

int ovf_inspect(const char *path, FILE *out, struct jeos_error *err)
{
	struct package p = { .path = path };
	xmlDocPtr doc = NULL;
	xmlXPathContextPtr ctx = NULL;
	int ret = -1;

	if ((str_has_suffix(path, ".ovf") ? read_ovf(&p, err) : read_ova(&p, err)) < 0 ||
	    !(doc = parse_descriptor(&p, err)))
		goto out;
	ctx = xmlXPathNewContext(doc);
	if (!ctx ||
	    xmlXPathRegisterNs(ctx, BAD_CAST "ovf", BAD_CAST OVF_NS) ||
	    xmlXPathRegisterNs(ctx, BAD_CAST "rasd", BAD_CAST RASD_NS) ||
	    xmlXPathRegisterNs(ctx, BAD_CAST "vssd", BAD_CAST VSSD_NS) ||
	    xmlXPathRegisterNs(ctx, BAD_CAST "vmw", BAD_CAST VMW_NS))
		abort();
	if (check_counts(&p, ctx, err) < 0 || (p.dir && hash_referenced(&p, ctx, err) < 0))
		goto out;
	fprintf(out, "package:      %s\n", path);
	print_summary(ctx, out);
	ret = check_package(&p, ctx, out, err);
out:
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	package_clear(&p);
	return ret;
}
