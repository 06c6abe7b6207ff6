"""The outreach's words in Vietnamese, for what leaves ansinh as a file or a paper for the village teams (the walk
list PDF, the CSV of a list): Vietnamese whatever the interface's language, as every printed paper of ansinh."""

from __future__ import annotations

REASONS = {
    "uninsured": "chưa có thẻ BHYT",
    "lapsed": "thẻ hết hạn lâu",
    "expiring": "thẻ sắp hết hạn",
    "vsi_due": "đến kỳ đóng BHXH TN",
    "cash_pension": "nhận lương hưu tiền mặt",
}
OFFERS = {
    "hi_household": "BHYT hộ gia đình",
    "hi_renewal": "Gia hạn BHYT",
    "hi_group": "BHYT theo nhóm được hỗ trợ",
    "vsi": "BHXH tự nguyện",
    "cashless": "Nhận lương hưu qua tài khoản",
}
PRIORITIES = {
    1: "Hộ có người chưa có thẻ",
    2: "Thẻ hết hạn",
    3: "Chưa có thẻ",
    4: "Thẻ sắp hết hạn",
    5: "Đến kỳ đóng BHXH TN",
    6: "Lương hưu tiền mặt",
}
STATUSES = {
    "pending": "chưa đến",
    "visited": "đã đến",
    "not_home": "vắng nhà",
    "consulted": "đã tư vấn",
    "enrolled": "đã tham gia",
    "refused": "từ chối",
    "follow_up": "hẹn lại",
}
# The columns of a list's CSV, as the teams read them (the JSON export keeps the keys of docs/api.md).
CSV_HEADERS = {
    "position": "STT",
    "team": "Tổ",
    "priority": "Ưu tiên",
    "commune_code": "Mã xã",
    "village": "Thôn/bản",
    "household_code": "Mã hộ",
    "address": "Địa chỉ",
    "person_id": "Mã người",
    "full_name": "Họ và tên",
    "birth_date": "Ngày sinh",
    "phone": "Điện thoại",
    "reasons": "Lý do",
    "do_not_contact": "Không muốn được liên hệ",
    "offers": "Đề xuất",
    "status": "Kết quả",
    "follow_up_on": "Ngày hẹn lại",
}
