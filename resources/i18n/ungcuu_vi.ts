<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="vi_VN" sourcelanguage="en">
    <context>
        <name>UngCuu</name>
        <message>
            <source>Items are collected in order of volatility (memory first, disks last). Items marked “needs admin” give full results only when the app runs as root/Administrator. Cancel keeps everything already stored; Start again resumes.</source>
            <translation>Các mục được thu thập theo thứ tự dễ mất (bộ nhớ trước, ổ đĩa sau cùng). Mục có ghi “cần quyền quản trị” chỉ cho kết quả đầy đủ khi ứng dụng chạy bằng quyền root/Administrator. Hủy vẫn giữ mọi thứ đã lưu; bấm Bắt đầu lại để tiếp tục.</translation>
        </message>
        <message>
            <source>Select &amp;triage</source>
            <translation>Chọn bộ nh&amp;anh (triage)</translation>
        </message>
        <message>
            <source>Select a&amp;ll</source>
            <translation>Chọn &amp;tất cả</translation>
        </message>
        <message>
            <source>Select n&amp;one</source>
            <translation>Bỏ &amp;chọn hết</translation>
        </message>
        <message>
            <source>Checklist</source>
            <translation>Danh mục thu thập</translation>
        </message>
        <message>
            <source>&amp;Start collection</source>
            <translation>&amp;Bắt đầu thu thập</translation>
        </message>
        <message>
            <source>C&amp;ancel</source>
            <translation>&amp;Hủy</translation>
        </message>
        <message>
            <source>%v of %m items</source>
            <translation type="obsolete">%v / %m mục</translation>
        </message>
        <message>
            <source>Overall progress</source>
            <translation>Tiến độ chung</translation>
        </message>
        <message>
            <source>Problems and skipped items</source>
            <translation>Vấn đề và mục bị bỏ qua</translation>
        </message>
        <message>
            <source>Starting…</source>
            <translation>Đang bắt đầu…</translation>
        </message>
        <message>
            <source>Collection</source>
            <translation>Thu thập</translation>
        </message>
        <message>
            <source>What could not be collected, and why:</source>
            <translation>Những gì không thu thập được, và lý do:</translation>
        </message>
        <message>
            <source>Tick at least one checklist item.</source>
            <translation>Hãy đánh dấu ít nhất một mục trong danh mục.</translation>
        </message>
        <message>
            <source>Cancelling after the current step… everything stored so far stays valid.</source>
            <translation>Đang hủy sau bước hiện tại… mọi thứ đã lưu vẫn hợp lệ.</translation>
        </message>
        <message>
            <source>Collecting</source>
            <translation>Đang thu thập</translation>
        </message>
        <message>
            <source>not available in this build (missing: %1)</source>
            <translation>không có trong bản này (thiếu: %1)</translation>
        </message>
        <message>
            <source>already collected by an earlier run</source>
            <translation>đã thu thập ở lần chạy trước</translation>
        </message>
        <message>
            <source>Collection finished.</source>
            <translation>Đã thu thập xong.</translation>
        </message>
        <message>
            <source>Collection cancelled: what was stored is valid; Start again to resume.</source>
            <translation>Đã hủy thu thập: những gì đã lưu vẫn hợp lệ; bấm Bắt đầu để tiếp tục.</translation>
        </message>
        <message>
            <source>Collection stopped:</source>
            <translation>Thu thập bị dừng:</translation>
        </message>
        <message>
            <source>Evidence collection (section 2.1, B1–B11)</source>
            <translation>Thu thập chứng cứ (mục 2.1, B1–B11)</translation>
        </message>
        <message>
            <source>These items change the examined system: %1. Continue?</source>
            <translation>Các mục này làm thay đổi hệ thống đang kiểm tra: %1. Tiếp tục?</translation>
        </message>
        <message>
            <source>The checklist cannot be loaded:</source>
            <translation>Không nạp được danh mục thu thập:</translation>
        </message>
        <message>
            <source>intact</source>
            <translation>nguyên vẹn</translation>
        </message>
        <message>
            <source>&amp;Verify all</source>
            <translation>&amp;Kiểm tra toàn vẹn tất cả</translation>
        </message>
        <message>
            <source>Hash every evidence file again and check the custody chain</source>
            <translation>Tính lại mã băm mọi tệp chứng cứ và kiểm tra chuỗi lưu giữ</translation>
        </message>
        <message>
            <source>&amp;Add files… (B5)</source>
            <translation>&amp;Thêm tệp… (B5)</translation>
        </message>
        <message>
            <source>Add a f&amp;older… (B5)</source>
            <translation>Thêm thư &amp;mục… (B5)</translation>
        </message>
        <message>
            <source>filter by id, item, name, source or hash</source>
            <translation>lọc theo mã, mục, tên, nguồn hoặc mã băm</translation>
        </message>
        <message>
            <source>Evidence filter</source>
            <translation>Bộ lọc chứng cứ</translation>
        </message>
        <message>
            <source>Evidence table</source>
            <translation>Bảng chứng cứ</translation>
        </message>
        <message>
            <source>Preview</source>
            <translation>Xem trước</translation>
        </message>
        <message>
            <source>Select an item to preview text and JSON evidence here.</source>
            <translation>Chọn một chứng cứ để xem trước nội dung văn bản hoặc JSON tại đây.</translation>
        </message>
        <message>
            <source>Verifying every evidence file and the custody chain…</source>
            <translation>Đang kiểm tra mọi tệp chứng cứ và chuỗi lưu giữ…</translation>
        </message>
        <message>
            <source>Files to add as evidence (B5)</source>
            <translation>Chọn tệp để thêm làm chứng cứ (B5)</translation>
        </message>
        <message>
            <source>Folder to add as evidence (B5)</source>
            <translation>Chọn thư mục để thêm làm chứng cứ (B5)</translation>
        </message>
        <message>
            <source>A collection is running: add files when it has finished.</source>
            <translation>Đang thu thập: hãy thêm tệp khi việc thu thập kết thúc.</translation>
        </message>
        <message>
            <source>Source</source>
            <translation>Nguồn</translation>
        </message>
        <message>
            <source>Size</source>
            <translation>Kích thước</translation>
        </message>
        <message>
            <source>Collected at</source>
            <translation>Thu thập lúc</translation>
        </message>
        <message>
            <source>(binary content: no preview; %1 bytes)</source>
            <translation>(nội dung nhị phân: không xem trước được; %1 byte)</translation>
        </message>
        <message>
            <source>Verification could not run:</source>
            <translation>Không chạy được kiểm tra:</translation>
        </message>
        <message>
            <source>Copying and hashing %1 path(s)…</source>
            <translation>Đang sao chép và tính mã băm %1 đường dẫn…</translation>
        </message>
        <message>
            <source>Evidence</source>
            <translation>Chứng cứ</translation>
        </message>
        <message>
            <source>%1 evidence items, %2 bytes in all.</source>
            <translation type="obsolete">%1 chứng cứ, tổng cộng %2 byte.</translation>
        </message>
        <message>
            <source>incomplete:</source>
            <translation>chưa đầy đủ:</translation>
        </message>
        <message>
            <source>(preview shows the first %1 KiB)</source>
            <translation>(chỉ xem trước %1 KiB đầu tiên)</translation>
        </message>
        <message>
            <source>The evidence file cannot be read:</source>
            <translation>Không đọc được tệp chứng cứ:</translation>
        </message>
        <message>
            <source>NOT intact: %1 problem(s):</source>
            <translation>KHÔNG nguyên vẹn: %1 vấn đề:</translation>
        </message>
        <message>
            <source>Intact: %1 evidence items, %2 files and %3 custody entries verified.</source>
            <translation>Nguyên vẹn: đã kiểm tra %1 chứng cứ, %2 tệp và %3 mục nhật ký lưu giữ.</translation>
        </message>
        <message>
            <source>Self-consistent, no anchor given: %1 evidence items, %2 files and %3 custody entries verified.</source>
            <translation>Nhất quán nội bộ, chưa có mốc đối chiếu: đã kiểm tra %1 chứng cứ, %2 tệp và %3 mục nhật ký lưu giữ.</translation>
        </message>
        <message>
            <source>Custody head (note it):</source>
            <translation>Đầu nhật ký lưu giữ (hãy ghi lại):</translation>
        </message>
        <message>
            <source>Fields marked * are mandatory on Mẫu 03. Values found in the evidence are offered under their field with the evidence id: press the suggestion to use it.</source>
            <translation>Các trường có dấu * là bắt buộc trong Mẫu 03. Giá trị tìm thấy trong chứng cứ được gợi ý dưới trường tương ứng kèm mã chứng cứ: bấm vào gợi ý để dùng.</translation>
        </message>
        <message>
            <source>&amp;Save the incident record</source>
            <translation>&amp;Lưu hồ sơ sự cố</translation>
        </message>
        <message>
            <source>Use all suggestions from the evidence</source>
            <translation>Dùng mọi gợi ý từ chứng cứ</translation>
        </message>
        <message>
            <source>Current status</source>
            <translation>Trạng thái hiện tại</translation>
        </message>
        <message>
            <source>Incident record saved.</source>
            <translation>Đã lưu hồ sơ sự cố.</translation>
        </message>
        <message>
            <source>Current status (a change is added to the status history with the time)</source>
            <translation>Trạng thái hiện tại (mỗi thay đổi được ghi vào diễn biến trạng thái kèm thời điểm)</translation>
        </message>
        <message>
            <source>Every mandatory field of Mẫu 03 is filled.</source>
            <translation>Đã điền đủ mọi trường bắt buộc của Mẫu 03.</translation>
        </message>
        <message>
            <source>Suggestion from the evidence:</source>
            <translation>Gợi ý từ chứng cứ:</translation>
        </message>
        <message>
            <source>Intake</source>
            <translation>Tiếp nhận</translation>
        </message>
        <message>
            <source>Incident intake (phase 1, initial report Mẫu 03)</source>
            <translation>Tiếp nhận sự cố (bước 1, báo cáo ban đầu Mẫu 03)</translation>
        </message>
        <message>
            <source>Not saved: correct the fields marked in red.</source>
            <translation>Chưa lưu: hãy sửa các trường đánh dấu màu đỏ.</translation>
        </message>
        <message>
            <source>The incident record could not be saved:</source>
            <translation>Không lưu được hồ sơ sự cố:</translation>
        </message>
        <message>
            <source>The incident form is not part of this build:</source>
            <translation>Bản này không có biểu mẫu sự cố:</translation>
        </message>
        <message>
            <source>dd/mm/yyyy hh:mm (in the incident's time zone)</source>
            <translation>dd/mm/yyyy hh:mm (theo múi giờ của sự cố)</translation>
        </message>
        <message>
            <source>Now</source>
            <translation>Bây giờ</translation>
        </message>
        <message>
            <source>Still missing for Mẫu 03 (%1):</source>
            <translation>Còn thiếu cho Mẫu 03 (%1):</translation>
        </message>
        <message>
            <source>several values: separate with commas</source>
            <translation>nhiều giá trị: phân cách bằng dấu phẩy</translation>
        </message>
        <message>
            <source>Level</source>
            <translation>Cấp độ</translation>
        </message>
        <message>
            <source>Phases and steps</source>
            <translation>Các bước và công việc</translation>
        </message>
        <message>
            <source>Case</source>
            <translation>Vụ việc</translation>
        </message>
        <message>
            <source>A1–A3 Intake, origin, first steps</source>
            <translation>A1–A3 Tiếp nhận, nguồn gốc, bước ưu tiên</translation>
        </message>
        <message>
            <source>A4 Notify (deadline)</source>
            <translation>A4 Thông báo (thời hạn)</translation>
        </message>
        <message>
            <source>A5 Initial report (Mẫu 03)</source>
            <translation>A5 Báo cáo ban đầu (Mẫu 03)</translation>
        </message>
        <message>
            <source>2.1 Collect evidence (B1–B11)</source>
            <translation>2.1 Thu thập chứng cứ (B1–B11)</translation>
        </message>
        <message>
            <source>Evidence and integrity</source>
            <translation>Chứng cứ và toàn vẹn</translation>
        </message>
        <message>
            <source>C1–C4 Timeline</source>
            <translation>C1–C4 Dòng thời gian</translation>
        </message>
        <message>
            <source>R1, R2 Remove and restore</source>
            <translation>R1, R2 Gỡ bỏ và khôi phục</translation>
        </message>
        <message>
            <source>H5, S1, S2 Reports (Mẫu 04)</source>
            <translation>H5, S1, S2 Báo cáo (Mẫu 04)</translation>
        </message>
        <message>
            <source>&amp;Case</source>
            <translation>&amp;Vụ việc</translation>
        </message>
        <message>
            <source>&amp;New or open a case…</source>
            <translation>&amp;Tạo hoặc mở vụ việc…</translation>
        </message>
        <message>
            <source>&amp;Close the case</source>
            <translation>Đó&amp;ng vụ việc</translation>
        </message>
        <message>
            <source>&amp;Quit</source>
            <translation>T&amp;hoát</translation>
        </message>
        <message>
            <source>&amp;Go</source>
            <translation>Đ&amp;i tới</translation>
        </message>
        <message>
            <source>Timeline</source>
            <translation>Dòng thời gian</translation>
        </message>
        <message>
            <source>Findings</source>
            <translation>Kết quả phân tích</translation>
        </message>
        <message>
            <source>Remediation</source>
            <translation>Khắc phục</translation>
        </message>
        <message>
            <source>Reports</source>
            <translation>Báo cáo</translation>
        </message>
        <message>
            <source>Collect&amp;ion</source>
            <translation>Th&amp;u thập</translation>
        </message>
        <message>
            <source>&amp;Cancel collection</source>
            <translation>&amp;Hủy thu thập</translation>
        </message>
        <message>
            <source>&amp;Verify all evidence</source>
            <translation>&amp;Kiểm tra toàn vẹn mọi chứng cứ</translation>
        </message>
        <message>
            <source>&amp;Help</source>
            <translation>Trợ &amp;giúp</translation>
        </message>
        <message>
            <source>&amp;Keyboard shortcuts</source>
            <translation>&amp;Phím tắt</translation>
        </message>
        <message>
            <source>Keyboard shortcuts</source>
            <translation>Phím tắt</translation>
        </message>
        <message>
            <source>Ctrl+1…Ctrl+8: go to a page · Tab / Shift+Tab: next / previous field · Space: tick a box · Ctrl+N: new or open a case · Ctrl+S: save the incident · F5: start collection · Ctrl+.: cancel · Ctrl+Shift+V: verify all · Enter on a timeline event: mark it · Alt+underlined letter: a button.</source>
            <translation>Ctrl+1…Ctrl+8: chuyển trang · Tab / Shift+Tab: trường kế tiếp / trước đó · Phím cách: đánh dấu ô chọn · Ctrl+N: tạo hoặc mở vụ việc · Ctrl+S: lưu hồ sơ sự cố · F5: bắt đầu thu thập · Ctrl+.: hủy · Ctrl+Shift+V: kiểm tra toàn vẹn · Enter trên một sự kiện: đánh dấu · Alt+chữ gạch chân: bấm nút.</translation>
        </message>
        <message>
            <source>Wait for the running collection to finish (or cancel it).</source>
            <translation>Hãy chờ việc thu thập đang chạy kết thúc (hoặc hủy nó).</translation>
        </message>
        <message>
            <source>No case open.</source>
            <translation>Chưa mở vụ việc nào.</translation>
        </message>
        <message>
            <source>A collection is running. Cancel it and quit? Everything stored so far stays valid.</source>
            <translation>Đang thu thập. Hủy và thoát? Mọi thứ đã lưu vẫn hợp lệ.</translation>
        </message>
        <message>
            <source>Analyse and notify</source>
            <translation>Phân tích và thông báo</translation>
        </message>
        <message>
            <source>Contain and handle</source>
            <translation>Ngăn chặn và xử lý</translation>
        </message>
        <message>
            <source>Remediate and restore</source>
            <translation>Khắc phục và khôi phục</translation>
        </message>
        <message>
            <source>Review</source>
            <translation>Tổng kết</translation>
        </message>
        <message>
            <source>Create or open a case first.</source>
            <translation>Hãy tạo hoặc mở một vụ việc trước.</translation>
        </message>
        <message>
            <source>The case cannot be opened:</source>
            <translation>Không mở được vụ việc:</translation>
        </message>
        <message>
            <source>The case cannot be created:</source>
            <translation>Không tạo được vụ việc:</translation>
        </message>
        <message>
            <source>Case %1 — %2</source>
            <translation>Vụ việc %1 — %2</translation>
        </message>
        <message>
            <source>%1 missing</source>
            <translation>thiếu %1</translation>
        </message>
        <message>
            <source>not collected</source>
            <translation>chưa thu thập</translation>
        </message>
        <message>
            <source>collecting…</source>
            <translation>đang thu thập…</translation>
        </message>
        <message>
            <source>collected</source>
            <translation>đã thu thập</translation>
        </message>
        <message>
            <source>collected by an earlier run</source>
            <translation>đã thu thập ở lần trước</translation>
        </message>
        <message>
            <source>partial</source>
            <translation>một phần</translation>
        </message>
        <message>
            <source>skipped</source>
            <translation>bỏ qua</translation>
        </message>
        <message>
            <source>failed</source>
            <translation>lỗi</translation>
        </message>
        <message>
            <source>interrupted (start again to resume)</source>
            <translation>bị ngắt (bấm Bắt đầu để tiếp tục)</translation>
        </message>
        <message>
            <source>not available in this build</source>
            <translation>không có trong bản này</translation>
        </message>
        <message>
            <source>needs admin</source>
            <translation>cần quyền quản trị</translation>
        </message>
        <message>
            <source>changes the system</source>
            <translation>thay đổi hệ thống</translation>
        </message>
        <message>
            <source>Item</source>
            <translation>Mục</translation>
        </message>
        <message>
            <source>What is collected</source>
            <translation>Nội dung thu thập</translation>
        </message>
        <message>
            <source>Notes</source>
            <translation>Ghi chú</translation>
        </message>
        <message>
            <source>State</source>
            <translation>Trạng thái</translation>
        </message>
        <message>
            <source>Progress / reason</source>
            <translation>Tiến độ / lý do</translation>
        </message>
        <message>
            <source>Findings (C5, C6, H1–H4)</source>
            <translation>Kết quả phân tích (C5, C6, H1–H4)</translation>
        </message>
        <message>
            <source>Coming with the findings issue: indicators of compromise found in the evidence (C5), the origin of the attack — source addresses, accounts, entry point (C6), persistence and backdoors to remove (H1, H2), a before/after comparison of two collections (H3) and recoverable deleted files (H4), each linked to its evidence id.</source>
            <translation>Sẽ có trong phiên bản tới: các dấu hiệu xâm phạm tìm thấy trong chứng cứ (C5), nguồn gốc tấn công — địa chỉ nguồn, tài khoản, điểm xâm nhập (C6), cơ chế bám trụ và cửa hậu cần gỡ bỏ (H1, H2), so sánh hai lần thu thập trước/sau khi vá (H3) và các tệp đã xóa có thể khôi phục (H4), mỗi kết quả gắn với mã chứng cứ.</translation>
        </message>
        <message>
            <source>Meanwhile: search the Timeline page and mark relevant events with a note; marks go into the reports.</source>
            <translation>Trong lúc chờ: tìm kiếm ở trang Dòng thời gian và đánh dấu các sự kiện liên quan kèm ghi chú; các đánh dấu sẽ được đưa vào báo cáo.</translation>
        </message>
        <message>
            <source>Reports (H5, phase 4)</source>
            <translation>Báo cáo (H5, bước 4)</translation>
        </message>
        <message>
            <source>Coming with the reports issue: the initial report Mẫu 03, the closing report Mẫu 04 and the four other reports kept up during the response, as PDF, DOCX and e-mail ([TBSC] subject), filled from the incident record, the checklist outcomes and the marked timeline events; and a signed evidence bundle for leadership.</source>
            <translation>Sẽ có trong phiên bản tới: báo cáo ban đầu Mẫu 03, báo cáo kết thúc Mẫu 04 và bốn loại báo cáo khác trong quá trình ứng phó, dạng PDF, DOCX và thư điện tử (tiêu đề [TBSC]), điền từ hồ sơ sự cố, kết quả thu thập và các sự kiện đã đánh dấu; cùng gói chứng cứ có chữ ký gửi lãnh đạo.</translation>
        </message>
        <message>
            <source>Meanwhile: the command line makes them: ungcuu report --case FOLDER --kind initial</source>
            <translation>Trong lúc chờ: dùng dòng lệnh để lập báo cáo: ungcuu report --case THƯ_MỤC --kind initial</translation>
        </message>
        <message>
            <source>Legal deadlines</source>
            <translation>Thời hạn theo quy định</translation>
        </message>
        <message>
            <source>Mark R1 done: the cause was &amp;removed</source>
            <translation>Ghi nhận R1 xong: đã gỡ &amp;bỏ nguyên nhân</translation>
        </message>
        <message>
            <source>Mark R2 done: the system is re&amp;stored</source>
            <translation>Ghi nhận R2 xong: hệ thống đã được &amp;khôi phục</translation>
        </message>
        <message>
            <source>No case open: legal deadlines appear here once the incident's detection time (T0) is known.</source>
            <translation>Chưa mở vụ việc: thời hạn báo cáo sẽ hiện ở đây khi biết thời điểm phát hiện sự cố (T0).</translation>
        </message>
        <message>
            <source>Enter the detection time (T0) in the intake to start the legal clocks.</source>
            <translation>Nhập thời điểm phát hiện sự cố (T0) ở trang Tiếp nhận để bắt đầu tính thời hạn.</translation>
        </message>
        <message>
            <source>Before changing the system, make sure phase 2 collection is complete and verified: evidence lost during clean-up cannot be collected again.</source>
            <translation>Trước khi thay đổi hệ thống, hãy bảo đảm việc thu thập ở bước 2 đã xong và đã kiểm tra toàn vẹn: chứng cứ mất trong lúc khắc phục sẽ không thu thập lại được.</translation>
        </message>
        <message>
            <source>Deadlines are not part of this build.</source>
            <translation>Bản này không có phần tính thời hạn.</translation>
        </message>
        <message>
            <source>Deadlines cannot be computed:</source>
            <translation>Không tính được thời hạn:</translation>
        </message>
        <message>
            <source>counts from the end of the response</source>
            <translation>tính từ khi kết thúc ứng phó</translation>
        </message>
        <message>
            <source>Phase 3: remediate and restore</source>
            <translation>Bước 3: khắc phục và khôi phục</translation>
        </message>
        <message>
            <source>R2 Restore systems, data and connections from CLEAN backups; harden; test the whole system.</source>
            <translation>R2 Khôi phục hệ thống, dữ liệu và kết nối từ bản sao lưu SẠCH; tăng cường bảo mật; kiểm tra toàn bộ hệ thống.</translation>
        </message>
        <message>
            <source>not done yet</source>
            <translation>chưa thực hiện</translation>
        </message>
        <message>
            <source>R1 Remove the malware and fix the weaknesses: rebuild or replace files, patch, change passwords, review policies.</source>
            <translation>R1 Gỡ bỏ mã độc và khắc phục điểm yếu: cài đặt lại hoặc thay thế tệp, vá lỗi, đổi mật khẩu, rà soát chính sách.</translation>
        </message>
        <message>
            <source>done at</source>
            <translation>thực hiện lúc</translation>
        </message>
        <message>
            <source>Evidence collection and incident reporting for the response team. Create a case folder on a separate drive (a USB disk), fill in the incident, collect, verify, report.</source>
            <translation>Thu thập chứng cứ và báo cáo sự cố cho đội ứng cứu. Tạo thư mục vụ việc trên một ổ đĩa riêng (ổ USB), nhập thông tin sự cố, thu thập, kiểm tra toàn vẹn, báo cáo.</translation>
        </message>
        <message>
            <source>New case</source>
            <translation>Vụ việc mới</translation>
        </message>
        <message>
            <source>Drive</source>
            <translation>Ổ đĩa</translation>
        </message>
        <message>
            <source>Refresh drives</source>
            <translation>Làm mới danh sách ổ</translation>
        </message>
        <message>
            <source>&amp;Drive for the case folder:</source>
            <translation>Ổ đĩa &amp;chứa thư mục vụ việc:</translation>
        </message>
        <message>
            <source>Case folder</source>
            <translation>Thư mục vụ việc</translation>
        </message>
        <message>
            <source>&amp;Browse…</source>
            <translation>&amp;Duyệt…</translation>
        </message>
        <message>
            <source>Case &amp;folder:</source>
            <translation>&amp;Thư mục vụ việc:</translation>
        </message>
        <message>
            <source>Examiner</source>
            <translation>Người thực hiện</translation>
        </message>
        <message>
            <source>&amp;Examiner (your name):</source>
            <translation>Người thực &amp;hiện (họ tên):</translation>
        </message>
        <message>
            <source>C&amp;reate the case</source>
            <translation>Tạ&amp;o vụ việc</translation>
        </message>
        <message>
            <source>Open a case</source>
            <translation>Mở vụ việc</translation>
        </message>
        <message>
            <source>&amp;Open a case folder…</source>
            <translation>&amp;Mở thư mục vụ việc…</translation>
        </message>
        <message>
            <source>Recent cases</source>
            <translation>Vụ việc gần đây</translation>
        </message>
        <message>
            <source>Folder for the new case</source>
            <translation>Thư mục cho vụ việc mới</translation>
        </message>
        <message>
            <source>Open a case folder</source>
            <translation>Mở thư mục vụ việc</translation>
        </message>
        <message>
            <source>Recent cases (Enter to open):</source>
            <translation>Vụ việc gần đây (Enter để mở):</translation>
        </message>
        <message>
            <source>Warning: this folder is on the affected system's own disk. Writing there may overwrite deleted data that is evidence. Prefer a USB or network drive.</source>
            <translation>Cảnh báo: thư mục này nằm trên chính ổ đĩa của hệ thống bị sự cố. Ghi vào đó có thể ghi đè dữ liệu đã xóa vốn là chứng cứ. Nên dùng ổ USB hoặc ổ mạng.</translation>
        </message>
        <message>
            <source>free</source>
            <translation>trống</translation>
        </message>
        <message>
            <source>the affected system's own disk!</source>
            <translation>ổ đĩa của chính hệ thống bị sự cố!</translation>
        </message>
        <message>
            <source>(not found)</source>
            <translation>(không tìm thấy)</translation>
        </message>
        <message>
            <source>Events over time</source>
            <translation>Số sự kiện theo thời gian</translation>
        </message>
        <message>
            <source>&amp;Build / update the timeline</source>
            <translation>&amp;Dựng / cập nhật dòng thời gian</translation>
        </message>
        <message>
            <source>from (dd/mm/yyyy hh:mm, UTC)</source>
            <translation type="obsolete">từ (dd/mm/yyyy hh:mm, UTC)</translation>
        </message>
        <message>
            <source>to (dd/mm/yyyy hh:mm, UTC)</source>
            <translation type="obsolete">đến (dd/mm/yyyy hh:mm, UTC)</translation>
        </message>
        <message>
            <source>text in the message</source>
            <translation>nội dung cần tìm</translation>
        </message>
        <message>
            <source>Text filter</source>
            <translation>Lọc theo nội dung</translation>
        </message>
        <message>
            <source>&amp;Filter</source>
            <translation>&amp;Lọc</translation>
        </message>
        <message>
            <source>Clear filter</source>
            <translation>Xóa bộ lọc</translation>
        </message>
        <message>
            <source>Timeline events</source>
            <translation>Các sự kiện trên dòng thời gian</translation>
        </message>
        <message>
            <source>&amp;Mark as relevant…</source>
            <translation>Đánh dấu liên &amp;quan…</translation>
        </message>
        <message>
            <source>Marked events, with your note, go into the reports (Enter or double-click)</source>
            <translation>Sự kiện được đánh dấu, kèm ghi chú, sẽ đưa vào báo cáo (Enter hoặc nháy đúp)</translation>
        </message>
        <message>
            <source>counting…</source>
            <translation>đang đếm…</translation>
        </message>
        <message>
            <source>Building the timeline from the evidence…</source>
            <translation>Đang dựng dòng thời gian từ chứng cứ…</translation>
        </message>
        <message>
            <source>No events to show</source>
            <translation>Không có sự kiện để hiển thị</translation>
        </message>
        <message>
            <source>The timeline module is not part of this build.</source>
            <translation>Bản này không có mô-đun dòng thời gian.</translation>
        </message>
        <message>
            <source>Evidence:</source>
            <translation>Chứng cứ:</translation>
        </message>
        <message>
            <source>Mark as relevant</source>
            <translation>Đánh dấu liên quan</translation>
        </message>
        <message>
            <source>Note (why this event matters):</source>
            <translation>Ghi chú (vì sao sự kiện này quan trọng):</translation>
        </message>
        <message>
            <source>Timeline (C1–C4)</source>
            <translation>Dòng thời gian (C1–C4)</translation>
        </message>
        <message>
            <source>Open a case first.</source>
            <translation>Hãy mở một vụ việc trước.</translation>
        </message>
        <message>
            <source>The time is not valid: use dd/mm/yyyy hh:mm or ISO 8601.</source>
            <translation>Thời gian không hợp lệ: dùng dạng dd/mm/yyyy hh:mm hoặc ISO 8601.</translation>
        </message>
        <message>
            <source>%n event(s) match</source>
            <translation>%n sự kiện khớp</translation>
        </message>
        <message>
            <source>No timeline yet: collect evidence (phase 2), then press “Build / update the timeline”.</source>
            <translation>Chưa có dòng thời gian: hãy thu thập chứng cứ (bước 2), rồi bấm “Dựng / cập nhật dòng thời gian”.</translation>
        </message>
        <message>
            <source>The timeline could not be built:</source>
            <translation>Không dựng được dòng thời gian:</translation>
        </message>
        <message>
            <source>all sources</source>
            <translation>mọi nguồn</translation>
        </message>
        <message>
            <source>all hosts</source>
            <translation>mọi máy</translation>
        </message>
        <message>
            <source>Host</source>
            <translation>Máy</translation>
        </message>
        <message>
            <source>Evidence was added since it was built: update it.</source>
            <translation>Có chứng cứ mới từ lần dựng trước: hãy cập nhật.</translation>
        </message>
        <message>
            <source>Timeline of every event found in the evidence, in time order (UTC).</source>
            <translation type="obsolete">Dòng thời gian của mọi sự kiện tìm thấy trong chứng cứ, theo thứ tự thời gian (UTC).</translation>
        </message>
        <message>
            <source>The timeline cannot be read:</source>
            <translation>Không đọc được dòng thời gian:</translation>
        </message>
        <message>
            <source>Built: %1 events, %2 records skipped.</source>
            <translation>Đã dựng: %1 sự kiện, bỏ qua %2 bản ghi.</translation>
        </message>
        <message>
            <source>Name</source>
            <translation>Tên</translation>
        </message>
        <message>
            <source>Collected at (UTC)</source>
            <translation>Thu thập lúc (UTC)</translation>
        </message>
        <message>
            <source>Verification</source>
            <translation>Kiểm tra toàn vẹn</translation>
        </message>
        <message>
            <source>Time</source>
            <translation>Thời gian</translation>
        </message>
        <message>
            <source>What the time means</source>
            <translation>Ý nghĩa thời điểm</translation>
        </message>
        <message>
            <source>Message</source>
            <translation>Nội dung</translation>
        </message>
        <message>
            <source>Marked</source>
            <translation>Đánh dấu</translation>
        </message>
        <message>
            <source>Running with administrator rights: every item can give full results.</source>
            <translation>Đang chạy với quyền quản trị: mọi mục đều có thể cho kết quả đầy đủ.</translation>
        </message>
        <message>
            <source>Running WITHOUT administrator rights: items marked “needs admin” will be partial. Start UngCuu as root / “Run as administrator” for full results.</source>
            <translation>Đang chạy KHÔNG có quyền quản trị: các mục có ghi “cần quyền quản trị” sẽ chỉ thu thập được một phần. Hãy chạy UngCuu bằng root / “Run as administrator” để có kết quả đầy đủ.</translation>
        </message>
        <message>
            <source>C3–C6, H2 Findings</source>
            <translation>C3–C6, H2 Kết quả phân tích</translation>
        </message>
        <message>
            <source>What the evidence says: when the system was updated (C3) and last used (C4), indicators of compromise (C5), the origin of the attack (C6) and backdoors to remove (H2). Each finding names the evidence it comes from.</source>
            <translation>Những gì chứng cứ cho thấy: thời điểm hệ thống được cập nhật (C3) và được sử dụng lần cuối (C4), dấu hiệu xâm phạm (C5), nguồn gốc tấn công (C6) và cửa hậu cần gỡ bỏ (H2). Mỗi kết quả ghi rõ chứng cứ mà nó dựa vào.</translation>
        </message>
        <message>
            <source>&amp;Analyse the evidence</source>
            <translation>&amp;Phân tích chứng cứ</translation>
        </message>
        <message>
            <source>indicator list (hashes, IPs, domains), optional</source>
            <translation>danh sách dấu hiệu (mã băm, IP, tên miền), không bắt buộc</translation>
        </message>
        <message>
            <source>Indicator list file</source>
            <translation>Tệp danh sách dấu hiệu xâm phạm</translation>
        </message>
        <message>
            <source>IOC file…</source>
            <translation>Tệp IOC…</translation>
        </message>
        <message>
            <source>YARA rules, optional</source>
            <translation>luật YARA, không bắt buộc</translation>
        </message>
        <message>
            <source>YARA rules file</source>
            <translation>Tệp luật YARA</translation>
        </message>
        <message>
            <source>YARA rules…</source>
            <translation>Luật YARA…</translation>
        </message>
        <message>
            <source>Minimum severity</source>
            <translation>Mức độ tối thiểu</translation>
        </message>
        <message>
            <source>Press “Analyse the evidence” after collecting (the timeline is built first when needed).</source>
            <translation>Bấm “Phân tích chứng cứ” sau khi thu thập (dòng thời gian sẽ được dựng trước nếu cần).</translation>
        </message>
        <message>
            <source>Analysing… (building the timeline first when needed)</source>
            <translation>Đang phân tích… (dựng dòng thời gian trước nếu cần)</translation>
        </message>
        <message>
            <source>Each report is filled from the incident record, the checklist outcomes, the evidence and the marked timeline events, saved in the case's exports folder and recorded in the custody log with its SHA-256. Fields still missing are listed: fill them in the intake and make it again.</source>
            <translation>Mỗi báo cáo được điền từ hồ sơ sự cố, kết quả thu thập, chứng cứ và các sự kiện đã đánh dấu trên dòng thời gian, được lưu trong thư mục exports của vụ việc và ghi vào nhật ký lưu giữ kèm mã SHA-256. Các trường còn thiếu sẽ được liệt kê: hãy bổ sung ở trang Tiếp nhận rồi lập lại.</translation>
        </message>
        <message>
            <source>Report kind</source>
            <translation>Loại báo cáo</translation>
        </message>
        <message>
            <source>Format</source>
            <translation>Định dạng</translation>
        </message>
        <message>
            <source>&amp;Make the report</source>
            <translation>&amp;Lập báo cáo</translation>
        </message>
        <message>
            <source>Open the exports &amp;folder</source>
            <translation>Mở &amp;thư mục báo cáo</translation>
        </message>
        <message>
            <source>Result</source>
            <translation>Kết quả</translation>
        </message>
        <message>
            <source>Making the report…</source>
            <translation>Đang lập báo cáo…</translation>
        </message>
        <message>
            <source>info</source>
            <translation>thông tin</translation>
        </message>
        <message>
            <source>low</source>
            <translation>thấp</translation>
        </message>
        <message>
            <source>medium</source>
            <translation>trung bình</translation>
        </message>
        <message>
            <source>high</source>
            <translation>cao</translation>
        </message>
        <message>
            <source>critical</source>
            <translation>nghiêm trọng</translation>
        </message>
        <message>
            <source>Severity</source>
            <translation>Mức độ</translation>
        </message>
        <message>
            <source>Finding</source>
            <translation>Kết quả phân tích</translation>
        </message>
        <message>
            <source>Time (UTC)</source>
            <translation>Thời gian (UTC)</translation>
        </message>
        <message>
            <source>Format:</source>
            <translation>Định dạng:</translation>
        </message>
        <message>
            <source>Saved:</source>
            <translation>Đã lưu:</translation>
        </message>
        <message>
            <source>Indicator list</source>
            <translation>Danh sách dấu hiệu xâm phạm</translation>
        </message>
        <message>
            <source>YARA rules</source>
            <translation>Luật YARA</translation>
        </message>
        <message>
            <source>The analysis could not run:</source>
            <translation>Không chạy được phân tích:</translation>
        </message>
        <message>
            <source>Findings (C3–C6, H2)</source>
            <translation>Kết quả phân tích (C3–C6, H2)</translation>
        </message>
        <message>
            <source>from</source>
            <translation>từ mức</translation>
        </message>
        <message>
            <source>Still missing (%1 mandatory fields):</source>
            <translation>Còn thiếu (%1 trường bắt buộc):</translation>
        </message>
        <message>
            <source>%1 finding(s):</source>
            <translation>%1 kết quả:</translation>
        </message>
        <message>
            <source>Rule</source>
            <translation>Quy tắc</translation>
        </message>
        <message>
            <source>The report could not be made:</source>
            <translation>Không lập được báo cáo:</translation>
        </message>
        <message>
            <source>unknown time zone</source>
            <translation>múi giờ không hợp lệ</translation>
        </message>
        <message>
            <source>The time is read in the incident's time zone; the record stores it with its UTC offset.</source>
            <translation>Thời gian được hiểu theo múi giờ của sự cố; hồ sơ lưu kèm độ lệch so với UTC.</translation>
        </message>
        <message>
            <source>choose the files or folders on the Evidence page (Add files… / Add a folder…)</source>
            <translation>chọn tệp hoặc thư mục ở trang Chứng cứ (Thêm tệp… / Thêm thư mục…)</translation>
        </message>
        <message>
            <source>Host:</source>
            <translation>Máy:</translation>
        </message>
        <message>
            <source>Record now as the end of the response? The deadline for the closing report (Mẫu 04) counts from it.</source>
            <translation>Ghi nhận thời điểm này là kết thúc ứng phó? Thời hạn nộp báo cáo kết thúc (Mẫu 04) được tính từ đây.</translation>
        </message>
        <message>
            <source>Show times in &amp;UTC</source>
            <translation>Hiển thị giờ quốc tế UTC (&amp;Z)</translation>
        </message>
        <message>
            <source>Times are shown in the incident's time zone; tick to show them in UTC</source>
            <translation>Thời gian hiển thị theo múi giờ của sự cố; đánh dấu để hiển thị theo giờ UTC</translation>
        </message>
        <message>
            <source>from (dd/mm/yyyy hh:mm, %1)</source>
            <translation>từ (dd/mm/yyyy hh:mm, %1)</translation>
        </message>
        <message>
            <source>to (dd/mm/yyyy hh:mm, %1)</source>
            <translation>đến (dd/mm/yyyy hh:mm, %1)</translation>
        </message>
        <message>
            <source>Timeline of every event found in the evidence, in time order.</source>
            <translation>Dòng thời gian của mọi sự kiện tìm thấy trong chứng cứ, theo thứ tự thời gian.</translation>
        </message>
        <message>
            <source>The incident record has changes that are not saved. Save them?</source>
            <translation>Hồ sơ sự cố có thay đổi chưa được lưu. Lưu lại không?</translation>
        </message>
        <message>
            <source>Browse…</source>
            <translation>Chọn…</translation>
        </message>
        <message>
            <source>Evidence bundle</source>
            <translation>Gói chứng cứ</translation>
        </message>
        <message>
            <source>Build a bundle</source>
            <translation>Tạo gói</translation>
        </message>
        <message>
            <source>Verify a bundle received</source>
            <translation>Kiểm tra gói nhận được</translation>
        </message>
        <message>
            <source>Equivalent command</source>
            <translation>Lệnh tương đương</translation>
        </message>
        <message>
            <source>Cop&amp;y the command</source>
            <translation>&amp;Sao chép lệnh</translation>
        </message>
        <message>
            <source>Close</source>
            <translation>Đóng</translation>
        </message>
        <message>
            <source>Bundle file</source>
            <translation>Tệp gói</translation>
        </message>
        <message>
            <source>Bundle file:</source>
            <translation>Tệp gói:</translation>
        </message>
        <message>
            <source>Include the reports (PDF)</source>
            <translation>Kèm các báo cáo (PDF)</translation>
        </message>
        <message>
            <source>Include the timeline</source>
            <translation>Kèm dòng thời gian</translation>
        </message>
        <message>
            <source>Contents:</source>
            <translation>Nội dung:</translation>
        </message>
        <message>
            <source>Passphrase</source>
            <translation>Mật khẩu</translation>
        </message>
        <message>
            <source>empty: not encrypted</source>
            <translation>để trống: không mã hóa</translation>
        </message>
        <message>
            <source>Passphrase again</source>
            <translation>Nhập lại mật khẩu</translation>
        </message>
        <message>
            <source>Passphrase (encrypts, 7z AES-256):</source>
            <translation>Mật khẩu (mã hóa 7z AES-256):</translation>
        </message>
        <message>
            <source>Passphrase again:</source>
            <translation>Nhập lại mật khẩu:</translation>
        </message>
        <message>
            <source>Signing key</source>
            <translation>Khóa ký</translation>
        </message>
        <message>
            <source>empty: not signed</source>
            <translation>để trống: không ký</translation>
        </message>
        <message>
            <source>Make a &amp;key pair…</source>
            <translation>Tạo cặp &amp;khóa…</translation>
        </message>
        <message>
            <source>Signing key (Ed25519, PEM):</source>
            <translation>Khóa ký (Ed25519, PEM):</translation>
        </message>
        <message>
            <source>&amp;Build the bundle</source>
            <translation>Tạo &amp;gói</translation>
        </message>
        <message>
            <source>Read these out over the phone</source>
            <translation>Đọc các mã này qua điện thoại</translation>
        </message>
        <message>
            <source>Bundle SHA-256</source>
            <translation>SHA-256 của gói</translation>
        </message>
        <message>
            <source>Key fingerprint</source>
            <translation>Dấu vân tay khóa</translation>
        </message>
        <message>
            <source>Bundle SHA-256:</source>
            <translation>SHA-256 của gói:</translation>
        </message>
        <message>
            <source>Key fingerprint:</source>
            <translation>Dấu vân tay khóa:</translation>
        </message>
        <message>
            <source>Bundles (*.zip *.7z)</source>
            <translation>Gói chứng cứ (*.zip *.7z)</translation>
        </message>
        <message>
            <source>Keys (*.key *.pem)</source>
            <translation>Khóa (*.key *.pem)</translation>
        </message>
        <message>
            <source>Key pair name (PREFIX.key and PREFIX.pub)</source>
            <translation>Tên cặp khóa (TÊN.key và TÊN.pub)</translation>
        </message>
        <message>
            <source>Building the bundle…</source>
            <translation>Đang tạo gói…</translation>
        </message>
        <message>
            <source>The bundle's SHA-256 is recorded in the case's custody log.</source>
            <translation>SHA-256 của gói đã được ghi vào nhật ký chuỗi lưu giữ của hồ sơ.</translation>
        </message>
        <message>
            <source>Bundle to verify</source>
            <translation>Gói cần kiểm tra</translation>
        </message>
        <message>
            <source>Bundle to verify:</source>
            <translation>Gói cần kiểm tra:</translation>
        </message>
        <message>
            <source>Public key</source>
            <translation>Khóa công khai</translation>
        </message>
        <message>
            <source>the sender's .pub file, or its 64-digit hex</source>
            <translation>tệp .pub của người gửi, hoặc mã hex 64 ký tự</translation>
        </message>
        <message>
            <source>Public key (to check the signature):</source>
            <translation>Khóa công khai (để kiểm tra chữ ký):</translation>
        </message>
        <message>
            <source>Passphrase (encrypted bundle):</source>
            <translation>Mật khẩu (gói đã mã hóa):</translation>
        </message>
        <message>
            <source>&amp;Verify the bundle</source>
            <translation>Kiểm t&amp;ra gói</translation>
        </message>
        <message>
            <source>Compare with the sender over the phone</source>
            <translation>So với người gửi qua điện thoại</translation>
        </message>
        <message>
            <source>Verification result</source>
            <translation>Kết quả kiểm tra</translation>
        </message>
        <message>
            <source>Keys (*.pub *.pem)</source>
            <translation>Khóa (*.pub *.pem)</translation>
        </message>
        <message>
            <source>Verifying the bundle…</source>
            <translation>Đang kiểm tra gói…</translation>
        </message>
        <message>
            <source>INTACT</source>
            <translation>NGUYÊN VẸN</translation>
        </message>
        <message>
            <source>Equivalent command:</source>
            <translation>Lệnh tương đương:</translation>
        </message>
        <message>
            <source>The two passphrases differ: type the same passphrase twice.</source>
            <translation>Hai lần nhập mật khẩu khác nhau: hãy nhập cùng một mật khẩu hai lần.</translation>
        </message>
        <message>
            <source>(not signed)</source>
            <translation>(không ký)</translation>
        </message>
        <message>
            <source>The bundle could not be built:</source>
            <translation>Không tạo được gói:</translation>
        </message>
        <message>
            <source>signature valid</source>
            <translation>chữ ký hợp lệ</translation>
        </message>
        <message>
            <source>signature NOT valid</source>
            <translation>chữ ký KHÔNG hợp lệ</translation>
        </message>
        <message>
            <source>not signed</source>
            <translation>không có chữ ký</translation>
        </message>
        <message>
            <source>signature not checked (give the public key)</source>
            <translation>chưa kiểm tra chữ ký (cần khóa công khai)</translation>
        </message>
        <message>
            <source>NOT INTACT: %1 differences</source>
            <translation>KHÔNG NGUYÊN VẸN: %1 khác biệt</translation>
        </message>
        <message>
            <source>The bundle could not be read:</source>
            <translation>Không đọc được gói:</translation>
        </message>
        <message>
            <source>The key pair could not be made:</source>
            <translation>Không tạo được cặp khóa:</translation>
        </message>
        <message>
            <source>Private key (keep it secret): %1
Public key (give it to whoever verifies): %2</source>
            <translation>Khóa riêng (giữ kín): %1
Khóa công khai (gửi người kiểm tra): %2</translation>
        </message>
        <message>
            <source>Bundle %1: %2 evidence items, %3 files, %4</source>
            <translation>Gói %1: %2 mục chứng cứ, %3 tệp, %4</translation>
        </message>
        <message>
            <source>Read-only: another window or command is collecting into this case.</source>
            <translation>Chỉ đọc: một cửa sổ hoặc lệnh khác đang thu thập vào hồ sơ này.</translation>
        </message>
        <message>
            <source>Open &amp;read-only</source>
            <translation>Mở &amp;chỉ đọc</translation>
        </message>
        <message>
            <source>Who is working on this case now? Your name goes into the custody log of every step from now on.</source>
            <translation>Ai đang làm việc với hồ sơ này? Tên của bạn sẽ được ghi vào nhật ký chuỗi lưu giữ cho mọi bước từ giờ.</translation>
        </message>
        <message>
            <source>OK</source>
            <translation>OK</translation>
        </message>
        <message>
            <source>This case is open for collection by %1. Two programs collecting into one case at once would mix their runs. Open it read-only (look, verify, make reports; no collection, no intake changes)?</source>
            <translation>Hồ sơ này đang được %1 mở để thu thập. Hai chương trình cùng thu thập vào một hồ sơ sẽ trộn lẫn các lượt chạy. Mở ở chế độ chỉ đọc (xem, kiểm tra, lập báo cáo; không thu thập, không sửa hồ sơ sự cố)?</translation>
        </message>
        <message>
            <source>Keep %1</source>
            <translation>Giữ %1</translation>
        </message>
        <message>
            <source>(read-only)</source>
            <translation>(chỉ đọc)</translation>
        </message>
        <message>
            <source>Evidence &amp;bundle…</source>
            <translation>Gói &amp;chứng cứ…</translation>
        </message>
        <message>
            <source>Build a signed, optionally encrypted bundle for leadership, or verify one received from elsewhere</source>
            <translation>Tạo gói có chữ ký (có thể mã hóa) gửi lãnh đạo, hoặc kiểm tra gói nhận từ nơi khác</translation>
        </message>
        <message>
            <source>%1 evidence items, %2 in all.</source>
            <translation>%1 chứng cứ, tổng cộng %2.</translation>
        </message>
        <message>
            <source>(no ATT&amp;CK tactic)</source>
            <translation>(không có chiến thuật ATT&amp;CK)</translation>
        </message>
        <message>
            <source>Origin of the attack (C6)</source>
            <translation>Nguồn gốc tấn công (C6)</translation>
        </message>
        <message>
            <source>Finding details</source>
            <translation>Chi tiết kết quả</translation>
        </message>
        <message>
            <source>Show the matched events in the &amp;timeline</source>
            <translation>Xem các sự kiện khớp trên &amp;dòng thời gian</translation>
        </message>
        <message>
            <source>ATT&amp;CK tactic</source>
            <translation>Chiến thuật ATT&amp;CK</translation>
        </message>
        <message>
            <source>Origin of the attack (C6):</source>
            <translation>Nguồn gốc tấn công (C6):</translation>
        </message>
        <message>
            <source>Reference</source>
            <translation>Tham khảo</translation>
        </message>
        <message>
            <source>level</source>
            <translation>mức</translation>
        </message>
        <message>
            <source>Author</source>
            <translation>Tác giả</translation>
        </message>
        <message>
            <source>%1 matched timeline events</source>
            <translation>%1 sự kiện khớp trên dòng thời gian</translation>
        </message>
        <message>
            <source>about %1 left</source>
            <translation>còn khoảng %1</translation>
        </message>
        <message>
            <source>%1 of %2 items</source>
            <translation>%1 / %2 mục</translation>
        </message>
        <message>
            <source>Progress</source>
            <translation>Tiến độ</translation>
        </message>
        <message>
            <source>Cop&amp;y</source>
            <translation>Sao ché&amp;p</translation>
        </message>
        <message>
            <source>Copy the command that does the same, to run it on a server</source>
            <translation>Sao chép lệnh làm đúng việc này, để chạy trên máy chủ</translation>
        </message>
        <message>
            <source>Import hosts into one incident</source>
            <translation>Nhập các máy vào một sự cố</translation>
        </message>
        <message>
            <source>Import</source>
            <translation>Nhập</translation>
        </message>
        <message>
            <source>Hosts</source>
            <translation>Các máy</translation>
        </message>
        <message>
            <source>Links between hosts (C6)</source>
            <translation>Liên kết giữa các máy (C6)</translation>
        </message>
        <message>
            <source>The open case is the incident. Each host's bundle or case folder is verified first (a changed file refuses it, naming what changed), then imported under its host, keeping that host's custody chain as it was.</source>
            <translation>Vụ việc đang mở là sự cố. Gói chứng cứ hoặc thư mục vụ việc của từng máy được kiểm tra trước (một tệp bị thay đổi thì bị từ chối, nêu rõ chỗ thay đổi), rồi được nhập vào dưới tên máy đó, giữ nguyên chuỗi lưu giữ của máy đó.</translation>
        </message>
        <message>
            <source>Bundles and case folders to import</source>
            <translation>Các gói chứng cứ và thư mục vụ việc cần nhập</translation>
        </message>
        <message>
            <source>Add &amp;bundles…</source>
            <translation>Thêm &amp;gói chứng cứ…</translation>
        </message>
        <message>
            <source>Add a case &amp;folder…</source>
            <translation>Thêm &amp;thư mục vụ việc…</translation>
        </message>
        <message>
            <source>&amp;Remove</source>
            <translation>&amp;Bỏ khỏi danh sách</translation>
        </message>
        <message>
            <source>&amp;Import</source>
            <translation>&amp;Nhập</translation>
        </message>
        <message>
            <source>&amp;Cancel the import</source>
            <translation>&amp;Hủy việc nhập</translation>
        </message>
        <message>
            <source>Host bundles</source>
            <translation>Gói chứng cứ của các máy</translation>
        </message>
        <message>
            <source>A host's case folder</source>
            <translation>Thư mục vụ việc của một máy</translation>
        </message>
        <message>
            <source>Verifying and importing…</source>
            <translation>Đang kiểm tra và nhập…</translation>
        </message>
        <message>
            <source>Skip this bundle</source>
            <translation>Bỏ qua gói này</translation>
        </message>
        <message>
            <source>Verifying</source>
            <translation>Đang kiểm tra</translation>
        </message>
        <message>
            <source>Extracting</source>
            <translation>Đang giải nén</translation>
        </message>
        <message>
            <source>Reading the events</source>
            <translation>Đang đọc các sự kiện</translation>
        </message>
        <message>
            <source>Joining the hosts' timelines</source>
            <translation>Đang ghép dòng thời gian của các máy</translation>
        </message>
        <message>
            <source>Import finished.</source>
            <translation>Đã nhập xong.</translation>
        </message>
        <message>
            <source>Import cancelled: the hosts imported before are kept; nothing of the bundle or case in progress was kept.</source>
            <translation>Đã hủy việc nhập: các máy đã nhập trước đó được giữ lại; không giữ lại gì của gói hoặc vụ việc đang nhập dở.</translation>
        </message>
        <message>
            <source>Cancelled.</source>
            <translation>Đã hủy.</translation>
        </message>
        <message>
            <source>Hosts of the incident</source>
            <translation>Các máy của sự cố</translation>
        </message>
        <message>
            <source>bundle</source>
            <translation>gói chứng cứ</translation>
        </message>
        <message>
            <source>case folder</source>
            <translation>thư mục vụ việc</translation>
        </message>
        <message>
            <source>What the hosts share (accounts, source addresses, file hashes, services, tasks, tools) and the logons from one host to another, in time order: the path of the attack (C6).</source>
            <translation>Những gì các máy có chung (tài khoản, địa chỉ nguồn, mã băm tệp, dịch vụ, tác vụ, công cụ) và các lần đăng nhập từ máy này sang máy khác, theo thứ tự thời gian: đường đi của cuộc tấn công (C6).</translation>
        </message>
        <message>
            <source>C&amp;orrelate the hosts</source>
            <translation>Đối &amp;chiếu các máy</translation>
        </message>
        <message>
            <source>Movement between hosts</source>
            <translation>Di chuyển giữa các máy</translation>
        </message>
        <message>
            <source>Values seen on several hosts</source>
            <translation>Giá trị thấy trên nhiều máy</translation>
        </message>
        <message>
            <source>Correlating the hosts… (the timeline is updated first when needed)</source>
            <translation>Đang đối chiếu các máy… (cập nhật dòng thời gian trước nếu cần)</translation>
        </message>
        <message>
            <source>account</source>
            <translation>tài khoản</translation>
        </message>
        <message>
            <source>address</source>
            <translation>địa chỉ</translation>
        </message>
        <message>
            <source>file hash</source>
            <translation>mã băm tệp</translation>
        </message>
        <message>
            <source>service</source>
            <translation>dịch vụ</translation>
        </message>
        <message>
            <source>scheduled task</source>
            <translation>tác vụ định kỳ</translation>
        </message>
        <message>
            <source>tool</source>
            <translation>công cụ</translation>
        </message>
        <message>
            <source>Cancelling after the current step…</source>
            <translation>Đang hủy sau bước hiện tại…</translation>
        </message>
        <message>
            <source>Custody head</source>
            <translation>Đầu chuỗi lưu giữ</translation>
        </message>
        <message>
            <source>Events</source>
            <translation>Sự kiện</translation>
        </message>
        <message>
            <source>Imported at (UTC)</source>
            <translation>Thời điểm nhập (UTC)</translation>
        </message>
        <message>
            <source>Imported from</source>
            <translation>Nhập từ</translation>
        </message>
        <message>
            <source>Movement between hosts:</source>
            <translation>Di chuyển giữa các máy:</translation>
        </message>
        <message>
            <source>Values seen on several hosts:</source>
            <translation>Giá trị thấy trên nhiều máy:</translation>
        </message>
        <message>
            <source>Kind</source>
            <translation>Loại</translation>
        </message>
        <message>
            <source>Value</source>
            <translation>Giá trị</translation>
        </message>
        <message>
            <source>First (UTC)</source>
            <translation>Lần đầu (UTC)</translation>
        </message>
        <message>
            <source>Last (UTC)</source>
            <translation>Lần cuối (UTC)</translation>
        </message>
        <message>
            <source>No logon from one host to another was seen.</source>
            <translation>Không thấy lần đăng nhập nào từ máy này sang máy khác.</translation>
        </message>
        <message>
            <source>Logons from addresses outside the incident's hosts:</source>
            <translation>Đăng nhập từ các địa chỉ ngoài các máy của sự cố:</translation>
        </message>
        <message>
            <source>Incident case:</source>
            <translation>Vụ việc của sự cố:</translation>
        </message>
        <message>
            <source>The bundle %1 is encrypted: type its passphrase.</source>
            <translation>Gói %1 đã được mã hóa: hãy nhập mật khẩu của gói.</translation>
        </message>
        <message>
            <source>The import stopped:</source>
            <translation>Việc nhập đã dừng:</translation>
        </message>
        <message>
            <source>%1 events</source>
            <translation>%1 sự kiện</translation>
        </message>
        <message>
            <source>The hosts cannot be read:</source>
            <translation>Không đọc được danh sách máy:</translation>
        </message>
        <message>
            <source>%1 host(s) in this incident: %2</source>
            <translation>%1 máy trong sự cố này: %2</translation>
        </message>
        <message>
            <source>The correlation could not run:</source>
            <translation>Không đối chiếu được:</translation>
        </message>
        <message>
            <source>%1: REFUSED, nothing of it was kept:</source>
            <translation>%1: BỊ TỪ CHỐI, không giữ lại gì của nó:</translation>
        </message>
        <message>
            <source>%1 host(s), %2 movement(s) between them, %3 value(s) shared</source>
            <translation>%1 máy, %2 lần di chuyển giữa các máy, %3 giá trị dùng chung</translation>
        </message>
        <message>
            <source>%1: imported — host %2, case %3, %4 events</source>
            <translation>%1: đã nhập — máy %2, vụ việc %3, %4 sự kiện</translation>
        </message>
        <message>
            <source>%1: already imported (host %2, case %3): not imported again</source>
            <translation>%1: đã được nhập trước đó (máy %2, vụ việc %3): không nhập lại</translation>
        </message>
        <message>
            <source>%1: imported, a newer collection of host %2 (case %3), %4 events; the older one is kept beside it</source>
            <translation>%1: đã nhập, là lần thu thập mới hơn của máy %2 (vụ việc %3), %4 sự kiện; lần cũ hơn vẫn được giữ bên cạnh</translation>
        </message>
        <message>
            <source>%1: %2 → %3, account %4, via %5 [evidence %6 %7]</source>
            <translation>%1: %2 → %3, tài khoản %4, qua %5 [chứng cứ %6 %7]</translation>
        </message>
        <message>
            <source>&amp;Import hosts into one incident…</source>
            <translation>Nhập các &amp;máy vào một sự cố…</translation>
        </message>
        <message>
            <source>Open or create the incident case first, then import the hosts into it.</source>
            <translation>Hãy mở hoặc tạo vụ việc của sự cố trước, rồi nhập các máy vào đó.</translation>
        </message>
        <message>
            <source>Remediation plan and re-check</source>
            <translation>Kế hoạch khắc phục và kiểm tra lại</translation>
        </message>
        <message>
            <source>Vulnerabilities after patching</source>
            <translation>Lỗ hổng sau khi vá</translation>
        </message>
        <message>
            <source>Clean backup</source>
            <translation>Bản sao lưu sạch</translation>
        </message>
        <message>
            <source>Make or extend the &amp;plan from the findings</source>
            <translation>Lập hoặc bổ sung kế hoạch từ các &amp;phát hiện</translation>
        </message>
        <message>
            <source>Remediation steps</source>
            <translation>Các bước khắc phục</translation>
        </message>
        <message>
            <source>Commands of the selected step</source>
            <translation>Lệnh của bước đang chọn</translation>
        </message>
        <message>
            <source>Done by</source>
            <translation>Người thực hiện</translation>
        </message>
        <message>
            <source>Reason</source>
            <translation>Lý do</translation>
        </message>
        <message>
            <source>required to skip a step</source>
            <translation>bắt buộc khi bỏ qua một bước</translation>
        </message>
        <message>
            <source>Done by:</source>
            <translation>Người thực hiện:</translation>
        </message>
        <message>
            <source>Reason / note:</source>
            <translation>Lý do / ghi chú:</translation>
        </message>
        <message>
            <source>Mark &amp;done</source>
            <translation>Đánh dấu đã là&amp;m</translation>
        </message>
        <message>
            <source>Mark s&amp;kipped</source>
            <translation>Đánh dấu bỏ &amp;qua</translation>
        </message>
        <message>
            <source>Mark f&amp;ailed</source>
            <translation>Đánh dấu không thành &amp;công</translation>
        </message>
        <message>
            <source>Root folder to re-check</source>
            <translation>Thư mục gốc cần kiểm tra lại</translation>
        </message>
        <message>
            <source>empty: this machine (live)</source>
            <translation>để trống: chính máy này (đang chạy)</translation>
        </message>
        <message>
            <source>R&amp;e-check</source>
            <translation>Kiểm tra &amp;lại</translation>
        </message>
        <message>
            <source>Collect the triage again into this case and say, for each step and finding, whether it is gone, still present or changed</source>
            <translation>Thu thập nhanh lại vào hồ sơ này và cho biết từng bước, từng phát hiện đã hết, vẫn còn hay đã thay đổi</translation>
        </message>
        <message>
            <source>Stop</source>
            <translation>Dừng</translation>
        </message>
        <message>
            <source>Vulnerability feeds</source>
            <translation>Nguồn dữ liệu lỗ hổng</translation>
        </message>
        <message>
            <source>Add a feed &amp;file…</source>
            <translation>Thêm &amp;tệp nguồn dữ liệu…</translation>
        </message>
        <message>
            <source>Add a feed folder…</source>
            <translation>Thêm thư mục nguồn dữ liệu…</translation>
        </message>
        <message>
            <source>Remove</source>
            <translation>Bỏ ra</translation>
        </message>
        <message>
            <source>Check &amp;vulnerabilities</source>
            <translation>Kiểm tra lỗ &amp;hổng</translation>
        </message>
        <message>
            <source>Vulnerability check result</source>
            <translation>Kết quả kiểm tra lỗ hổng</translation>
        </message>
        <message>
            <source>Backup to check</source>
            <translation>Bản sao lưu cần kiểm tra</translation>
        </message>
        <message>
            <source>a folder, a tar/zip archive or a disk image (read only)</source>
            <translation>một thư mục, tệp nén tar/zip hoặc ảnh đĩa (chỉ đọc)</translation>
        </message>
        <message>
            <source>Folder…</source>
            <translation>Thư mục…</translation>
        </message>
        <message>
            <source>Archive or image…</source>
            <translation>Tệp nén hoặc ảnh đĩa…</translation>
        </message>
        <message>
            <source>Backup:</source>
            <translation>Bản sao lưu:</translation>
        </message>
        <message>
            <source>Indicators file</source>
            <translation>Tệp dấu hiệu</translation>
        </message>
        <message>
            <source>optional</source>
            <translation>không bắt buộc</translation>
        </message>
        <message>
            <source>Indicators (IOC) file:</source>
            <translation>Tệp dấu hiệu (IOC):</translation>
        </message>
        <message>
            <source>Check the &amp;backup</source>
            <translation>Kiểm tra bản sa&amp;o lưu</translation>
        </message>
        <message>
            <source>Backup check result</source>
            <translation>Kết quả kiểm tra bản sao lưu</translation>
        </message>
        <message>
            <source>Making the plan from the findings…</source>
            <translation>Đang lập kế hoạch từ các phát hiện…</translation>
        </message>
        <message>
            <source>Re-checking: collecting the triage again into this case…</source>
            <translation>Đang kiểm tra lại: thu thập nhanh lại vào hồ sơ này…</translation>
        </message>
        <message>
            <source>Vulnerability feed</source>
            <translation>Nguồn dữ liệu lỗ hổng</translation>
        </message>
        <message>
            <source>Feeds (*.json *.zip);;All files (*)</source>
            <translation>Nguồn dữ liệu (*.json *.zip);;Mọi tệp (*)</translation>
        </message>
        <message>
            <source>Loading the feeds and matching the installed packages…</source>
            <translation>Đang đọc nguồn dữ liệu và đối chiếu các gói đã cài…</translation>
        </message>
        <message>
            <source>Backup folder</source>
            <translation>Thư mục sao lưu</translation>
        </message>
        <message>
            <source>Backup archive or disk image</source>
            <translation>Tệp nén sao lưu hoặc ảnh đĩa</translation>
        </message>
        <message>
            <source>Archives and images (*.tar *.tar.gz *.tgz *.zip *.img *.raw *.dd *.E01 *.vhd *.vmdk *.qcow2);;All files (*)</source>
            <translation>Tệp nén và ảnh đĩa (*.tar *.tar.gz *.tgz *.zip *.img *.raw *.dd *.E01 *.vhd *.vmdk *.qcow2);;Mọi tệp (*)</translation>
        </message>
        <message>
            <source>Scanning the backup…</source>
            <translation>Đang quét bản sao lưu…</translation>
        </message>
        <message>
            <source>CLEAN: older than the incident and no indicator in it</source>
            <translation>SẠCH: có trước sự cố và không chứa dấu hiệu nào</translation>
        </message>
        <message>
            <source>NOT CLEAN: it holds indicators of the incident</source>
            <translation>KHÔNG SẠCH: chứa dấu hiệu của sự cố</translation>
        </message>
        <message>
            <source>Made after the compromise: no known indicator, but it may hold what was not found</source>
            <translation>Có sau thời điểm bị xâm nhập: không thấy dấu hiệu đã biết nhưng có thể chứa thứ chưa phát hiện</translation>
        </message>
        <message>
            <source>Not scanned to the end (stopped): no conclusion</source>
            <translation>Chưa quét hết (bị dừng): chưa kết luận được</translation>
        </message>
        <message>
            <source>No indicator found; the time of the first compromise is not known</source>
            <translation>Không thấy dấu hiệu; chưa xác định được thời điểm xâm nhập đầu tiên</translation>
        </message>
        <message>
            <source>done</source>
            <translation>đã làm</translation>
        </message>
        <message>
            <source>gone</source>
            <translation>đã hết</translation>
        </message>
        <message>
            <source>still present</source>
            <translation>vẫn còn</translation>
        </message>
        <message>
            <source>changed</source>
            <translation>đã thay đổi</translation>
        </message>
        <message>
            <source>cannot tell</source>
            <translation>không xác định được</translation>
        </message>
        <message>
            <source>past event (still in the logs)</source>
            <translation>sự kiện trong quá khứ (vẫn nằm trong nhật ký)</translation>
        </message>
        <message>
            <source>Step</source>
            <translation>Bước</translation>
        </message>
        <message>
            <source>What to do</source>
            <translation>Việc cần làm</translation>
        </message>
        <message>
            <source>Commands to run</source>
            <translation>Lệnh cần chạy</translation>
        </message>
        <message>
            <source>Status</source>
            <translation>Trạng thái</translation>
        </message>
        <message>
            <source>Re-check</source>
            <translation>Kiểm tra lại</translation>
        </message>
        <message>
            <source>Root:</source>
            <translation>Thư mục gốc:</translation>
        </message>
        <message>
            <source>Offline vulnerability feeds (OSV JSON, folder or all.zip; Debian security tracker JSON; Microsoft MSRC CVRF JSON):</source>
            <translation>Nguồn dữ liệu lỗ hổng ngoại tuyến (OSV JSON, thư mục hoặc all.zip; JSON của Debian security tracker; JSON CVRF của Microsoft MSRC):</translation>
        </message>
        <message>
            <source>A skipped step needs a reason: write it in Reason / note.</source>
            <translation>Bước bỏ qua cần có lý do: ghi vào ô Lý do / ghi chú.</translation>
        </message>
        <message>
            <source>The re-check failed:</source>
            <translation>Kiểm tra lại không thành công:</translation>
        </message>
        <message>
            <source>The re-check was stopped before the comparison: what was collected is kept in the case.</source>
            <translation>Kiểm tra lại đã dừng trước khi so sánh: những gì đã thu thập vẫn được giữ trong hồ sơ.</translation>
        </message>
        <message>
            <source>Stopping after the current step…</source>
            <translation>Đang dừng sau bước hiện tại…</translation>
        </message>
        <message>
            <source>Folder of OSV advisories</source>
            <translation>Thư mục các cảnh báo OSV</translation>
        </message>
        <message>
            <source>Choose a backup folder, archive or image that exists.</source>
            <translation>Hãy chọn một thư mục, tệp nén hoặc ảnh đĩa sao lưu có thật.</translation>
        </message>
        <message>
            <source>The backup check failed:</source>
            <translation>Kiểm tra bản sao lưu không thành công:</translation>
        </message>
        <message>
            <source>No plan yet: make it from the findings.</source>
            <translation>Chưa có kế hoạch: hãy lập từ các phát hiện.</translation>
        </message>
        <message>
            <source>The plan could not be made:</source>
            <translation>Không lập được kế hoạch:</translation>
        </message>
        <message>
            <source>The root folder does not exist:</source>
            <translation>Thư mục gốc không tồn tại:</translation>
        </message>
        <message>
            <source>The step could not be marked:</source>
            <translation>Không đánh dấu được bước:</translation>
        </message>
        <message>
            <source>new</source>
            <translation>mới</translation>
        </message>
        <message>
            <source>The plan cannot be read:</source>
            <translation>Không đọc được kế hoạch:</translation>
        </message>
        <message>
            <source>%1 marked %2 (custody log and the incident's action log).</source>
            <translation>%1 đã đánh dấu %2 (nhật ký giám sát chứng cứ và nhật ký xử lý của sự cố).</translation>
        </message>
        <message>
            <source>The vulnerability check failed:</source>
            <translation>Kiểm tra lỗ hổng không thành công:</translation>
        </message>
        <message>
            <source>Re-checking: %1 of %2 items</source>
            <translation>Đang kiểm tra lại: %1 / %2 mục</translation>
        </message>
        <message>
            <source>Scanning the backup: %1 files</source>
            <translation>Đang quét bản sao lưu: %1 tệp</translation>
        </message>
        <message>
            <source>%1 advisories read from %2</source>
            <translation>Đã đọc %1 mục cảnh báo từ %2</translation>
        </message>
        <message>
            <source>Re-check %1: %2 gone, %3 still present, %4 changed, %5 cannot tell; %6 new findings</source>
            <translation>Kiểm tra lại %1: %2 đã hết, %3 vẫn còn, %4 đã thay đổi, %5 không xác định được; %6 phát hiện mới</translation>
        </message>
        <message>
            <source>%1 steps: %2 done, %3 skipped, %4 failed, %5 not done yet</source>
            <translation>%1 bước: %2 đã làm, %3 bỏ qua, %4 không thành công, %5 chưa làm</translation>
        </message>
        <message>
            <source>did not work</source>
            <translation>không thành công</translation>
        </message>
        <message>
            <source>(+%1 more)</source>
            <translation>(+%1 lệnh nữa)</translation>
        </message>
        <message>
            <source>Equivalent command of the re-check</source>
            <translation>Lệnh tương đương của kiểm tra lại</translation>
        </message>
        <message>
            <source>Re-check command:</source>
            <translation>Lệnh kiểm tra lại:</translation>
        </message>
        <message>
            <source>Copy</source>
            <translation>Sao chép</translation>
        </message>
        <message>
            <source>Last check:</source>
            <translation>Lần kiểm tra gần nhất:</translation>
        </message>
        <message>
            <source>The vulnerability check was stopped: nothing was recorded.</source>
            <translation>Đã dừng kiểm tra lỗ hổng: chưa ghi nhận gì.</translation>
        </message>
        <message>
            <source>Paths to copy</source>
            <translation>Đường dẫn cần sao chép</translation>
        </message>
        <message>
            <source>a path, then Enter</source>
            <translation>một đường dẫn, rồi nhấn Enter</translation>
        </message>
        <message>
            <source>Path to add</source>
            <translation>Đường dẫn cần thêm</translation>
        </message>
        <message>
            <source>Files…</source>
            <translation>Tệp…</translation>
        </message>
        <message>
            <source>filter by name, PID or user</source>
            <translation>lọc theo tên, PID hoặc người dùng</translation>
        </message>
        <message>
            <source>Process filter</source>
            <translation>Bộ lọc tiến trình</translation>
        </message>
        <message>
            <source>Refresh the process list</source>
            <translation>Làm mới danh sách tiến trình</translation>
        </message>
        <message>
            <source>Processes</source>
            <translation>Tiến trình</translation>
        </message>
        <message>
            <source>Also the whole &amp;physical memory (LiME, as large as the RAM)</source>
            <translation>Thu cả t&amp;oàn bộ bộ nhớ vật lý (LiME, lớn bằng dung lượng RAM)</translation>
        </message>
        <message>
            <source>Reading the process list…</source>
            <translation>Đang đọc danh sách tiến trình…</translation>
        </message>
        <message>
            <source>Network interfaces</source>
            <translation>Giao diện mạng</translation>
        </message>
        <message>
            <source> s</source>
            <translation> giây</translation>
        </message>
        <message>
            <source>Capture duration</source>
            <translation>Thời gian bắt gói tin</translation>
        </message>
        <message>
            <source>no limit</source>
            <translation>không giới hạn</translation>
        </message>
        <message>
            <source>Packet count</source>
            <translation>Số gói tin</translation>
        </message>
        <message>
            <source>e.g. tcp port 443 (needs libpcap)</source>
            <translation>ví dụ tcp port 443 (cần libpcap)</translation>
        </message>
        <message>
            <source>BPF filter</source>
            <translation>Bộ lọc BPF</translation>
        </message>
        <message>
            <source>Capture for:</source>
            <translation>Bắt trong:</translation>
        </message>
        <message>
            <source>Stop after (packets):</source>
            <translation>Dừng sau (số gói):</translation>
        </message>
        <message>
            <source>BPF filter:</source>
            <translation>Bộ lọc BPF:</translation>
        </message>
        <message>
            <source>Disks</source>
            <translation>Ổ đĩa</translation>
        </message>
        <message>
            <source>Refresh the disk list</source>
            <translation>Làm mới danh sách ổ đĩa</translation>
        </message>
        <message>
            <source>Add a file to image…</source>
            <translation>Thêm tệp cần tạo ảnh…</translation>
        </message>
        <message>
            <source>Part size</source>
            <translation>Kích thước mỗi phần</translation>
        </message>
        <message>
            <source>&amp;Verify: read the source again and compare the hashes</source>
            <translation>Kiểm t&amp;ra: đọc lại nguồn và đối chiếu giá trị băm</translation>
        </message>
        <message>
            <source>Also MD5 (for older tools; SHA-256 always)</source>
            <translation>Tính cả MD5 (cho công cụ cũ; luôn có SHA-256)</translation>
        </message>
        <message>
            <source>Part size (4095 MiB fits FAT32):</source>
            <translation>Kích thước mỗi phần (4095 MiB vừa FAT32):</translation>
        </message>
        <message>
            <source>File to image (B9)</source>
            <translation>Tệp cần tạo ảnh (B9)</translation>
        </message>
        <message>
            <source>Source to recover from</source>
            <translation>Nguồn cần khôi phục</translation>
        </message>
        <message>
            <source>none</source>
            <translation>không có</translation>
        </message>
        <message>
            <source>Image file…</source>
            <translation>Tệp ảnh…</translation>
        </message>
        <message>
            <source>Ca&amp;rve the free space for files of these kinds:</source>
            <translation>&amp;Khắc (carve) vùng trống tìm các loại tệp này:</translation>
        </message>
        <message>
            <source>Also copy &amp;deleted files that a process still holds open (/proc/PID/fd)</source>
            <translation>Sao chép cả tệp đã &amp;xóa mà tiến trình vẫn đang mở (/proc/PID/fd)</translation>
        </message>
        <message>
            <source>Image to recover deleted files from (H4)</source>
            <translation>Ảnh đĩa cần khôi phục tệp đã xóa (H4)</translation>
        </message>
        <message>
            <source>Options of the selected item</source>
            <translation>Tùy chọn của mục đang chọn</translation>
        </message>
        <message>
            <source>This item has no options: it collects what the system holds.</source>
            <translation>Mục này không có tùy chọn: nó thu thập những gì hệ thống đang có.</translation>
        </message>
        <message>
            <source>Source to collect from</source>
            <translation>Nguồn thu thập</translation>
        </message>
        <message>
            <source>This machine (live)</source>
            <translation>Máy này (đang chạy)</translation>
        </message>
        <message>
            <source>A mounted folder or copied tree (dead box)</source>
            <translation>Thư mục đã gắn hoặc cây thư mục sao chép (máy đã tắt)</translation>
        </message>
        <message>
            <source>A disk image file (raw, E01, VHD, VMDK, QCOW2)</source>
            <translation>Tệp ảnh đĩa (raw, E01, VHD, VMDK, QCOW2)</translation>
        </message>
        <message>
            <source>Source path</source>
            <translation>Đường dẫn nguồn</translation>
        </message>
        <message>
            <source>the folder or image file</source>
            <translation>thư mục hoặc tệp ảnh đĩa</translation>
        </message>
        <message>
            <source>Volume</source>
            <translation>Phân vùng</translation>
        </message>
        <message>
            <source>Shadow copy</source>
            <translation>Bản sao bóng</translation>
        </message>
        <message>
            <source>Volume:</source>
            <translation>Phân vùng:</translation>
        </message>
        <message>
            <source>Shadow copy:</source>
            <translation>Bản sao bóng:</translation>
        </message>
        <message>
            <source>Coll&amp;ect again the items an earlier run already collected</source>
            <translation>Thu thập &amp;lại các mục mà lần chạy trước đã thu thập</translation>
        </message>
        <message>
            <source>Reading the image's volumes…</source>
            <translation>Đang đọc các phân vùng của ảnh đĩa…</translation>
        </message>
        <message>
            <source>none (the volume as it is)</source>
            <translation>không (phân vùng như hiện tại)</translation>
        </message>
        <message>
            <source>Choose the folder or the image file to collect from.</source>
            <translation>Hãy chọn thư mục hoặc tệp ảnh đĩa cần thu thập.</translation>
        </message>
        <message>
            <source>B5: files and folders to copy (hashed, with their metadata):</source>
            <translation>B5: tệp và thư mục cần sao chép (tính băm, kèm siêu dữ liệu):</translation>
        </message>
        <message>
            <source>B6: tick the processes whose memory to dump (opt-in: each dump is as large as the process):</source>
            <translation>B6: đánh dấu các tiến trình cần dump bộ nhớ (chỉ khi chọn: mỗi bản dump lớn bằng tiến trình):</translation>
        </message>
        <message>
            <source>PID</source>
            <translation>PID</translation>
        </message>
        <message>
            <source>Memory</source>
            <translation>Bộ nhớ</translation>
        </message>
        <message>
            <source>User</source>
            <translation>Người dùng</translation>
        </message>
        <message>
            <source>B7: tick the interfaces to capture packets on (opt-in; the connections are always listed):</source>
            <translation>B7: đánh dấu các giao diện mạng cần bắt gói tin (chỉ khi chọn; các kết nối luôn được liệt kê):</translation>
        </message>
        <message>
            <source>B9: tick the disks or partitions to image (a raw image in parts, hashed while read), or add an image file:</source>
            <translation>B9: đánh dấu ổ đĩa hoặc phân vùng cần tạo ảnh (ảnh thô chia phần, tính băm khi đọc), hoặc thêm một tệp:</translation>
        </message>
        <message>
            <source>Device</source>
            <translation>Thiết bị</translation>
        </message>
        <message>
            <source>Mounted on</source>
            <translation>Gắn tại</translation>
        </message>
        <message>
            <source>Model</source>
            <translation>Kiểu máy</translation>
        </message>
        <message>
            <source>file</source>
            <translation>tệp</translation>
        </message>
        <message>
            <source>H4: the source to search for deleted files: an image file, a device, or the evidence id of an image already taken (E…):</source>
            <translation>H4: nguồn tìm tệp đã xóa: tệp ảnh đĩa, thiết bị, hoặc mã chứng cứ của ảnh đã tạo (E…):</translation>
        </message>
        <message>
            <source>Mounted folder to collect from</source>
            <translation>Thư mục đã gắn cần thu thập</translation>
        </message>
        <message>
            <source>Disk image to collect from</source>
            <translation>Ảnh đĩa cần thu thập</translation>
        </message>
        <message>
            <source>unreadable</source>
            <translation>không đọc được</translation>
        </message>
        <message>
            <source>The image's volumes are not read yet (or it cannot be read).</source>
            <translation>Chưa đọc được các phân vùng của ảnh đĩa (hoặc ảnh không đọc được).</translation>
        </message>
        <message>
            <source>The process list cannot be read:</source>
            <translation>Không đọc được danh sách tiến trình:</translation>
        </message>
        <message>
            <source>%1 processes</source>
            <translation>%1 tiến trình</translation>
        </message>
        <message>
            <source>The image cannot be read:</source>
            <translation>Không đọc được ảnh đĩa:</translation>
        </message>
        <message>
            <source>(default)</source>
            <translation>(mặc định)</translation>
        </message>
        <message>
            <source>No such folder:</source>
            <translation>Không có thư mục này:</translation>
        </message>
        <message>
            <source>All files</source>
            <translation>Mọi tệp</translation>
        </message>
        <message>
            <source>No such image file:</source>
            <translation>Không có tệp ảnh đĩa này:</translation>
        </message>
        <message>
            <source>system</source>
            <translation>hệ thống</translation>
        </message>
        <message>
            <source>removable</source>
            <translation>tháo rời</translation>
        </message>
        <message>
            <source>read-only</source>
            <translation>chỉ đọc</translation>
        </message>
        <message>
            <source>Disk images</source>
            <translation>Ảnh đĩa</translation>
        </message>
        <message>
            <source>%1 volume(s)</source>
            <translation>%1 phân vùng</translation>
        </message>
        <message>
            <source>the team's Sigma rules folder, optional</source>
            <translation>thư mục luật Sigma của đội, không bắt buộc</translation>
        </message>
        <message>
            <source>Sigma rules folder</source>
            <translation>Thư mục luật Sigma</translation>
        </message>
        <message>
            <source>Sigma rules…</source>
            <translation>Luật Sigma…</translation>
        </message>
        <message>
            <source>Rules and indicators checked</source>
            <translation>Luật và chỉ báo đã kiểm tra</translation>
        </message>
        <message>
            <source>The team's Sigma rules folder</source>
            <translation>Thư mục luật Sigma của đội</translation>
        </message>
        <message>
            <source>Sigma rules: %1 loaded (%2 from the team's folder), %3 could not be read, %4 matched.</source>
            <translation>Luật Sigma: đã nạp %1 (%2 từ thư mục của đội), %3 không đọc được, %4 khớp.</translation>
        </message>
        <message>
            <source>Rule files that could not be read:</source>
            <translation>Tệp luật không đọc được:</translation>
        </message>
        <message>
            <source>IOC: %1 indicators checked, %2 matched.</source>
            <translation>IOC: đã kiểm tra %1 chỉ báo, %2 khớp.</translation>
        </message>
        <message>
            <source>YARA: %1 rules over %2 files, %3 files matched.</source>
            <translation>YARA: %1 luật trên %2 tệp, %3 tệp khớp.</translation>
        </message>
        <message>
            <source>E&amp;xport…</source>
            <translation>&amp;Xuất ra tệp…</translation>
        </message>
        <message>
            <source>Write the timeline to a file: JSON lines, CSV, Timesketch, ECS, bodyfile, mactime</source>
            <translation>Ghi dòng thời gian ra tệp: JSON lines, CSV, Timesketch, ECS, bodyfile, mactime</translation>
        </message>
        <message>
            <source>JSON lines (every field)</source>
            <translation>JSON lines (mọi trường)</translation>
        </message>
        <message>
            <source>CSV (Timesketch columns, opens in a spreadsheet)</source>
            <translation>CSV (các cột Timesketch, mở được bằng bảng tính)</translation>
        </message>
        <message>
            <source>Timesketch import (JSON lines, bounded fields)</source>
            <translation>Nhập vào Timesketch (JSON lines, trường giới hạn)</translation>
        </message>
        <message>
            <source>Elastic Common Schema (NDJSON)</source>
            <translation>Elastic Common Schema (NDJSON)</translation>
        </message>
        <message>
            <source>Elastic bulk API (NDJSON with index lines)</source>
            <translation>Elastic bulk API (NDJSON kèm dòng chỉ mục)</translation>
        </message>
        <message>
            <source>Sleuth Kit bodyfile (file times)</source>
            <translation>bodyfile của Sleuth Kit (thời gian của tệp)</translation>
        </message>
        <message>
            <source>mactime (file times, by date)</source>
            <translation>mactime (thời gian của tệp, theo ngày)</translation>
        </message>
        <message>
            <source>Export the timeline</source>
            <translation>Xuất dòng thời gian</translation>
        </message>
        <message>
            <source>Export format</source>
            <translation>Định dạng xuất</translation>
        </message>
        <message>
            <source>Output file</source>
            <translation>Tệp kết quả</translation>
        </message>
        <message>
            <source>Output file:</source>
            <translation>Tệp kết quả:</translation>
        </message>
        <message>
            <source>Export progress</source>
            <translation>Tiến độ xuất</translation>
        </message>
        <message>
            <source>&amp;Export</source>
            <translation>&amp;Xuất</translation>
        </message>
        <message>
            <source>&amp;Close</source>
            <translation>Đó&amp;ng</translation>
        </message>
        <message>
            <source>Export the timeline to</source>
            <translation>Xuất dòng thời gian ra</translation>
        </message>
        <message>
            <source>Choose the output file.</source>
            <translation>Hãy chọn tệp kết quả.</translation>
        </message>
        <message>
            <source>The output is a folder: choose a file name.</source>
            <translation>Đường dẫn kết quả là một thư mục: hãy chọn tên tệp.</translation>
        </message>
        <message>
            <source>Exporting…</source>
            <translation>Đang xuất…</translation>
        </message>
        <message>
            <source>%1 lines written</source>
            <translation>đã ghi %1 dòng</translation>
        </message>
        <message>
            <source>Wrote %1 lines to %2</source>
            <translation>Đã ghi %1 dòng vào %2</translation>
        </message>
        <message>
            <source>The export failed:</source>
            <translation>Xuất không thành công:</translation>
        </message>
        <message>
            <source>Export cancelled: no file was written.</source>
            <translation>Đã hủy xuất: không tệp nào được ghi.</translation>
        </message>
        <message>
            <source>Co&amp;mpare two collections (H3)…</source>
            <translation>&amp;So sánh hai lần thu thập (H3)…</translation>
        </message>
        <message>
            <source>Compare two collections (H3)</source>
            <translation>So sánh hai lần thu thập (H3)</translation>
        </message>
        <message>
            <source>What changed between two collections of the same host, e.g. before and after patching: packages, open ports, accounts, services, backdoors and files. Both case folders are only read.</source>
            <translation>Những gì thay đổi giữa hai lần thu thập trên cùng một máy, ví dụ trước và sau khi vá: gói phần mềm, cổng đang mở, tài khoản, dịch vụ, backdoor và tệp. Cả hai thư mục hồ sơ chỉ được đọc.</translation>
        </message>
        <message>
            <source>Collection before</source>
            <translation>Lần thu thập trước</translation>
        </message>
        <message>
            <source>Collection after</source>
            <translation>Lần thu thập sau</translation>
        </message>
        <message>
            <source>&amp;Before…</source>
            <translation>&amp;Trước…</translation>
        </message>
        <message>
            <source>&amp;After…</source>
            <translation>&amp;Sau…</translation>
        </message>
        <message>
            <source>Case folder collected before</source>
            <translation>Thư mục hồ sơ thu thập trước</translation>
        </message>
        <message>
            <source>Case folder collected after</source>
            <translation>Thư mục hồ sơ thu thập sau</translation>
        </message>
        <message>
            <source>Before:</source>
            <translation>Trước:</translation>
        </message>
        <message>
            <source>After:</source>
            <translation>Sau:</translation>
        </message>
        <message>
            <source>&amp;Compare</source>
            <translation>S&amp;o sánh</translation>
        </message>
        <message>
            <source>What</source>
            <translation>Nội dung</translation>
        </message>
        <message>
            <source>Before</source>
            <translation>Trước</translation>
        </message>
        <message>
            <source>After</source>
            <translation>Sau</translation>
        </message>
        <message>
            <source>Differences</source>
            <translation>Khác biệt</translation>
        </message>
        <message>
            <source>Choose both case folders: the collection before and the one after.</source>
            <translation>Hãy chọn cả hai thư mục hồ sơ: lần thu thập trước và lần thu thập sau.</translation>
        </message>
        <message>
            <source>Not a case folder:</source>
            <translation>Không phải thư mục hồ sơ:</translation>
        </message>
        <message>
            <source>Comparing…</source>
            <translation>Đang so sánh…</translation>
        </message>
        <message>
            <source>The comparison could not run:</source>
            <translation>Không so sánh được:</translation>
        </message>
        <message>
            <source>added</source>
            <translation>thêm</translation>
        </message>
        <message>
            <source>removed</source>
            <translation>mất</translation>
        </message>
        <message>
            <source>before</source>
            <translation>trước</translation>
        </message>
        <message>
            <source>after</source>
            <translation>sau</translation>
        </message>
        <message>
            <source>no data in the collection %1</source>
            <translation>không có dữ liệu ở lần thu thập %1</translation>
        </message>
        <message>
            <source>UID-0 accounts besides root (after):</source>
            <translation>Tài khoản UID 0 ngoài root (sau):</translation>
        </message>
        <message>
            <source>%1 → %2: %3 differences</source>
            <translation>%1 → %2: %3 khác biệt</translation>
        </message>
        <message>
            <source>Activity over the whole case, findings by ATT&amp;CK tactic</source>
            <translation>Hoạt động trong toàn bộ vụ việc, các phát hiện theo chiến thuật ATT&amp;CK</translation>
        </message>
        <message>
            <source>No findings to mark yet: run the analysis on the Findings page.</source>
            <translation>Chưa có phát hiện để đánh dấu: chạy phân tích ở trang Phát hiện.</translation>
        </message>
        <message>
            <source>Click to show the matched events</source>
            <translation>Bấm để xem các sự kiện khớp</translation>
        </message>
        <message>
            <source>Add a row</source>
            <translation>Thêm dòng</translation>
        </message>
        <message>
            <source>Remove the row</source>
            <translation>Xoá dòng</translation>
        </message>
        <message>
            <source>Move the row up</source>
            <translation>Chuyển dòng lên</translation>
        </message>
        <message>
            <source>Move the row down</source>
            <translation>Chuyển dòng xuống</translation>
        </message>
        <message>
            <source>Left empty, the reports use the recipients of the reporting regime.</source>
            <translation>Để trống thì các báo cáo dùng nơi nhận theo chế độ báo cáo.</translation>
        </message>
        <message>
            <source>(binary content: no preview; %1)</source>
            <translation>(nội dung nhị phân: không xem trước được; %1)</translation>
        </message>
        <message>
            <source>Wait for the running analysis to finish (or stop it).</source>
            <translation>Hãy chờ việc phân tích đang chạy kết thúc (hoặc dừng nó).</translation>
        </message>
        <message>
            <source>&amp;Stop the analysis</source>
            <translation>Dừng phân &amp;tích</translation>
        </message>
        <message>
            <source>Stops between batches of events: the findings matched so far are shown.</source>
            <translation>Dừng giữa hai lô sự kiện: các phát hiện đã khớp đến lúc đó vẫn được hiển thị.</translation>
        </message>
        <message>
            <source>Stopping… the findings matched so far will be shown.</source>
            <translation>Đang dừng… các phát hiện đã khớp đến lúc này sẽ được hiển thị.</translation>
        </message>
        <message>
            <source>Analysing…</source>
            <translation>Đang phân tích…</translation>
        </message>
        <message>
            <source>Stopped before the end: the findings matched so far.</source>
            <translation>Đã dừng trước khi xong: đây là các phát hiện đã khớp đến lúc dừng.</translation>
        </message>
        <message>
            <source>Analysing: building the timeline from the evidence…</source>
            <translation>Đang phân tích: dựng dòng thời gian từ chứng cứ…</translation>
        </message>
        <message>
            <source>Analysing: loading the Sigma rules…</source>
            <translation>Đang phân tích: nạp các luật Sigma…</translation>
        </message>
        <message>
            <source>Analysing: the Sigma rules over the timeline…</source>
            <translation>Đang phân tích: chạy các luật Sigma trên dòng thời gian…</translation>
        </message>
        <message>
            <source>Analysing: the case checks…</source>
            <translation>Đang phân tích: các phép kiểm tra của vụ việc…</translation>
        </message>
        <message>
            <source>Analysing: the indicator list and YARA rules…</source>
            <translation>Đang phân tích: danh sách dấu hiệu và luật YARA…</translation>
        </message>
        <message>
            <source>Analysing: the Sigma rules over the timeline, %1 events checked, %2 matches.</source>
            <translation>Đang phân tích: luật Sigma trên dòng thời gian, đã xét %1 sự kiện, %2 lần khớp.</translation>
        </message>
        <message>
            <source>Analysing: the Sigma rules over the timeline, %1 of %2 events checked, %3 matches.</source>
            <translation>Đang phân tích: luật Sigma trên dòng thời gian, đã xét %1 / %2 sự kiện, %3 lần khớp.</translation>
        </message>
        <message>
            <source>Stopped while the timeline was being built: nothing was analysed (the timeline built before, if any, is kept).</source>
            <translation>Đã dừng khi đang dựng dòng thời gian: chưa phân tích gì (dòng thời gian dựng trước đó, nếu có, vẫn được giữ).</translation>
        </message>
    </context>
</TS>
