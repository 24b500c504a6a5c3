"""Training, storing and using the routing model of a jurisdiction.

Granularity: the model predicts the deepest category that has at least ``routing_min_per_class``
confirmed appeals. A leaf with fewer is folded into its parent (a three-level tree has many leaves
that see a handful of appeals a year; guessing among them is noise, while the parent still names
the right department); a first-level category that is still too small is left out. Inactive
categories fold into their nearest active ancestor, because new appeals cannot use them.

Training data: every closed appeal with a category (the category that stood through dispatch,
handling and closing is the one the centre confirmed), overridden by — and extended with — the
latest label a person recorded for an appeal (``routing_labels``: intake choices, confirmations and
dispatchers' corrections).
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianxin import progress
from lianxin.appeals.models import Appeal, Category
from lianxin.appeals.status import AppealStatus
from lianxin.clock import utcnow
from lianxin.config import Settings, get_settings
from lianxin.errors import InvalidInput, PermissionDenied
from lianxin.orgs.models import Role, User
from lianxin.orgs.service import require_role
from lianxin.routing.models import RoutingLabel, RoutingModel
from lianxin.routing.text import tokenize

CV_FOLDS = 5
_CACHE_SIZE = 4
_cache: dict[str, object] = {}  # model sha256 → TextClassifier
_cache_lock = threading.Lock()


@dataclass
class CategorySuggestion:
    category_id: int
    label: str  # the category path, e.g. "城乡建设 / 住房保障"
    confidence: float  # calibrated probability, 0..1
    words: list[str] = field(default_factory=list)  # the words of the appeal that drove this suggestion
    model_version: int = 0


def _settings(session: Session) -> Settings:
    return session.info.get("settings") or get_settings()


def appeal_text(appeal: Appeal) -> str:
    return f"{appeal.title} {appeal.content}"


def _labelled_appeals(session: Session, jurisdiction_id: int) -> dict[int, int]:
    """appeal id → confirmed category id."""
    closed = session.execute(
        select(Appeal.id, Appeal.category_id).where(
            Appeal.jurisdiction_id == jurisdiction_id,
            Appeal.status == AppealStatus.CLOSED,
            Appeal.category_id.is_not(None),
        )
    )
    chosen = dict(closed.all())
    labels = session.execute(
        select(RoutingLabel.appeal_id, RoutingLabel.category_id)
        .where(RoutingLabel.jurisdiction_id == jurisdiction_id)
        .order_by(RoutingLabel.id)
    )
    chosen.update(labels.all())  # the latest label wins
    return chosen


def _fold_categories(categories: dict[int, Category], labels: list[int], minimum: int) -> list[int | None]:
    """Map each label to the category the model will predict (see the module docstring); None = left out."""

    def active(cid: int | None) -> int | None:
        while cid is not None and not categories[cid].active:
            cid = categories[cid].parent_id
        return cid

    folded = [active(cid) for cid in labels]
    while True:
        counts = Counter(c for c in folded if c is not None)
        small = {cid for cid, n in counts.items() if n < minimum and categories[cid].parent_id is not None}
        if not small:
            return [c if c is not None and counts[c] >= minimum else None for c in folded]
        folded = [categories[c].parent_id if c in small else c for c in folded]


def training_set(session: Session, jurisdiction_id: int, minimum: int) -> tuple[list[str], list[int]]:
    categories = {c.id: c for c in session.scalars(select(Category).where(Category.jurisdiction_id == jurisdiction_id))}
    chosen = _labelled_appeals(session, jurisdiction_id)
    rows = (
        session.execute(select(Appeal.id, Appeal.title, Appeal.content).where(Appeal.id.in_(chosen))).all()
        if chosen
        else []
    )
    texts = {appeal_id: f"{title} {content}" for appeal_id, title, content in rows}
    ids = sorted(texts)
    folded = _fold_categories(categories, [chosen[i] for i in ids], minimum)
    pairs = [(texts[i], c) for i, c in zip(ids, folded) if c is not None]
    return [t for t, _ in pairs], [c for _, c in pairs]


def _too_little(n_samples: int, n_classes: int, minimum: int) -> InvalidInput:
    return InvalidInput(
        f"训练数据不足：需要至少两个分类各有 {minimum} 件已确认分类的工单，现有 {n_samples} 件、{n_classes} 个分类",
        f"too little training data: at least two categories need {minimum} confirmed appeals each; "
        f"found {n_samples} appeals in {n_classes} categories",
        field="jurisdiction_id",
    )


def train_model(
    session: Session, jurisdiction_id: int, *, actor: User | None, cross_validate: bool = True
) -> RoutingModel:
    """Train on the jurisdiction's confirmed appeals and store a new (active) version."""
    from lianxin.routing.classifier import TextClassifier  # scikit-learn loads only where a model is used
    from lianxin.routing.evaluate import class_report, run_cv

    require_role(session, actor, (Role.ADMIN,))
    if actor is not None and actor.jurisdiction_id != jurisdiction_id:
        raise PermissionDenied("不能为其他辖区训练模型", "cannot train another jurisdiction's model")
    minimum = _settings(session).routing_min_per_class
    texts, labels = training_set(session, jurisdiction_id, minimum)
    if len(set(labels)) < 2:
        raise _too_little(len(labels), len(set(labels)), minimum)
    docs, names = [tokenize(t) for t in texts], [str(c) for c in labels]
    metrics: dict = {}
    if cross_validate:
        cv = run_cv(docs, names, folds=min(CV_FOLDS, min(Counter(names).values())))
        metrics["cv"] = cv.summary() | {"report": class_report(names, cv.predicted)}
    # after the folds (run_cv counts them plus this fit), or alone
    progress.update(description="训练 / fitting the model", total=None if cross_validate else 1)
    classifier = TextClassifier().fit(docs, names)
    progress.advance()
    metrics["fit_seconds"] = round(classifier.fit_seconds, 2)
    version = (
        session.scalar(select(func.max(RoutingModel.version)).where(RoutingModel.jurisdiction_id == jurisdiction_id))
        or 0
    ) + 1
    blob = classifier.to_bytes()
    row = RoutingModel(
        jurisdiction_id=jurisdiction_id,
        version=version,
        created_at=utcnow(),
        created_by_id=actor.id if actor else None,
        n_samples=len(labels),
        classes=sorted(set(labels)),
        metrics=metrics,
        model_sha256=hashlib.sha256(blob).hexdigest(),
        model_bytes=blob,
    )
    session.add(row)
    session.flush()
    return row


def train_after_demo(session: Session, city) -> str:
    """The ``after_demo`` hook: train on the demo city's closed appeals, so intake suggests categories at once."""
    try:
        row = train_model(session, city.jid, actor=None, cross_validate=False)
    except InvalidInput:
        return "分类模型：演示工单太少，未训练 / routing model: too few closed demo appeals, not trained"
    return (
        f"分类模型 / routing model v{row.version}: {row.n_samples} 件工单 / appeals, "
        f"{len(row.classes)} 个分类 / categories"
    )


def active_model(session: Session, jurisdiction_id: int) -> RoutingModel | None:
    return session.scalar(
        select(RoutingModel)
        .where(RoutingModel.jurisdiction_id == jurisdiction_id)
        .order_by(RoutingModel.version.desc())
        .limit(1)
    )


def _classifier(row: RoutingModel):
    from lianxin.routing.classifier import TextClassifier

    with _cache_lock:
        cached = _cache.get(row.model_sha256)
    if cached is not None:
        return cached
    classifier = TextClassifier.from_bytes(row.model_bytes)
    with _cache_lock:
        while len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[row.model_sha256] = classifier
    return classifier


def category_path(session: Session, category: Category) -> str:
    names = []
    node: Category | None = category
    while node is not None:
        names.append(node.name)
        node = node.parent
    return " / ".join(reversed(names))


INTAKE_ROLES = (Role.OPERATOR, Role.DISPATCHER, Role.GRID_WORKER, Role.HANDLER)


def suggest_categories(
    session: Session, jurisdiction_id: int, text: str, k: int = 3, *, actor: User | None = None
) -> list[CategorySuggestion]:
    """The top ``k`` categories for an appeal's text from the active model ([] when none is trained).

    ``actor`` (the edges pass it) must be staff who take appeals in, in this jurisdiction."""
    require_role(session, actor, INTAKE_ROLES)
    if actor is not None and actor.jurisdiction_id != jurisdiction_id:
        raise PermissionDenied("不能使用其他辖区的模型", "cannot use another jurisdiction's model")
    if not (text or "").strip():
        raise InvalidInput("请输入诉求内容", "the appeal text is empty", field="text")
    row = active_model(session, jurisdiction_id)
    if row is None:
        return []
    out = []
    for prediction in _classifier(row).top(tokenize(text), k):
        category = session.get(Category, int(prediction.label))
        if category is None:  # deleted since training
            continue
        out.append(
            CategorySuggestion(
                category.id,
                category_path(session, category),
                round(prediction.confidence, 4),
                prediction.words,
                row.version,
            )
        )
    return out


def can_auto_dispatch(suggestions: list[CategorySuggestion], threshold: float | None = None) -> bool:
    """True only when the best suggestion is confident enough; low confidence never auto-dispatches."""
    threshold = get_settings().routing_auto_threshold if threshold is None else threshold
    return bool(suggestions) and suggestions[0].confidence >= threshold
