"""Vietnamese for the notes of the Windows artifact collectors (registry hives and files), merged into
collectors/messages.py: whole phrases, (regex, template) rules whose named groups keep paths, numbers and
errors, and the timeline's Windows timestamp descriptions."""
from __future__ import annotations

TIME_DESC = {
    "Key Last Write Time": "Thời điểm ghi khóa registry gần nhất",
    "Last Time Executed": "Lần chạy gần nhất",
    "Last Run Time": "Lần chạy gần nhất",
    "File Last Modification Time": "Thời điểm sửa tệp gần nhất",
    "First Connection Time": "Lần kết nối đầu tiên",
    "Last Connection Time": "Lần kết nối gần nhất",
    "Last Removal Time": "Lần tháo gần nhất",
    "Last Password Reset": "Lần đặt mật khẩu gần nhất",
    "Last Failed Login": "Lần đăng nhập sai gần nhất",
    "Last Visited Time": "Lần truy cập gần nhất",
    "File Downloaded": "Thời điểm tải tệp",
    "Last Shutdown Time": "Lần tắt máy gần nhất",
    "End Time": "Thời điểm kết thúc",
    "Detection Time": "Thời điểm phát hiện",
}

EXACT = {
    "local groups of Windows are not collected here (users come from the profile list; the SAM hive holds them, "
    "readable offline)": "chưa thu thập nhóm cục bộ của Windows ở đây (người dùng lấy từ danh sách hồ sơ; hive SAM "
                         "chứa các nhóm, đọc được khi phân tích ngoại tuyến)",
    "regipy is not installed: Amcache.hve cannot be parsed": "chưa cài regipy: không phân tích được Amcache.hve",
    "no shortcut or jump list files here": "không có tệp lối tắt (LNK) hay jump list ở đây",
    "LnkParse3 or olefile is not installed: shortcuts and jump lists are copied, not parsed":
        "chưa cài LnkParse3 hoặc olefile: đã sao chép các tệp lối tắt và jump list nhưng chưa phân tích",
    "no Prefetch files (Windows/Prefetch/*.pf) here": "không có tệp Prefetch (Windows/Prefetch/*.pf) ở đây",
    "libscca-python is not installed: the Prefetch files are copied, not parsed":
        "chưa cài libscca-python: đã sao chép các tệp Prefetch nhưng chưa phân tích",
    "no Recycle Bin records ($Recycle.Bin/*/$I*, RECYCLER/*/INFO2) here":
        "không có bản ghi Thùng rác ($Recycle.Bin/*/$I*, RECYCLER/*/INFO2) ở đây",
    "the SAM hive is readable only by SYSTEM on a running Windows (collect it from an image)":
        "trên Windows đang chạy chỉ SYSTEM đọc được hive SAM (hãy thu thập từ ảnh đĩa)",
    "offline Windows root without registry hives (Windows/System32/config, Users/*/NTUSER.DAT)":
        "thư mục gốc Windows ngoại tuyến không có hive registry (Windows/System32/config, Users/*/NTUSER.DAT)",
}

RULES = [
    (r"(?P<p>.+): not a registry hive \(no regf signature\)", "{p}: không phải hive registry (không có chữ ký regf)"),
    (r"(?P<p>.+): not a readable registry hive \((?P<e>.*)\)", "{p}: hive registry không đọc được ({e})"),
    (r"(?P<p>.+): dirty hive \(sequence numbers (?P<a>\d+) and (?P<b>\d+) differ\) without transaction logs: "
     r"parsed as found, its last changes may be missing",
     "{p}: hive chưa ghi trọn (số thứ tự {a} và {b} khác nhau) và không có nhật ký giao dịch: đã phân tích nguyên "
     "trạng, có thể thiếu những thay đổi cuối"),
    (r"(?P<p>.+): dirty hive, applying (?P<l>.+) failed \((?P<e>.*)\): parsed as found, its last changes may be missing",
     "{p}: hive chưa ghi trọn, áp dụng {l} thất bại ({e}): đã phân tích nguyên trạng, có thể thiếu những thay đổi cuối"),
    (r"(?P<p>.+): the recovered working copy could not be stored \((?P<e>.*)\)",
     "{p}: không lưu được bản sao làm việc đã khôi phục ({e})"),
    (r"(?P<p>.+): values could not be read \((?P<e>.*)\)", "{p}: không đọc được các giá trị ({e})"),
    (r"(?P<p>.+): subkeys could not be read \((?P<e>.*)\)", "{p}: không đọc được các khóa con ({e})"),
    (r"(?P<p>.+): no F value \(logon times and flags unknown\)",
     "{p}: không có giá trị F (không rõ thời điểm đăng nhập và cờ tài khoản)"),
    (r"(?P<p>.+): no accounts found", "{p}: không tìm thấy tài khoản nào"),
    (r"(?P<p>.+): no AppCompatCache value", "{p}: không có giá trị AppCompatCache"),
    (r"(?P<p>.+): AppCompatCache could not be read past entry (?P<n>\d+) \((?P<e>.*)\)",
     "{p}: không đọc được AppCompatCache sau mục {n} ({e})"),
    (r"(?P<p>.+): (?P<n>\d+) value\(s\) in an unknown layout skipped", "{p}: bỏ qua {n} giá trị có cấu trúc không rõ"),
    (r"Windows version and time zone could not be read from the registry: (?P<e>.*)",
     "không đọc được phiên bản Windows và múi giờ từ registry: {e}"),
    (r"(?P<p>.+): the amcache entries could not be read \((?P<e>.*)\)", "{p}: không đọc được các mục Amcache ({e})"),
    (r"(?P<p>.+): not readable as a shortcut or jump list \((?P<e>.*)\)",
     "{p}: không đọc được như tệp lối tắt hay jump list ({e})"),
    (r"(?P<p>.+): not a readable Prefetch file \((?P<e>.*)\)", "{p}: tệp Prefetch không đọc được ({e})"),
    (r"(?P<p>.+): not a Recycle Bin record \((?P<e>.*)\)", "{p}: không phải bản ghi Thùng rác ({e})"),
    (r"(?P<p>.+): not a readable \.job task \((?P<e>.*)\)", "{p}: tác vụ .job không đọc được ({e})"),
    (r"(?P<p>.+): DestList: (?P<e>.*)", "{p}: DestList: {e}"),
    (r"(?P<p>.+): stream (?P<s>\S+): not a shortcut \((?P<e>.*)\)", "{p}: luồng {s}: không phải lối tắt ({e})"),
    (r"(?P<p>.+): offset (?P<o>\d+): not a shortcut \((?P<e>.*)\)", "{p}: vị trí {o}: không phải lối tắt ({e})"),
    (r"no (?P<w>.+) in this offline root", "không có {w} trong thư mục gốc ngoại tuyến này"),
    (r"no (?P<w>.+) found", "không tìm thấy {w}"),
    (r"no (?P<w>.+) here", "không có {w} ở đây"),
]
