"""Issue 10, the live rows: storage budget per token, characters no document can hold,
rotating a link while its page is open, hidden entries on the screens."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import Presence

NS = "/live"


def uid() -> str:
    return str(uuid.uuid4())


def send(client, event, payload):
    return client.emit(event, payload, namespace=NS, callback=True)


def test_rotating_a_link_while_its_page_is_open_is_not_a_500(app, connect, post_form, meeting_links):
    page = connect("rapporteur", 1)
    other = connect("participant", 1)
    slug = meeting_links["meeting"]
    response = post_form(f"/secretariaat/vergaderingen/{slug}/links/verslag/1/vernieuwen")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert not page.is_connected(NS)
    assert other.is_connected(NS)
    assert send(other, "presence:hello", {"name": "Anna"})["ok"] is True
    with app.app_context():  # the disconnect handler did its work: the old page left presence
        rows = db.session.execute(select(Presence.role).where(Presence.table_number == 1)).scalars().all()
        assert rows == ["participant"]
