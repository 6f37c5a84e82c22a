"""The command line's help in the user's language: argparse's own words and every command's help.

Help strings are written in the command modules in English, or as "tiếng Việt / English" pairs. In
Vietnamese, `localise` replaces an English text by its entry in `HELP_VI` and keeps the Vietnamese half
of a pair; in English it keeps the English half. argparse's own words ("usage:", "options", "show this
help message and exit", its error messages) come from its gettext call, which `use_language` points
at `ARGPARSE_VI` before the parsers are built.
"""
from __future__ import annotations

import argparse
import re

ARGPARSE_VI = {
    "usage: ": "cách dùng: ",
    "positional arguments": "tham số vị trí",
    "options": "tuỳ chọn",
    "optional arguments": "tuỳ chọn",
    "subcommands": "lệnh con",
    "show this help message and exit": "hiện trợ giúp này rồi thoát",
    "show program's version number and exit": "hiện số phiên bản rồi thoát",
    "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\n",
    "unrecognized arguments: %s": "tham số không nhận ra: %s",
    "the following arguments are required: %s": "thiếu các tham số bắt buộc: %s",
    "one of the arguments %s is required": "cần một trong các tham số %s",
    "not allowed with argument %s": "không dùng được cùng tham số %s",
    "ignored explicit argument %r": "bỏ qua giá trị %r",
    "expected one argument": "cần một giá trị",
    "expected at most one argument": "cần nhiều nhất một giá trị",
    "expected at least one argument": "cần ít nhất một giá trị",
    "expected %s argument": "cần %s giá trị",
    "expected %s arguments": "cần %s giá trị",
    "ambiguous option: %(option)s could match %(matches)s": "tuỳ chọn mơ hồ: %(option)s có thể là %(matches)s",
    "unexpected option string: %s": "tuỳ chọn không mong đợi: %s",
    "invalid %(type)s value: %(value)r": "giá trị %(type)s không hợp lệ: %(value)r",
    "invalid choice: %(value)r (choose from %(choices)s)": "lựa chọn không hợp lệ: %(value)r (chọn một trong %(choices)s)",
    "can't open '%(filename)s': %(error)s": "không mở được '%(filename)s': %(error)s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "lệnh không biết %(parser_name)r (chọn: %(choices)s)",
    "%r is not callable": "%r không gọi được",
}

# English help texts (and pairs whose Vietnamese half is too short) -> Vietnamese
HELP_VI = {
    "language of messages and reports (default: vi)": "ngôn ngữ của thông báo và báo cáo (mặc định: vi)",
    "B5: copy and hash files or folders you name into the case (symlink-safe, size-capped)":
        "B5: sao chép và băm các tệp hoặc thư mục được chỉ định vào hồ sơ (an toàn với liên kết mềm, có giới hạn "
        "dung lượng)",
    "build a one-folder portable bundle with PyInstaller (runs from a USB drive, no Python needed)":
        "đóng gói bản di động một thư mục bằng PyInstaller (chạy từ ổ USB, không cần Python)",
    "collect the section 2.1 checklist into a case folder (Ctrl-C stops cleanly; run again to resume)":
        "thu thập theo danh mục mục 2.1 vào thư mục hồ sơ (Ctrl-C dừng an toàn; chạy lại để tiếp tục)",
    "list the evidence items: id, checklist id, source, size, SHA-256, collected at":
        "liệt kê chứng cứ: mã, mục danh mục, nguồn, kích thước, SHA-256, thời điểm thu thập",
    "open the desktop app (Vietnamese by default)": "mở ứng dụng giao diện (mặc định tiếng Việt)",
    "show each checklist item's state, reason and evidence count, and the deadlines":
        "hiện trạng thái, lý do và số chứng cứ của từng mục danh mục, cùng các thời hạn báo cáo",
    "verify a case folder or an evidence bundle: exit 0 intact, 1 with a line per difference, 2 unreadable":
        "kiểm tra toàn vẹn một hồ sơ hoặc gói chứng cứ: mã thoát 0 nguyên vẹn, 1 kèm một dòng cho mỗi sai khác, "
        "2 không đọc được",
    "list a disk image's partitions, file systems and shadow copies (for collect --root IMAGE)":
        "liệt kê phân vùng, hệ thống tệp và bản sao bóng của một ảnh đĩa (cho collect --root ẢNH)",
    "copy at most this many bytes of one file (default 2 GiB); the cap is reported when hit":
        "chép nhiều nhất chừng này byte của một tệp (mặc định 2 GiB); chạm giới hạn thì được ghi lại",
    "stop after this many bytes in all": "dừng khi tổng cộng đã chép chừng này byte",
    "YARA rules to run over the backup's files / luật YARA": "luật YARA chạy trên các tệp của bản sao lưu",
    "machine-readable output": "kết quả dạng máy đọc được (JSON)",
    "where the bundle folder goes (default: dist/)": "nơi đặt thư mục bản di động (mặc định: dist/)",
    "PyInstaller's work folder": "thư mục làm việc của PyInstaller",
    "write the spec and the launchers, do not build": "chỉ ghi tệp spec và các tệp khởi chạy, không đóng gói",
    "only the command-line program": "chỉ chương trình dòng lệnh",
    "case folder (created if new); prefer a separate drive": "thư mục hồ sơ (tạo mới nếu chưa có); nên ở ổ riêng",
    "comma-separated checklist ids, e.g. B2,B8": "các mục danh mục, cách nhau bằng dấu phẩy, ví dụ B2,B8",
    "dead-box: a mounted image or copied tree, or a disk image file (raw/dd, E01, VHD/VHDX, VMDK, QCOW2) read "
    "without mounting it":
        "máy tắt (dead-box): một ảnh đã gắn hoặc cây thư mục đã chép, hoặc một tệp ảnh đĩa (raw/dd, E01, VHD/VHDX, "
        "VMDK, QCOW2) đọc trực tiếp không cần gắn",
    "with an image --root: the partition to collect (see `ungcuu volumes`); default: the one holding Windows or /etc":
        "với --root là ảnh đĩa: phân vùng cần thu thập (xem `ungcuu volumes`); mặc định: phân vùng chứa Windows "
        "hoặc /etc",
    "with an image --root: collect from this volume shadow copy (1, 2, ...)":
        "với --root là ảnh đĩa: thu thập từ bản sao bóng này (1, 2, ...)",
    "who collects (recorded in the custody log)": "người thu thập (ghi vào nhật ký lưu giữ chứng cứ)",
    "collect items again even if an earlier run did": "thu thập lại các mục dù lần chạy trước đã thu",
    "another checklist YAML (validated before anything runs)": "một danh mục YAML khác (được kiểm tra trước khi chạy)",
    "a file or folder for B5 (full profile)": "một tệp hoặc thư mục cho B5 (hồ sơ đầy đủ)",
    "allow items marked changes_system (they alter the affected system; recorded in the custody log)":
        "cho phép các mục đánh dấu changes_system (chúng thay đổi hệ thống bị sự cố; được ghi vào nhật ký lưu giữ)",
    "the incident case folder": "thư mục hồ sơ sự cố",
    "an address that belongs to a host of the incident (repeatable)":
        "một địa chỉ thuộc một máy của sự cố (lặp lại được)",
    "print the whole result as JSON": "in toàn bộ kết quả dạng JSON",
    "only this checklist id": "chỉ mục danh mục này",
    "YARA rules to run over the collected files / luật YARA": "luật YARA chạy trên các tệp đã thu thập",
    "open this case folder": "mở thư mục hồ sơ này",
    "the incident case folder (created when missing)": "thư mục hồ sơ sự cố (tạo mới khi chưa có)",
    "bundles (.zip/.7z) or case folders, one per host": "các gói (.zip/.7z) hoặc thư mục hồ sơ, mỗi máy một",
    "file whose first line is the passphrase of encrypted bundles": "tệp có dòng đầu là mật khẩu của các gói mã hoá",
    "Ed25519 public key (PEM) to check the bundles' signatures": "khoá công khai Ed25519 (PEM) để kiểm tra chữ ký các gói",
    "examiner name recorded in the incident's custody log": "tên người phân tích ghi vào nhật ký lưu giữ của sự cố",
    "another checklist YAML": "một danh mục YAML khác",
    "indicators file for the findings": "tệp dấu hiệu xâm nhập (IOC) cho phân tích",
    "YARA rules for the findings": "luật YARA cho phân tích",
    "who re-checks (recorded in the custody log)": "người kiểm tra lại (ghi vào nhật ký lưu giữ chứng cứ)",
    "YARA rules for the findings / luật YARA": "luật YARA cho phân tích",
    "print the stored plan without regenerating it": "in kế hoạch đã lưu, không lập lại",
    "output format (default: summary of what was parsed)": "định dạng xuất (mặc định: tóm tắt những gì đã đọc)",
    "output file (default: standard output)": "tệp kết quả (mặc định: đầu ra chuẩn)",
    "rebuild even when the timeline is current": "dựng lại cả khi dòng thời gian đã mới",
    "only events at or after this time (ISO 8601)": "chỉ các sự kiện từ thời điểm này (ISO 8601)",
    "only events before this time (ISO 8601)": "chỉ các sự kiện trước thời điểm này (ISO 8601)",
    "only this source (repeatable): auth, syslog, evtx, ...": "chỉ nguồn này (lặp lại được): auth, syslog, evtx, ...",
    "only events whose message contains this text": "chỉ các sự kiện có nội dung chứa đoạn chữ này",
    "only this host of an incident case (repeatable)": "chỉ máy này của hồ sơ sự cố (lặp lại được)",
    "timesketch/ecs/ecs-bulk: one file per host in FOLDER (one Timesketch timeline per host)":
        "timesketch/ecs/ecs-bulk: mỗi máy một tệp trong THƯ MỤC (mỗi máy một dòng thời gian Timesketch)",
    "a case folder or a bundle (.zip, or .7z when encrypted)": "một thư mục hồ sơ hoặc một gói (.zip, hoặc .7z khi mã hoá)",
    "Ed25519 public key (PEM) to check the bundle's signature": "khoá công khai Ed25519 (PEM) để kiểm tra chữ ký của gói",
    "environment variable holding the passphrase of an encrypted bundle":
        "biến môi trường chứa mật khẩu của gói mã hoá",
    "do not record this verification in the case's custody log":
        "không ghi lần kiểm tra này vào nhật ký lưu giữ của hồ sơ",
    "a custody entry noted earlier (the head a verify printed, or the hash column of a report): it must still be in "
    "the log, so a log cut at its end in both copies is caught":
        "một mục nhật ký lưu giữ đã ghi lại trước đó (đầu nhật ký mà verify in ra, hoặc cột mã băm của báo cáo): nó "
        "phải vẫn còn trong nhật ký, nhờ vậy phát hiện được nhật ký bị cắt phần cuối ở cả hai bản",
    "raw/dd, E01, VHD/VHDX, VMDK or QCOW2 image file": "tệp ảnh đĩa raw/dd, E01, VHD/VHDX, VMDK hoặc QCOW2",
    "read the whole media and compare with the hashes the image stores (E01 MD5/SHA-1)":
        "đọc toàn bộ dữ liệu và so với mã băm lưu trong ảnh (MD5/SHA-1 của E01)",
    "OSV JSON / folder / all.zip, Debian security tracker JSON, or an MSRC CVRF JSON security-update document "
    "(repeatable)":
        "tệp OSV JSON, thư mục hoặc all.zip, JSON của Debian security tracker, hoặc tài liệu bản vá bảo mật "
        "MSRC CVRF dạng JSON (lặp lại được)",
    'MSRC product name of the host (e.g. "Windows Server 2019"), when the OS line of the case does not give it '
    "(repeatable)":
        'tên sản phẩm MSRC của máy (ví dụ "Windows Server 2019"), khi dòng hệ điều hành của hồ sơ không cho biết '
        "(lặp lại được)",
    "do not read the findings to mark the packages behind the entry point":
        "không đọc kết quả phân tích để đánh dấu các gói đứng sau điểm xâm nhập",
    "jpg,png,pdf,zip,eml,mbox (mặc định: tất cả / all)": "jpg,png,pdf,zip,eml,mbox (mặc định: tất cả)",
    "make (or extend) the plan and print it / lập và in kế hoạch": "lập (hoặc bổ sung) kế hoạch và in ra",
    "mark a step done, skipped or failed / đánh dấu một bước": "đánh dấu một bước đã làm, bỏ qua hoặc thất bại",
    "step id (S01) / mã bước": "mã bước (S01)",
    "why (required with --skipped) / lý do": "lý do (bắt buộc khi --skipped)",
    "who did it (default: the case's examiner) / người thực hiện":
        "người thực hiện (mặc định: người phân tích của hồ sơ)",
    "case folder collected before / hồ sơ trước": "hồ sơ thu thập trước (trước khi khắc phục)",
    "case folder collected after / hồ sơ sau": "hồ sơ thu thập sau (sau khi khắc phục)",
    "indicators (hashes, IPs, domains) / danh sách IOC": "danh sách dấu hiệu xâm nhập (mã băm, IP, tên miền)",
    "indicators (hashes, IPs, domains), one a line / danh sách IOC":
        "danh sách dấu hiệu xâm nhập (mã băm, IP, tên miền), mỗi dòng một",
    "indicators file for the findings / danh sách IOC": "tệp dấu hiệu xâm nhập (IOC) cho phân tích",
    "a folder, a tar/zip archive or a disk image (read only) / bản sao lưu":
        "bản sao lưu: một thư mục, tệp nén tar/zip hoặc ảnh đĩa (chỉ đọc)",
    "the team's own Sigma rules (folder or file, repeatable) / luật Sigma của đội":
        "luật Sigma của đội (thư mục hoặc tệp, lặp lại được)",
    "also run low and informational rules / chạy cả luật mức thấp và thông tin": "chạy cả luật mức thấp và thông tin",
    "also run SigmaHQ threat-hunting rules / luật săn tìm": "chạy cả luật săn tìm mối đe doạ của SigmaHQ",
    "collect from a mounted image or copied tree (dead-box) / thư mục gốc":
        "thu thập từ một ảnh đã gắn hoặc cây thư mục đã chép (máy tắt, dead-box)",
}

_VI_LETTERS = re.compile(r"[ăâđêôơưàáạảãằắặẳẵầấậẩẫèéẹẻẽềếệểễìíịỉĩòóọỏõồốộổỗờớợởỡùúụủũừứựửữỳýỵỷỹ]", re.I)


def is_vietnamese(text: str) -> bool:
    return bool(_VI_LETTERS.search(text))


def text_for(text: str | None, lang: str) -> str | None:
    """One help text in ``lang``: the Vietnamese entry or half of a pair, or the English half."""
    if not text or text is argparse.SUPPRESS:
        return text
    if lang == "vi" and (text in HELP_VI or text in ARGPARSE_VI):
        return HELP_VI.get(text) or ARGPARSE_VI[text]
    parts = text.split(" / ")
    if len(parts) > 1:
        vi = [is_vietnamese(p) for p in parts]
        if vi[0] and not all(vi):          # "tiếng Việt / English": the Vietnamese segments come first
            k = vi.index(False)
            return " / ".join(parts[:k]) if lang == "vi" else " / ".join(parts[k:])
        if not vi[0] and any(vi):          # "English / tiếng Việt"
            k = vi.index(True)
            return " / ".join(parts[k:]) if lang == "vi" else " / ".join(parts[:k])
    return text


def use_language(lang: str) -> None:
    """argparse's own words in ``lang`` (set before the parsers are built: group titles are made then)."""
    if lang == "vi":
        argparse._ = lambda s: ARGPARSE_VI.get(s, s) if s else s  # type: ignore[attr-defined]
        argparse.ngettext = lambda one, many, n: ARGPARSE_VI.get(one if n == 1 else many,  # type: ignore[attr-defined]
                                                                 one if n == 1 else many)
    else:
        import gettext

        argparse._ = gettext.gettext  # type: ignore[attr-defined]
        argparse.ngettext = gettext.ngettext  # type: ignore[attr-defined]


def localise(parser: argparse.ArgumentParser, lang: str) -> None:
    """Every help text and description of ``parser`` and its subcommands in ``lang``."""
    parser.description = text_for(parser.description, lang)
    for action in parser._actions:
        action.help = text_for(action.help, lang)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                sub = action.choices.get(choice.dest)
                if sub is not None and not sub.description:   # its help line says what it does
                    sub.description = choice.help
                choice.help = text_for(choice.help, lang)
            for sub in {id(p): p for p in action.choices.values()}.values():
                localise(sub, lang)
