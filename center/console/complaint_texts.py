"""The words of 投诉监督台 (complaints.py, the console page, the commands), Chinese first.

Importing this module adds them to the shared catalogue (sync/i18n.py), as center/texts.py does.
"""

from __future__ import annotations

from sync.i18n import MESSAGES

COMPLAINT_MESSAGES: dict[str, dict[str, str]] = {
    # refusals (nothing is written)
    "complaint.not_clerk": {"zh": "只有中心工作人员才能受理或答复投诉，未记录",
                            "en": "Only the center's clerks take or answer complaints; nothing was recorded"},
    "complaint.case_or_window": {
        "zh": "请指明投诉的办件编号或窗口代码（二者选一），未记录",
        "en": "Name the case number or the window code the complaint is about (one of them); nothing was recorded"},
    "complaint.need_text": {"zh": "请填写投诉内容（投诉人原话），未记录",
                            "en": "Write down the complaint (the complainant's words); nothing was recorded"},
    "complaint.need_answer": {"zh": "请填写答复内容，未记录",
                              "en": "Write the answer; nothing was recorded"},
    "complaint.too_long": {"zh": "内容超过{n}字，请精简后再记录，未记录",
                           "en": "The text is longer than {n} characters; shorten it. Nothing was recorded"},
    "complaint.no_case": {"zh": "本中心没有办件 {id}，请核对办件编号，未记录",
                          "en": "This center holds no case {id}; check the number. Nothing was recorded"},
    "complaint.no_window": {"zh": "本中心没有窗口 {code}，请核对窗口代码（见“窗口”列表），未记录",
                            "en": "This center has no window {code}; check the code (see the windows). Nothing was recorded"},
    "complaint.unknown": {"zh": "没有投诉 {id}，请核对投诉编号（形如 TS-XXXXX-XXXXX），未记录",
                          "en": "No complaint {id}; check the number (like TS-XXXXX-XXXXX). Nothing was recorded"},
    "complaint.already": {"zh": "投诉 {id} 已于 {day} 答复，不能重复答复",
                          "en": "Complaint {id} was answered on {day}; it is answered once"},
    "complaint.bad_state": {"zh": "筛选条件有误：只能是 未答复、已答复 或 全部",
                            "en": "The filter is open, answered or all"},
    # the case's timeline at the center
    "center.event.complained": {"zh": "村代办点代为投诉（{id}）：{text}",
                                "en": "Complaint taken at the village ({id}): {text}"},
    "center.event.complaint_answered": {"zh": "投诉答复（{id}）：{text}",
                                        "en": "Complaint answered ({id}): {text}"},
    # the commands
    "complaint.recorded": {
        "zh": "已受理投诉，投诉编号 {id}（请告知投诉人），应于 {due} 前答复",
        "en": "Complaint recorded as {id} (give the complainant this number); answer by {due}"},
    "complaint.answered": {
        "zh": "投诉 {id} 已答复{down}",
        "en": "Complaint {id} answered{down}"},
    "complaint.answered_down": {"zh": "，答复将在下次同步时送达村代办点",
                                "en": "; the answer reaches the village point at its next sync"},
    "complaint.none": {"zh": "没有投诉", "en": "No complaints"},
    "complaint.none_open": {"zh": "没有未答复的投诉", "en": "No open complaints"},
    "complaint.line": {"zh": "{id}  {about}  {source}  收到 {received}  应答复 {due}  {state}",
                       "en": "{id}  {about}  {source}  received {received}  due {due}  {state}"},
    "complaint.line_text": {"zh": "    投诉：{text}", "en": "    Complaint: {text}"},
    "complaint.line_answer": {"zh": "    答复（{who}，{day}）：{text}",
                              "en": "    Answer ({who}, {day}): {text}"},
    "complaint.about.case": {"zh": "办件 {id}", "en": "case {id}"},
    "complaint.about.window": {"zh": "窗口 {code}", "en": "window {code}"},
    "complaint.source.village": {"zh": "村代办点代为投诉", "en": "taken at the village"},
    "complaint.source.center": {"zh": "中心受理", "en": "taken at the center"},
    "complaint.state.red": {"zh": "红牌·已超期未答复", "en": "red: overdue"},
    "complaint.state.yellow": {"zh": "黄牌·即将到期", "en": "yellow: due soon"},
    "complaint.state.blue": {"zh": "蓝牌·待答复", "en": "blue: to answer"},
    "complaint.state.answered": {"zh": "已答复", "en": "answered"},
    # the console page
    "complaints.title": {"zh": "投诉监督台", "en": "Complaints desk"},
    "complaints.nav": {"zh": "投诉", "en": "Complaints"},
    "complaints.filter.open": {"zh": "未答复", "en": "Open"},
    "complaints.filter.answered": {"zh": "已答复", "en": "Answered"},
    "complaints.filter.all": {"zh": "全部", "en": "All"},
    "complaints.filter.window": {"zh": "窗口", "en": "Window"},
    "complaints.filter.any_window": {"zh": "全部窗口", "en": "Every window"},
    "complaints.filter.apply": {"zh": "筛选", "en": "Filter"},
    "complaints.col.id": {"zh": "投诉编号", "en": "Number"},
    "complaints.col.about": {"zh": "投诉对象", "en": "About"},
    "complaints.col.source": {"zh": "来源", "en": "Taken"},
    "complaints.col.received": {"zh": "收到", "en": "Received"},
    "complaints.col.due": {"zh": "应答复", "en": "Due"},
    "complaints.col.state": {"zh": "状态", "en": "State"},
    "complaints.col.text": {"zh": "投诉内容与答复", "en": "Complaint and answer"},
    "complaints.count": {"zh": "共 {n} 件", "en": "{n} in all"},
    "complaints.new": {"zh": "受理投诉", "en": "Take a complaint"},
    "complaints.new_hint": {
        "zh": "投诉人当面或电话投诉时在此登记：填写办件编号或窗口代码（二者选一），记录投诉人原话。",
        "en": "For a complaint made here in person or by phone: the case number or the window code"
              " (one of them), and the complainant's words."},
    "complaints.case": {"zh": "办件编号", "en": "Case number"},
    "complaints.window": {"zh": "或 窗口代码", "en": "or window code"},
    "complaints.text": {"zh": "投诉内容（投诉人原话）", "en": "The complaint (their words)"},
    "complaints.record": {"zh": "登记投诉", "en": "Record the complaint"},
    "complaints.answer": {"zh": "答复", "en": "Answer"},
    "complaints.answer_ph": {"zh": "答复内容（将告知投诉人）", "en": "The answer (told to the complainant)"},
    "complaints.answer_button": {"zh": "提交答复", "en": "Send the answer"},
    "complaints.done.recorded": {"zh": "已登记投诉 {id}，请告知投诉人投诉编号",
                                 "en": "Complaint {id} recorded; give the complainant the number"},
    "complaints.done.answered": {"zh": "投诉 {id} 已答复", "en": "Complaint {id} answered"},
}
MESSAGES.update(COMPLAINT_MESSAGES)
