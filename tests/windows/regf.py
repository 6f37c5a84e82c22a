"""A minimal REGF (registry hive) writer for the tests: base block, one hbin, nk/lf/vk cells, so a test
knows every expected value exactly. Values are (type, data): str for REG_SZ/REG_EXPAND_SZ (written
UTF-16 with its NUL; raw bytes are written as they are, for junk after the NUL), int for REG_DWORD,
a list of str for REG_MULTI_SZ, bytes for anything else. A key's last write time is its "time" entry
(a FILETIME int)."""
from __future__ import annotations

import struct

REG_NONE, REG_SZ, REG_EXPAND_SZ, REG_BINARY, REG_DWORD, REG_MULTI_SZ, REG_QWORD = 0, 1, 2, 3, 4, 7, 11
REG_FILETIME = 0x10


def filetime(iso: str) -> int:
    """'2024-03-05T01:02:03Z' -> FILETIME."""
    import datetime as dt

    t = dt.datetime.strptime(iso.rstrip("Z"), "%Y-%m-%dT%H:%M:%S")
    return int((t - dt.datetime(1601, 1, 1)).total_seconds()) * 10_000_000


def _encode(vtype: int, value) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if vtype == REG_MULTI_SZ:
        return b"".join(s.encode("utf-16-le") + b"\0\0" for s in value) + b"\0\0"
    if vtype == REG_QWORD:
        return struct.pack("<Q", value)
    return value.encode("utf-16-le") + b"\0\0"


def build_hive(tree: dict, file_name: str, sequence: tuple[int, int] = (1, 1)) -> bytes:
    """tree: {"values": {name: (type, data)}, "keys": {name: tree}, "time": FILETIME} -> hive bytes."""
    data = bytearray(32)  # the hbin header, filled in at the end

    def alloc(payload: bytes) -> int:
        off = len(data)
        size = (4 + len(payload) + 7) & ~7
        data.extend(struct.pack("<i", -size) + payload + b"\0" * (size - 4 - len(payload)))
        return off

    def put(off: int, payload: bytes) -> None:
        data[off + 4: off + 4 + len(payload)] = payload

    def nk(name: str, node: dict, parent: int, root: bool = False) -> int:
        ascii_name = all(ord(c) < 128 for c in name)
        raw = name.encode("ascii") if ascii_name else name.encode("utf-16-le")
        off = alloc(b"\0" * (76 + len(raw)))
        subs = sorted(node.get("keys", {}).items(), key=lambda kv: kv[0].upper())
        children = [(n, nk(n, t, off)) for n, t in subs]
        sub_list = 0xFFFFFFFF
        if children:
            sub_list = alloc(b"lf" + struct.pack("<H", len(children)) + b"".join(
                struct.pack("<I4s", o, n.encode("utf-8")[:4].ljust(4, b"\0")) for n, o in children))
        vks = []
        for vname, (vtype, value) in node.get("values", {}).items():
            vraw = vname.encode("ascii")
            if vtype == REG_DWORD and isinstance(value, int):
                size, doff = 0x80000004, value
            else:
                blob = _encode(vtype, value)
                if len(blob) <= 4:
                    size, doff = 0x80000000 | len(blob), int.from_bytes(blob.ljust(4, b"\0"), "little")
                else:
                    size, doff = len(blob), alloc(blob)
            vks.append(alloc(b"vk" + struct.pack("<HIIIHH", len(vraw), size, doff, vtype, 1 if vraw else 0, 0) + vraw))
        val_list = alloc(b"".join(struct.pack("<I", v) for v in vks)) if vks else 0xFFFFFFFF
        flags = (0x20 if ascii_name else 0) | (0x2C if root else 0)
        put(off, b"nk" + struct.pack("<HQ4s13I4sHH", flags, node.get("time", 0), b"\0" * 4, parent, len(children), 0,
                                     sub_list, 0xFFFFFFFF, len(vks), val_list, 0xFFFFFFFF, 0xFFFFFFFF, 0, 0, 0, 0,
                                     b"\0" * 4, len(raw), 0) + raw)
        return off

    root = nk("ROOT", tree, 0xFFFFFFFF, root=True)
    assert root == 32
    size = (len(data) + 4095) & ~4095
    if size - len(data) >= 8:
        data.extend(struct.pack("<i", size - len(data)) + b"\0" * (size - len(data) - 4))  # a free cell
    data.extend(b"\0" * (size - len(data)))
    data[0:32] = b"hbin" + struct.pack("<III", 0, size, 0) + struct.pack("<IQI", 0, 0, 0)
    base = bytearray(4096)
    base[0:48] = b"regf" + struct.pack("<IIQIIIIIII", sequence[0], sequence[1], 0, 1, 5, 0, 1, root, size, 1)
    name = file_name.encode("utf-16-le")[:64]
    base[48:48 + len(name)] = name
    checksum = 0
    for i in range(0, 508, 4):
        checksum ^= struct.unpack_from("<I", base, i)[0]
    struct.pack_into("<I", base, 508, checksum)
    return bytes(base) + bytes(data)


def key(values=None, time: int = 0, **keys) -> dict:
    return {"values": values or {}, "keys": keys, "time": time}


def path_tree(path: str, leaf: dict) -> dict:
    """key(a=key(b=leaf)) from 'a\\b'."""
    node = leaf
    for part in reversed(path.split("\\")):
        node = {"values": {}, "keys": {part: node}}
    return node


def merge(*trees: dict) -> dict:
    out: dict = {"values": {}, "keys": {}}
    for t in trees:
        out["values"].update(t.get("values", {}))
        if t.get("time"):
            out["time"] = t["time"]
        for k, v in t.get("keys", {}).items():
            out["keys"][k] = merge(out["keys"][k], v) if k in out["keys"] else v
    return out
