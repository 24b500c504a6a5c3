"""The actions on the staff appeal page: for each, the form it shows, who may use it in which status
(``appeals.status.allowed_actions`` + the role the verb itself checks), and the one service verb it calls.
Each verb still checks permissions itself; ``may`` only decides which forms to show."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.appeals import requests as appeal_requests
from lianxin.appeals import service, supervision
from lianxin.appeals.choices import NotAcceptedReason, RequestKind, RequestState, Satisfaction, UnitRole
from lianxin.appeals.models import Appeal, AppealRequest
from lianxin.appeals.service import HANDLING_UNIT_KINDS
from lianxin.appeals.status import Action, AppealStatus, allowed_actions
from lianxin.clock import local_zone
from lianxin.errors import InvalidInput, NotFound
from lianxin.orgs.models import Role, Unit, UnitKind, User
from lianxin.orgs.service import has_role
from lianxin.visits.service import record_return_visit
from lianxin.web.staff.common import categories, unit_choices

CENTRE = (Role.DISPATCHER,)
FRONT = (Role.OPERATOR, Role.DISPATCHER)


@dataclass(frozen=True)
class Field:
    name: str
    zh: str
    en: str
    kind: str = "textarea"  # textarea | text | select | multi | date | datetime | radio | check | file
    required: bool = True
    options: Callable[[Session, Appeal], list[tuple[str, str]]] | None = None  # (value, label)
    hint: tuple[str, str] | None = None


@dataclass
class Form:
    """The posted values, with parsing that reports errors against the field."""

    values: dict[str, list]
    photos: list[dict] = field(default_factory=list)

    def text(self, name: str) -> str:
        return str((self.values.get(name) or [""])[-1]).strip()

    def texts(self, name: str) -> list[str]:
        return [str(v) for v in self.values.get(name, []) if str(v).strip()]

    def flag(self, name: str) -> bool:
        return self.text(name) in ("1", "on", "true", "yes")

    def date(self, name: str, *, required: bool = True) -> date | None:
        value = self.text(name)
        if not value and not required:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise InvalidInput("请填写正确的日期", "enter a valid date", field=name) from None

    def moment(self, name: str, *, required: bool = True) -> datetime | None:
        """A ``datetime-local`` value in Beijing time."""
        value = self.text(name)
        if not value and not required:
            return None
        try:
            return datetime.fromisoformat(value).replace(tzinfo=local_zone())
        except ValueError:
            raise InvalidInput("请填写正确的日期和时间", "enter a valid date and time", field=name) from None

    def unit(self, session: Session, appeal: Appeal, name: str, *, required: bool = True) -> Unit | None:
        value = self.text(name)
        if not value:
            if required:
                raise InvalidInput("请选择单位", "choose a unit", field=name)
            return None
        return self._unit(session, appeal, value, name)

    def units(self, session: Session, appeal: Appeal, name: str) -> list[Unit]:
        return [self._unit(session, appeal, value, name) for value in self.texts(name)]

    @staticmethod
    def _unit(session: Session, appeal: Appeal, value: str, name: str) -> Unit:
        unit = session.get(Unit, int(value)) if value.isdigit() else None
        if unit is None or unit.jurisdiction_id != appeal.jurisdiction_id:
            raise InvalidInput("单位不存在", "unknown unit", field=name)
        return unit


@dataclass(frozen=True)
class ActionForm:
    name: str
    zh: str
    en: str
    status_action: Action
    may: Callable[[Session, User, Appeal], bool]
    run: Callable[[Session, Appeal, User, Form, int | None], object]
    fields: tuple[Field, ...] = ()
    danger: bool = False

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


# --- who may ------------------------------------------------------------------------------------


def centre(session: Session, user: User, appeal: Appeal) -> bool:
    return has_role(session, user, CENTRE)


def front(session: Session, user: User, appeal: Appeal) -> bool:
    return has_role(session, user, FRONT)


def lead_handler(session: Session, user: User, appeal: Appeal) -> bool:
    return appeal.lead_unit_id is not None and has_role(session, user, (Role.HANDLER,), unit_id=appeal.lead_unit_id)


def supervisor(session: Session, user: User, appeal: Appeal) -> bool:
    return appeal.lead_unit_id is not None and has_role(
        session, user, supervision.SUPERVISORS, unit_id=appeal.lead_unit_id
    )


def visitor(session: Session, user: User, appeal: Appeal) -> bool:
    return has_role(session, user, (Role.VISITOR, Role.DISPATCHER))


def anyone(session: Session, user: User, appeal: Appeal) -> bool:
    return True  # the page itself is only shown to those who may see the appeal


def pending(appeal: Appeal, *kinds: RequestKind) -> AppealRequest | None:
    return next((r for r in appeal.requests if r.state == RequestState.PENDING and r.kind in kinds), None)


def reporting_unit(session: Session, user: User, appeal: Appeal) -> int | None:
    """The co-unit or called-in department the user reports for, if any."""
    rows = [r for r in appeal.units if r.active and r.role in (UnitRole.CO, UnitRole.WHISTLED)]
    return next((r.unit_id for r in rows if has_role(session, user, (Role.HANDLER,), unit_id=r.unit_id)), None)


# --- options ------------------------------------------------------------------------------------


def handling_units(session: Session, appeal: Appeal) -> list[tuple[str, str]]:
    return [(str(u.id), u.name) for u in unit_choices(session, appeal.jurisdiction_id, HANDLING_UNIT_KINDS)]


def departments(session: Session, appeal: Appeal) -> list[tuple[str, str]]:
    return [
        (str(u.id), u.name)
        for u in unit_choices(session, appeal.jurisdiction_id, (UnitKind.DEPARTMENT, UnitKind.ENTERPRISE))
    ]


def category_options(session: Session, appeal: Appeal) -> list[tuple[str, str]]:
    return [(str(cid), path) for cid, path in categories(session, appeal.jurisdiction_id)]


def enum_options(enum) -> Callable:
    return lambda session, appeal: [(m.value, m.label_zh) for m in enum]


def yes_no(session: Session, appeal: Appeal) -> list[tuple[str, str]]:
    return [("1", "是"), ("0", "否")]


def approve_options(session: Session, appeal: Appeal) -> list[tuple[str, str]]:
    return [("1", "同意"), ("0", "驳回")]


# --- runs ---------------------------------------------------------------------------------------


def _request(appeal: Appeal, *kinds: RequestKind) -> AppealRequest:
    found = pending(appeal, *kinds)
    if found is None:
        raise NotFound("没有待审核的申请", "no pending request")
    return found


def _choice(form: Form, name: str) -> bool:
    value = form.text(name)
    if value not in ("0", "1"):
        raise InvalidInput("请选择一项", "choose one of the options", field=name)
    return value == "1"


def _into(session: Session, form: Form) -> Appeal:
    order_no = form.text("into")
    found = session.scalar(select(Appeal).where(Appeal.order_no == order_no)) if order_no else None
    if found is None:
        raise InvalidInput("请填写存在的主工单编号", "enter the order number of an existing appeal", field="into")
    return found


def _visit(session: Session, appeal: Appeal, user: User, form: Form, version: int | None):
    contacted = _choice(form, "contacted")
    solved = _choice(form, "solved") if contacted else None
    satisfaction = form.text("satisfaction") or None
    if contacted and satisfaction is None:
        raise InvalidInput("请选择满意度", "choose the satisfaction", field="satisfaction")
    unreasonable = contacted and form.flag("unreasonable")
    comment = form.text("comment") or None
    if unreasonable and satisfaction != "dissatisfied":
        raise InvalidInput(
            "只有「不满意」才能认定为不合理",
            "only a dissatisfied answer can be judged unreasonable",
            field="unreasonable",
        )
    if unreasonable and comment is None:
        raise InvalidInput(
            "认定不满意理由不成立时，请在回访记录中写明理由",
            "say in the comment why the dissatisfaction is unreasonable",
            field="comment",
        )
    return record_return_visit(
        session,
        appeal,
        actor=user,
        contacted=contacted,
        solved=solved,
        satisfaction=satisfaction,
        unreasonable=unreasonable,
        comment=comment,
        expected_version=version,
    )


def _report(session: Session, appeal: Appeal, user: User, form: Form, version: int | None):
    unit_id = reporting_unit(session, user, appeal)
    if unit_id is None:
        raise InvalidInput("您不属于本工单的协办或报到单位", "you are not in a co-unit of this appeal")
    return supervision.report_to_lead(
        session, appeal, unit_id, actor=user, text=form.text("text"), expected_version=version
    )


def _note(session: Session, appeal: Appeal, user: User, form: Form, version: int | None):
    service.check_version(appeal, version)
    return service.add_note(session, appeal, actor=user, note=form.text("note"))


def _recategorize(session: Session, appeal: Appeal, user: User, form: Form, version: int | None):
    value = form.text("category_id")
    if not value.isdigit():
        raise InvalidInput("请选择问题分类", "choose a category", field="category_id")
    return service.recategorize_appeal(
        session, appeal, int(value), actor=user, note=form.text("note") or None, expected_version=version
    )


def _decide_return(session: Session, appeal: Appeal, user: User, form: Form, version: int | None):
    request = _request(appeal, RequestKind.RETURN, RequestKind.OBJECTION)
    return appeal_requests.decide_return(
        session,
        request,
        actor=user,
        approve=_choice(form, "approve"),
        note=form.text("note") or None,
        new_lead_unit=form.unit(session, appeal, "new_lead_unit", required=False),
        expected_version=version,
    )


def _decide_extension(session: Session, appeal: Appeal, user: User, form: Form, version: int | None):
    request = _request(appeal, RequestKind.EXTENSION)
    return appeal_requests.decide_extension(
        session,
        request,
        actor=user,
        approve=_choice(form, "approve"),
        note=form.text("note") or None,
        new_due_at=form.moment("new_due_at", required=False),
        expected_version=version,
    )


S, R = service, appeal_requests
NOTE = Field("note", "说明", "Note")
NOTE_OPTIONAL = Field("note", "说明（选填）", "Note (optional)", required=False)
LEAD = Field("lead_unit", "主办单位", "Lead unit", "select", options=handling_units)
CO = Field("co_units", "协办单位（可多选）", "Co-units", "multi", required=False, options=handling_units)

ACTION_FORMS: list[ActionForm] = [
    ActionForm(
        "answer",
        "直接答复",
        "Answer directly",
        Action.DIRECT_ANSWER,
        front,
        lambda s, a, u, f, v: S.answer_directly(s, a, actor=u, answer=f.text("answer"), expected_version=v),
        (Field("answer", "答复内容", "Answer"),),
    ),
    ActionForm(
        "not-accept",
        "不予受理 / 转110·119·120·122",
        "Not accepted / transfer",
        Action.NOT_ACCEPT,
        front,
        lambda s, a, u, f, v: S.not_accept(
            s, a, actor=u, reason=f.text("reason"), note=f.text("note"), expected_version=v
        ),
        (
            Field("reason", "原因", "Reason", "select", options=enum_options(NotAcceptedReason)),
            Field(
                "note", "说明（转接时写明转往 110/119/120/122 及原因）", "Explanation (name the emergency line and why)"
            ),
        ),
        danger=True,
    ),
    ActionForm(
        "dispatch",
        "派单",
        "Dispatch",
        Action.DISPATCH,
        centre,
        lambda s, a, u, f, v: S.dispatch_appeal(
            s,
            a,
            f.unit(s, a, "lead_unit"),
            actor=u,
            co_units=f.units(s, a, "co_units"),
            note=f.text("note") or None,
            expected_version=v,
        ),
        (LEAD, CO, NOTE_OPTIONAL),
    ),
    ActionForm(
        "redispatch",
        "改派",
        "Redispatch",
        Action.REDISPATCH,
        centre,
        lambda s, a, u, f, v: S.redispatch_appeal(
            s,
            a,
            f.unit(s, a, "lead_unit"),
            actor=u,
            co_units=f.units(s, a, "co_units"),
            note=f.text("note"),
            expected_version=v,
        ),
        (LEAD, CO, Field("note", "改派原因", "Reason")),
    ),
    ActionForm(
        "decide-return",
        "审核退单/异议",
        "Rule on the return",
        Action.APPROVE_RETURN,
        lambda s, u, a: centre(s, u, a) and pending(a, RequestKind.RETURN, RequestKind.OBJECTION) is not None,
        _decide_return,
        (
            Field("approve", "审核结果", "Decision", "radio", options=approve_options),
            Field(
                "new_lead_unit",
                "改派至（同意时选填；不选则退回派单队列）",
                "Redispatch to (optional)",
                "select",
                required=False,
                options=handling_units,
            ),
            Field("note", "审核意见（驳回时必填）", "Note (required to reject)", required=False),
        ),
    ),
    ActionForm(
        "decide-extension",
        "审核延期",
        "Rule on the extension",
        Action.APPROVE_EXTENSION,
        lambda s, u, a: centre(s, u, a) and pending(a, RequestKind.EXTENSION) is not None,
        _decide_extension,
        (
            Field("approve", "审核结果", "Decision", "radio", options=approve_options),
            Field("new_due_at", "批准的新时限（选填）", "New deadline (optional)", "datetime", required=False),
            Field("note", "审核意见（驳回时必填）", "Note (required to reject)", required=False),
        ),
    ),
    ActionForm(
        "sign",
        "签收",
        "Sign for",
        Action.SIGN,
        lead_handler,
        lambda s, a, u, f, v: S.sign_appeal(s, a, actor=u, expected_version=v),
    ),
    ActionForm(
        "contact",
        "记录联系诉求人",
        "Record contact",
        Action.CONTACT,
        lead_handler,
        lambda s, a, u, f, v: S.record_contact(s, a, actor=u, note=f.text("note"), expected_version=v),
        (Field("note", "联系情况", "Contact note"),),
    ),
    ActionForm(
        "reply",
        "答复",
        "Reply",
        Action.REPLY,
        lead_handler,
        lambda s, a, u, f, v: S.reply_to_appeal(
            s, a, actor=u, text=f.text("text"), attachments=f.photos, expected_version=v
        ),
        (
            Field("text", "答复内容", "Reply"),
            Field("photos", "办理照片（选填，最多 9 张）", "Photos (optional)", "file", required=False),
        ),
    ),
    ActionForm(
        "report",
        "协办反馈",
        "Report to the lead unit",
        Action.REPORT,
        lambda s, u, a: reporting_unit(s, u, a) is not None,
        _report,
        (Field("text", "反馈内容", "Report"),),
    ),
    ActionForm(
        "whistle",
        "吹哨（请部门报到）",
        "Call departments in",
        Action.WHISTLE,
        lambda s, u, a: lead_handler(s, u, a) and a.lead_unit.kind in supervision.WHISTLERS,
        lambda s, a, u, f, v: supervision.whistle(
            s, a, f.units(s, a, "departments"), actor=u, note=f.text("note"), expected_version=v
        ),
        (
            Field("departments", "报到部门", "Departments", "multi", options=departments),
            Field("note", "吹哨事由", "Reason"),
        ),
    ),
    ActionForm(
        "request-return",
        "申请退单/派单异议",
        "Ask to return",
        Action.REQUEST_RETURN,
        lambda s, u, a: (
            lead_handler(s, u, a) and not a.designated and pending(a, RequestKind.RETURN, RequestKind.OBJECTION) is None
        ),
        lambda s, a, u, f, v: R.request_return(
            s,
            a,
            actor=u,
            reason=f.text("reason"),
            kind=f.text("kind") or RequestKind.RETURN,
            suggested_unit=f.unit(s, a, "suggested_unit", required=False),
            expected_version=v,
        ),
        (
            Field(
                "kind",
                "类型",
                "Kind",
                "select",
                options=lambda s, a: [(k.value, k.label_zh) for k in (RequestKind.RETURN, RequestKind.OBJECTION)],
            ),
            Field("reason", "理由", "Reason"),
            Field(
                "suggested_unit",
                "建议承办单位（选填）",
                "Suggested unit (optional)",
                "select",
                required=False,
                options=handling_units,
            ),
        ),
    ),
    ActionForm(
        "request-extension",
        "申请延期",
        "Ask for an extension",
        Action.REQUEST_EXTENSION,
        lambda s, u, a: lead_handler(s, u, a) and pending(a, RequestKind.EXTENSION) is None,
        lambda s, a, u, f, v: R.request_extension(
            s, a, actor=u, reason=f.text("reason"), new_due_at=f.moment("new_due_at"), expected_version=v
        ),
        (Field("new_due_at", "申请延至", "New deadline", "datetime"), Field("reason", "延期理由", "Reason")),
    ),
    ActionForm(
        "defer",
        "挂账",
        "Defer",
        Action.DEFER,
        lead_handler,
        lambda s, a, u, f, v: R.defer_appeal(
            s,
            a,
            actor=u,
            plan=f.text("plan"),
            reason=f.text("reason"),
            target_date=f.date("target_date"),
            expected_version=v,
        ),
        (
            Field("reason", "挂账原因", "Reason"),
            Field("plan", "解决计划", "Plan"),
            Field("target_date", "计划解决日期", "Target date", "date"),
        ),
    ),
    ActionForm(
        "review-deferral",
        "挂账复核",
        "Review the deferral",
        Action.REVIEW_DEFERRAL,
        lambda s, u, a: has_role(s, u, (Role.DISPATCHER, Role.HANDLER, Role.LEADER), unit_id=a.lead_unit_id),
        lambda s, a, u, f, v: R.review_deferral(
            s,
            a,
            actor=u,
            note=f.text("note"),
            new_target_date=f.date("new_target_date", required=False),
            expected_version=v,
        ),
        (
            Field("note", "复核情况", "Review note"),
            Field("new_target_date", "新的计划日期（选填）", "New target date (optional)", "date", required=False),
        ),
    ),
    ActionForm(
        "clear-deferral",
        "销账（已解决并答复）",
        "Clear the deferral",
        Action.CLEAR_DEFERRAL,
        lead_handler,
        lambda s, a, u, f, v: R.clear_deferral(s, a, actor=u, reply=f.text("reply"), expected_version=v),
        (Field("reply", "答复内容", "Reply"),),
    ),
    ActionForm(
        "urge",
        "催办",
        "Urge",
        Action.URGE,
        supervisor,
        lambda s, a, u, f, v: supervision.urge_appeal(s, a, actor=u, note=f.text("note"), expected_version=v),
        (Field("note", "催办内容", "Note"),),
    ),
    ActionForm(
        "supervise",
        "督办",
        "Supervise",
        Action.SUPERVISE,
        supervisor,
        lambda s, a, u, f, v: supervision.supervise_appeal(
            s, a, actor=u, note=f.text("note"), listed=f.flag("listed"), expected_version=v
        ),
        (Field("note", "督办意见", "Note"), Field("listed", "挂牌督办", "Listed supervision", "check", required=False)),
    ),
    ActionForm(
        "visit",
        "回访",
        "Return visit",
        Action.RECORD_VISIT,
        visitor,
        _visit,
        (
            Field("contacted", "联系上诉求人", "Reached the resident", "radio", options=yes_no),
            Field("solved", "问题是否解决", "Solved", "radio", required=False, options=yes_no),
            Field(
                "satisfaction", "满意度", "Satisfaction", "radio", required=False, options=enum_options(Satisfaction)
            ),
            Field(
                "unreasonable",
                "不满意理由不成立（不重办，直接办结）",
                "Dissatisfaction unreasonable (close, do not reopen)",
                "check",
                required=False,
                hint=("仅用于「不满意」，须在回访记录中写明理由", "only with 不满意; give the reason in the comment"),
            ),
            Field(
                "comment",
                "回访记录（认定理由不成立时必填）",
                "Comment (required when judged unreasonable)",
                required=False,
            ),
        ),
    ),
    ActionForm(
        "close",
        "办结",
        "Close",
        Action.CLOSE,
        visitor,
        lambda s, a, u, f, v: S.close_appeal(s, a, actor=u, note=f.text("note") or None, expected_version=v),
        (NOTE_OPTIONAL,),
    ),
    ActionForm(
        "reopen",
        "重办",
        "Reopen",
        Action.REOPEN,
        visitor,
        lambda s, a, u, f, v: S.reopen_appeal(s, a, actor=u, reason=f.text("reason"), expected_version=v),
        (Field("reason", "重办原因", "Reason"),),
    ),
    ActionForm(
        "recategorize",
        "改分类",
        "Change the category",
        Action.RECATEGORIZE,
        centre,
        _recategorize,
        (Field("category_id", "问题分类", "Category", "select", options=category_options), NOTE_OPTIONAL),
    ),
    ActionForm(
        "merge",
        "并单",
        "Merge into another appeal",
        Action.MERGE,
        centre,
        lambda s, a, u, f, v: S.merge_appeal(
            s, a, _into(s, f), actor=u, note=f.text("note") or None, expected_version=v
        ),
        (Field("into", "主工单编号", "Main appeal's order no.", "text"), NOTE_OPTIONAL),
    ),
    ActionForm(
        "terminate",
        "终止",
        "Terminate",
        Action.TERMINATE,
        centre,
        lambda s, a, u, f, v: S.terminate_appeal(s, a, actor=u, reason=f.text("reason"), expected_version=v),
        (Field("reason", "终止原因", "Reason"),),
        danger=True,
    ),
    ActionForm(
        "note",
        "内部备注",
        "Internal note",
        Action.NOTE,
        anyone,
        _note,
        (Field("note", "备注（仅工作人员可见）", "Note (staff only)"),),
    ),
]
BY_NAME = {form.name: form for form in ACTION_FORMS}


def forms_for(session: Session, user: User, appeal: Appeal) -> list[ActionForm]:
    """The actions this user may take on the appeal now."""
    allowed = set(allowed_actions(AppealStatus(appeal.status)))
    return [form for form in ACTION_FORMS if form.status_action in allowed and form.may(session, user, appeal)]
