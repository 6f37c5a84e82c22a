"""Vietnamese at display time for the English reasons and notes the collectors write.

The case stores what the collectors said, in English (outcome reasons, `Incomplete` notes, the
`incomplete` list of an evidence item): that text is evidence of what happened and stays as it is.
The desktop app and the command line speak Vietnamese by default, so they show it through
``translate(text, lang)``:

- the text is cut into its ``"; "``-separated parts (the runner joins one note per collector that way;
  a ``"; "`` inside brackets or backticks does not cut);
- each part is looked up whole, then matched against ordered regular expressions that keep the paths,
  numbers, ids and OS error messages they capture; a part of the form ``collector_name: rest`` keeps
  its collector name and translates the rest;
- a part nothing matches stays as it is (English is better than a wrong guess).

It also gives the timeline's timestamp descriptions (plaso / Timesketch ``timestamp_desc``) in Vietnamese.
No Qt here: the core, the CLI and the GUI share it.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

OS_NAMES = {"linux": "Linux", "windows": "Windows", "darwin": "macOS"}

CONTACT_FIELDS = {"name": "họ tên", "position": "chức vụ", "phone": "điện thoại", "email": "email", "unit": "đơn vị"}

# OS error strings (strerror) that follow a path.
STRERROR = {
    "Permission denied": "không có quyền truy cập",
    "Operation not permitted": "không được phép thực hiện",
    "No such file or directory": "không có tệp hoặc thư mục này",
    "Input/output error": "lỗi vào/ra (I/O)",
    "No space left on device": "hết dung lượng trên thiết bị",
    "Read-only file system": "hệ thống tệp chỉ đọc",
    "Not a directory": "không phải thư mục",
    "Is a directory": "là một thư mục",
    "Too many levels of symbolic links": "quá nhiều cấp liên kết tượng trưng",
    "Device or resource busy": "thiết bị hoặc tài nguyên đang bận",
    "No such device or address": "không có thiết bị hoặc địa chỉ này",
    "Disk quota exceeded": "vượt hạn mức đĩa",
    "no message": "không có thông báo",
}

# Timeline timestamp descriptions (analysis.events.DESC_*; the bodyfile parser joins several with "; ").
TIME_DESC = {
    "Event Recorded": "Thời điểm ghi sự kiện",
    "Content Modification Time": "Thời điểm sửa nội dung",
    "Last Access Time": "Thời điểm truy cập gần nhất",
    "Metadata Modification Time": "Thời điểm đổi siêu dữ liệu",
    "Creation Time": "Thời điểm tạo",
    "Deletion Time": "Thời điểm xóa",
    "Last Login Time": "Lần đăng nhập gần nhất",
    "Start Time": "Thời điểm bắt đầu",
    "Installation Time": "Thời điểm cài đặt",
    "Command Executed": "Thời điểm chạy lệnh",
    "Content Modification Time ($FILE_NAME)": "Thời điểm sửa nội dung ($FILE_NAME)",
    "Last Access Time ($FILE_NAME)": "Thời điểm truy cập gần nhất ($FILE_NAME)",
    "Metadata Modification Time ($FILE_NAME)": "Thời điểm đổi siêu dữ liệu ($FILE_NAME)",
    "Creation Time ($FILE_NAME)": "Thời điểm tạo ($FILE_NAME)",
    "Change Journal Entry Recorded": "Thời điểm ghi nhật ký thay đổi NTFS ($UsnJrnl)",
}

# Whole parts, as the collectors write them.
EXACT = {
    # runner.py, base.py
    "not applicable to an offline root (needs the running system)":
        "không áp dụng cho thư mục gốc ngoại tuyến (cần hệ thống đang chạy)",
    "changes the affected system: needs the responder's explicit consent (--consent)":
        "làm thay đổi hệ thống bị sự cố: cần người ứng cứu đồng ý rõ ràng (--consent)",
    "cancelled by the responder": "người ứng cứu đã hủy",
    "run the same command again to resume": "chạy lại đúng lệnh đó để tiếp tục",
    "already collected by an earlier run (use --again to repeat)":
        "đã thu thập ở lần chạy trước (dùng --again để thu thập lại)",
    "nothing found to collect": "không tìm thấy gì để thu thập",
    # case.py (store) and errors the runner reports
    "the item holds the bytes before it": "chứng cứ giữ phần dữ liệu đọc được trước lỗi",
    "collection stopped": "đã dừng thu thập",
    "what was stored before stays valid": "những gì đã lưu trước đó vẫn hợp lệ",
    # artifacts/
    "no contact point in the incident record yet: set it with "
    "`ungcuu incident --case DIR --file incident.yaml` (key 'contact')":
        "hồ sơ sự cố chưa có đầu mối liên hệ: nhập bằng `ungcuu incident --case DIR --file incident.yaml` "
        "(khóa 'contact')",
    "no files or folders named: use `ungcuu add --case DIR PATH...`":
        "chưa chọn tệp hoặc thư mục nào: dùng `ungcuu add --case DIR PATH...`",
    "local groups of Windows are not collected yet (users come from the profile list)":
        "chưa thu thập nhóm cục bộ của Windows (người dùng lấy từ danh sách hồ sơ người dùng)",
    "no SYSTEM hive (Windows/System32/config/SYSTEM): services not known":
        "không có hive SYSTEM (Windows/System32/config/SYSTEM): không xác định được các dịch vụ",
    "boot time, uptime, clock, logged-in users and hardware need the running system (offline root)":
        "thời điểm khởi động, thời gian hoạt động, đồng hồ, người dùng đang đăng nhập và phần cứng cần hệ thống "
        "đang chạy (thư mục gốc ngoại tuyến)",
    "the installed kernels under /boot are listed (which one ran is not known offline)":
        "đã liệt kê các kernel cài trong /boot (khi phân tích ngoại tuyến không biết kernel nào đã chạy)",
    "host name and Windows version are in the registry hives (copied under B4; not parsed here)":
        "tên máy và phiên bản Windows nằm trong các hive registry (đã sao chép ở B4; chưa phân tích ở đây)",
    "roles of an offline Windows root need the registry hives (not parsed here)":
        "vai trò máy chủ của thư mục gốc Windows ngoại tuyến cần các hive registry (chưa phân tích ở đây)",
    "systemd is not running here (no /run/systemd/system): service states are not known":
        "systemd không chạy trên máy này (không có /run/systemd/system): không biết trạng thái các dịch vụ",
    "systemctl is not installed: service states are not known":
        "chưa cài systemctl: không biết trạng thái các dịch vụ",
    r"the Windows version was not found (HKLM\Software\Microsoft\Windows NT\CurrentVersion)":
        r"không tìm thấy phiên bản Windows (HKLM\Software\Microsoft\Windows NT\CurrentVersion)",
    "no OS release file found (/etc/os-release, /usr/lib/os-release, ...)":
        "không tìm thấy tệp phiên bản hệ điều hành (/etc/os-release, /usr/lib/os-release, ...)",
    "the system volume cannot be opened raw (needs Administrator): $MFT and $UsnJrnl not read":
        "không mở được ổ hệ thống ở chế độ thô (cần quyền Administrator): chưa đọc $MFT và $UsnJrnl",
    "$MFT and $UsnJrnl are read from an NTFS image (--root IMAGE), not from a mounted or copied tree":
        "$MFT và $UsnJrnl được đọc từ ảnh đĩa NTFS (--root ẢNH), không từ thư mục đã gắn hoặc sao chép",
    "no change journal on this volume ($Extend/$UsnJrnl absent or turned off)":
        "phân vùng này không có nhật ký thay đổi ($Extend/$UsnJrnl không có hoặc đã tắt)",
    "an rpm database is present inside the image: rpm reads it only under a mounted root, rpm packages not listed":
        "có cơ sở dữ liệu rpm trong ảnh đĩa: rpm chỉ đọc được khi thư mục gốc được gắn (mount), chưa liệt kê gói rpm",
    "an rpm database is present but the rpm tool is not installed here: rpm packages not listed":
        "có cơ sở dữ liệu rpm nhưng máy này chưa cài công cụ rpm: không liệt kê được các gói rpm",
    "the socket list needs Administrator/root rights: only this process's sockets were read":
        "danh sách socket cần quyền Administrator/root: chỉ đọc được các socket của chính tiến trình này",
    "the owner (pid, process) of other users' sockets is hidden without root":
        "không có quyền root nên không thấy chủ (pid, tiến trình) của các socket thuộc người dùng khác",
    "no firewall tool found (nft, iptables-save): firewall rules not collected":
        "không tìm thấy công cụ tường lửa (nft, iptables-save): chưa thu thập luật tường lửa",
    "physical disk list on Windows is not collected yet (volumes are)":
        "chưa thu thập danh sách đĩa vật lý trên Windows (đã thu thập các volume)",
    "/sys/block could not be read: no disk list": "không đọc được /sys/block: không có danh sách đĩa",
    "journalctl is not installed: the journal files were copied instead of exported":
        "chưa cài journalctl: đã sao chép nguyên các tệp journal thay vì xuất ra",
    "journal of the system and other users may be hidden without root (or the adm/systemd-journal group)":
        "không có quyền root (hoặc nhóm adm/systemd-journal) thì journal của hệ thống và của người dùng khác "
        "có thể bị ẩn",
    "offline Windows root without SOFTWARE or SYSTEM hive (Windows/System32/config)":
        "thư mục gốc Windows ngoại tuyến không có hive SOFTWARE hay SYSTEM (Windows/System32/config)",
    "offline Windows root: this is in the registry hives, copied by windows_config (not parsed yet)":
        "thư mục gốc Windows ngoại tuyến: thông tin này nằm trong các hive registry, đã được windows_config "
        "sao chép (chưa phân tích)",
    "install regipy to parse them": "cài regipy để phân tích chúng",
    "the registry hives of this offline root could not be opened":
        "không mở được các hive registry của thư mục gốc ngoại tuyến này",
    # acquire/ (opt-in acquisitions not chosen for this run)
    "no process chosen (choose PIDs to dump: memory dumps are opt-in)":
        "chưa chọn tiến trình (chọn PID cần trích xuất bộ nhớ: chỉ trích xuất khi được chọn)",
    "not chosen (full memory acquisition is opt-in)": "chưa chọn (chỉ thu toàn bộ bộ nhớ khi được chọn)",
    "no interface chosen for the packet capture": "chưa chọn giao diện mạng để bắt gói tin",
    "no device, partition or file chosen to image": "chưa chọn thiết bị, phân vùng hay tệp để tạo ảnh",
    "no image, device or evidence id chosen to search for deleted files":
        "chưa chọn ảnh đĩa, thiết bị hay mã chứng cứ để tìm tệp đã xóa",
    "not chosen": "chưa chọn",
    # progress messages
    "listing processes": "đang liệt kê tiến trình",
    "network configuration": "cấu hình mạng",
    "server roles": "vai trò máy chủ",
    "services": "dịch vụ",
    "memory state": "trạng thái bộ nhớ",
    "memory maps": "bản đồ bộ nhớ",
    "system information": "thông tin hệ thống",
    "Run keys": "khóa Run",
    "sockets": "socket",
    "uninstall keys": "khóa Uninstall",
    "scheduled tasks": "tác vụ lập lịch",
    "listening ports": "cổng đang lắng nghe",
    "OS release": "phiên bản hệ điều hành",
    "users and groups": "người dùng và nhóm",
    "disks, partitions, mounts": "đĩa, phân vùng, điểm gắn kết",
    "installed packages": "gói phần mềm đã cài",
    **STRERROR,
}

Rule = tuple[re.Pattern, Callable[[re.Match], str]]


def _fmt(template: str, **sub: Callable[[str], str]) -> Callable[[re.Match], str]:
    """A rule output: `template` filled with the groups, the named ones passed through their function."""
    def out(m: re.Match) -> str:
        groups = {k: (v or "") for k, v in m.groupdict().items()}
        for k, fn in sub.items():
            groups[k] = fn(groups[k])
        return template.format(**groups)
    return out


def _err(text: str) -> str:
    return STRERROR.get(text, text)


def _list(text: str) -> str:  # a nested note (the runner's summary after "nothing found to collect: ")
    return _translate_parts(text)


def _or(text: str) -> str:
    return text.replace(" or ", " hoặc ")


def _fields(text: str) -> str:
    return ", ".join(CONTACT_FIELDS.get(f.strip(), f.strip()) for f in text.split(","))


_PATH = r"(?P<p>.+)"
RULES: list[Rule] = [(re.compile(rx, re.S), out) for rx, out in [
    # runner.py
    (r"not available on (?P<os>\w+)", lambda m: "không áp dụng cho " + OS_NAMES.get(m["os"], m["os"])),
    (r"and (?P<n>\d+) more", _fmt("và {n} mục khác")),
    (r"nothing found to collect: (?P<rest>.+)", _fmt("không tìm thấy gì để thu thập: {rest}", rest=_list)),
    # sources/: disk images as the collection source
    (r"hashing the image " + _PATH, _fmt("đang tính SHA-256 của ảnh đĩa {p}")),
    (r"cancelled while hashing the image", _fmt("đã hủy khi đang tính SHA-256 của ảnh đĩa")),
    (_PATH + r": no partition table \(MBR, GPT, \.\.\.\) and no file system at its start that UngCuu can read "
     r"\(NTFS, FAT, exFAT, ext2/3/4\)",
     _fmt("{p}: không có bảng phân vùng (MBR, GPT, ...) và không có hệ thống tệp UngCuu đọc được ở đầu ảnh "
          "(NTFS, FAT, exFAT, ext2/3/4)")),
    (r"(?P<f>\w+) image of (?P<n>\d+) bytes", _fmt("ảnh {f} dung lượng {n} byte")),
    (_PATH + r": (?P<n>\d+) partitions, none with a file system UngCuu can read: (?P<rest>.+)",
     _fmt("{p}: {n} phân vùng, không phân vùng nào có hệ thống tệp UngCuu đọc được: {rest}")),
    (_PATH + r": no volume (?P<n>\d+)", _fmt("{p}: không có phân vùng {n}")),
    (r"found: (?P<rest>.+)", _fmt("các phân vùng tìm thấy: {rest}")),
    (_PATH + r": volume (?P<n>\d+) has no shadow copy (?P<k>\d+) \((?P<m>\d+) found\)",
     _fmt("{p}: phân vùng {n} không có bản sao bóng (shadow copy) {k} (tìm thấy {m})")),
    (_PATH + r": volume (?P<n>\d+) holds no file system UngCuu can read \((?P<e>.*)\)",
     _fmt("{p}: phân vùng {n} không có hệ thống tệp UngCuu đọc được ({e})")),
    (_PATH + r": no such image file", _fmt("{p}: không có tệp ảnh đĩa này")),
    (_PATH + r": the (?P<f>\w+) image could not be read, damaged or truncated \((?P<e>.*)\)",
     _fmt("{p}: không đọc được ảnh {f}, ảnh bị hỏng hoặc bị cắt cụt ({e})")),
    (_PATH + r": no such stream on this volume", _fmt("{p}: phân vùng này không có luồng dữ liệu đó")),
    (r"--root (?P<p>.+): no such folder or disk image file", _fmt("--root {p}: không có thư mục hoặc tệp ảnh đĩa này")),
    (r"--volume and --shadow need --root IMAGE \(a disk image file\)",
     _fmt("--volume và --shadow cần --root ẢNH (một tệp ảnh đĩa)")),
    (_PATH + r": a (?P<f>\w+) image needs the Python package (?P<m>\S+) \(pip install it\)",
     _fmt("{p}: ảnh {f} cần gói Python {m} (cài bằng pip)")),
    (_PATH + r": not a readable (?P<f>\w+) image \((?P<e>.*)\)", _fmt("{p}: không phải ảnh {f} đọc được ({e})")),
    # base.py: reading files, walking folders, running commands
    (_PATH + r": permission denied \(folder not listed\)", _fmt("{p}: không có quyền truy cập (không liệt kê được thư mục)")),
    (_PATH + r": permission denied \(tasks not listed; needs Administrator\)",
     _fmt("{p}: không có quyền truy cập (không liệt kê được tác vụ; cần quyền Administrator)")),
    (_PATH + r": (?P<e>[^:]+) \(folder not listed\)", _fmt("{p}: {e} (không liệt kê được thư mục)", e=_err)),
    (_PATH + r": permission denied, and not readable through the raw volume \((?P<e>.*)\)",
     _fmt("{p}: không có quyền truy cập, và không đọc được qua ổ đĩa thô ({e})")),
    (_PATH + r": permission denied", _fmt("{p}: không có quyền truy cập")),
    (_PATH + r": access denied", _fmt("{p}: bị từ chối truy cập")),
    (r"permission denied reading " + _PATH, _fmt("không có quyền đọc {p}")),
    (_PATH + r":? vanished before it could be read", _fmt("{p}: đã biến mất trước khi đọc được")),
    (_PATH + r": not found", _fmt("{p}: không tìm thấy")),
    (_PATH + r": could not be read", _fmt("{p}: không đọc được")),
    (_PATH + r": no such file or folder", _fmt("{p}: không có tệp hoặc thư mục này")),
    (_PATH + r": deeper than (?P<n>\d+) folders, not walked", _fmt("{p}: sâu quá {n} cấp thư mục, không duyệt tiếp")),
    (r"(?P<tool>\S+) is not installed: (?P<cmd>.+) not run", _fmt("chưa cài {tool}: không chạy {cmd}")),
    (r"(?:(?P<p>.+): )?timed out after (?P<n>[\d.]+) s", lambda m: (m["p"] + ": " if m["p"] else "")
     + f"hết thời gian chờ sau {m['n']} giây"),
    (r"journalctl exit code (?P<n>-?\d+): (?P<e>.*)", _fmt("journalctl trả mã thoát {n}: {e}", e=_err)),
    (r"(?:(?P<p>.+): )?exit code (?P<n>-?\d+): ?(?P<e>.*)", lambda m: (m["p"] + ": " if m["p"] else "")
     + f"mã thoát {m['n']}" + (": " + _err(m["e"]) if m["e"] else "")),
    # analysis: what the timeline could not parse (shown by `ungcuu timeline` and the GUI)
    (r"not in a (?P<f>\w+) format: not parsed \(the file itself is in the case\)",
     _fmt("không đúng định dạng {f}: không phân tích (bản thân tệp vẫn có trong hồ sơ)")),
    (r"unreadable JSON: (?P<e>.+)", _fmt("JSON không đọc được: {e}")),
    (r"cannot read (?P<p>.+?): (?P<e>.+)", _fmt("không đọc được {p}: {e}", e=_err)),
    (r"parser (?P<n>\S+) failed: (?P<e>.+)", _fmt("bộ phân tích {n} lỗi: {e}")),
    (r"not an EVTX file \(no 'ElfFile' header\)", lambda m: "không phải tệp EVTX (không có phần đầu 'ElfFile')"),
    (r"not a readable EVTX file: (?P<e>.+)", _fmt("tệp EVTX không đọc được: {e}")),
    # case.py: the store
    (r"the case folder (?P<p>.+) is on the same file system as the affected system's root \((?P<r>.+)\): "
     r"writing there may overwrite deleted data",
     _fmt("thư mục hồ sơ {p} nằm trên cùng hệ thống tệp với thư mục gốc ({r}) của hệ thống bị sự cố: "
          "ghi vào đó có thể ghi đè dữ liệu đã xóa")),
    (r"prefer a separate drive", lambda m: "nên dùng một ổ đĩa riêng (USB)"),
    (r"(?:(?P<p>.+): )?read error after (?P<n>\d+) bytes: (?P<e>.+)", lambda m: (m["p"] + ": " if m["p"] else "")
     + f"lỗi đọc sau {m['n']} byte: {_err(m['e'])}"),
    (r"(?:(?P<p>.+): )?size cap of (?P<n>\d+) bytes reached: only the first (?P<k>\d+) bytes were copied",
     lambda m: (m["p"] + ": " if m["p"] else "") + f"đạt giới hạn kích thước {m['n']} byte: chỉ sao chép {m['k']} byte đầu"),
    (r"(?:(?P<p>.+): )?size cap of (?P<n>\d+) bytes reached: only the last (?P<k>\d+) bytes were copied \(the "
     r"newest part, from byte (?P<f>\d+) of (?P<s>\d+); the oldest (?P<o>\d+) bytes were left out\)",
     lambda m: (m["p"] + ": " if m["p"] else "") + f"đạt giới hạn kích thước {m['n']} byte: chỉ sao chép {m['k']} byte "
     f"cuối (phần mới nhất, từ byte {m['f']} trên {m['s']}; bỏ qua {m['o']} byte cũ nhất)"),
    (_PATH + r" is (?P<w>.+?) where a log file is expected: not read",
     lambda m: f"{m['p']} là " + {"a named pipe (FIFO)": "một named pipe (FIFO)", "a socket": "một socket",
                                   "a device": "một thiết bị"}.get(m["w"], m["w"]) + " ở chỗ lẽ ra là tệp log: không đọc"),
    (_PATH + r" is a symbolic link to (?P<t>.+): not followed", _fmt("{p} là liên kết tượng trưng tới {t}: không đi theo")),
    (_PATH + r" is a symbolic link: not followed", _fmt("{p} là liên kết tượng trưng: không đi theo")),
    (_PATH + r" is not a regular file \(device, socket or pipe\): not copied",
     _fmt("{p} không phải tệp thông thường (thiết bị, socket hoặc pipe): không sao chép")),
    (_PATH + r" is not a regular file", _fmt("{p} không phải tệp thông thường")),
    (_PATH + r": not a regular file \(a device, socket or pipe\): not read",
     _fmt("{p}: không phải tệp thông thường (thiết bị, socket hoặc pipe): không đọc")),
    (_PATH + r" was replaced while it was being opened: not read",
     _fmt("{p} đã bị thay thế trong lúc đang mở: không đọc")),
    (r"total size cap of (?P<n>\d+) bytes reached: (?P<p>.+) and the files after it were not copied",
     _fmt("đạt giới hạn tổng dung lượng {n} byte: {p} và các tệp sau nó không được sao chép")),
    (r"the disk holding the case folder (?P<p>.+) is full while storing (?P<s>.+): collection stopped",
     _fmt("ổ đĩa chứa thư mục hồ sơ {p} đã đầy khi đang lưu {s}: đã dừng thu thập")),
    (r"the disk holding (?P<p>.+) is full", _fmt("ổ đĩa chứa {p} đã đầy")),
    (r"cannot write to the case folder (?P<p>.+): (?P<e>[^:]+)", _fmt("không ghi được vào thư mục hồ sơ {p}: {e}", e=_err)),
    (r"cannot create the case folder (?P<p>.+): (?P<e>[^:]+)", _fmt("không tạo được thư mục hồ sơ {p}: {e}", e=_err)),
    (_PATH + r" is on a read-only file system", _fmt("{p} nằm trên hệ thống tệp chỉ đọc")),
    (r"the case folder (?P<p>.+) is read-only: it can be read and verified, not written",
     _fmt("thư mục hồ sơ {p} chỉ đọc: có thể đọc và kiểm tra, không thể ghi")),
    (r"cannot read (?P<p>.+): (?P<e>[^:]+)", _fmt("không đọc được {p}: {e}", e=_err)),
    # case.py: opening or creating the case folder
    (r"no case folder at (?P<p>.+)", _fmt("không có thư mục hồ sơ tại {p}")),
    (_PATH + r" is not a case folder \(no (?P<db>[^)]+)\)", _fmt("{p} không phải thư mục hồ sơ (không có {db})")),
    (_PATH + r" exists and is not empty and not a case folder",
     _fmt("{p} đã có dữ liệu và không phải thư mục hồ sơ")),
    (r"choose an empty or new folder", _fmt("hãy chọn một thư mục trống hoặc tạo thư mục mới")),
    (_PATH + r" has no schema version: not an UngCuu case", _fmt("{p} không có phiên bản lược đồ: không phải hồ sơ UngCuu")),
    (_PATH + r" cannot be read: (?P<e>.+)", _fmt("không đọc được {p}: {e}", e=_err)),
    (r"cannot open (?P<p>.+): (?P<e>.+)", _fmt("không mở được {p}: {e}", e=_err)),
    (r"no evidence (?P<e>\S+) in case (?P<p>.+)", _fmt("không có chứng cứ {e} trong hồ sơ {p}")),
    # case.py: atomic creation, a full disk, crash recovery; runner.py: a stop caused by the case folder
    (r"the disk holding (?P<p>.+) is full: the case was not created \(nothing was left behind\)",
     _fmt("ổ đĩa chứa {p} đã đầy: chưa tạo được hồ sơ (không để lại gì)")),
    (r"the disk holding the case folder (?P<p>.+) is full: the case cannot be opened for writing",
     _fmt("ổ đĩa chứa thư mục hồ sơ {p} đã đầy: không mở được hồ sơ để ghi")),
    (r"free some space or choose a bigger disk", _fmt("hãy giải phóng dung lượng hoặc chọn ổ đĩa lớn hơn")),
    (r"free some space or copy the folder to a bigger disk",
     _fmt("hãy giải phóng dung lượng hoặc chép thư mục sang ổ đĩa lớn hơn")),
    (_PATH + r" is not a case yet: its creation was interrupted before anything was stored "
     r"\(collecting into it creates the case\)",
     _fmt("{p} chưa phải hồ sơ: việc tạo hồ sơ bị ngắt trước khi lưu được gì (thu thập vào đó sẽ tạo hồ sơ)")),
    (_PATH + r" exists and is not a folder", _fmt("{p} đã tồn tại và không phải thư mục")),
    (r"stopped by the case folder, not the source: (?P<e>.+)",
     _fmt("bị dừng do thư mục hồ sơ, không phải do nguồn: {e}", e=_list)),
    (r"opening the case reconciled an interruption \(logged in the custody log\): (?P<l>.*)",
     _fmt("khi mở hồ sơ đã xử lý một lần bị ngắt (đã ghi vào nhật ký lưu giữ): {l}")),
    # artifacts/
    (r"contact point lacks (?P<f>.+)", _fmt("đầu mối liên hệ còn thiếu: {f}", f=_fields)),
    (r"swap state could not be read: (?P<e>.+)", _fmt("không đọc được trạng thái swap: {e}", e=_err)),
    (_PATH + r": not a valid task XML \((?P<e>.*)\)", _fmt("{p}: không phải tệp XML tác vụ hợp lệ ({e})")),
    (_PATH + r": not a readable registry hive \((?P<e>.*)\)", _fmt("{p}: không phải tệp hive registry đọc được ({e})")),
    (r"logged-in users could not be read: (?P<e>.+)", _fmt("không đọc được danh sách người dùng đang đăng nhập: {e}", e=_err)),
    (r"systemctl list-units failed: (?P<e>.+)", _fmt("systemctl list-units lỗi: {e}", e=_err)),
    (r"rpm -qa failed: (?P<e>.+)", _fmt("rpm -qa lỗi: {e}", e=_err)),
    (r"Run keys, services, installed programs and the OS version of this offline Windows root are in the registry "
     r"hives, copied as files but not parsed here(?P<r> \(install regipy\))?",
     lambda m: "khóa Run, dịch vụ, chương trình đã cài và phiên bản hệ điều hành của thư mục gốc Windows ngoại tuyến "
               "này nằm trong các hive registry, đã sao chép thành tệp nhưng chưa phân tích ở đây"
               + (" (cài regipy)" if m["r"] else "")),
    (r"executable, cwd or open files of (?P<n>\d+) other users' processes hidden without root",
     _fmt("không có quyền root nên không thấy tệp thực thi, thư mục làm việc hay tệp đang mở của {n} tiến trình "
          "thuộc người dùng khác")),
    (r"executable, cwd or open files of (?P<n>\d+) protected processes hidden \(access denied\)",
     _fmt("tệp thực thi, thư mục làm việc hoặc tệp đang mở của {n} tiến trình được bảo vệ bị ẩn (bị từ chối truy cập)")),
    (r"(?P<n>\d+) processes ended while they were read: (?P<l>.+)",
     _fmt("{n} tiến trình đã kết thúc trong lúc đọc: {l}")),
    (r"executables not hashed: (?P<l>.*)", _fmt("chưa tính được mã băm của tệp thực thi: {l}")),
    (r"memory maps of (?P<n>\d+) processes not read \(needs root\): (?P<l>.*)",
     _fmt("không đọc được bản đồ bộ nhớ của {n} tiến trình (cần quyền root): {l}")),
    (r"memory maps of (?P<n>\d+) processes not read \(access denied\): (?P<l>.*)",
     _fmt("không đọc được bản đồ bộ nhớ của {n} tiến trình (bị từ chối truy cập): {l}")),
    (r"(?P<n>\d+) processes ended before their memory maps were read",
     _fmt("{n} tiến trình đã kết thúc trước khi đọc được bản đồ bộ nhớ")),
    (r"owning process of (?P<n>\d+) sockets could not be identified even with administrator rights "
     r"\(protected process, another namespace, or hidden\): (?P<l>.*)",
     _fmt("không xác định được tiến trình sở hữu {n} socket dù có quyền quản trị (tiến trình được bảo vệ, "
          "namespace khác hoặc bị ẩn): {l}")),
    (r"neighbour table not read: (?P<e>.+)", _fmt("không đọc được bảng neighbour (ARP): {e}", e=_err)),
    (r"IPv6 neighbours not collected \(netlink: (?P<e>.+)\), IPv4 ones read from /proc/net/arp",
     _fmt("không thu được neighbour IPv6 (netlink: {e}), neighbour IPv4 đọc từ /proc/net/arp", e=_err)),
    (_PATH + r": no \.evtx files \(or the folder could not be listed\)",
     _fmt("{p}: không có tệp .evtx (hoặc không liệt kê được thư mục)")),
    (_PATH + r": in use and `wevtutil epl` failed: (?P<e>.*)", _fmt("{p}: đang được dùng và `wevtutil epl` lỗi: {e}")),
    (r"no event log folder \((?P<p>.+)\) here", _fmt("không có thư mục nhật ký sự kiện ({p}) ở đây")),
    (r"journalctl exported nothing \(journal empty or not readable: (?P<e>.*)\)",
     _fmt("journalctl không xuất được gì (journal trống hoặc không đọc được: {e})", e=_err)),
    (r"no systemd journal here \(no journal files under (?P<d>.+)\)",
     _fmt("không có systemd journal ở đây (không có tệp journal trong {d})", d=_or)),
    # acquire/
    (_PATH + r": (?P<n>\d+) unreadable sectors zero-filled", _fmt("{p}: {n} sector không đọc được, đã ghi số 0 thay thế")),
    # verify.py: what "Verify all" reports most often
    (r"evidence (?P<n>.+): content changed \(SHA-256 now (?P<a>\w+), collected as (?P<c>\w+)\)",
     _fmt("chứng cứ {n}: nội dung đã thay đổi (SHA-256 hiện là {a}, lúc thu thập là {c})")),
    (r"evidence (?P<n>.+): file (?P<f>\S+) is missing", _fmt("chứng cứ {n}: mất tệp {f}")),
    (r"evidence (?P<n>.+): file cannot be read: (?P<e>.+)", _fmt("chứng cứ {n}: không đọc được tệp: {e}", e=_err)),
    (r"evidence (?P<n>.+): size is (?P<s>\d+) bytes, collected as (?P<c>\d+)",
     _fmt("chứng cứ {n}: kích thước hiện là {s} byte, lúc thu thập là {c}")),
    (r"unexpected file (?P<f>.+) \(not in the index\)", _fmt("tệp lạ {f} (không có trong chỉ mục chứng cứ)")),
    (r"the incident record was changed outside UngCuu \(it differs from the last custody entry\)",
     _fmt("hồ sơ sự cố đã bị sửa ngoài UngCuu (khác với mục cuối trong nhật ký lưu giữ)")),
    (r"the incident record was removed outside UngCuu", _fmt("hồ sơ sự cố đã bị xóa ngoài UngCuu")),
    (r"custody\.jsonl \(the custody log's mirror\) is missing",
     _fmt("mất custody.jsonl (bản sao của nhật ký lưu giữ)")),
    (r"custody\.jsonl line (?P<n>\d+) is not valid JSON", _fmt("dòng {n} của custody.jsonl không phải JSON hợp lệ")),
    # progress
    (r"(?P<n>\d+) processes, (?P<k>\d+) executables hashed", _fmt("{n} tiến trình, đã băm {k} tệp thực thi")),
    # a path followed by an OS error message
    (_PATH + r": (?P<e>" + "|".join(re.escape(k) for k in STRERROR) + r")", _fmt("{p}: {e}", e=_err)),
]]

# the Windows artifacts' phrases (collectors/messages_windows.py), before the general rules
from . import messages_windows as _win  # noqa: E402

EXACT.update(_win.EXACT)
TIME_DESC.update(_win.TIME_DESC)
RULES[:0] = [(re.compile(rx, re.S), _fmt(out)) for rx, out in _win.RULES]

_COLLECTOR = re.compile(r"([a-z][a-z0-9_]*): (.+)", re.S)
_OPEN, _CLOSE = "([{`", ")]}`"


def split_parts(text: str) -> list[str]:
    """Cut at "; " outside brackets and backticks."""
    parts: list[str] = []
    depth = 0
    tick = False
    start = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "`":
            tick = not tick
        elif not tick and ch in "([{":
            depth += 1
        elif not tick and ch in ")]}" and depth:
            depth -= 1
        elif ch == ";" and not tick and depth == 0 and text.startswith("; ", i):
            parts.append(text[start:i])
            start = i + 2
            i += 2
            continue
        i += 1
    parts.append(text[start:])
    return parts


def _part(part: str) -> str:
    hit = EXACT.get(part)
    if hit is not None:
        return hit
    for rx, out in RULES:
        m = rx.fullmatch(part)
        if m:
            return out(m)
    m = _COLLECTOR.fullmatch(part)
    if m:  # "collector_name: what it said": the name stays
        rest = _part(m.group(2))
        if rest != m.group(2):
            return f"{m.group(1)}: {rest}"
    return part


def _translate_parts(text: str) -> str:
    return "; ".join(_part(p) for p in split_parts(text))


@lru_cache(maxsize=4096)
def _vi(text: str) -> str:
    return _translate_parts(text)


def translate(text: str | None, lang: str = "vi") -> str:
    """`text` (a reason or note a collector wrote in English) in `lang`; unknown phrases stay as they are."""
    if not text or lang != "vi":
        return text or ""
    return _vi(text)


def time_desc(text: str | None, lang: str = "vi") -> str:
    """A timeline timestamp_desc ('Content Modification Time', several joined by '; ') in `lang`."""
    if not text or lang != "vi":
        return text or ""
    return "; ".join(TIME_DESC.get(p, p) for p in text.split("; "))
