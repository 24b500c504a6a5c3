"""The demo city's appeals: each one lives through the real service verbs at past moments (``clock.at``), as
a generator yielding the moment of its next step; ``build_appeals`` interleaves them all in time order."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta

from lianxin import clock, progress
from lianxin.appeals import requests, service, supervision
from lianxin.appeals.choices import AppealType, Channel, RequestKind, Satisfaction, UnitRole
from lianxin.appeals.models import Appeal
from lianxin.appeals.schemas import AppealCreate
from lianxin.appeals.status import HANDLING, AppealStatus
from lianxin.clock import local_zone
from lianxin.demo_data import (
    AT_SERVICE_POINTS,
    BY_OPERATOR,
    CHANNELS,
    CITY_CODE,
    CONTACT_NOTES,
    DEFERRALS,
    DISSATISFIED,
    EXTENSION_REASONS,
    HOUR_WEIGHTS,
    LOCAL,
    NOT_ACCEPTED,
    REJECT_NOTES,
    REPORT_TEXTS,
    RETURN_REASONS,
    REVIEW_NOTES,
    ROUTE_PREFIXES,
    ROUTES,
    SATISFACTION,
    SECOND_REPLIES,
    SUPERVISE_NOTES,
    TARGETS,
    TERMINATE_REASONS,
    URGE_NOTES,
    URGENCIES,
    WHISTLE_NOTES,
    WHISTLE_PARTNERS,
    DemoText,
    S,
    localise,
    type_for,
)
from lianxin.orgs.models import (
    Role,
    Unit,
    UnitKind,
    User,
)
from lianxin.visits.service import ensure_visit_task, rate_appeal, record_return_visit


class AppealStories:
    """The appeal half of the demo city (mixed into ``lianxin.demo._DemoCity``, which holds the units and staff)."""

    # --- appeals -----------------------------------------------------------------------------------

    def build_appeals(self, count: int, days: int, labelled: list[DemoText], replied: list[DemoText]) -> None:
        moments = self._intake_moments(count, days)
        targets = self._targets(moments)
        pools = {False: self.rng.sample(labelled, len(labelled)), True: self.rng.sample(replied, len(replied))}
        taken = Counter()  # a text repeats only once its pool is used up
        stories = []
        for moment, target in zip(moments, targets):
            pool = pools[with_reply := target in (S.REPLIED, S.CLOSED)]
            stories.append(self._story(moment, target, pool[taken[with_reply] % len(pool)]))
            taken[with_reply] += 1
        self._run(stories)

    def _intake_moments(self, count: int, days: int) -> list[datetime]:
        """More on weekdays and in the daytime (Beijing time); all in the past."""
        moments: list[datetime] = []
        while len(moments) < count:
            moment = self.now - timedelta(seconds=self.rng.uniform(60, days * 86400))
            local = moment.astimezone(local_zone())
            if self.rng.random() < HOUR_WEIGHTS[local.hour] * (1 if local.weekday() < 5 else 0.6):
                moments.append(moment)
        return sorted(moments)

    def _targets(self, moments: list[datetime]) -> list[AppealStatus]:
        """Each appeal's final status, likelier closed the older it is; every status at least once."""
        weights = [next(w for below, w in TARGETS if (self.now - m) / timedelta(days=1) < below) for m in moments]
        targets = [self.rng.choices(list(w), weights=list(w.values()))[0] for w in weights]
        counts = Counter(targets)
        for status in AppealStatus:
            if counts[status] == 0 and len(targets) > 1:
                common = counts.most_common(1)[0][0]
                # newest first (a duplicate needs something open to follow), those the status suits before the rest
                preferred = sorted(range(len(targets) - 1, 0, -1), key=lambda i: not weights[i].get(status))
                i = next((i for i in preferred if targets[i] == common), None)
                if i is not None:
                    targets[i] = status
                    counts[status], counts[common] = 1, counts[common] - 1
        return targets

    def _run(self, stories: list[Iterator[datetime]]) -> None:
        """Advance all stories in time order, each step inside ``clock.at`` its own moment."""
        heap = [(next(story), seq, story) for seq, story in enumerate(stories)]
        heapq.heapify(heap)
        while heap:
            moment, seq, story = heapq.heappop(heap)
            if moment > self.now:
                raise RuntimeError(f"demo step in the future: {moment.isoformat()}")
            with clock.at(moment):
                following = next(story, None)
            if following is not None:
                heapq.heappush(heap, (following, seq, story))
            else:
                progress.advance()

    def _after(self, t: datetime, low_hours: float, high_hours: float) -> datetime:
        return self._step(t, timedelta(hours=self.rng.uniform(low_hours, high_hours)))

    def _step(self, t: datetime, delay: timedelta) -> datetime:
        """``t + delay`` moved into office hours (08:00–20:00 Beijing time), then squeezed so that a young
        appeal's remaining steps all still fit before now."""
        moment = (t + delay).astimezone(local_zone())
        if not 8 <= moment.hour < 20:
            day = moment.date() + timedelta(days=moment.hour >= 20)
            moment = datetime(day.year, day.month, day.day, 8, tzinfo=local_zone()) + timedelta(
                minutes=self.rng.uniform(0, 600)
            )
        return t + min(moment - t, (self.now - t) / 2)

    def _pick(self, role: Role) -> User:
        return self.rng.choice(self.staff[role])

    def _story(self, t: datetime, target: AppealStatus, text: DemoText) -> Iterator[datetime]:
        """One appeal's life from intake at ``t``: yields the moment of each next step; the runner resumes it then."""
        s, rng = self.s, self.rng
        yield t
        main = self._merge_target() if target == S.MERGED else None
        appeal = self._submit(text, copy_of=main)
        if target == S.MERGED and main is None:
            target = S.IN_PROGRESS  # nothing open to merge into yet: handled on its own (its text has no reply)
        self.targets[appeal.id] = target
        if main is not None:
            yield (t := self._after(t, 0.1, 3))
            service.merge_appeal(
                s, appeal, main, actor=self._pick(Role.DISPATCHER), note="与主工单反映同一问题，并单办理"
            )
            return
        if target == S.NOT_ACCEPTED:
            yield (t := self._after(t, 0.05, 1))
            reason, note = rng.choice(NOT_ACCEPTED)
            service.not_accept(s, appeal, actor=self._pick(Role.OPERATOR), reason=reason, note=note)
            return
        if target == S.RECEIVED and self.now - t < timedelta(days=1):
            return  # waiting in the dispatch queue
        if (
            target in (S.REPLIED, S.CLOSED)
            and appeal.appeal_type in (AppealType.CONSULT, AppealType.PRAISE)
            and rng.random() < 0.6
        ):
            yield (t := self._after(t, 0.05, 0.5))
            service.answer_directly(s, appeal, actor=self._pick(Role.OPERATOR), answer=text.reply)
            yield from self._visits(appeal, t, target)
            return
        t = yield from self._dispatch(appeal, t, target)
        if target in (S.RECEIVED, S.DISPATCHED):
            return
        t = yield from self._work(appeal, t)
        handler, dispatcher = self.handlers[appeal.lead_unit_id], self._pick(Role.DISPATCHER)
        if target == S.IN_PROGRESS:
            return  # the overdue job flags those past their deadline
        if target == S.TERMINATED:
            yield (t := self._after(t, 24, 120))
            service.terminate_appeal(s, appeal, actor=dispatcher, reason=rng.choice(TERMINATE_REASONS))
            return
        if target == S.DEFERRED or (target == S.CLOSED and self.now - t > timedelta(days=40) and rng.random() < 0.04):
            yield (t := self._after(t, 24, 96))
            plan_text, reason = rng.choice(DEFERRALS)
            target_date = (t + timedelta(days=rng.randint(30, 150))).astimezone(local_zone()).date()
            requests.defer_appeal(s, appeal, actor=handler, plan=plan_text, target_date=target_date, reason=reason)
            if target == S.DEFERRED:
                if rng.random() < 0.4:
                    yield (t := self._after(t, 24 * 7, 24 * 25))
                    requests.review_deferral(s, appeal, actor=handler, note=rng.choice(REVIEW_NOTES))
                return
            yield (t := self._after(t, 24 * 5, 24 * 30))
            requests.clear_deferral(s, appeal, actor=handler, reply=text.reply)
        else:
            yield (t := self._reply_moment(appeal, t))
            service.reply_to_appeal(s, appeal, actor=handler, text=text.reply)
        yield from self._visits(appeal, t, target)

    def _submit(self, text: DemoText, copy_of: Appeal | None) -> Appeal:
        """受理 through a random channel; ``copy_of``: a second resident phones in about the same problem."""
        rng = self.rng
        if copy_of is not None:
            channel, grid = Channel.HOTLINE, self.s.get(Unit, copy_of.grid_id)
            text = DemoText(copy_of.title, copy_of.content, self.category_paths.get(copy_of.category_id, ""))
        else:
            channel = rng.choices(list(CHANNELS), weights=list(CHANNELS.values()))[0]
            grid = (
                self.s.get(Unit, rng.choice(list(self.patrol_users)))
                if channel == Channel.GRID_PATROL
                else rng.choice(self._of_kind(UnitKind.GRID))
            )
        community = self.s.get(Unit, grid.parent_id)
        actor, name, phone = None, self._name(), self._phone()
        if channel in BY_OPERATOR:
            actor = self._pick(Role.OPERATOR)
        elif channel in AT_SERVICE_POINTS:
            actor = self.handlers.get(community.id) or self.handlers[self.street_of[community.id].id]
        elif channel == Channel.GRID_PATROL:
            actor = self.patrol_users[grid.id]
            name, phone = actor.display_name, actor.phone
        category_id = self.category_ids.get(text.category) or self.category_ids.get(text.category.split("/")[0])
        appeal_type = self._appeal_type(text.title or text.content, text.content)
        lat, lng = self.position[community.id]
        street = self.street_of[community.id]
        place = (
            f"{rng.randint(1, 8)}组"
            if community.name.endswith("村")
            else f"{rng.randint(1, 12)}号楼{rng.randint(1, 4)}单元"
        )
        places = (self.city_name, self.district_of[community.id].name, street.name, community.name)
        data = AppealCreate(
            jurisdiction_id=self.jid,
            channel=channel,
            appeal_type=appeal_type,
            title=localise(text.title, *places),
            content=localise(text.content, *places),
            urgency=rng.choices(list(URGENCIES), weights=list(URGENCIES.values()))[0],
            category_id=category_id,
            address=f"{self.district_of[community.id].name}{street.name}{community.name}{place}",
            lat=round(lat + rng.uniform(-0.004, 0.004), 6),
            lng=round(lng + rng.uniform(-0.004, 0.004), 6),
            community_id=community.id,
            grid_id=grid.id,
            appellant_name=name,
            appellant_phone=phone,
            confidential=appeal_type == AppealType.REPORT and rng.random() < 0.6,
        )
        appeal = service.submit_appeal(self.s, data, actor=actor)
        self.appeals.append(appeal)
        return appeal

    def _appeal_type(self, title: str, content: str) -> AppealType:
        hint = type_for(title, content)
        return hint or self.rng.choices((AppealType.HELP, AppealType.COMPLAINT, AppealType.OTHER), (55, 40, 5))[0]

    def _merge_target(self) -> Appeal | None:
        """A recent appeal that will be handled to the end, for a duplicate to follow (those in handling first)."""
        recent = [a for a in self.appeals[-60:] if self.targets.get(a.id) in (S.IN_PROGRESS, S.REPLIED, S.CLOSED)]
        candidates = [a for a in recent if a.status in HANDLING] or recent
        return self.rng.choice(candidates[-10:]) if candidates else None

    def _route(self, appeal: Appeal) -> tuple[Unit, list[Unit]]:
        """The sensible lead unit for the category (and sometimes a co-unit)."""
        rng = self.rng
        path = self.category_paths.get(appeal.category_id, "")
        where = ROUTES[next(prefix for prefix in ROUTE_PREFIXES if path.startswith(prefix))]
        street = self.street_of[appeal.community_id]
        if where == LOCAL:
            community_handled = appeal.community_id in self.handlers and rng.random() < 0.3
            lead = self.s.get(Unit, appeal.community_id) if community_handled else street
            return lead, self._partners(path)[:1] if rng.random() < 0.05 else []
        return self.by_code[f"DEMO-{where}"], [street] if rng.random() < 0.12 else []

    def _partners(self, path: str) -> list[Unit]:
        codes = WHISTLE_PARTNERS.get(path.split("/")[0], ("CGW", "SCJG"))
        return [self.by_code[f"DEMO-{code}"] for code in codes]

    def _dispatch(self, appeal: Appeal, t: datetime, target: AppealStatus) -> Iterator[datetime]:
        """派单 (sometimes to the wrong unit first, which asks to return it), then 签收. Returns the last moment."""
        s, rng = self.s, self.rng
        lead, co = self._route(appeal)
        dispatcher = self._pick(Role.DISPATCHER)
        yield (t := self._after(t, 0.1, 2))
        roll = rng.random()
        if target == S.RECEIVED or roll < 0.08:  # 错派 → 退单
            wrong = (
                self.street_of[appeal.community_id]
                if lead.kind in (UnitKind.DEPARTMENT, UnitKind.ENTERPRISE)
                else self.by_code["DEMO-CGW"]
            )
            service.dispatch_appeal(s, appeal, wrong, actor=dispatcher)
            yield (t := self._after(t, 0.5, 6))
            kind = RequestKind.OBJECTION if rng.random() < 0.3 else RequestKind.RETURN
            request = requests.request_return(
                s,
                appeal,
                actor=self.handlers[wrong.id],
                reason=rng.choice(RETURN_REASONS),
                kind=kind,
                suggested_unit=lead,
            )
            yield (t := self._after(t, 0.3, 4))
            if target == S.RECEIVED or roll < 0.03:  # approved: back to the dispatch queue
                requests.decide_return(s, request, actor=dispatcher, approve=True, note="同意退单，重新派单")
                if target == S.RECEIVED:
                    return t
                yield (t := self._after(t, 0.2, 3))
                service.dispatch_appeal(s, appeal, lead, actor=dispatcher, co_units=co, designated=True)
            else:
                requests.decide_return(
                    s,
                    request,
                    actor=dispatcher,
                    approve=True,
                    new_lead_unit=lead,
                    co_units=co,
                    note=f"同意退单，改派{lead.name}",
                )
        else:
            service.dispatch_appeal(s, appeal, lead, actor=dispatcher, co_units=co)
        if target == S.DISPATCHED:
            return t
        handler = self.handlers[appeal.lead_unit_id]
        if not appeal.designated and rng.random() < 0.04:  # a return the centre rejects
            yield (t := self._after(t, 0.5, 4))
            request = requests.request_return(s, appeal, actor=handler, reason=rng.choice(RETURN_REASONS))
            yield (t := self._after(t, 0.3, 4))
            requests.decide_return(s, request, actor=dispatcher, approve=False, note=rng.choice(REJECT_NOTES))
        yield (t := self._after(t, 0.2, 5))
        service.sign_appeal(s, appeal, actor=handler)
        return t

    def _work(self, appeal: Appeal, t: datetime) -> Iterator[datetime]:
        """Contact, then now and then 吹哨 with reports, 协办 reports, 催办/督办 and 延期. Returns the last moment."""
        s, rng = self.s, self.rng
        handler, dispatcher = self.handlers[appeal.lead_unit_id], self._pick(Role.DISPATCHER)
        yield (t := self._after(t, 0.5, 12))
        service.record_contact(s, appeal, actor=handler, note=rng.choice(CONTACT_NOTES))
        if appeal.lead_unit.kind == UnitKind.STREET and rng.random() < 0.1:
            involved = {row.unit_id for row in service.active_units(appeal)}
            path = self.category_paths.get(appeal.category_id, "")
            called = [u for u in self._partners(path) if u.id not in involved][: rng.randint(1, 2)]
            if called:
                yield (t := self._after(t, 2, 24))
                supervision.whistle(s, appeal, called, actor=handler, note=rng.choice(WHISTLE_NOTES))
        for row in service.active_units(appeal, UnitRole.CO, UnitRole.WHISTLED):
            if rng.random() < 0.85:
                yield (t := self._after(t, 3, 48))
                supervision.report_to_lead(
                    s, appeal, row.unit_id, actor=self.handlers[row.unit_id], text=rng.choice(REPORT_TEXTS)
                )
        if rng.random() < 0.12:
            yield (t := self._after(t, 12, 72))
            supervision.urge_appeal(s, appeal, actor=dispatcher, note=rng.choice(URGE_NOTES))
        if rng.random() < 0.05:
            yield (t := self._after(t, 12, 72))
            leader = self.leaders[self.district_of.get(appeal.lead_unit_id, self.by_code[CITY_CODE]).id]
            supervision.supervise_appeal(
                s, appeal, actor=leader, note=rng.choice(SUPERVISE_NOTES), listed=rng.random() < 0.3
            )
        if rng.random() < 0.07 and appeal.due_at > t:
            yield (t := self._step(t, (appeal.due_at - t) * rng.uniform(0.3, 0.8)))
            if t < appeal.due_at:
                new_due = appeal.due_at + timedelta(days=rng.randint(3, 10))
                request = requests.request_extension(
                    s, appeal, actor=handler, reason=rng.choice(EXTENSION_REASONS), new_due_at=new_due
                )
                yield (t := self._after(t, 1, 8))
                approve = rng.random() < 0.8
                requests.decide_extension(
                    s,
                    request,
                    actor=dispatcher,
                    approve=approve,
                    note=None if approve else "理由不充分，请在原时限内办结",
                )
        return t

    def _reply_moment(self, appeal: Appeal, t: datetime) -> datetime:
        """Most replies come before the deadline, some after it."""
        due = appeal.due_at
        if due > t and self.rng.random() < 0.88:
            return self._step(t, (due - t) * self.rng.uniform(0.15, 0.9))
        return self._step(t, max(due - t, timedelta(0)) + timedelta(hours=self.rng.uniform(2, 72)))

    def _visits(self, appeal: Appeal, t: datetime, target: AppealStatus) -> Iterator[datetime]:
        """回访 after a reply: unanswered calls, ratings, and 重办 after a (reasonable) 不满意."""
        s, rng = self.s, self.rng
        ensure_visit_task(s, appeal, now=t)  # what the visit-task job would do right after the reply
        visitor = self._pick(Role.VISITOR)
        if target == S.REPLIED or rng.random() < 0.1:
            yield (t := self._after(t, 3, 30))
            record_return_visit(s, appeal, actor=visitor, contacted=False, comment="电话无人接听")
            if target == S.REPLIED:
                return t
        yield (t := self._after(t, 2, 40))
        satisfaction = rng.choices(list(SATISFACTION), weights=list(SATISFACTION.values()))[0]
        if (
            satisfaction == Satisfaction.DISSATISFIED
            and appeal.lead_unit_id
            and appeal.reopen_count == 0
            and rng.random() < 0.7
        ):
            record_return_visit(
                s,
                appeal,
                actor=visitor,
                contacted=True,
                solved=False,
                satisfaction=satisfaction,
                comment=rng.choice(DISSATISFIED),
            )
            handler = self.handlers[appeal.lead_unit_id]
            yield (t := self._after(t, 1, 24))
            service.record_contact(s, appeal, actor=handler, note="重办：再次联系诉求人，约定上门核实")
            yield (t := self._reply_moment(appeal, t))
            service.reply_to_appeal(s, appeal, actor=handler, text=rng.choice(SECOND_REPLIES))
            return (yield from self._visits(appeal, t, S.CLOSED))
        solved = satisfaction == Satisfaction.SATISFIED or (
            satisfaction == Satisfaction.BASICALLY and rng.random() < 0.8
        )
        if satisfaction != Satisfaction.DISSATISFIED and rng.random() < 0.12:
            rate_appeal(s, appeal, phone=appeal.appellant_phone, solved=solved, satisfaction=satisfaction)
        else:
            unreasonable = satisfaction == Satisfaction.DISSATISFIED
            record_return_visit(
                s,
                appeal,
                actor=visitor,
                contacted=True,
                solved=solved,
                satisfaction=satisfaction,
                unreasonable=unreasonable,
                comment="诉求超出政策规定，已解释清楚，不满意理由不成立" if unreasonable else None,
            )
        return t
