"""In a real browser: search the library, open a quote, follow it to the reader, make a new quote."""
import re

import pytest

from tests.conftest import add_user, assert_same_origin, browser_login

pytestmark = pytest.mark.browser


def test_search_open_and_follow_to_the_reader(page, live_server):
    page.goto("/quotes/")
    page.fill("#q", "open-air prison")
    page.click("form.search button[type=submit]")
    page.wait_for_url(re.compile(r".*/quotes/\?q=open-air\+prison.*"))
    hits = page.locator("figure.quote")
    assert hits.count() >= 1
    page.click("#q-open-air-prison a.permalink")
    page.wait_for_url(f"{live_server}/quotes/open-air-prison")
    assert "open-air prison" in page.locator("mark").first.inner_text()
    page.click("a.to-reader")
    page.wait_for_url(f"{live_server}/sources/al-shami-2016#p2")
    target = page.locator("#p2")
    assert target.is_visible()
    assert "So they are effectively in an open-air prison." in target.inner_text()
    assert page.evaluate("document.querySelector(':target').id") == "p2"
    assert_same_origin(page, live_server)


def test_select_text_in_the_reader_to_make_a_quote_that_a_second_editor_approves(staff_page, live_server, browser,
                                                                                 served_app):
    page = staff_page
    page.goto("/sources/al-shami-2016#p2")
    page.evaluate("""() => {
        const para = document.getElementById('p2');
        const walker = document.createTreeWalker(para, NodeFilter.SHOW_TEXT);
        let node; while ((node = walker.nextNode())) { if (node.textContent.includes('Gas has been fired')) break; }
        const start = node.textContent.indexOf('Gas has been fired');
        const range = document.createRange();
        range.setStart(node, start); range.setEnd(node, start + 'Gas has been fired at people.'.length);
        const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
    }""")
    popup = page.locator("#quote-this")
    popup.wait_for(state="visible")
    popup.locator("a").click()
    page.wait_for_url(re.compile(r".*/quotes/new\?.*"))
    assert page.input_value("#text") == "Gas has been fired at people."
    assert page.input_value("#speaker") == "Leila al-Shami"
    page.fill("#id", "gas-fired")
    page.check("input[name=themes][value=aleppo-siege]")
    page.click("form.stack button[type=submit]")
    page.wait_for_url(f"{live_server}/quotes/gas-fired")
    assert "Saved as a draft: the quotation is verbatim." in page.content()
    assert page.request.get(f"{live_server}/quotes/gas-fired/card.png").status == 404  # a draft is on no card
    assert_same_origin(page, live_server)
    # a second editor approves it on the review screen; then it is on a card for anyone
    add_user(served_app, "second@example.org", "editor")
    context = browser.new_context(base_url=live_server)
    try:
        second = context.new_page()
        anonymous = browser.new_context(base_url=live_server).new_page()
        assert anonymous.request.get(f"{live_server}/quotes/gas-fired/card.png").status == 404
        browser_login(second, "second@example.org")
        second.get_by_role("link", name="Awaiting review").click()
        second.locator('[data-quote="gas-fired"] a').click()
        second.wait_for_url(f"{live_server}/review/quotes/gas-fired")
        assert "Gas has been fired at people." in second.locator("mark").first.inner_text()
        second.get_by_role("button", name="Approve").click()
        second.wait_for_url(f"{live_server}/quotes/gas-fired")
        assert "Approved: the quotation prints from now on." in second.content()
        card = anonymous.request.get(f"{live_server}/quotes/gas-fired/card.png")
        assert card.status == 200 and card.headers["content-type"] == "image/png"
        anonymous.context.close()
    finally:
        context.close()
