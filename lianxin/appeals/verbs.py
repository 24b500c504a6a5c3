"""The verb table: every lifecycle action on an appeal once — its name, zh/en label, the state-machine action,
who is offered it, its inputs (with labels and kinds) and the one service function it calls.

Both edges are built from ``VERBS``: the staff appeal page (``lianxin.web.staff.actions``) shows a form per verb
the user may take now and parses the posted form; the JSON API (``lianxin.api.actions``) adds
``POST /api/v1/appeals/{order_no}/{verb}`` with a body made from the same inputs. Each edge turns its own
format into the same typed values (a ``Unit`` from a unit id on the page or a unit code in the API, a request
from the pending one or from ``request_id``); ``Verb.call`` hands them to the service function, which checks
the transition and the actor's permission itself. ``Verb.may`` only decides which forms the page offers.

An input's ``kind`` is what the value is:

========== ========================================= ============================================
kind       value passed on                           page / API
========== ========================================= ============================================
text       ``str`` (``None`` when optional, empty)   textarea / string
line       ``str``                                   text box / string
choice     a value of ``enum``                       select / the enum
yesno      ``bool`` (``None`` when optional, empty)  radio 是/否 (同意/驳回 for ``approve``) / bool
flag       ``bool``                                  checkbox / bool, default false
date       ``date``                                  date / ``YYYY-MM-DD``
datetime   aware ``datetime``                        datetime-local in Beijing time / ISO with offset
unit       ``Unit`` (``None`` when optional)         select by id / unit code
units      ``list[Unit]``                            multi-select by id / list of unit codes
own_unit   ``Unit``: the co-unit the actor reports    the actor's co-unit / unit code
category   ``int`` category id                       select / int
appeal     ``Appeal`` by order number                text box / string
request    the pending ``AppealRequest`` of           the pending one / ``request_id``
           ``request_kinds``
photos     ``list[dict]`` stored photos              file input / (page only)
int        ``int | None``                            (API only)
========== ========================================= ============================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from sqlalchemy.orm import Session

from lianxin.appeals import requests as R
from lianxin.appeals import service as S
from lianxin.appeals import supervision
from lianxin.appeals.choices import NotAcceptedReason, RequestKind, RequestState, Satisfaction, UnitRole
from lianxin.appeals.models import Appeal, AppealRequest
from lianxin.appeals.status import Action
from lianxin.modules import resolve
from lianxin.orgs.models import Role, User
from lianxin.orgs.service import has_role

WEB, API = "web", "api"
BOTH = frozenset({WEB, API})
KINDS = frozenset(
    {
        "text",
        "line",
        "choice",
        "yesno",
        "flag",
        "date",
        "datetime",
        "unit",
        "units",
        "own_unit",
        "category",
        "appeal",
        "request",
        "photos",
        "int",
    }
)


@dataclass(frozen=True)
class Input:
    """One input of a verb. ``options`` names the list a page offers (``handling_units``, ``departments``,
    ``categories``, ``approve``); ``edges`` says where the input exists (``photos`` only on the page, the
    model's prediction only in the API)."""

    name: str
    zh: str
    en: str
    kind: str = "text"
    required: bool = True
    enum: type[Enum] | None = None
    options: str | None = None
    request_kinds: tuple[RequestKind, ...] = ()
    hint: tuple[str, str] | None = None
    edges: frozenset[str] = BOTH
    default: object = None
    only: tuple = ()  # the enum values a page offers (all when empty)

    def choices(self) -> list[tuple[str, str, str]]:
        """(value, zh label, en label) of a ``choice`` input's enum."""
        members = self.only or tuple(self.enum) if self.enum else ()
        return [(m.value, m.label_zh, m.label_en) for m in members]

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown input kind {self.kind!r}")


@dataclass(frozen=True)
class Verb:
    name: str  # the path segment: POST /api/v1/appeals/{order_no}/{name}, /staff/appeals/{order_no}/act/{name}
    zh: str
    en: str
    action: Action  # the state-machine action: the statuses that offer the verb
    run: Callable[..., object]  # (session, appeal, actor, values, version) -> the service function's result
    inputs: tuple[Input, ...] = ()
    may: Callable[[Session, User, Appeal], bool] = lambda session, user, appeal: True
    danger: bool = False

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh

    def inputs_for(self, edge: str) -> tuple[Input, ...]:
        return tuple(item for item in self.inputs if edge in item.edges)

    def call(self, session: Session, appeal: Appeal, actor: User | None, values: dict, version: int | None):
        """Run the service function with the values the edge parsed (an input the edge lacks is its default)."""
        given = {item.name: values.get(item.name, item.default) for item in self.inputs}
        return self.run(session, appeal, actor, given, version)


# --- who is offered the verb (each service function still checks the actor itself) ---------------------------

CENTRE = (Role.DISPATCHER,)
FRONT = (Role.OPERATOR, Role.DISPATCHER)


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


# --- the table -----------------------------------------------------------------------------------------------

NOTE = Input("note", "说明", "Note")
NOTE_OPTIONAL = Input("note", "说明（选填）", "Note (optional)", required=False)
LEAD = Input("lead_unit", "主办单位", "Lead unit", "unit", options="handling_units")
CO = Input("co_units", "协办单位（可多选）", "Co-units", "units", required=False, options="handling_units", default=())
DESIGNATED = Input(
    "designated",
    "指定承办（不得再退单）",
    "Designated (cannot return again)",
    "flag",
    required=False,
    edges=frozenset({API}),
)
RETURNS = (RequestKind.RETURN, RequestKind.OBJECTION)


# 回访 is ``visits``' verb; visits imports the appeal verbs it ends with (close, reopen), so the table names it
# by reference, as the module registry does, and ``appeals`` never imports ``visits``.
RECORD_VISIT = "lianxin.visits.service:record_return_visit"


def _note(session, appeal, actor, v, version):
    S.check_version(appeal, version)
    return S.add_note(session, appeal, actor=actor, note=v["note"])


VERBS: list[Verb] = [
    Verb(
        "answer",
        "直接答复",
        "Answer directly",
        Action.DIRECT_ANSWER,
        lambda s, a, u, v, ver: S.answer_directly(
            s, a, actor=u, answer=v["answer"], kb_entry_id=v["kb_entry_id"], expected_version=ver
        ),
        (
            Input("answer", "答复内容", "Answer"),
            Input("kb_entry_id", "引用的知识库条目", "Knowledge-base entry used", "int", False, edges=frozenset({API})),
        ),
        may=front,
    ),
    Verb(
        "not-accept",
        "不予受理 / 转110·119·120·122",
        "Not accepted / transfer",
        Action.NOT_ACCEPT,
        lambda s, a, u, v, ver: S.not_accept(s, a, actor=u, reason=v["reason"], note=v["note"], expected_version=ver),
        (
            Input("reason", "原因", "Reason", "choice", enum=NotAcceptedReason),
            Input(
                "note", "说明（转接时写明转往 110/119/120/122 及原因）", "Explanation (name the emergency line and why)"
            ),
        ),
        may=front,
        danger=True,
    ),
    Verb(
        "dispatch",
        "派单",
        "Dispatch",
        Action.DISPATCH,
        lambda s, a, u, v, ver: S.dispatch_appeal(
            s,
            a,
            v["lead_unit"],
            actor=u,
            co_units=v["co_units"],
            note=v["note"],
            designated=bool(v["designated"]),
            expected_version=ver,
        ),
        (LEAD, CO, NOTE_OPTIONAL, DESIGNATED),
        may=centre,
    ),
    Verb(
        "redispatch",
        "改派",
        "Redispatch",
        Action.REDISPATCH,
        lambda s, a, u, v, ver: S.redispatch_appeal(
            s,
            a,
            v["lead_unit"],
            actor=u,
            co_units=v["co_units"],
            note=v["note"] or "",
            designated=bool(v["designated"]),
            expected_version=ver,
        ),
        (LEAD, CO, Input("note", "改派原因", "Reason", required=False), DESIGNATED),
        may=centre,
    ),
    Verb(
        "decide-return",
        "审核退单/异议",
        "Rule on the return",
        Action.APPROVE_RETURN,
        lambda s, a, u, v, ver: R.decide_return(
            s,
            v["request_id"],
            actor=u,
            approve=v["approve"],
            note=v["note"],
            new_lead_unit=v["new_lead_unit"],
            co_units=v["co_units"],
            expected_version=ver,
        ),
        (
            Input("request_id", "申请", "Request", "request", request_kinds=RETURNS),
            Input("approve", "审核结果", "Decision", "yesno", options="approve"),
            Input(
                "new_lead_unit",
                "改派至（同意时选填；不选则退回派单队列）",
                "Redispatch to (optional)",
                "unit",
                required=False,
                options="handling_units",
            ),
            Input("co_units", "协办单位", "Co-units", "units", False, edges=frozenset({API}), default=()),
            Input("note", "审核意见（驳回时必填）", "Note (required to reject)", required=False),
        ),
        may=lambda s, u, a: centre(s, u, a) and pending(a, *RETURNS) is not None,
    ),
    Verb(
        "decide-extension",
        "审核延期",
        "Rule on the extension",
        Action.APPROVE_EXTENSION,
        lambda s, a, u, v, ver: R.decide_extension(
            s,
            v["request_id"],
            actor=u,
            approve=v["approve"],
            note=v["note"],
            new_due_at=v["new_due_at"],
            expected_version=ver,
        ),
        (
            Input("request_id", "申请", "Request", "request", request_kinds=(RequestKind.EXTENSION,)),
            Input("approve", "审核结果", "Decision", "yesno", options="approve"),
            Input("new_due_at", "批准的新时限（选填）", "New deadline (optional)", "datetime", required=False),
            Input("note", "审核意见（驳回时必填）", "Note (required to reject)", required=False),
        ),
        may=lambda s, u, a: centre(s, u, a) and pending(a, RequestKind.EXTENSION) is not None,
    ),
    Verb(
        "sign",
        "签收",
        "Sign for",
        Action.SIGN,
        lambda s, a, u, v, ver: S.sign_appeal(s, a, actor=u, expected_version=ver),
        may=lead_handler,
    ),
    Verb(
        "contact",
        "记录联系诉求人",
        "Record contact",
        Action.CONTACT,
        lambda s, a, u, v, ver: S.record_contact(s, a, actor=u, note=v["note"], expected_version=ver),
        (Input("note", "联系情况", "Contact note"),),
        may=lead_handler,
    ),
    Verb(
        "reply",
        "答复",
        "Reply",
        Action.REPLY,
        lambda s, a, u, v, ver: S.reply_to_appeal(
            s, a, actor=u, text=v["text"], attachments=v["photos"] or (), expected_version=ver
        ),
        (
            Input("text", "答复内容", "Reply"),
            Input(
                "photos", "办理照片（选填，最多 9 张）", "Photos (optional)", "photos", False, edges=frozenset({WEB})
            ),
        ),
        may=lead_handler,
    ),
    Verb(
        "report",
        "协办反馈",
        "Report to the lead unit",
        Action.REPORT,
        lambda s, a, u, v, ver: supervision.report_to_lead(
            s, a, v["unit"], actor=u, text=v["text"], expected_version=ver
        ),
        (Input("unit", "反馈单位", "Reporting unit", "own_unit"), Input("text", "反馈内容", "Report")),
        may=lambda s, u, a: reporting_unit(s, u, a) is not None,
    ),
    Verb(
        "whistle",
        "吹哨（请部门报到）",
        "Call departments in",
        Action.WHISTLE,
        lambda s, a, u, v, ver: supervision.whistle(
            s, a, v["departments"], actor=u, note=v["note"], expected_version=ver
        ),
        (
            Input("departments", "报到部门", "Departments", "units", options="departments", default=()),
            Input("note", "吹哨事由", "Reason"),
        ),
        may=lambda s, u, a: lead_handler(s, u, a) and a.lead_unit.kind in supervision.WHISTLERS,
    ),
    Verb(
        "request-return",
        "申请退单/派单异议",
        "Ask to return",
        Action.REQUEST_RETURN,
        lambda s, a, u, v, ver: R.request_return(
            s,
            a,
            actor=u,
            reason=v["reason"],
            kind=v["kind"] or RequestKind.RETURN,
            suggested_unit=v["suggested_unit"],
            expected_version=ver,
        ),
        (
            Input("kind", "类型", "Kind", "choice", False, enum=RequestKind, default=RequestKind.RETURN, only=RETURNS),
            Input("reason", "理由", "Reason"),
            Input(
                "suggested_unit",
                "建议承办单位（选填）",
                "Suggested unit (optional)",
                "unit",
                required=False,
                options="handling_units",
            ),
        ),
        may=lambda s, u, a: lead_handler(s, u, a) and not a.designated and pending(a, *RETURNS) is None,
    ),
    Verb(
        "request-extension",
        "申请延期",
        "Ask for an extension",
        Action.REQUEST_EXTENSION,
        lambda s, a, u, v, ver: R.request_extension(
            s, a, actor=u, reason=v["reason"], new_due_at=v["new_due_at"], expected_version=ver
        ),
        (Input("new_due_at", "申请延至", "New deadline", "datetime"), Input("reason", "延期理由", "Reason")),
        may=lambda s, u, a: lead_handler(s, u, a) and pending(a, RequestKind.EXTENSION) is None,
    ),
    Verb(
        "defer",
        "挂账",
        "Defer",
        Action.DEFER,
        lambda s, a, u, v, ver: R.defer_appeal(
            s, a, actor=u, plan=v["plan"], reason=v["reason"], target_date=v["target_date"], expected_version=ver
        ),
        (
            Input("reason", "挂账原因", "Reason"),
            Input("plan", "解决计划", "Plan"),
            Input("target_date", "计划解决日期", "Target date", "date"),
        ),
        may=lead_handler,
    ),
    Verb(
        "review-deferral",
        "挂账复核",
        "Review the deferral",
        Action.REVIEW_DEFERRAL,
        lambda s, a, u, v, ver: R.review_deferral(
            s, a, actor=u, note=v["note"], new_target_date=v["new_target_date"], expected_version=ver
        ),
        (
            Input("note", "复核情况", "Review note"),
            Input("new_target_date", "新的计划日期（选填）", "New target date (optional)", "date", required=False),
        ),
        may=lambda s, u, a: has_role(s, u, (Role.DISPATCHER, Role.HANDLER, Role.LEADER), unit_id=a.lead_unit_id),
    ),
    Verb(
        "clear-deferral",
        "销账（已解决并答复）",
        "Clear the deferral",
        Action.CLEAR_DEFERRAL,
        lambda s, a, u, v, ver: R.clear_deferral(s, a, actor=u, reply=v["reply"], expected_version=ver),
        (Input("reply", "答复内容", "Reply"),),
        may=lead_handler,
    ),
    Verb(
        "urge",
        "催办",
        "Urge",
        Action.URGE,
        lambda s, a, u, v, ver: supervision.urge_appeal(s, a, actor=u, note=v["note"], expected_version=ver),
        (Input("note", "催办内容", "Note"),),
        may=supervisor,
    ),
    Verb(
        "supervise",
        "督办",
        "Supervise",
        Action.SUPERVISE,
        lambda s, a, u, v, ver: supervision.supervise_appeal(
            s, a, actor=u, note=v["note"], listed=bool(v["listed"]), expected_version=ver
        ),
        (Input("note", "督办意见", "Note"), Input("listed", "挂牌督办", "Listed supervision", "flag", required=False)),
        may=supervisor,
    ),
    Verb(
        "visit",
        "回访",
        "Return visit",
        Action.RECORD_VISIT,
        lambda s, a, u, v, ver: resolve(RECORD_VISIT)(
            s,
            a,
            actor=u,
            contacted=v["contacted"],
            solved=v["solved"],
            satisfaction=v["satisfaction"],
            unreasonable=bool(v["unreasonable"]),
            comment=v["comment"],
            expected_version=ver,
        ),
        (
            Input("contacted", "联系上诉求人", "Reached the resident", "yesno"),
            Input("solved", "问题是否解决", "Solved", "yesno", required=False),
            Input("satisfaction", "满意度", "Satisfaction", "choice", required=False, enum=Satisfaction),
            Input(
                "unreasonable",
                "不满意理由不成立（不重办，直接办结）",
                "Dissatisfaction unreasonable (close, do not reopen)",
                "flag",
                required=False,
                hint=("仅用于「不满意」，须在回访记录中写明理由", "only with 不满意; give the reason in the comment"),
            ),
            Input(
                "comment",
                "回访记录（认定理由不成立时必填）",
                "Comment (required when judged unreasonable)",
                required=False,
            ),
        ),
        may=visitor,
    ),
    Verb(
        "close",
        "办结",
        "Close",
        Action.CLOSE,
        lambda s, a, u, v, ver: S.close_appeal(s, a, actor=u, note=v["note"], expected_version=ver),
        (NOTE_OPTIONAL,),
        may=visitor,
    ),
    Verb(
        "reopen",
        "重办",
        "Reopen",
        Action.REOPEN,
        lambda s, a, u, v, ver: S.reopen_appeal(s, a, actor=u, reason=v["reason"], expected_version=ver),
        (Input("reason", "重办原因", "Reason"),),
        may=visitor,
    ),
    Verb(
        "recategorize",
        "改分类",
        "Change the category",
        Action.RECATEGORIZE,
        lambda s, a, u, v, ver: S.recategorize_appeal(
            s,
            a,
            v["category_id"],
            actor=u,
            predicted_category_id=v["predicted_category_id"],
            note=v["note"],
            expected_version=ver,
        ),
        (
            Input("category_id", "问题分类", "Category", "category", options="categories"),
            Input(
                "predicted_category_id",
                "模型当时的首选",
                "The model's suggestion",
                "int",
                required=False,
                edges=frozenset({API}),
            ),
            NOTE_OPTIONAL,
        ),
        may=centre,
    ),
    Verb(
        "merge",
        "并单",
        "Merge into another appeal",
        Action.MERGE,
        lambda s, a, u, v, ver: S.merge_appeal(s, a, v["into"], actor=u, note=v["note"], expected_version=ver),
        (Input("into", "主工单编号", "Main appeal's order no.", "appeal"), NOTE_OPTIONAL),
        may=centre,
    ),
    Verb(
        "terminate",
        "终止",
        "Terminate",
        Action.TERMINATE,
        lambda s, a, u, v, ver: S.terminate_appeal(s, a, actor=u, reason=v["reason"], expected_version=ver),
        (Input("reason", "终止原因", "Reason"),),
        may=centre,
        danger=True,
    ),
    Verb(
        "note",
        "内部备注",
        "Internal note",
        Action.NOTE,
        _note,
        (Input("note", "备注（仅工作人员可见）", "Note (staff only)"),),
        may=anyone,
    ),
]
BY_NAME: dict[str, Verb] = {verb.name: verb for verb in VERBS}
