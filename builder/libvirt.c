/* libvirt.c - see libvirt.h. */
#include "libvirt.h"

#include <stdio.h>
#include <string.h>

#include "xmlw.h"

/* How a <vmdisk controller> appears to libvirt. */
static const struct disk_bus {
	const char *controller, *bus, *dev, *scsi_model;
} disk_buses[] = {
	{ "virtio", "virtio", "vda", NULL },
	{ "lsilogic", "scsi", "sda", "lsilogic" },
	{ "lsilogicsas", "scsi", "sda", "lsisas1068" },
	{ "pvscsi", "scsi", "sda", "vmpvscsi" },
	{ "sata", "sata", "sda", NULL },
	{ "ide", "ide", "hda", NULL },
};

/* <address type="pci" domain="0x0000" bus="0x03" slot="0x00" function="0x0"/>
 * from "0000:03:00.0" (the recipe schema checked the form). */
static void pci_address(struct xmlw *w, const char *addr, int with_type)
{
	unsigned dom = 0, bus = 0, slot = 0, fn = 0;

	sscanf(addr, "%x:%x:%x.%x", &dom, &bus, &slot, &fn);
	xmlw_start(w, "address");
	if (with_type)
		xmlw_attr(w, "type", "pci");
	xmlw_attrf(w, "domain", "0x%04x", dom);
	xmlw_attrf(w, "bus", "0x%02x", bus);
	xmlw_attrf(w, "slot", "0x%02x", slot);
	xmlw_attrf(w, "function", "0x%x", fn);
	xmlw_end(w);
}

/* <mac address="..."/>, when the recipe fixed one */
static void mac_address(struct xmlw *w, const char *mac)
{
	if (mac) {
		xmlw_start(w, "mac");
		xmlw_attr(w, "address", mac);
		xmlw_end(w);
	}
}

static void write_devices(struct xmlw *w, const struct libvirt_domain *d,
			  const struct disk_bus *bus)
{
	const struct recipe_machine *m = d->machine;

	xmlw_start(w, "devices");
	if (bus->scsi_model) {
		xmlw_start(w, "controller");
		xmlw_attr(w, "type", "scsi");
		xmlw_attr(w, "index", "0");
		xmlw_attr(w, "model", bus->scsi_model);
		xmlw_end(w);
	}
	xmlw_start(w, "disk");
	xmlw_attr(w, "type", "file");
	xmlw_attr(w, "device", "disk");
	xmlw_start(w, "driver");
	xmlw_attr(w, "name", "qemu");
	xmlw_attr(w, "type", d->disk_format);
	xmlw_end(w);
	xmlw_start(w, "source");
	xmlw_attr(w, "file", d->disk_path);
	xmlw_end(w);
	xmlw_start(w, "target");
	xmlw_attr(w, "dev", bus->dev);
	xmlw_attr(w, "bus", bus->bus);
	xmlw_end(w);
	xmlw_end(w);

	for (size_t i = 0; m->present && i < m->nr_nics; i++) {
		const struct recipe_nic *nic = &m->nics[i];
		int is_default = !strcmp(nic->mode, "nat") || !strcmp(nic->mode, "bridged");
		xmlw_start(w, "interface");
		xmlw_attr(w, "type", "network");
		mac_address(w, nic->mac);
		xmlw_start(w, "source");
		xmlw_attr(w, "network", is_default ? "default" : nic->mode);
		xmlw_end(w);
		xmlw_start(w, "model");
		xmlw_attr(w, "type", nic->driver);
		xmlw_end(w);
		xmlw_end(w);
	}
	for (size_t i = 0; m->present && i < m->nr_hostdevs; i++) {
		const struct recipe_hostdev *h = &m->hostdevs[i];
		if (h->interface) {
			xmlw_start(w, "interface");
			xmlw_attr(w, "type", "hostdev");
			xmlw_attr(w, "managed", "yes");
			mac_address(w, h->mac);
			xmlw_start(w, "source");
			pci_address(w, h->address, 1);
			xmlw_end(w);
			xmlw_end(w);
		} else {
			xmlw_start(w, "hostdev");
			xmlw_attr(w, "mode", "subsystem");
			xmlw_attr(w, "type", "pci");
			xmlw_attr(w, "managed", "yes");
			xmlw_start(w, "source");
			pci_address(w, h->address, 0);
			xmlw_end(w);
			xmlw_end(w);
		}
	}
	/* the appliances log in on the serial console (console=ttyS0) */
	xmlw_start(w, "serial");
	xmlw_attr(w, "type", "pty");
	xmlw_start(w, "target");
	xmlw_attr(w, "port", "0");
	xmlw_end(w);
	xmlw_end(w);
	xmlw_start(w, "console");
	xmlw_attr(w, "type", "pty");
	xmlw_start(w, "target");
	xmlw_attr(w, "type", "serial");
	xmlw_attr(w, "port", "0");
	xmlw_end(w);
	xmlw_end(w);
	xmlw_start(w, "rng");
	xmlw_attr(w, "model", "virtio");
	xmlw_start(w, "backend");
	xmlw_attr(w, "model", "random");
	xmlw_string(w, "/dev/urandom");
	xmlw_end(w);
	xmlw_end(w);
	xmlw_end(w);
}

int libvirt_write(const char *path, const struct libvirt_domain *d, struct jeos_error *err)
{
	const struct recipe_machine *m = d->machine;
	const char *controller = m->present ? m->disk_controller : "virtio";
	const struct disk_bus *bus = NULL;
	struct xmlw x, *w = &x;
	char mib[24];

	for (size_t i = 0; i < sizeof(disk_buses) / sizeof(disk_buses[0]); i++)
		if (!strcmp(disk_buses[i].controller, controller))
			bus = &disk_buses[i];
	if (!bus)
		return jeos_fail(err, JEOS_EXIT_USAGE, "%s: no libvirt disk bus for controller '%s'",
				 path, controller);
	xmlw_begin(w);
	xmlw_start(w, "domain");
	xmlw_attr(w, "type", "kvm");
	xmlw_text(w, "name", d->name);
	snprintf(mib, sizeof(mib), "%llu", (unsigned long long)(m->present ? m->memory_mib : 1024));
	xmlw_start(w, "memory");
	xmlw_attr(w, "unit", "MiB");
	xmlw_string(w, mib);
	xmlw_end(w);
	xmlw_text_u64(w, "vcpu", m->present ? m->ncpus : 1);
	xmlw_start(w, "os");
	if (d->firmware == FW_EFI)
		xmlw_attr(w, "firmware", "efi");
	xmlw_start(w, "type");
	xmlw_attr(w, "arch", "x86_64");
	xmlw_attr(w, "machine", !strcmp(bus->bus, "ide") ? "pc" : "q35");
	xmlw_string(w, "hvm");
	xmlw_end(w);
	xmlw_start(w, "boot");
	xmlw_attr(w, "dev", "hd");
	xmlw_end(w);
	xmlw_end(w);
	xmlw_start(w, "features");
	xmlw_start(w, "acpi");
	xmlw_end(w);
	xmlw_start(w, "apic");
	xmlw_end(w);
	xmlw_end(w);
	xmlw_start(w, "clock");
	xmlw_attr(w, "offset", "utc");
	xmlw_end(w);
	write_devices(w, d, bus);
	xmlw_end(w);
	return xmlw_commit(w, path, "domain XML", err);
}
