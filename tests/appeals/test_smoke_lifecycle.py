from lianxin.appeals.service import dispatch_appeal, record_contact, reply_to_appeal, sign_appeal
from lianxin.appeals.status import AppealStatus
from lianxin.visits.service import record_return_visit
from tests.factories import new_appeal


def test_an_appeal_goes_from_intake_to_closed(db, city, clock):
    appeal = new_appeal(db, city)
    assert appeal.order_no.startswith("20260302")
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    sign_appeal(db, appeal, actor=city.users["street_handler"])
    record_contact(db, appeal, actor=city.users["street_handler"], note="电话联系，已约定上门")
    reply_to_appeal(db, appeal, actor=city.users["street_handler"], text="已更换灯泡，路灯恢复照明。")
    record_return_visit(db, appeal, actor=city.users["visitor"], contacted=True, solved=True, satisfaction="satisfied")
    assert appeal.status == AppealStatus.CLOSED
    kinds = [e.kind for e in appeal.events]
    assert kinds == ["submitted", "dispatched", "signed", "contacted", "replied", "visited", "closed"]
