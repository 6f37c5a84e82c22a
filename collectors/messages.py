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
    "Folder Last Opened (shellbag)": "Lần mở thư mục gần nhất (shellbag)",
    "Folder First Opened (shellbag)": "Lần đầu mở thư mục (shellbag)",
}

# Whole parts, as the collectors write them.
EXACT = {
    # runner.py, base.py
    "not applicable to an offline root (needs the running system)":
        "không áp dụng cho thư mục gốc ngoại tuyến (cần hệ thống đang chạy)",
    "reads a folder tree, not yet a disk image: mount the image read-only (or copy the tree) and give that "
    "folder as --root":
        "mục này đọc một cây thư mục, chưa đọc trực tiếp ảnh đĩa: hãy gắn (mount) ảnh ở chế độ chỉ đọc "
        "(hoặc sao chép cây thư mục) rồi chỉ thư mục đó cho --root",
    "changes the affected system: needs the responder's explicit consent (--consent)":
        "làm thay đổi hệ thống bị sự cố: cần người ứng cứu đồng ý rõ ràng (--consent)",
    "package ownership of preloaded libraries not checked inside a disk image":
        "chưa kiểm tra thư viện nạp sẵn thuộc gói phần mềm nào khi đọc trong ảnh đĩa",
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
    "the SECURITY hive is readable only by SYSTEM on a running Windows (collect it from an image)":
        "trên Windows đang chạy chỉ SYSTEM đọc được hive SECURITY (hãy thu thập từ ảnh đĩa)",
    "shell items need the Python package libfwsi-python (pip install libfwsi-python)":
        "cần gói Python libfwsi-python để giải mã shell item (cài bằng pip install libfwsi-python)",
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
    "no Docker or Podman state folder here": "không có thư mục trạng thái Docker hay Podman trên máy này",
    "no Apache, nginx or Tomcat configuration or web root here":
        "không có cấu hình hay thư mục web của Apache, nginx hoặc Tomcat trên máy này",
    "no dpkg or rpm database on this system": "hệ thống này không có cơ sở dữ liệu gói dpkg hay rpm",
    "no /boot folder": "không có thư mục /boot",
    "statx is not available in this C library: creation times not recorded":
        "thư viện C này không có statx: không ghi được thời điểm tạo tệp",
    "/boot is a symbolic link: not followed": "/boot là liên kết tượng trưng: không đi theo",
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
    # acquire/: engines and acquisition collectors
    "image it from the host, outside the container": "hãy tạo ảnh từ máy chủ/ngoài container",
    "choose another destination drive (a USB or external disk)": "hãy chọn ổ đích khác (ổ USB/ổ ngoài)",
    "the part size must be a multiple of 512 bytes": "kích thước phần phải là bội số của 512 byte",
    "run it again to resume from there": "chạy lại để tiếp tục từ điểm dừng",
    "image it again from the start": "hãy tạo ảnh lại từ đầu",
    "what was written stays valid": "dữ liệu đã ghi vẫn hợp lệ",
    "no file system recognised (FAT, NTFS, ext2/3/4, exFAT) in the source":
        "không nhận ra hệ thống tệp nào (FAT, NTFS, ext2/3/4, exFAT) trong nguồn",
    "no metadata record of the file is left: its content cannot be recovered":
        "không còn bản ghi siêu dữ liệu (metadata) của tệp: không khôi phục được nội dung",
    "FAT keeps no deletion time, and the first character of the name was erased (TSK shows '_')":
        "FAT không lưu thời điểm xóa, ký tự đầu của tên tệp đã bị xóa (TSK thay bằng '_')",
    "NTFS keeps no deletion time": "NTFS không lưu thời điểm xóa",
    "the metadata record (inode/MFT) was reused by another file: the old content cannot be reached":
        "bản ghi siêu dữ liệu (inode/MFT) đã được tệp khác dùng lại: nội dung cũ không còn truy cập được",
    "a folder (listed only, no content to recover)": "thư mục (chỉ liệt kê, không có nội dung để khôi phục)",
    "Linux set the size to 0 and cleared the block pointers when it deleted the file (ext2/3/4): the original "
    "size and content are not known, only carving the free space can find it":
        "Linux đã đặt kích thước về 0 và xóa con trỏ khối khi xóa tệp (ext2/3/4): không còn biết kích thước và "
        "nội dung gốc, chỉ có thể tìm lại bằng khắc dữ liệu (carving) vùng trống",
    "an empty file": "tệp rỗng",
    "the data block pointers were cleared when the file was deleted (usual on ext3/ext4): where the content "
    "lay is not known": "con trỏ khối dữ liệu đã bị xóa khi xóa tệp (thường gặp ở ext3/ext4): không còn biết "
                        "nội dung nằm ở đâu",
    "the folder entry has no first cluster left: not recoverable":
        "mục thư mục không còn cluster bắt đầu: không khôi phục được",
    "every cluster/block of the file was reused by another file (overwritten): not recoverable":
        "toàn bộ cluster/khối của tệp đã được tệp khác dùng lại (bị ghi đè): không khôi phục được",
    "what is left of the content is all zeros (wiped): not recoverable":
        "nội dung còn lại toàn số 0 (đã bị xóa trắng): không khôi phục được",
    "no permission to capture packets: run as root (or give Python CAP_NET_RAW: setcap cap_net_raw,cap_net_admin+eip)":
        "không có quyền bắt gói tin: cần chạy với quyền root (hoặc cấp CAP_NET_RAW cho Python: "
        "setcap cap_net_raw,cap_net_admin+eip)",
    "Npcap is not installed: install Npcap (https://npcap.com) and run again as Administrator":
        "chưa cài Npcap: cài Npcap (https://npcap.com) rồi chạy lại với quyền Administrator",
    "capturing packets needs root": "cần quyền root để bắt gói tin",
    "a packet capture needs a time limit (--seconds) or a packet count (--count)":
        "cần giới hạn thời gian (--seconds) hoặc số gói (--count) cho việc bắt gói",
    "the capture was cancelled before its limit": "bắt gói bị hủy trước thời hạn",
    "not Linux: use an external memory acquirer (winpmem, for example) with --acquirer":
        "hệ điều hành không phải Linux: dùng công cụ thu bộ nhớ bên ngoài (ví dụ winpmem) với --acquirer",
    "not running as root: only root can read /proc/kcore": "không chạy với quyền root: /proc/kcore chỉ root đọc được",
    "kernel lockdown is in 'confidentiality' mode (usually from Secure Boot): the kernel blocks reading /proc/kcore":
        "kernel lockdown ở chế độ 'confidentiality' (thường do Secure Boot): nhân chặn đọc /proc/kcore",
    "running in a container: /proc/kcore (if any) does not show the host's whole memory":
        "đang chạy trong container: /proc/kcore (nếu có) không phản ánh toàn bộ bộ nhớ máy chủ",
    "an acquirer you bring (avml, winpmem) can, with --acquirer PATH":
        "có thể dùng công cụ mang theo (avml, winpmem) với --acquirer ĐƯỜNG_DẪN",
    "choose a larger destination drive": "hãy chọn ổ đích lớn hơn",
    "reading the source again gave another hash: the source changed or reads unreliably":
        "đọc lại nguồn cho giá trị băm khác: nguồn thay đổi hoặc có lỗi đọc không ổn định",
    "verification: the source read back differently": "kiểm tra lại: nguồn đọc lại cho kết quả khác",
    "only 64-bit little-endian ELF is supported": "chỉ hỗ trợ ELF 64-bit little-endian",
    "not an ELF file (no \\x7fELF signature)": "không phải tệp ELF (thiếu chữ ký \\x7fELF)",
    "no physical memory range to write (no PT_LOAD matches the System RAM)":
        "không có vùng nhớ vật lý nào để ghi (không có PT_LOAD khớp với System RAM)",
    "MiniDumpWriteDump exists only on Windows": "MiniDumpWriteDump chỉ có trên Windows",
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


def _size(text: str) -> str:
    """A byte count in a stored message shown as a human size ('79770' -> '77,9 KiB')."""
    from .acquire.common import human_size

    try:
        return human_size(int(text), "vi")
    except ValueError:
        return text


def _err(text: str) -> str:
    return STRERROR.get(text, text)


def _list(text: str) -> str:  # a nested note (the runner's summary after "nothing found to collect: ")
    return _translate_parts(text)


def _or(text: str) -> str:
    return text.replace(" or ", " hoặc ")


def _what(text: str) -> str:  # what an acquisition needs room for
    m = re.fullmatch(r"the image of (.+) \((.+)\)", text)
    if m:
        return f"ảnh {m[1]} ({m[2]})"
    m = re.fullmatch(r"the memory of process (\d+) \((.+)\)", text)
    if m:
        return f"bộ nhớ tiến trình {m[1]} ({m[2]})"
    m = re.fullmatch(r"the whole physical memory \((.+)\)", text)
    if m:
        return f"toàn bộ bộ nhớ vật lý ({m[1]})"
    return text


def _fields(text: str) -> str:
    return ", ".join(CONTACT_FIELDS.get(f.strip(), f.strip()) for f in text.split(","))


_PATH = r"(?P<p>.+)"
RULES: list[Rule] = [(re.compile(rx, re.S), out) for rx, out in [
    # the Sigma rule loader (analysis/detect): why a rule file or rule could not be used
    (r"selection '(?P<s>[^']+)': (?P<r>.+)", _fmt("vùng chọn '{s}': {r}", r=_list)),
    (r"the '\|expand' modifier needs placeholder values UngCuu does not have",
     _fmt("bộ biến đổi '|expand' cần các giá trị thay thế (placeholder) mà UngCuu không có")),
    (r"unknown modifier '(?P<m>[^']+)'", _fmt("bộ biến đổi '{m}' không được hỗ trợ")),
    (r"a field without values", _fmt("một trường không có giá trị")),
    (r"'(?P<o>[^']+)' needs a number, not (?P<v>.+)", _fmt("'{o}' cần một số, không phải {v}")),
    (r"bad '\|cidr' value: (?P<e>.+)", _fmt("giá trị '|cidr' không hợp lệ: {e}")),
    (r"bad regular expression (?P<v>.+?): (?P<e>.+)", _fmt("biểu thức chính quy không hợp lệ {v}: {e}")),
    (r"field '(?P<k>[^']+)' has a nested value", _fmt("trường '{k}' có giá trị lồng nhau")),
    (r"a selection mixes keywords and field maps", _fmt("một vùng chọn trộn lẫn từ khoá và bảng trường")),
    (r"aggregation conditions \('\| count\(\) \.\.\.'\) are not supported; write a correlation rule",
     _fmt("không hỗ trợ điều kiện gộp ('| count() ...'); hãy viết một luật tương quan (correlation)")),
    (r"condition refers to '(?P<n>[^']+)', which (?:matches no selection|is not a selection of the rule)",
     _fmt("điều kiện nhắc tới '{n}', không phải một vùng chọn của luật")),
    (r"unbalanced parentheses in condition (?P<c>.+)", _fmt("dấu ngoặc không cân trong điều kiện {c}")),
    (r"condition ends too early: (?P<c>.+)", _fmt("điều kiện kết thúc quá sớm: {c}")),
    (r"cannot read condition (?P<c>.+) after '(?P<t>[^']*)'", _fmt("không đọc được điều kiện {c} sau '{t}'")),
    (r"'detection' must be a map", _fmt("'detection' phải là một bảng (map)")),
    (r"the detection has no 'condition'", _fmt("phần detection không có 'condition'")),
    (r"the rule has no '(?P<k>title|logsource|detection)'", _fmt("luật không có '{k}'")),
    (r"level '(?P<l>[^']*)' is not one of (?P<v>.+)", _fmt("mức '{l}' không thuộc {v}")),
    (r"rule collections with 'action: global/reset/repeat' are not supported",
     _fmt("không hỗ trợ tập luật có 'action: global/reset/repeat'")),
    (r"cannot read: (?P<e>.+)", _fmt("không đọc được: {e}", e=_err)),
    (r"not UTF-8 text: (?P<e>.+)", _fmt("không phải văn bản UTF-8: {e}")),
    (r"not valid YAML: (?P<e>.+)", _fmt("không phải YAML hợp lệ: {e}")),
    (r"a YAML document that is not a Sigma rule \(not a map\)", _fmt("một tài liệu YAML không phải luật Sigma (không phải bảng)")),
    (r"no such rule folder or file", _fmt("không có thư mục hoặc tệp luật này")),
    (r"no \.yml/\.yaml rule files in this folder", _fmt("thư mục này không có tệp luật .yml/.yaml")),
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
    (r"(?P<f>\w+) image of (?P<n>\d+) bytes", _fmt("ảnh {f} dung lượng {n}", n=_size)),
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
    # desktop/ui/compare.py: the H3 comparison
    (r"the two collections are the same case folder: choose the one before and the one after",
     _fmt("hai lần thu thập là cùng một thư mục hồ sơ: hãy chọn lần trước và lần sau")),
    # desktop/commands/collect.py: per-item acquisition options
    (r"(?P<f>--[a-z-]+) is for (?P<i>[A-Z]\d+), which this run does not collect: add (?P=i) to --only",
     _fmt("{f} dành cho mục {i}, nhưng lượt chạy này không thu thập {i}: thêm {i} vào --only")),
    (r"(?P<f>--[a-z-]+) needs (?P<o>--[a-z-]+)", _fmt("{f} cần có {o}")),
    (r"--carve and --no-carve cannot be given together", _fmt("không dùng --carve cùng --no-carve")),
    (r"--pid (?P<n>-?\d+): not a process id \(a positive number\)",
     _fmt("--pid {n}: không phải mã tiến trình (một số dương)")),
    (r"(?P<f>--[a-z-]+) (?P<v>\S+): must be a positive number", _fmt("{f} {v}: phải là số dương")),
    (r"--carve (?P<v>.*): unknown kind (?P<k>.+) \(known: (?P<all>.+)\)",
     _fmt("--carve {v}: không có loại {k} (các loại: {all})")),
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
     + f"lỗi đọc sau {_size(m['n'])}: {_err(m['e'])}"),
    (r"(?:(?P<p>.+): )?size cap of (?P<n>\d+) bytes reached: only the first (?P<k>\d+) bytes were copied",
     lambda m: (m["p"] + ": " if m["p"] else "") + f"đạt giới hạn kích thước {_size(m['n'])}: chỉ sao chép {_size(m['k'])} đầu"),
    (r"(?:(?P<p>.+): )?size cap of (?P<n>\d+) bytes reached: only the last (?P<k>\d+) bytes were copied \(the "
     r"newest part, from byte (?P<f>\d+) of (?P<s>\d+); the oldest (?P<o>\d+) bytes were left out\)",
     lambda m: (m["p"] + ": " if m["p"] else "") + f"đạt giới hạn kích thước {_size(m['n'])}: chỉ sao chép "
     f"{_size(m['k'])} cuối (phần mới nhất, từ vị trí {_size(m['f'])} trên {_size(m['s'])}; bỏ qua {_size(m['o'])} cũ nhất)"),
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
     _fmt("đạt giới hạn tổng dung lượng {n}: {p} và các tệp sau nó không được sao chép", n=_size)),
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
    (r"the case (?P<p>.+) is open for collection by (?P<h>.+?): finish or close it there first \(status, verify and "
     r"report still read it\)",
     _fmt("hồ sơ {p} đang được {h} mở để thu thập: hãy hoàn tất hoặc đóng nó ở đó trước (status, verify và report "
          "vẫn đọc được)")),
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
    (_PATH + r": more than (?P<n>\d+) shellbags, the rest not read",
     _fmt("{p}: hơn {n} shellbag, phần còn lại không đọc")),
    (_PATH + r": BagMRU deeper than (?P<n>\d+) levels, not walked further",
     _fmt("{p}: BagMRU sâu quá {n} cấp, không duyệt tiếp")),
    (_PATH + r": shell item not decodable \((?P<e>.*)\)", _fmt("{p}: không giải mã được shell item ({e})")),
    (_PATH + r": not found \(the SECURITY hive holds no policy\)",
     _fmt("{p}: không tìm thấy (hive SECURITY không có khóa Policy)")),
    (_PATH + r"\\PolAdtEv: no audit policy value", _fmt("{p}\\PolAdtEv: không có giá trị chính sách kiểm toán")),
    (_PATH + r"\\PolAdtEv: audit policy not decoded \((?P<e>.*)\)",
     _fmt("{p}\\PolAdtEv: không giải mã được chính sách kiểm toán ({e})")),
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
    (r"reading (?P<p>.+) refused even as root: a container or a security policy \(device cgroup, SELinux/AppArmor\) "
     r"blocks it", _fmt("bị từ chối đọc {p} dù đang chạy với quyền root: container hoặc chính sách bảo mật "
                       "(cgroup thiết bị, SELinux/AppArmor) chặn truy cập")),
    (r"no permission to read (?P<p>.+) \(reading a device needs root/Administrator\)",
     _fmt("không có quyền đọc {p} (cần quyền root/Administrator để đọc thiết bị)")),
    (r"no permission to read (?P<p>.+) \(needs root/Administrator\)", _fmt("không có quyền đọc {p} (cần quyền root/Administrator)")),
    (r"the source to image was not found: (?P<p>.+)", _fmt("không tìm thấy nguồn cần tạo ảnh: {p}")),
    (r"image or device not found: (?P<p>.+)", _fmt("không tìm thấy ảnh/thiết bị: {p}")),
    (r"cannot open the image (?P<p>.+?): (?P<e>.+)", _fmt("không mở được ảnh {p}: {e}", e=_err)),
    (_PATH + r" is a folder, not a device or a file", _fmt("{p} là một thư mục, không phải thiết bị hay tệp")),
    (r"refused: the image folder \((?P<o>.+)\) is on the device being imaged \((?P<s>.+)\)",
     _fmt("từ chối: thư mục lưu ảnh ({o}) nằm trên chính thiết bị đang được tạo ảnh ({s})")),
    (r"imaging cancelled at (?P<a>\S+ \S+)/(?P<b>\S+ \S+)", _fmt("đã hủy tạo ảnh tại {a}/{b}")),
    (r"the destination filled up after (?P<a>.+?): the first (?P<k>.+?) of the image are kept "
     r"\(the part written after them was removed to give the room back\)",
     _fmt("ổ đích đầy sau {a}: đã giữ {k} đầu của ảnh (phần ghi dở sau đó đã được xóa để trả lại chỗ trống)")),
    (r"free space and run again to resume at (?P<k>.+?), or choose another drive",
     _fmt("giải phóng chỗ rồi chạy lại để tiếp tục từ {k}, hoặc chọn ổ khác")),
    (r"image part (?P<p>.+) is missing, so the image cannot resume", _fmt("thiếu phần ảnh {p} để tiếp tục")),
    (r"image part (?P<p>.+) is shorter than its checkpoint", _fmt("phần ảnh {p} ngắn hơn điểm dừng đã ghi")),
    (r"cancelled by the responder: (?P<w>.+)", _fmt("đã hủy theo yêu cầu: {w}")),
    (r"too many images named (?P<n>.+) in the case", _fmt("quá nhiều ảnh tên {n} trong vụ việc")),
    (_PATH + r": the manifest lists no image part", _fmt("{p}: manifest không liệt kê phần ảnh nào")),
    (_PATH + r": folder not readable \((?P<e>.*)\)", _fmt("{p}: không đọc được thư mục ({e})")),
    (_PATH + r": the orphan file list is not readable \((?P<e>.*)\)", _fmt("{p}: không đọc được danh sách tệp mồ côi ({e})")),
    (_PATH + r": damaged folder, listed in part \((?P<e>.*)\)", _fmt("{p}: thư mục bị hỏng, chỉ liệt kê được một phần ({e})")),
    (r"(?P<a>\d+)/(?P<b>\d+) clusters were reused by another file: recoverable in part \(the overwritten part "
     r"holds the other file's content\)", _fmt("{a}/{b} cluster đã bị tệp khác dùng lại: chỉ khôi phục được một phần "
                                                "(phần bị ghi đè mang nội dung của tệp khác)")),
    (r"only (?P<a>\d+)/(?P<b>\d+) data blocks are left: recoverable in part",
     _fmt("chỉ còn {a}/{b} khối dữ liệu: khôi phục được một phần")),
    (r"cannot read the content of (?P<p>.+) at (?P<n>\d+): (?P<e>.+)", _fmt("không đọc được nội dung {p} tại {n}: {e}")),
    (r"cannot list (?P<p>.+): (?P<e>.+)", _fmt("không liệt kê được {p}: {e}", e=_err)),
    (r"the open files of (?P<n>\d+) processes could not be listed \(needs root\)",
     _fmt("không đọc được danh sách tệp mở của {n} tiến trình (cần quyền root)")),
    (r"process (?P<n>\d+) \((?P<c>.*)\) closed the file or ended", _fmt("tiến trình {n} ({c}) đã đóng tệp hoặc kết thúc")),
    (r"no permission to read (?P<p>.+)", _fmt("không có quyền đọc {p}")),
    (r"OpenProcess\((?P<n>\d+)\) failed, Windows error (?P<e>\d+)", _fmt("OpenProcess({n}) thất bại, mã lỗi Windows {e}")),
    (r"MiniDumpWriteDump\((?P<n>\d+)\) failed, error (?P<e>\d+)", _fmt("MiniDumpWriteDump({n}) thất bại, mã lỗi {e}")),
    (r"no permission to open process (?P<n>\d+): run as Administrator \(a protected process such as lsass may "
     r"still refuse\)", _fmt("không có quyền mở tiến trình {n}: hãy chạy với quyền Administrator (tiến trình được "
                             "bảo vệ như lsass có thể vẫn bị từ chối)")),
    (r"cannot create the dump file (?P<p>.+) \(error (?P<e>\d+)\)", _fmt("không tạo được tệp dump {p} (mã lỗi {e})")),
    (r"refused while dumping process (?P<n>\d+)", _fmt("bị từ chối khi dump tiến trình {n}")),
    (r"cannot open a capture socket: (?P<e>.+)", _fmt("không mở được socket bắt gói tin: {e}", e=_err)),
    (r"Npcap cannot be used: (?P<e>.+)", _fmt("không dùng được Npcap: {e}")),
    (r"no such network interface: (?P<m>.+) \(there are: (?P<k>.*)\)", _fmt("không có giao diện mạng: {m} (có: {k})")),
    (r"no permission to capture packets on (?P<i>.+)", _fmt("không có quyền bắt gói tin trên {i}")),
    (r"cannot capture on (?P<i>[^:]+): (?P<e>.+)", _fmt("không bắt gói được trên {i}: {e}")),
    (r"process (?P<n>\d+) no longer exists", _fmt("tiến trình {n} không còn tồn tại")),
    (r"process (?P<n>\d+) \((?P<c>.*)\) has ended", _fmt("tiến trình {n} ({c}) đã kết thúc")),
    (r"process (?P<n>\d+) \((?P<c>.*)\) ended during the dump", _fmt("tiến trình {n} ({c}) kết thúc trong khi dump")),
    (r"no permission to read the memory of process (?P<n>\d+) \(needs root\)",
     _fmt("không có quyền đọc bộ nhớ tiến trình {n} (cần quyền root)")),
    (r"no permission to read the memory of process (?P<n>\d+) \((?P<c>.*)\): needs root \(or CAP_SYS_PTRACE, "
     r"see /proc/sys/kernel/yama/ptrace_scope\)",
     _fmt("không có quyền đọc bộ nhớ tiến trình {n} ({c}): cần quyền root (hoặc CAP_SYS_PTRACE; kiểm tra "
          "/proc/sys/kernel/yama/ptrace_scope)")),
    (r"no (?P<k>\S+): the kernel was built without CONFIG_PROC_KCORE \(or this is a restricted container or virtual "
     r"machine\)", _fmt("không có {k}: nhân được biên dịch không có CONFIG_PROC_KCORE (hoặc đang chạy trong "
                        "container/máy ảo hạn chế)")),
    (r"(?P<k>\S+) is not a valid ELF core file", _fmt("{k} không phải tệp ELF core hợp lệ")),
    (r"reading (?P<k>\S+) was refused \(SELinux/AppArmor or lockdown\)",
     _fmt("bị từ chối khi đọc {k} (SELinux/AppArmor hoặc lockdown)")),
    (r"the whole physical memory cannot be acquired: (?P<r>.+)",
     lambda m: "không thu được toàn bộ bộ nhớ vật lý: " + _part(m["r"])),
    (r"(?P<f>\S+) hides the addresses \(all zeros\): needs real root \(not only in a namespace\)",
     _fmt("{f} ẩn địa chỉ (toàn số 0): cần quyền root thật sự (không chỉ trong namespace)")),
    (r"memory acquirer not found: (?P<p>.+)", _fmt("không tìm thấy công cụ thu bộ nhớ: {p}")),
    (r"not enough free space for (?P<w>.+): about (?P<n>\S+ \S+) needed, the case drive has (?P<f>\S+ \S+) left",
     lambda m: f"không đủ chỗ trống cho {_what(m['w'])}: cần khoảng {m['n']}, ổ chứa vụ việc chỉ còn {m['f']}"),
    (r"not enough free space on the case drive to copy (?P<p>.+) \((?P<s>\S+ \S+), (?P<f>\S+ \S+) left\): "
     r"the file is still open at (?P<d>\S+)",
     _fmt("không đủ chỗ trống trên ổ chứa vụ việc để sao chép {p} ({s}; còn {f}): tệp vẫn còn mở tại {d}")),
    (r"(?P<n>\d+) unreadable sectors zero-filled \(offsets in the manifest, bad_sectors\)",
     _fmt("{n} sector không đọc được đã được ghi bằng 0 (offset trong manifest, bad_sectors)")),
    (r"(?P<n>\d+) bytes unreadable \(zero-filled, see the map\)", _fmt("{n} không đọc được (ghi bằng 0, xem map)", n=_size)),
    (r"(?P<n>\d+) deleted files found", _fmt("tìm thấy {n} tệp đã xóa")),
    (r"imaging (?P<p>.+) \((?P<s>\S+ \S+)\)", _fmt("bắt đầu tạo ảnh {p} ({s})")),
    (r"image of (?P<s>\S+ \S+) written; SHA-256 (?P<h>\w+)", _fmt("đã tạo ảnh {s}; SHA-256 {h}")),
    (_PATH + r": verification: the source read back differently", _fmt("{p}: kiểm tra lại: nguồn đọc lại cho kết quả khác")),
    (_PATH + r": (?P<n>\d+) unreadable sectors zero-filled", _fmt("{p}: {n} sector không đọc được, đã ghi số 0 thay thế")),
    # verify.py: what "Verify all" reports most often
    (r"evidence (?P<n>.+): content changed \(SHA-256 now (?P<a>\w+), collected as (?P<c>\w+)\)",
     _fmt("chứng cứ {n}: nội dung đã thay đổi (SHA-256 hiện là {a}, lúc thu thập là {c})")),
    (r"evidence (?P<n>.+): file (?P<f>\S+) is missing", _fmt("chứng cứ {n}: mất tệp {f}")),
    (r"evidence (?P<n>.+): file cannot be read: (?P<e>.+)", _fmt("chứng cứ {n}: không đọc được tệp: {e}", e=_err)),
    (r"evidence (?P<n>.+): size is (?P<s>\d+) bytes, collected as (?P<c>\d+)",
     _fmt("chứng cứ {n}: kích thước hiện là {s} byte, lúc thu thập là {c} byte")),
    (r"unexpected file (?P<f>.+) \(not in the index\)", _fmt("tệp lạ {f} (không có trong chỉ mục chứng cứ)")),
    (r"the incident record was changed outside UngCuu \(it differs from the last custody entry\)",
     _fmt("hồ sơ sự cố đã bị sửa ngoài UngCuu (khác với mục cuối trong nhật ký lưu giữ)")),
    (r"the incident record was removed outside UngCuu", _fmt("hồ sơ sự cố đã bị xóa ngoài UngCuu")),
    (r"custody\.jsonl \(the custody log's mirror\) is missing",
     _fmt("mất custody.jsonl (bản sao của nhật ký lưu giữ)")),
    (r"custody\.jsonl line (?P<n>\d+) is not valid JSON", _fmt("dòng {n} của custody.jsonl không phải JSON hợp lệ")),
    # progress
    (r"(?P<n>\d+) processes, (?P<k>\d+) executables hashed", _fmt("{n} tiến trình, đã băm {k} tệp thực thi")),
    # Linux triage collectors (fs_timeline, temp_dirs, package_integrity, proc_state, kernel_state, etc_tree)
    (r"(?P<n>\d+) files larger than (?P<k>\d+) bytes were not hashed \(options hash_max_bytes\)",
     _fmt("{n} tệp lớn hơn {k} không được băm (tùy chọn hash_max_bytes)", k=_size)),
    (r"(?P<n>\d+) entries could not be read: (?P<e>.+)", _fmt("{n} mục không đọc được: {e}")),
    (r"(?P<p>.+): (?P<t>\S+) \(network or user file system\) not walked \(options fs_network walks it\)",
     _fmt("{p}: {t} (hệ thống tệp mạng hoặc của người dùng) không được duyệt (tùy chọn fs_network để duyệt)")),
    (r"(?P<n>\d+) entries of /boot not readable: (?P<e>.+)", _fmt("{n} mục trong /boot không đọc được: {e}")),
    (r"(?P<n>\d+) entries not readable: (?P<e>.+)", _fmt("{n} mục không đọc được: {e}")),
    (r"(?P<n>\d+) Component Based Servicing packages, none naming a KB",
     _fmt("{n} gói Component Based Servicing, không gói nào ghi số KB")),
    (r"HKLM\\(?P<k>.+) not found: OS build unknown", _fmt("không tìm thấy HKLM\\{k}: không biết bản dựng (build) của hệ điều hành")),
    (r"(?P<p>.+): not valid JSON", _fmt("{p}: không phải JSON hợp lệ")),
    (r"hash budget of (?P<k>\d+) bytes reached: (?P<n>\d+) files not hashed \(options hash_total_bytes\)",
     _fmt("đạt giới hạn băm {k}: {n} tệp không được băm (tùy chọn hash_total_bytes)", k=_size)),
    (r"/lib/modules/(?P<r>.+)/modules\.dep not found: module files not located",
     _fmt("không tìm thấy /lib/modules/{r}/modules.dep: không xác định được tệp của các mô-đun")),
    (r"(?P<p>.+): a damaged package header was skipped", _fmt("{p}: đã bỏ qua một phần đầu gói bị hỏng")),
    (r"(?P<p>/proc/modules|/proc/sys/kernel/tainted|/var/lib/dpkg/info|/var/lib/rpm/rpmdb\.sqlite|/var/lib/rpm/Packages): (?P<e>.+)",
     lambda m: f"{m['p']}: không đọc được ({_err(m['e'])})" if m["e"] != "a damaged package header was skipped"
     else f"{m['p']}: đã bỏ qua một phần đầu gói bị hỏng"),
    (r"pid (?P<n>\d+) (?P<p>.+): only the first (?P<k>\d+) bytes copied",
     _fmt("pid {n} {p}: chỉ sao chép {k} byte đầu")),
    (r"more than (?P<n>\d+) entries in the temporary folders: the rest not listed",
     _fmt("thư mục tạm có hơn {n} mục: phần còn lại không được liệt kê")),
    (r"more than (?P<n>\d+) files in the web roots: the rest not listed",
     _fmt("các thư mục web có hơn {n} tệp: phần còn lại không được liệt kê")),
    (r"(?P<p>.+): container overlay mount not walked \(its layers are walked under the container state folder\)",
     _fmt("{p}: điểm gắn overlay của container không được duyệt (các lớp của nó được duyệt trong thư mục trạng thái container)")),
    (r"(?P<n>\d+) files larger than (?P<k>\d+) bytes were hashed but not copied \(options temp_max_file_bytes\)",
     _fmt("{n} tệp lớn hơn {k} byte đã được băm nhưng không sao chép (tùy chọn temp_max_file_bytes)")),
    (r"total cap of (?P<k>\d+) bytes reached: (?P<n>\d+) files were hashed but not copied \(options temp_max_total_bytes\)",
     _fmt("đạt giới hạn tổng {k} byte: {n} tệp đã được băm nhưng không sao chép (tùy chọn temp_max_total_bytes)")),
    (r"(?P<n>\d+) files larger than (?P<k>\d+) bytes were listed but not hashed \(options temp_hash_max_bytes\)",
     _fmt("{n} tệp lớn hơn {k} byte chỉ được liệt kê, không băm (tùy chọn temp_hash_max_bytes)")),
    (r"(?P<n>\d+) package files that are not programs, libraries, modules or configuration were not checked "
     r"\(options package_scope=all checks every file\)",
     _fmt("{n} tệp của gói không phải chương trình, thư viện, mô-đun hay cấu hình không được kiểm tra "
          "(tùy chọn package_scope=all để kiểm tra mọi tệp)")),
    (r"(?P<n>\d+) package files that are not configuration were not checked \(options package_scope=all checks every file\)",
     _fmt("{n} tệp của gói không phải tệp cấu hình không được kiểm tra (tùy chọn package_scope=all để kiểm tra mọi tệp)")),
    (r"(?P<n>\d+) (?P<m>\S+) package files of documentation, data or node_modules trees were not checked "
     r"\(options package_scope=all checks every file\)",
     _fmt("{n} tệp của gói {m} thuộc tài liệu, dữ liệu hoặc cây node_modules không được kiểm tra "
          "(tùy chọn package_scope=all để kiểm tra mọi tệp)")),
    (r"(?P<n>\d+) (?P<m>\S+) package files that are not configuration were not checked "
     r"\(options package_scope=all checks every file\)",
     _fmt("{n} tệp của gói {m} không phải tệp cấu hình không được kiểm tra "
          "(tùy chọn package_scope=all để kiểm tra mọi tệp)")),
    (r"unknown package_scope (?P<s>.+) \(binaries, all or config\): binaries used",
     _fmt("package_scope {s} không hợp lệ (binaries, all hoặc config): dùng binaries")),
    (r"the rpm database is in the Berkeley DB or ndb layout, which is not read: rpm files not checked",
     _fmt("cơ sở dữ liệu rpm ở định dạng Berkeley DB hoặc ndb, chưa đọc được: không kiểm tra tệp của gói rpm")),
    (r"the kernel has no audit support \(NETLINK_AUDIT\): loaded audit rules not read",
     _fmt("nhân không hỗ trợ audit (NETLINK_AUDIT): không đọc được các luật audit đang nạp")),
    (r"reading the loaded audit rules needs root \(CAP_AUDIT_CONTROL\): not read",
     _fmt("cần quyền root (CAP_AUDIT_CONTROL) để đọc các luật audit đang nạp: không đọc")),
    (r"the kernel refuses audit requests from this namespace \(a container\): loaded audit rules not read",
     _fmt("nhân từ chối yêu cầu audit từ namespace này (một container): không đọc được các luật audit đang nạp")),
    (r"the kernel's audit interface did not answer: loaded audit rules not read",
     _fmt("giao diện audit của nhân không trả lời: không đọc được các luật audit đang nạp")),
    (r"loaded audit rules not read: (?P<e>.+)", _fmt("không đọc được các luật audit đang nạp: {e}", e=_err)),
    (r"the rpm database is in the ndb layout, which is not read: rpm files not checked",
     _fmt("cơ sở dữ liệu rpm ở định dạng ndb, chưa đọc được: không kiểm tra tệp của gói rpm")),
    (r"/var/lib/rpm/Packages \(Berkeley DB\) not read: (?P<e>.+): rpm files not checked",
     _fmt("không đọc được /var/lib/rpm/Packages (Berkeley DB): {e}: không kiểm tra tệp của gói rpm", e=_err)),
    (r"/var/lib/rpm/Packages \(Berkeley DB\): the file holds (?P<n>\d+) whole pages of the (?P<k>\d+) its metadata "
     r"names \((?P<b>\d+) bytes\): truncated, the records on the missing pages are lost",
     _fmt("/var/lib/rpm/Packages (Berkeley DB): tệp chỉ có {n} trang đầy đủ trong {k} trang mà siêu dữ liệu ghi "
          "({b} byte): tệp bị cắt cụt, các bản ghi ở những trang thiếu bị mất")),
    (r"/var/lib/rpm/Packages \(Berkeley DB\): (?P<n>\d+) more damaged places skipped",
     _fmt("/var/lib/rpm/Packages (Berkeley DB): đã bỏ qua thêm {n} chỗ hỏng")),
    (r"/var/lib/rpm/Packages \(Berkeley DB\): (?P<d>.+)",
     _fmt("/var/lib/rpm/Packages (Berkeley DB): đã bỏ qua một chỗ hỏng ({d})")),
    (r"the environment of (?P<n>\d+) processes is readable only by root: not read",
     _fmt("biến môi trường của {n} tiến trình chỉ root mới đọc được: không đọc")),
    (r"pid (?P<n>\d+) (?P<p>.+): deleted executable not copied \(total cap reached\)",
     _fmt("pid {n} {p}: tệp thực thi đã bị xóa không được sao chép (đạt giới hạn tổng)")),
    (r"(?P<n>\d+) kernel parameters are readable only by root: not read",
     _fmt("{n} tham số nhân chỉ root mới đọc được: không đọc")),
    (r"total cap of (?P<k>\d+) bytes for /etc reached: (?P<n>\d+) files not copied \(options etc_max_total_bytes\)",
     _fmt("đạt giới hạn tổng {k} byte cho /etc: {n} tệp không được sao chép (tùy chọn etc_max_total_bytes)")),
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
