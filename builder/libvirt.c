/* libvirt.c - see libvirt.h. */
#include "libvirt.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libxml/xmlwriter.h>

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

static void attrf(xmlTextWriterPtr w, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void attrf(xmlTextWriterPtr w, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xmlTextWriterWriteVFormatAttribute(w, BAD_CAST name, fmt, ap);
	va_end(ap);
}

static void start(xmlTextWriterPtr w, const char *name)
{
	xmlTextWriterStartElement(w, BAD_CAST name);
}

static void end(xmlTextWriterPtr w)
{
	xmlTextWriterEndElement(w);
}

/* <address type="pci" domain="0x0000" bus="0x03" slot="0x00" function="0x0"/>
 * from "0000:03:00.0" (the recipe schema checked the form). */
static void pci_address(xmlTextWriterPtr w, const char *addr, int with_type)
{
	unsigned dom = 0, bus = 0, slot = 0, fn = 0;

	sscanf(addr, "%x:%x:%x.%x", &dom, &bus, &slot, &fn);
	start(w, "address");
	if (with_type)
		attrf(w, "type", "pci");
	attrf(w, "domain", "0x%04x", dom);
	attrf(w, "bus", "0x%02x", bus);
	attrf(w, "slot", "0x%02x", slot);
	attrf(w, "function", "0x%x", fn);
	end(w);
}

static void write_devices(xmlTextWriterPtr w, const struct libvirt_domain *d,
			  const struct disk_bus *bus)
{
	const struct recipe_machine *m = d->machine;

	start(w, "devices");
	if (bus->scsi_model) {
		start(w, "controller");
		attrf(w, "type", "scsi");
		attrf(w, "index", "0");
		attrf(w, "model", "%s", bus->scsi_model);
		end(w);
	}
	start(w, "disk");
	attrf(w, "type", "file");
	attrf(w, "device", "disk");
	start(w, "driver");
	attrf(w, "name", "qemu");
	attrf(w, "type", "%s", d->disk_format);
	end(w);
	start(w, "source");
	attrf(w, "file", "%s", d->disk_path);
	end(w);
	start(w, "target");
	attrf(w, "dev", "%s", bus->dev);
	attrf(w, "bus", "%s", bus->bus);
	end(w);
	end(w);

	for (size_t i = 0; m->present && i < m->nr_nics; i++) {
		const struct recipe_nic *nic = &m->nics[i];
		int is_default = !strcmp(nic->mode, "nat") || !strcmp(nic->mode, "bridged");
		start(w, "interface");
		attrf(w, "type", "network");
		if (nic->mac) {
			start(w, "mac");
			attrf(w, "address", "%s", nic->mac);
			end(w);
		}
		start(w, "source");
		attrf(w, "network", "%s", is_default ? "default" : nic->mode);
		end(w);
		start(w, "model");
		attrf(w, "type", "%s", nic->driver);
		end(w);
		end(w);
	}
	for (size_t i = 0; m->present && i < m->nr_hostdevs; i++) {
		const struct recipe_hostdev *h = &m->hostdevs[i];
		if (h->interface) {
			start(w, "interface");
			attrf(w, "type", "hostdev");
			attrf(w, "managed", "yes");
			if (h->mac) {
				start(w, "mac");
				attrf(w, "address", "%s", h->mac);
				end(w);
			}
			start(w, "source");
			pci_address(w, h->address, 1);
			end(w);
			end(w);
		} else {
			start(w, "hostdev");
			attrf(w, "mode", "subsystem");
			attrf(w, "type", "pci");
			attrf(w, "managed", "yes");
			start(w, "source");
			pci_address(w, h->address, 0);
			end(w);
			end(w);
		}
	}
	/* the appliances log in on the serial console (console=ttyS0) */
	start(w, "serial");
	attrf(w, "type", "pty");
	start(w, "target");
	attrf(w, "port", "0");
	end(w);
	end(w);
	start(w, "console");
	attrf(w, "type", "pty");
	start(w, "target");
	attrf(w, "type", "serial");
	attrf(w, "port", "0");
	end(w);
	end(w);
	start(w, "rng");
	attrf(w, "model", "virtio");
	start(w, "backend");
	attrf(w, "model", "random");
	xmlTextWriterWriteString(w, BAD_CAST "/dev/urandom");
	end(w);
	end(w);
	end(w);
}

int libvirt_write(const char *path, const struct libvirt_domain *d, struct jeos_error *err)
{
	const struct recipe_machine *m = d->machine;
	const char *controller = m->present ? m->disk_controller : "virtio";
	const struct disk_bus *bus = NULL;
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = xmlNewTextWriterMemory(buf, 0);
	int rc = -1;

	for (size_t i = 0; i < sizeof(disk_buses) / sizeof(disk_buses[0]); i++)
		if (!strcmp(disk_buses[i].controller, controller))
			bus = &disk_buses[i];
	if (!bus) {
		jeos_fail(err, JEOS_EXIT_USAGE, "%s: no libvirt disk bus for controller '%s'",
			  path, controller);
		goto out;
	}
	xmlTextWriterSetIndent(w, 1);
	xmlTextWriterSetIndentString(w, BAD_CAST "  ");
	xmlTextWriterStartDocument(w, NULL, NULL, NULL);
	start(w, "domain");
	attrf(w, "type", "kvm");
	xmlTextWriterWriteElement(w, BAD_CAST "name", BAD_CAST d->name);
	start(w, "memory");
	attrf(w, "unit", "MiB");
	xmlTextWriterWriteFormatString(w, "%llu",
				       (unsigned long long)(m->present ? m->memory_mib : 1024));
	end(w);
	xmlTextWriterWriteFormatElement(w, BAD_CAST "vcpu", "%u", m->present ? m->ncpus : 1);
	start(w, "os");
	if (d->firmware == FW_EFI)
		attrf(w, "firmware", "efi");
	start(w, "type");
	attrf(w, "arch", "x86_64");
	attrf(w, "machine", "%s", !strcmp(bus->bus, "ide") ? "pc" : "q35");
	xmlTextWriterWriteString(w, BAD_CAST "hvm");
	end(w);
	start(w, "boot");
	attrf(w, "dev", "hd");
	end(w);
	end(w);
	start(w, "features");
	start(w, "acpi");
	end(w);
	start(w, "apic");
	end(w);
	end(w);
	start(w, "clock");
	attrf(w, "offset", "utc");
	end(w);
	write_devices(w, d, bus);
	end(w);
	if (xmlTextWriterEndDocument(w) < 0) {
		jeos_fail(err, JEOS_EXIT_FAILED, "%s: cannot write the domain XML", path);
		goto out;
	}
	rc = write_file(path, xmlBufferContent(buf), (size_t)xmlBufferLength(buf), err);
out:
	xmlFreeTextWriter(w);
	xmlBufferFree(buf);
	return rc;
}
