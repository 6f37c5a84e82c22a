"""Windows removable storage and outgoing Remote Desktop: USB storage devices connected, and servers
this machine's users connected to over RDP (both informational, for C3/C4 and the scope of H2)."""
from __future__ import annotations

from analysis.checks import CheckRule
from analysis.checks._windows import latest

USB = CheckRule(
    id="ungcuu.windows.usb_storage",
    title_en="USB storage device connected",
    title_vi="Thiết bị lưu trữ USB đã được kết nối",
    explanation_vi=("Khóa USBSTOR của SYSTEM ghi lại mọi thiết bị lưu trữ USB từng cắm vào máy, với số sê-ri và các "
                    "thời điểm kết nối. Thiết bị cắm vào quanh thời điểm sự cố có thể là đường lây nhiễm hoặc đường "
                    "đánh cắp dữ liệu; cần hỏi người dùng và thu giữ thiết bị nếu cần (C3, C4)."),
    level="informational", tags=["attack.initial_access", "attack.exfiltration", "attack.t1091", "attack.t1052.001"],
    checklist_id="C3")
RDP = CheckRule(
    id="ungcuu.windows.rdp_outgoing",
    title_en="Remote Desktop connections from this machine",
    title_vi="Kết nối Remote Desktop đi từ máy này",
    explanation_vi=("Lịch sử của Remote Desktop Client (NTUSER.DAT) cho biết người dùng trên máy này đã kết nối tới "
                    "những máy chủ nào. Nếu tài khoản bị chiếm, đây là các máy có thể đã bị di chuyển ngang tới và "
                    "cần được kiểm tra cùng (C4, H2)."),
    level="informational", tags=["attack.lateral_movement", "attack.t1021.001"], checklist_id="C4")
RULES = [USB, RDP]


def run(case, db):
    usb, eid = latest(case, "windows_usb_devices.json")
    for u in usb:
        if u.get("kind") != "usbstor":
            continue
        name = u.get("friendly_name") or f"{u.get('vendor')} {u.get('product')}"
        yield USB.finding(
            summary_vi=f"{name}, sê-ri {u.get('serial')}: cắm lần đầu {u.get('first_installed') or 'không rõ'}, "
                       f"lần cuối {u.get('last_connected') or 'không rõ'}",
            summary_en=f"{name}, serial {u.get('serial')}: first {u.get('first_installed') or 'unknown'}, "
                       f"last {u.get('last_connected') or 'unknown'}",
            evidence_ids=[eid], time=u.get("last_connected") or u.get("first_installed"), details=u)
    mru, mid = latest(case, "windows_user_mru.json")
    servers: dict[tuple, dict] = {}
    for r in mru:
        if r.get("kind") in ("rdp_mru", "rdp_server"):
            s = servers.setdefault((r.get("user"), str(r.get("value")).lower()), dict(r))
            if r.get("key_last_write"):
                s["key_last_write"] = max(filter(None, (s.get("key_last_write"), r["key_last_write"])))
            if r.get("username_hint"):
                s["username_hint"] = r["username_hint"]
    for (user, _), s in sorted(servers.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        hint = f" ({s['username_hint']})" if s.get("username_hint") else ""
        yield RDP.finding(summary_vi=f"{user} -> {s.get('value')}{hint}", summary_en=f"{user} -> {s.get('value')}{hint}",
                          evidence_ids=[mid], time=s.get("key_last_write"), details=s)
