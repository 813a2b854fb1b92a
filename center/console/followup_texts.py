"""The words of a bad rating's follow-up at the center (followup.py, the commands, the pages).

Importing this module adds them to the shared catalogue (sync/i18n.py), as center/texts.py does.
The step, result and rating names both ends say are in sync/i18n.py (RATING_MESSAGES).
"""

from __future__ import annotations

from sync.i18n import MESSAGES

FOLLOWUP_MESSAGES: dict[str, dict[str, str]] = {
    # refusals (nothing is written)
    "followup.unknown": {"zh": "没有差评跟进 {id}，请核对跟进编号（service-center followups 可查），未记录",
                         "en": "No follow-up {id}; check the number (service-center followups). Nothing was recorded"},
    "followup.closed_already": {"zh": "差评跟进 {id} 已于 {day} 办结，不能再记录，未记录",
                                "en": "Follow-up {id} was closed on {day}; nothing more is recorded"},
    "followup.wrong_order": {
        "zh": "差评跟进须依次核实、整改、回访：跟进 {id} 下一步应为“{next}”，不能先记录“{step}”，未记录",
        "en": "A follow-up goes verify, rectify, call back: {id} is at {next}, not {step}. Nothing was recorded"},
    "followup.bad_step": {"zh": "跟进步骤“{step}”无效，可选：verify 核实、rectify 整改、call 回访，未记录",
                          "en": "No follow-up step {step!r}: verify, rectify or call. Nothing was recorded"},
    "followup.need_note": {"zh": "请填写{step}情况说明，未记录",
                           "en": "Write what was done ({step}); nothing was recorded"},
    "followup.too_long": {"zh": "说明超过{n}字，请精简后再记录，未记录",
                          "en": "The note is longer than {n} characters; shorten it. Nothing was recorded"},
    "followup.need_result": {
        "zh": "回访须选择申请人的意见：satisfied 满意、basically 基本满意、unsatisfied 不满意、unreachable 未联系上，未记录",
        "en": "A call back needs the villager's answer: satisfied, basically, unsatisfied or unreachable."
              " Nothing was recorded"},
    "followup.result_only_call": {"zh": "只有回访才填写申请人意见，未记录",
                                  "en": "Only a call back has the villager's answer; nothing was recorded"},
    "followup.not_clerk": {"zh": "只有中心工作人员才能记录差评跟进，未记录",
                           "en": "Only the center's clerks record a follow-up; nothing was recorded"},
    "followup.not_yours": {
        "zh": "差评跟进 {id} 由{clerk}负责（办理该件的窗口人员）。请由{clerk}、其 AB 岗替补或中心负责人记录，未记录",
        "en": "Follow-up {id} is {clerk}'s (who handled the case); {clerk}, their stand-in or the"
              " manager records it. Nothing was recorded"},
    "followup.not_window": {
        "zh": "差评跟进 {id} 属于{window}，不是您所在的窗口，未记录",
        "en": "Follow-up {id} belongs to window {window}, not yours; nothing was recorded"},
    # the commands
    "followup.recorded": {"zh": "差评跟进 {id}（办件 {app}）：{step}，将在下次同步时告知村代办点",
                          "en": "Follow-up {id} (case {app}): {step}; the village hears at its next sync"},
    "followup.recorded_closed": {"zh": "差评跟进 {id}（办件 {app}）：{step}，跟进已办结",
                                 "en": "Follow-up {id} (case {app}): {step}; the follow-up is closed"},
    "followup.none": {"zh": "没有差评跟进", "en": "No follow-ups"},
    "followup.none_open": {"zh": "没有未办结的差评跟进", "en": "No open follow-ups"},
    "followup.line": {
        "zh": "#{id}  {app}  {rating}  评价于 {rated}  应办结 {due}  {state}  {clerk}",
        "en": "#{id}  {app}  {rating}  rated {rated}  due {due}  {state}  {clerk}"},
    "followup.state.closed": {"zh": "已办结（{day}）", "en": "closed ({day})"},
    "followup.state.next": {"zh": "待{step}", "en": "to {step}"},
    "followup.state.red": {"zh": "红牌·已超期", "en": "red: overdue"},
    "followup.state.yellow": {"zh": "黄牌·即将到期", "en": "yellow: due soon"},
    "followup.state.blue": {"zh": "蓝牌·跟进中", "en": "blue: in hand"},
    "followup.step_name.verify": {"zh": "核实", "en": "verify"},
    "followup.step_name.rectify": {"zh": "整改", "en": "rectify"},
    "followup.step_name.call": {"zh": "回访", "en": "call back"},
    # the console
    "console.nav.followups": {"zh": "差评跟进", "en": "Follow-ups"},
    "followup.page_hint": {
        "zh": "不满意、非常不满意的评价在此跟进：由办理该件的窗口人员依次核实、整改、回访，{days}个工作日内办结。",
        "en": "Unsatisfied ratings are followed up here: the clerk who handled the case verifies,"
              " rectifies and calls the villager back, within {days} working days."},
    "followup.show_open": {"zh": "只看未办结", "en": "Open only"},
    "followup.show_all": {"zh": "全部", "en": "All"},
    "followup.col.id": {"zh": "编号", "en": "No."},
    "followup.col.case": {"zh": "办件", "en": "Case"},
    "followup.col.rating": {"zh": "评价", "en": "Rating"},
    "followup.col.rated": {"zh": "评价日期", "en": "Rated"},
    "followup.col.due": {"zh": "应办结", "en": "Due"},
    "followup.col.left": {"zh": "剩余", "en": "Left"},
    "followup.col.state": {"zh": "进度", "en": "Progress"},
    "followup.col.clerk": {"zh": "负责人", "en": "Clerk"},
    "followup.days_left": {"zh": "{n}个工作日", "en": "{n} working day(s)"},
    "followup.overdue": {"zh": "超期{n}个工作日", "en": "{n} working day(s) late"},
    "followup.section": {"zh": "差评跟进", "en": "The bad rating's follow-up"},
    "followup.facts": {"zh": "评价：{rating}（{rated}），应于 {due} 前办结",
                       "en": "Rated {rating} ({rated}); close it by {due}"},
    "followup.done_steps": {"zh": "核实：{verified} · 整改：{rectified} · 回访：{called}",
                            "en": "Verified: {verified} · rectified: {rectified} · called back: {called}"},
    "followup.note_label": {"zh": "情况说明", "en": "What was done"},
    "followup.result_label": {"zh": "申请人意见", "en": "The villager's answer"},
    "followup.record_button": {"zh": "记录{step}", "en": "Record: {step}"},
    "followup.saved": {"zh": "已记录：{step}", "en": "Recorded: {step}"},
    "followup.is_closed": {"zh": "跟进已办结（{day}）", "en": "Closed ({day})"},
}
MESSAGES.update(FOLLOWUP_MESSAGES)
