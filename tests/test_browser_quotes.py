"""In a real browser: search the library, open a quote, follow it to the reader, make a new quote."""
import re

import pytest

from tests.conftest import assert_same_origin

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


def test_select_text_in_the_reader_to_make_a_quote(staff_page, live_server):
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
    assert "Saved: the quotation is verbatim." in page.content()
    assert_same_origin(page, live_server)
