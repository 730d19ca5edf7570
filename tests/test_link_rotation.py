"""Renewing a join link: a confirmation first, then at once; undone within ten minutes if unused."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from facilitator import operations
from facilitator.extensions import db
from facilitator.models import AccessToken

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
NS = "/live"


@pytest.fixture
def database_url(both_database_url):
    """Every test in this module runs on SQLite and on PostgreSQL (savepoints, timestamps)."""
    return both_database_url


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def form_action(html: str, css_class: str) -> tuple[str, str]:
    """The action and CSRF token of the first <form class=…> in html."""
    match = re.search(rf'<form method="post" class="{css_class}"\s+action="([^"]+)"', html)
    assert match, f"no form.{css_class}"
    rest = html[match.start() :]
    return match.group(1), CSRF_RE.search(rest).group(1)


def card(html: str, anchor: str) -> str:
    start = html.index(f'id="{anchor}"')
    end = html.find("</article>", start)
    return html[start:end]


def tokens(app, slug: str, role: str, table: int | None) -> dict:
    with app.app_context():
        return operations.links(operations.get_meeting(slug), "http://x")["tables"][str(table)][role]["token"]


def test_the_links_page_asks_before_renewing(app, logged_in, meeting_links):
    slug = meeting_links["meeting"]
    old = meeting_links["tables"]["2"]["participant"]["token"]
    links = page(logged_in, f"/secretariaat/vergaderingen/{slug}/links")
    block = card(links, "link-deelnemer-2")
    # the button on the links page is a link to a confirmation page, not a POST
    assert 'class="rotate"' in block and "<form" not in block.split("Ongedaan")[0]
    confirm_url = re.search(r'href="([^"]+/vernieuwen)"', block).group(1)
    assert confirm_url == f"/secretariaat/vergaderingen/{slug}/links/deelnemer/2/vernieuwen"
    confirm = page(logged_in, confirm_url)
    assert tokens(app, slug, "participant", 2) == old  # looking at the question changes nothing
    assert "Nieuwe link maken voor Tafel 2: deelnemers?" in confirm
    assert "Ja, nieuwe link maken" in confirm and "Annuleren" in confirm
    assert confirm.count("<h1") == 1
    action, csrf = form_action(confirm, "rotate")
    assert action == confirm_url
    response = logged_in.post(action, data={"csrf_token": csrf})
    assert response.status_code == 302
    assert tokens(app, slug, "participant", 2) != old


def test_confirmation_page_of_an_unknown_role_or_table_is_404(logged_in, meeting_links):
    base = f"/secretariaat/vergaderingen/{meeting_links['meeting']}/links"
    for url in (f"{base}/baas/vernieuwen", f"{base}/deelnemer/99/vernieuwen", f"{base}/deelnemer/vernieuwen"):
        assert logged_in.get(url).status_code == 404, url
    assert logged_in.get(f"{base}/scherm/1/vernieuwen").status_code == 404
    assert logged_in.get(f"{base}/scherm/vernieuwen").status_code == 200


def rotate(logged_in, slug: str, path: str) -> str:
    confirm = page(logged_in, f"/secretariaat/vergaderingen/{slug}/links/{path}/vernieuwen")
    action, csrf = form_action(confirm, "rotate")
    response = logged_in.post(action, data={"csrf_token": csrf})
    assert response.status_code == 302
    return page(logged_in, response.headers["Location"])


def test_renewing_disconnects_at_once_and_undo_gives_the_old_link_back(
    app, logged_in, connect, meeting_links
):
    slug = meeting_links["meeting"]
    old = meeting_links["tables"]["2"]["rapporteur"]["token"]
    open_page = connect("rapporteur", 2)
    neighbour = connect("rapporteur", 3)
    links = rotate(logged_in, slug, "verslag/2")
    assert not open_page.is_connected(NS)  # the old link's open page is gone at once
    assert neighbour.is_connected(NS)
    assert logged_in.get(f"/verslag/{old}").status_code == 404
    new = tokens(app, slug, "rapporteur", 2)
    assert "ongedaan maken" in links
    block = card(links, "link-verslag-2")
    assert "Ongedaan maken" in block
    assert "Ongedaan maken" not in card(links, "link-verslag-3")
    action, csrf = form_action(block, "undo")

    # someone connected with the new token (not through the page) is disconnected by the undo
    from facilitator.extensions import socketio

    on_new = socketio.test_client(app, namespace=NS, auth={"token": new})
    assert on_new.is_connected(NS)
    response = logged_in.post(action, data={"csrf_token": csrf})
    assert response.status_code == 302
    after = page(logged_in, response.headers["Location"])
    assert "De oude link voor Tafel 2: verslaglegger werkt weer" in after
    assert tokens(app, slug, "rapporteur", 2) == old
    assert not on_new.is_connected(NS)
    assert logged_in.get(f"/verslag/{old}").status_code == 200
    assert logged_in.get(f"/verslag/{new}").status_code == 404
    assert "Ongedaan maken" not in card(after, "link-verslag-2")
    # a second undo of the same rotation does nothing
    assert logged_in.post(action, data={"csrf_token": csrf}).status_code == 302
    assert tokens(app, slug, "rapporteur", 2) == old
    assert logged_in.get(f"/verslag/{new}").status_code == 404
    with app.app_context():
        active = AccessToken.query.filter_by(role="rapporteur", table_number=2, revoked_at=None).all()
        assert [t.token for t in active] == [old]


def undo_of(logged_in, slug: str, anchor: str) -> tuple[str, str] | None:
    block = card(page(logged_in, f"/secretariaat/vergaderingen/{slug}/links"), anchor)
    return form_action(block, "undo") if 'class="undo"' in block else None


def test_no_undo_once_the_new_link_was_opened(app, logged_in, meeting_links):
    slug = meeting_links["meeting"]
    old = meeting_links["tables"]["1"]["participant"]["token"]
    rotate(logged_in, slug, "deelnemer/1")
    action, csrf = undo_of(logged_in, slug, "link-deelnemer-1")
    new = tokens(app, slug, "participant", 1)
    assert logged_in.get(f"/deelnemer/{new}").status_code == 200  # a phone opened the new link
    assert undo_of(logged_in, slug, "link-deelnemer-1") is None
    response = logged_in.post(action, data={"csrf_token": csrf})
    assert response.status_code == 302
    assert "kan niet meer ongedaan worden gemaakt" in page(logged_in, response.headers["Location"])
    assert tokens(app, slug, "participant", 1) == new
    assert logged_in.get(f"/deelnemer/{old}").status_code == 404


def test_no_undo_after_ten_minutes_or_another_renewal(app, logged_in, meeting_links):
    slug = meeting_links["meeting"]
    old = meeting_links["screen"]["token"]
    rotate(logged_in, slug, "scherm")
    action, csrf = undo_of(logged_in, slug, "link-scherm")
    with app.app_context():
        meeting = operations.get_meeting(slug)
        fresh = operations.active_token(meeting, "screen")
        fresh.created_at = fresh.created_at - timedelta(minutes=10, seconds=1)
        db.session.commit()
    assert undo_of(logged_in, slug, "link-scherm") is None
    logged_in.post(action, data={"csrf_token": csrf})
    assert logged_in.get(f"/scherm/{old}").status_code == 404

    # renewed twice: the first rotation's undo is stale; the second one restores the middle link
    old_chair = meeting_links["chair"]["token"]
    rotate(logged_in, slug, "voorzitter")
    first = undo_of(logged_in, slug, "link-voorzitter")
    with app.app_context():
        middle = operations.active_token(operations.get_meeting(slug), "chair").token
    rotate(logged_in, slug, "voorzitter")
    logged_in.post(first[0], data={"csrf_token": first[1]})
    with app.app_context():
        assert operations.active_token(operations.get_meeting(slug), "chair").token not in (old_chair, middle)
    second = undo_of(logged_in, slug, "link-voorzitter")
    logged_in.post(second[0], data={"csrf_token": second[1]})
    with app.app_context():
        assert operations.active_token(operations.get_meeting(slug), "chair").token == middle
    assert logged_in.get(f"/voorzitter/{old_chair}").status_code == 404


def test_undo_needs_csrf_and_the_meeting_of_the_token(app, logged_in, meeting_links, import_session):
    slug = meeting_links["meeting"]
    rotate(logged_in, slug, "scherm")
    action, csrf = undo_of(logged_in, slug, "link-scherm")
    assert logged_in.post(action).status_code == 400
    other = import_session()
    assert other != slug
    wrong = action.replace(f"/vergaderingen/{slug}/", f"/vergaderingen/{other}/")
    assert logged_in.post(wrong, data={"csrf_token": csrf}).status_code == 404
    assert undo_of(logged_in, slug, "link-scherm") is not None
