"""README.txt of an evidence bundle: how leadership checks it with the tools of an office PC alone.

The commands are kept here as constants so the tests run exactly what the README tells a reader to run.
"""
from __future__ import annotations

# Linux (bash), run inside the folder the bundle was extracted to.
LINUX_CHECK_SUMS = "sha256sum -c --quiet SHA256SUMS && echo 'SHA256SUMS: OK'"
LINUX_CHECK_UNLISTED = ("diff <(cut -c67- SHA256SUMS | LC_ALL=C sort) "
                        "<(find . ! -type d ! -path ./SHA256SUMS ! -path ./SHA256SUMS.sig | cut -c3- | LC_ALL=C sort) "
                        "&& echo 'DANH SACH TEP: OK'")
LINUX_CHECK_SIGNATURE = ("openssl pkeyutl -verify -pubin -inkey ../khoa_cong_khai.pem -rawin "
                         "-in SHA256SUMS -sigfile SHA256SUMS.sig")
LINUX_KEY_FINGERPRINT = "openssl pkey -pubin -in ../khoa_cong_khai.pem -outform DER | tail -c 32 | sha256sum"

# Windows PowerShell 5.1 (built into Windows 10/11): paste into a PowerShell window opened in the folder.
POWERSHELL_CHECK = r"""$goc = (Get-Location).Path; $loi = 0; $co = @{}
Get-Content -LiteralPath SHA256SUMS -Encoding UTF8 | ForEach-Object {
  $ma, $ten = $_ -split '  ', 2; $co[$ten] = $true
  $tep = Join-Path $goc ($ten -replace '/', '\')
  if (-not (Test-Path -LiteralPath $tep)) { Write-Host "THIEU: $ten"; $loi++ }
  elseif ((Get-FileHash -LiteralPath $tep -Algorithm SHA256).Hash -ne $ma) { Write-Host "SAI MA: $ten"; $loi++ }
}
Get-ChildItem -LiteralPath $goc -Recurse -File -Force | ForEach-Object {
  $ten = $_.FullName.Substring($goc.Length + 1) -replace '\\', '/'
  if ($ten -ne 'SHA256SUMS' -and $ten -ne 'SHA256SUMS.sig' -and -not $co.ContainsKey($ten)) {
    Write-Host "THUA (khong co trong SHA256SUMS): $ten"; $loi++ }
}
if ($loi) { Write-Host "KHONG NGUYEN VEN: $loi loi" -ForegroundColor Red } else { Write-Host "NGUYEN VEN (OK)" -ForegroundColor Green }"""

POWERSHELL_KEY_FINGERPRINT = (
    "$b = [Convert]::FromBase64String(((Get-Content ..\\khoa_cong_khai.pem) -notmatch '-----') -join ''); "
    "([BitConverter]::ToString([Security.Cryptography.SHA256]::Create().ComputeHash([byte[]]$b[-32..-1]))"
    " -replace '-', '').ToLower()")


def _indent(text: str, n: int = 5) -> str:
    return "\n".join((" " * n + line) if line else "" for line in text.splitlines())


TEMPLATE = """GÓI CHỨNG CỨ UNGCUU — HƯỚNG DẪN KIỂM TRA
==========================================

Vụ việc: {case_id}
Lập lúc (UTC): {created}
Người lập: {examiner} — máy: {host}
Số mục chứng cứ: {items}
{signed_vi}{encrypted_vi}
A. ĐỐI CHIẾU QUA KÊNH KHÁC (điện thoại, công văn, thư điện tử đã ký) — làm trước tiên
   1. Mã SHA-256 của chính tệp gói (một tệp không thể chứa mã băm của chính nó): được in ra khi lập gói,
      ghi trong nhật ký chuỗi lưu giữ của vụ việc, trong phần tài liệu kèm theo của Mẫu 04 và trong thư
      gửi gói. Tính lại:
        Windows:  certutil -hashfile {bundle_name} SHA256
                  (hoặc PowerShell: Get-FileHash {bundle_name} -Algorithm SHA256)
        Linux:    sha256sum {bundle_name}
      Mã khớp nghĩa là MỌI tệp trong gói đúng như người gửi đã gửi.
   2. Dấu vân tay khóa công khai (nếu gói có chữ ký): {fingerprint}
      So với dấu vân tay mà chủ khóa đọc cho anh/chị; tính lại từ tệp khóa công khai:
        Linux:      {linux_fp}
        PowerShell: {ps_fp}

B. GIẢI NÉN vào một thư mục trống
{extract_vi}

C. KIỂM TRA TRÊN MÁY WINDOWS (chỉ dùng PowerShell có sẵn)
   Mở PowerShell trong thư mục vừa giải nén (Shift + chuột phải > "Open PowerShell window here"),
   dán nguyên đoạn sau và nhấn Enter. Đoạn này kiểm tra từng dòng của SHA256SUMS (thiếu tệp, sai mã)
   và báo mọi tệp THỪA không có trong SHA256SUMS:

{ps_script}

   Kết quả đúng: "NGUYEN VEN (OK)". Kiểm tra chữ ký cần OpenSSL 3 (có sẵn trong Git for Windows:
   "C:\\Program Files\\Git\\usr\\bin\\openssl.exe") với lệnh ở mục D.3, hoặc dùng UngCuu (mục E).

D. KIỂM TRA TRÊN MÁY LINUX (bash, sha256sum, openssl 3), trong thư mục vừa giải nén
   (để tệp khóa công khai khoa_cong_khai.pem ở thư mục cha, NGOÀI thư mục giải nén: một tệp lạ bên trong
   sẽ bị bước 2 báo là thừa)
   1. Từng tệp đúng mã (mọi dòng phải khớp):
        {linux_sums}
   2. Không có tệp thừa, không thiếu tệp:
        {linux_unlisted}
   3. Chữ ký của SHA256SUMS (kết quả phải là "Signature Verified Successfully"):
        {linux_sig}
   SHA256SUMS liệt kê mọi tệp khác trong gói (manifest.json, README.txt, custody.jsonl, báo cáo, chứng
   cứ); chữ ký SHA256SUMS.sig phủ SHA256SUMS, nên sửa một byte, thêm, bớt một tệp hay sửa hướng dẫn này
   đều bị phát hiện.

E. KIỂM TRA BẰNG UNGCUU (kỹ nhất: còn kiểm tra chuỗi băm của nhật ký lưu giữ và từng trường danh mục)
     ungcuu verify {bundle_name} --public-key khoa_cong_khai.pem
     UNGCUU_PASSPHRASE='mật khẩu' ungcuu verify {bundle_name} --public-key khoa_cong_khai.pem   (gói mã hóa)
     ungcuu extract {bundle_name} THU_MUC                                  (giải nén an toàn)
   Mã thoát 0 = nguyên vẹn; 1 = có khác biệt (liệt kê từng mục; gói có chữ ký mà không đưa khóa công khai
   cũng là 1: "chữ ký chưa được kiểm tra"); 2 = không đọc được.

F. NỘI DUNG
   SHA256SUMS      mã SHA-256 của mọi tệp khác (định dạng của sha256sum)
   SHA256SUMS.sig  chữ ký Ed25519 của SHA256SUMS (nếu gói có chữ ký)
   manifest.json   danh mục: mã chứng cứ, mục danh mục thu thập (B1..B11), nguồn, kích thước, SHA-256,
                   thời điểm thu thập, công cụ thu thập (phiên bản, bản dựng), máy
   custody.jsonl   nhật ký chuỗi lưu giữ (mỗi dòng nối mã băm với dòng trước)
   evidence/       các tệp chứng cứ, nguyên từng byte
   reports/        các báo cáo; timeline/ dòng thời gian (JSONL, nhập được vào Timesketch)

-----------------------------------------------------------------------------------------------
UNGCUU EVIDENCE BUNDLE — how to verify (English)

Case {case_id}, made {created} (UTC) by {examiner} on {host}, {items} evidence items.{signed_en}{encrypted_en}
1. Out of band (phone, signed letter): compare the SHA-256 of the bundle file itself (certutil -hashfile
   {bundle_name} SHA256 on Windows, sha256sum on Linux) and the signing key's fingerprint
   ({fingerprint}) with what the sender gave you. The bundle hash cannot be inside the bundle; it is in
   the case's custody log, in Mẫu 04's attachments and in the covering e-mail.
2. Extract into an empty folder ({extract_en}).
3. Windows: paste the PowerShell block of section C in that folder: it checks every SHA256SUMS line and
   flags files SHA256SUMS does not list. Linux: the three commands of section D (sha256sum -c, the file
   list diff, openssl pkeyutl -verify on SHA256SUMS.sig). SHA256SUMS lists every other member (manifest,
   README, custody log, reports, evidence) and the signature covers it.
4. Thorough route: `ungcuu verify {bundle_name} --public-key KEY.pem` (exit 0 intact, 1 differences
   listed, including a signature that could not be checked, 2 unreadable).
"""


def render_readme(*, case_id: str, created: str, examiner: str, host: str, items: int, bundle_name: str,
                  fingerprint: str | None, encrypted: bool) -> str:
    if encrypted:
        extract_vi = ("   Gói được MÃ HÓA (7z, AES-256, cả tên tệp): cần mật khẩu, người gửi báo riêng.\n"
                      "     Windows:  mở bằng 7-Zip (7-zip.org) > Extract, nhập mật khẩu\n"
                      f"     Linux:    7z x -ogoi {bundle_name}      (gói p7zip-full; nhập mật khẩu khi được hỏi)\n"
                      f"     UngCuu:   UNGCUU_PASSPHRASE='mật khẩu' ungcuu extract {bundle_name} goi")
        extract_en = f"7-Zip on Windows, `7z x -ogoi {bundle_name}` on Linux, with the passphrase"
    else:
        extract_vi = ("     Windows:  chuột phải > Extract All... (hoặc PowerShell: "
                      f"Expand-Archive {bundle_name} -DestinationPath goi)\n"
                      f"     Linux:    unzip -q {bundle_name} -d goi")
        extract_en = f"Windows: Extract All or Expand-Archive; Linux: unzip -q {bundle_name} -d goi"
    return TEMPLATE.format(
        case_id=case_id, created=created, examiner=examiner, host=host, items=items, bundle_name=bundle_name,
        fingerprint=fingerprint or "(gói không có chữ ký / unsigned)",
        signed_vi=(f"Gói CÓ CHỮ KÝ Ed25519 (tệp SHA256SUMS.sig), khóa công khai SHA-256 {fingerprint}.\n"
                   if fingerprint else "Gói KHÔNG có chữ ký.\n"),
        encrypted_vi="Gói được MÃ HÓA: cần mật khẩu để mở.\n" if encrypted else "",
        signed_en=f" Signed (Ed25519, SHA256SUMS.sig), key fingerprint {fingerprint}." if fingerprint else " Unsigned.",
        encrypted_en=" Encrypted (7z AES-256, headers too)." if encrypted else "",
        extract_vi=extract_vi, extract_en=extract_en,
        linux_fp=LINUX_KEY_FINGERPRINT, ps_fp=POWERSHELL_KEY_FINGERPRINT, ps_script=_indent(POWERSHELL_CHECK),
        linux_sums=LINUX_CHECK_SUMS, linux_unlisted=LINUX_CHECK_UNLISTED, linux_sig=LINUX_CHECK_SIGNATURE)
