"""Pages: 每月一题 (topics, tasks, policies, measured effect), and making a topic from a hotspot. Each
handler parses the form, calls one service verb, and redirects or renders; a LianxinError comes back as
the page with the message (nothing is changed)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from lianxin.clock import local_text, utcnow
from lianxin.errors import InvalidInput, LianxinError
from lianxin.hotspots.views import _date, _hotspot_page, _int, _message, _units
from lianxin.orgs.models import Role, User
from lianxin.orgs.service import has_role
from lianxin.topics.models import TOPIC_STATUS_LABELS, Topic, TopicStatus
from lianxin.topics.service import (
    add_policy,
    add_task,
    create_topic_from_hotspot,
    get_task,
    get_topic,
    list_topics,
    set_topic_status,
    topic_effect,
    update_task,
)
from lianxin.web import charts
from lianxin.web.deps import get_session, require_roles
from lianxin.web.i18n import bilingual, pick_lang
from lianxin.web.templating import render

router = APIRouter()
TOPIC_ROLES = (Role.LEADER, Role.HANDLER, Role.DISPATCHER)


@router.post("/hotspots/{hotspot_id}/topic")
def make_topic(
    hotspot_id: int,
    request: Request,
    month: str = Form(""),
    owner_unit_id: str = Form(""),
    title: str = Form(""),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(Role.LEADER)),
) -> Response:
    try:
        with session.begin_nested():
            topic = create_topic_from_hotspot(
                session,
                hotspot_id,
                actor=user,
                month=month,
                title=title or None,
                owner_unit_id=_int(owner_unit_id, "owner_unit"),
            )
    except LianxinError as exc:
        return _hotspot_page(
            request, session, user, hotspot_id, error=_message(request, exc), status_code=exc.http_status
        )
    return RedirectResponse(f"/topics/{topic.id}", status_code=303)


@router.get("/topics")
def topic_list(
    request: Request, session: Session = Depends(get_session), user: User = Depends(require_roles(*TOPIC_ROLES))
) -> Response:
    return render(
        request,
        "topics/list.html",
        {"topics": list_topics(session, user.jurisdiction_id), "labels": TOPIC_STATUS_LABELS},
    )


def _topic_page(
    request: Request, session: Session, user: User, topic_id: int, *, error: str | None = None, status_code: int = 200
) -> Response:
    topic = get_topic(session, topic_id, jurisdiction_id=user.jurisdiction_id)
    effect = topic_effect(session, topic)
    lang = pick_lang(request)
    return render(
        request,
        "topics/detail.html",
        {
            "topic": topic,
            "effect": effect,
            "labels": TOPIC_STATUS_LABELS,
            "statuses": list(TopicStatus),
            "units": _units(session, user.jurisdiction_id),
            "error": error,
            "today": utcnow().date().isoformat(),
            "is_leader": has_role(session, user, (Role.LEADER,), unit_id=topic.owner_unit_id),
            "effect_chart": charts.before_after(
                [w["start"] for w in effect.weeks],
                [w["count"] for w in effect.weeks],
                [w["after"] for w in effect.weeks],
                (bilingual("开始前", "before", lang), bilingual("开始后", "after", lang)),
            ),
            "local": local_text,
        },
        status_code=status_code,
    )


@router.get("/topics/{topic_id}")
def topic_detail(
    topic_id: int,
    request: Request,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*TOPIC_ROLES)),
) -> Response:
    return _topic_page(request, session, user, topic_id)


def _act(request: Request, session: Session, user: User, topic_id: int, action) -> Response:
    """Run one verb; on a domain error show the topic again with the message (the savepoint undoes it)."""
    try:
        with session.begin_nested():
            action(get_topic(session, topic_id, jurisdiction_id=user.jurisdiction_id))
    except LianxinError as exc:
        return _topic_page(request, session, user, topic_id, error=_message(request, exc), status_code=exc.http_status)
    return RedirectResponse(f"/topics/{topic_id}", status_code=303)


@router.post("/topics/{topic_id}/tasks")
def topic_add_task(
    topic_id: int,
    request: Request,
    title: str = Form(""),
    owner_unit_id: str = Form(""),
    deadline: str = Form(""),
    note: str = Form(""),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*TOPIC_ROLES)),
) -> Response:
    return _act(
        request,
        session,
        user,
        topic_id,
        lambda topic: add_task(
            session,
            topic,
            actor=user,
            title=title,
            owner_unit_id=_int(owner_unit_id, "owner_unit"),
            deadline=_date(deadline, "deadline"),
            note=note,
        ),
    )


@router.post("/topics/{topic_id}/tasks/{task_id}")
def topic_update_task(
    topic_id: int,
    task_id: int,
    request: Request,
    done: str = Form(""),
    note: str = Form(""),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*TOPIC_ROLES)),
) -> Response:
    def action(topic: Topic) -> None:
        task = get_task(session, task_id, jurisdiction_id=user.jurisdiction_id)
        if task.topic_id != topic.id:
            raise InvalidInput("任务不属于该题目", "the task belongs to another topic", field="task")
        update_task(session, task, actor=user, done={"1": True, "0": False}.get(done), note=note or None)

    return _act(request, session, user, topic_id, action)


@router.post("/topics/{topic_id}/policies")
def topic_add_policy(
    topic_id: int,
    request: Request,
    title: str = Form(""),
    issued_at: str = Form(""),
    url: str = Form(""),
    text: str = Form(""),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*TOPIC_ROLES)),
) -> Response:
    return _act(
        request,
        session,
        user,
        topic_id,
        lambda topic: add_policy(
            session, topic, actor=user, title=title, issued_at=_date(issued_at, "issued_at"), url=url, text=text
        ),
    )


@router.post("/topics/{topic_id}/status")
def topic_status(
    topic_id: int,
    request: Request,
    status: str = Form(""),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(Role.LEADER)),
) -> Response:
    return _act(
        request, session, user, topic_id, lambda topic: set_topic_status(session, topic, actor=user, status=status)
    )
