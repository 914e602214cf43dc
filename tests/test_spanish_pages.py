"""No English left on a Spanish page: every text a patient reads on /es/ pages (the words, and the
accessible names and hints a screen reader speaks) is Spanish, except what is marked as English
(an untranslated article, an English source's title, the language switch). Read by a small HTML
reader that skips anything inside ``lang="en"``, looking for common English words."""

import re
from html.parser import HTMLParser

import pytest

from tests.conftest import csrf_token_from

ENGLISH = re.compile(
    r"\b(the|and|your|you|with|for|please|our|this|of|to|is|are|book|time|office|visit|minutes|step|"
    r"new|first|read more|see|choose|continue|back|eastern)\b",
    re.IGNORECASE,
)
SPOKEN_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")
VOID = {"br", "img", "input", "meta", "link", "hr", "source", "area", "base", "col", "embed", "wbr", "track"}
IMPLIED_END = {"p", "li", "dt", "dd", "option", "tr", "td", "th"}  # closed without an end tag


class EnglishFinder(HTMLParser):
    """The English-looking texts of a page outside elements marked ``lang="en"``."""

    def __init__(self):
        super().__init__()
        self.open: list[tuple[str, str | None]] = []  # (tag, lang) of each open element
        self.found: list[str] = []

    def _in_english(self) -> bool:
        marked = [lang for _, lang in self.open if lang]
        return bool(marked) and not marked[-1].startswith("es")

    def _check(self, text: str, where: str) -> None:
        if text.strip() and ENGLISH.search(text) and not self._in_english():
            self.found.append(f"{where}: {' '.join(text.split())[:120]}")

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in IMPLIED_END and self.open and self.open[-1][0] == tag:
            self.open.pop()
        if tag not in VOID:
            self.open.append((tag, attributes.get("lang")))
        for name in SPOKEN_ATTRIBUTES:
            if attributes.get(name) and not (tag == "link" or name == "title" and tag == "abbr"):
                self._check(attributes[name], f"<{tag} {name}>")

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                return

    def handle_data(self, data):
        if any(tag in ("script", "style", "title") for tag, _ in self.open):
            return  # (a <title> cannot carry lang: an untranslated article's is English)
        self._check(data, "text")


def english_on(html: str) -> list[str]:
    finder = EnglishFinder()
    finder.feed(html)
    return list(dict.fromkeys(finder.found))


def test_the_finder_sees_english_outside_lang_en_only():
    assert english_on('<p>Please choose a time</p><p lang="en">Please choose a time</p>') == [
        "text: Please choose a time"
    ]
    assert english_on('<div lang="en"><p lang="es">Elija la hora</p><p>Back</p></div>') == []
    assert english_on('<button aria-label="Show the menu">≡</button>') == ["<button aria-label>: Show the menu"]


PUBLIC_PAGES = [
    "/es/",
    "/es/articles/",
    "/es/articles/?tag=legs",
    "/es/articles/leg-weakness-symptoms-causes-treatment",
    "/es/articles/sciatica",
    "/es/articles/spinal-stenosis",  # not translated: in English, marked so
    "/es/locations/",
    "/es/locations/fairfax",
    "/es/locations/potomac",
    "/es/ask",
    "/es/office-update",
    "/es/booking/find",
    "/es/book/",
    "/es/no-such-page",
]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_a_spanish_public_page_has_no_english_outside_marked_parts(app, client, clinic, path):
    assert english_on(client.get(path).get_data(as_text=True)) == []


ANSWERS = {key: "no" for key in ("fever", "cough", "taste_smell", "close_contact", "positive_test")}


def test_every_booking_step_in_spanish_and_its_errors_have_no_english(app, client, clinic, frozen):
    token = csrf_token_from(client.get("/es/book/").get_data(as_text=True))

    def post(path, **data):
        return client.post("/es" + path, data={"csrf_token": token, **data})

    def english_at(path, response=None):
        return english_on((response or client.get("/es" + path)).get_data(as_text=True))

    assert english_at("/book/", post("/book/")) == []  # every step-1 error
    post("/book/", office="fairfax", visit_type="new-patient", reason="sciatica", provider="any")
    assert english_at("/book/time") == [] and english_at("/book/waitlist") == []
    assert english_at("/book/time", post("/book/time", slot="not-a-time")) == []
    time_page = client.get("/es/book/time").get_data(as_text=True)
    post("/book/time", slot=re.search(r'name="slot" value="([^"]+)"', time_page).group(1))
    assert english_at("/book/screening") == []
    assert english_at("/book/screening", post("/book/screening")) == []
    post("/book/screening", acknowledged="y", **ANSWERS)
    assert english_at("/book/details") == []
    assert english_at("/book/details", post("/book/details", email="not an address", phone="12")) == []
    post(
        "/book/details",
        first_name="Rosa",
        last_name="Parkes",
        date_of_birth="1961-02-03",
        phone="703 555 0188",
        email="rosa@example.org",
        patient_status="new",
        consent="y",
    )
    assert english_at("/book/review") == []
    post("/book/review")
    confirmed = client.get("/es/book/confirmed").get_data(as_text=True)
    assert "/es/booking/" in confirmed and english_on(confirmed) == []
    manage = re.search(r'href="http://localhost(/es/booking/[^"]+)"', confirmed).group(1)
    assert english_on(client.get(manage).get_data(as_text=True)) == []
    assert english_on(client.get(manage + "/reschedule").get_data(as_text=True)) == []
