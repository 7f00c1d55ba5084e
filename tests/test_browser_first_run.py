"""In a real browser, the whole first run: setup link → admin → invitations → an editor's quotation →
a second editor's approval → the quotation on a card; and the guard refusing a cut that reverses the sense."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from conftest import PASSWORD, assert_same_origin

pytestmark = pytest.mark.browser

QUOTE = "Gas has been fired at people."
REVERSED = "Putin was aware that Trump is […] going to intervene."


def _set_password(page, password=PASSWORD):
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Repeat the password").fill(password)


def _invite(admin, email: str, role_label: str) -> str:
    """The admin invites someone with one role; returns the single-use link shown once."""
    admin.goto("/users/")
    admin.get_by_label("Email").fill(email)
    admin.get_by_label(role_label).check()
    admin.get_by_role("button", name="Make the invitation link").click()
    return admin.get_by_label("Invitation link").input_value()


def _new_page(browser, live_server):
    """Another person's browser, recording every request it makes."""
    page = browser.new_context(base_url=live_server).new_page()
    page.requests_seen = []
    page.on("request", lambda request: page.requests_seen.append(request.url))
    return page


def _accept(browser, live_server, link: str):
    """The invitee opens the link in their own browser, chooses a password and is logged in."""
    page = _new_page(browser, live_server)
    page.goto(link)
    _set_password(page)
    page.get_by_role("button", name="Open my account").click()
    page.wait_for_url(re.compile(r"/account/$"))
    return page


def test_setup_link_to_admin_to_invited_editors_to_an_approved_quotation_on_a_card(served_app, live_server, page,
                                                                                   browser):
    output = served_app.test_cli_runner().invoke(args=["users", "setup-link"]).output
    page.goto(re.search(r"http://127\.0\.0\.1:\d+/setup/[A-Za-z0-9_-]{43}", output).group(0))
    page.get_by_label("Email").fill("root@example.org")
    _set_password(page)
    page.get_by_role("button", name="Create the admin account").click()
    page.wait_for_url(re.compile(r"/users/$"))

    links = {email: _invite(page, email, label) for email, label in (
        ("eddie@example.org", "Editor: sources, quotations, themes, questions, glossary"),
        ("beth@example.org", "Editor: sources, quotations, themes, questions, glossary"),
        ("tara@example.org", "Translator into Russian"))}
    eddie, beth, tara = (_accept(browser, live_server, links[e]) for e in links)

    # The first editor makes a quotation; the guard refuses a cut that drops "not", naming it.
    eddie.goto("/quotes/new")
    eddie.get_by_label("Id (used in links and file names)").fill("putin-aware")
    eddie.get_by_label("Speaker").select_option("Leila al-Shami")
    eddie.get_by_label("Text, word for word (mark cuts with […])").fill(REVERSED)
    eddie.check("input[name=themes][value=russias-war]")
    eddie.click("form.stack button[type=submit]")
    assert "leaves out 'not'" in eddie.locator("main").inner_text()
    eddie.get_by_label("Id (used in links and file names)").fill("gas-fired")
    eddie.get_by_label("Text, word for word (mark cuts with […])").fill(QUOTE)
    eddie.uncheck("input[name=themes][value=russias-war]")
    eddie.check("input[name=themes][value=aleppo-siege]")
    eddie.click("form.stack button[type=submit]")
    eddie.wait_for_url(f"{live_server}/quotes/gas-fired")

    anonymous = _new_page(browser, live_server)
    assert anonymous.request.get(f"{live_server}/quotes/gas-fired/card.png").status == 404  # a draft prints nowhere
    assert anonymous.request.get(f"{live_server}/quotes/putin-aware").status == 404  # refused: never stored
    # Its author cannot approve it: the screen says so, and a forged approval is refused.
    eddie.goto("/review/quotes/gas-fired")
    assert "another editor has to approve it" in eddie.locator("main").inner_text()
    assert eddie.get_by_role("button", name="Approve").count() == 0
    token = eddie.locator("input[name=csrf_token]").first.input_value()
    forged = eddie.request.post(f"{live_server}/review/quotes/gas-fired/approve", form={"approve-csrf_token": token})
    assert forged.status == 403, forged.text()[-600:]
    assert "gas-fired" not in anonymous.request.get(f"{live_server}/api/quotes").text()

    # The second editor approves it on the review screen, beside its source paragraph.
    beth.get_by_role("link", name="Awaiting review").click()
    beth.locator('[data-quote="gas-fired"] a').click()
    assert QUOTE in beth.locator("mark").first.inner_text()
    beth.get_by_role("button", name="Approve").click()
    beth.wait_for_url(f"{live_server}/quotes/gas-fired")

    card = anonymous.request.get(f"{live_server}/quotes/gas-fired/card.png?format=square")
    assert card.status == 200 and card.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(card.body())).size == (1080, 1080)
    anonymous.goto("/quotes/gas-fired")
    assert QUOTE in anonymous.locator("main").inner_text()

    # The translator works in Russian only; the library is read by anyone, written only by roles.
    assert tara.goto("/translations/gas-fired/ru").status == 200
    assert tara.goto("/translations/gas-fired/ar").status == 403
    assert tara.goto("/quotes/new").status == 403
    for context_page in (page, eddie, beth, tara, anonymous):
        assert_same_origin(context_page, live_server)
