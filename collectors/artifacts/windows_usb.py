"""B4 on Windows: USB storage and USB devices ever connected (SYSTEM Enum\\USBSTOR and Enum\\USB, with the
first install, last arrival and last removal times of their device properties) and the drive letters
and volumes they were mounted as (SYSTEM MountedDevices): windows_usb_devices.json,
windows_mounted_devices.json. Live through winreg (the Properties keys need SYSTEM rights and are
noted as missing otherwise); offline from the SYSTEM hive copied into the case."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from .. import records
from ..base import Collector
from . import _windows as win


@records.record("windows_usb_devices", version=1)
@dataclass
class UsbDevice:
    kind: str                       # usbstor (a storage device) or usb (any USB device)
    key: str                        # the instance key under SYSTEM\CurrentControlSet\Enum
    vendor: str | None = None       # Ven_ of USBSTOR, VID_ of USB
    product: str | None = None      # Prod_ / PID_
    revision: str | None = None
    serial: str | None = None       # the instance name without its "&0" suffix
    serial_generated: bool = False  # Windows made the serial up (the device has none)
    friendly_name: str | None = None
    first_installed: str | None = None   # ISO 8601 UTC
    last_installed: str | None = None
    last_connected: str | None = None
    last_removed: str | None = None
    key_last_write: str | None = None
    extra: dict = field(default_factory=dict)


@records.record("windows_mounted_devices", version=1)
@dataclass
class MountedDevice:
    name: str                        # \DosDevices\E: or \??\Volume{GUID}
    drive_letter: str | None = None
    kind: str = "unknown"            # mbr, gpt, device (a device path, e.g. a USB stick), unknown
    disk_signature: str | None = None
    partition_offset: int | None = None
    partition_guid: str | None = None
    device: str | None = None
    extra: dict = field(default_factory=dict)


ENUM = r"SYSTEM\CurrentControlSet\Enum"
MOUNTED = r"SYSTEM\MountedDevices"
DATES = r"Properties\{83da6326-97a6-4088-9453-a1923f573b29}"
DATE_IDS = {"0064": "first_installed", "0065": "last_installed", "0066": "last_connected", "0067": "last_removed"}
USBSTOR_NAME = re.compile(r"^(?P<type>[^&]*)&Ven_(?P<ven>[^&]*)&Prod_(?P<prod>[^&]*)(?:&Rev_(?P<rev>.*))?$", re.I)
USB_NAME = re.compile(r"^VID_(?P<vid>[0-9A-F]{4})&PID_(?P<pid>[0-9A-F]{4})", re.I)


def _serial(instance: str) -> tuple[str, bool]:
    generated = len(instance) > 1 and instance[1] == "&"
    return (instance[:-2] if instance.endswith("&0") else instance), generated


def _dates(api, key: str) -> dict:
    out = {}
    for sub, name in DATE_IDS.items():
        v = win._values(api, win.HKLM, f"{key}\\{DATES}\\{sub}")
        out[name] = win.when(v.get("(default)", v.get("")))
    return out


def usb_devices(api) -> list[UsbDevice]:
    rows: list[UsbDevice] = []
    for kind, base, pattern in (("usbstor", "USBSTOR", USBSTOR_NAME), ("usb", "USB", USB_NAME)):
        for dev in sorted(win.subkeys(api, win.HKLM, f"{ENUM}\\{base}")):
            m = pattern.match(dev)
            for inst in sorted(win.subkeys(api, win.HKLM, f"{ENUM}\\{base}\\{dev}")):
                key = f"{ENUM}\\{base}\\{dev}\\{inst}"
                v = win._values(api, win.HKLM, key)
                serial, generated = _serial(inst)
                if kind == "usbstor":
                    vendor, product, rev = (m["ven"], m["prod"], m["rev"]) if m else (None, None, None)
                else:
                    vendor, product, rev = (m["vid"], m["pid"], None) if m else (None, None, None)
                rows.append(UsbDevice(kind=kind, key=key, vendor=vendor, product=product, revision=rev, serial=serial,
                                      serial_generated=generated,
                                      friendly_name=v.get("FriendlyName") or v.get("DeviceDesc"),
                                      key_last_write=win.key_time(api, win.HKLM, key), **_dates(api, key)))
    return rows


def mounted_device(name: str, data) -> MountedDevice:
    """One MountedDevices value: 12 bytes (MBR disk signature + partition offset), DMIO:ID: + a GPT
    partition GUID, or a UTF-16 device path."""
    letter = name[len("\\DosDevices\\"):] if name.lower().startswith("\\dosdevices\\") else None
    row = MountedDevice(name=name, drive_letter=letter)
    if not isinstance(data, (bytes, bytearray)):
        row.device = str(data) if data is not None else None
        return row
    data = bytes(data)
    if len(data) == 12:
        row.kind, row.disk_signature = "mbr", data[:4][::-1].hex().upper()
        row.partition_offset = int.from_bytes(data[4:], "little")
    elif data.startswith(b"DMIO:ID:") and len(data) >= 24:
        row.kind, row.partition_guid = "gpt", "{" + str(uuid.UUID(bytes_le=data[8:24])).upper() + "}"
    else:
        from ._hives import utf16z

        text = utf16z(data)
        if text and text.isprintable():
            row.kind, row.device = "device", text
        else:
            row.extra = {"data_hex": data.hex()}
    return row


def mounted_devices(api) -> list[MountedDevice]:
    values = win._values(api, win.HKLM, MOUNTED)
    return [mounted_device(n, values[n]) for n in sorted(values)]


class WindowsUsb(win.RegistryArtifact, Collector):
    name = "windows_usb"
    version = "1.0"
    os = ("windows",)

    def outputs(self):
        return [("windows_usb_devices.json", UsbDevice, f"HKLM\\{ENUM}\\USBSTOR, USB", lambda api, notes: usb_devices(api)),
                ("windows_mounted_devices.json", MountedDevice, f"HKLM\\{MOUNTED}",
                 lambda api, notes: mounted_devices(api))]
