"""The clinic as deployed: Chromium over https:// through nginx to two instances in production mode.

One stack serves the whole module (see conftest.py), and the tests run in order as one working
day: patients book with and without JavaScript, eight of them race for one time, staff sign in,
a patient cancels from their email, a guesser is stopped, then an instance dies and another loses
Redis while patients go on booking. At the end every email has reached the relay exactly once.
"""

import gzip
import re
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from types import SimpleNamespace

import psycopg
import pyotp
import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from clinic_app.texting.providers import signature
from tests.browser.booking_steps import (
    PATIENT,
    SpanishPatient,
    answer_screening,
    book_at_the_desk,
    book_with_htmx,
    choose_day,
    choose_first_time,
    choose_visit,
    day_label_of,
    day_links,
    expect_confirmation,
    expect_step,
    fill_details,
    go_to_a_day_with_desk_times,
    slots_heading,
)
from tests.conftest import need_service, wait_for
from tests.fake_sms import AUTH_TOKEN
from tests.production.conftest import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.production.stack import DEPLOY, ROOT

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.production]

TAKEN = "That time was just taken"


# --- helpers -------------------------------------------------------------------------------------


def fetch(stack, path, *, method="GET", data=None, headers=None, base=None):
    """A plain HTTPS (or HTTP) request that does not follow redirects: (status, headers, body)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=stack.https_context))
    request = urllib.request.Request((base or stack.url) + path, data=data, method=method, headers=headers or {})
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def sql(stack, query, *params):
    with psycopg.connect(stack.database_url) as connection:
        return connection.execute(query, params).fetchall()


def appointments(stack):
    return sql(stack, "SELECT reference, status, email FROM appointment ORDER BY id")


def relay_messages_to(stack, address):
    return [m["message"] for m in stack.relay.messages if address in m["to"]]


def wait_for_mail(stack, address, count, seconds=20):
    assert wait_for(lambda: len(relay_messages_to(stack, address)) >= count, seconds), (
        f"{address} got {len(relay_messages_to(stack, address))} of {count} emails"
    )
    return relay_messages_to(stack, address)


def site(stack):
    """What the booking helpers from the browser tests need of a server: its address."""
    return SimpleNamespace(url=stack.url)


def reach_review(page, stack, email, day=1, texts=False):
    """Steps 1-4 with JavaScript for a patient with ``email``: first available, the ``day``-th
    day offered (not the first: its first time may pass the booking notice while the test runs
    on the real clock), its first time."""
    choose_visit(page, site(stack))
    expect_step(page, 2, "Choose a date and time")
    chosen = day_links(page).nth(day)
    label = day_label_of(chosen)
    value = choose_day(page, chosen)
    assert page.url == f"{stack.url}/book/time?day={value}"
    expect(slots_heading(page)).to_contain_text(f" on {label}")
    choose_first_time(page)
    expect_step(page, 3, "Health screening before your visit")
    answer_screening(page)
    expect_step(page, 4, "Your details")
    fill_details(page, email=email, texts=texts)
    expect_step(page, 5, "Review and confirm")


def book_quickly(stack, new_browser_context, email, day=1):
    page = new_browser_context().new_page()
    reach_review(page, stack, email, day)
    page.get_by_role("button", name="Confirm appointment").click()
    return expect_confirmation(page, site(stack))


def posts_served(instance, path):
    return len(re.findall(rf"POST {re.escape(path)} (\d+)", instance.output()))


# --- the installed files --------------------------------------------------------------------------


def test_the_site_file_passes_nginx_t(production):
    checked = subprocess.run([*production.nginx_argv, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0
    assert "syntax is ok" in checked.stderr and "test is successful" in checked.stderr


def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        need_service("systemd-analyze is not on this machine (apt-get install systemd)")
    names = []
    for unit in sorted((DEPLOY / "systemd").iterdir()):
        name = unit.name.replace("@.service", "@8001.service")
        text = unit.read_text().replace("/srv/clinic/current", str(ROOT))
        text = re.sub(r"^(User|Group)=clinic$", r"\1=root", text, flags=re.M)  # no clinic user here
        (tmp_path / name).write_text(text)
        names.append(str(tmp_path / name))
    result = subprocess.run([analyze, "verify", "--man=no", *names], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_an_instance_with_an_unsafe_setting_refuses_to_start_and_names_it(production):
    from tests.conftest import free_port
    from tests.production.stack import exec_start

    env = {**production.env, "SECRET_KEY": "short", "PUBLIC_BASE_URL": "http://clinic.example.org"}
    argv = exec_start(DEPLOY / "systemd" / "clinic-web@.service", str(free_port()))
    result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr and "PUBLIC_BASE_URL must be" in result.stderr


# --- https, the proxy, static files ---------------------------------------------------------------


def test_plain_http_is_redirected_to_https_and_https_is_strict(production):
    status, headers, _ = fetch(production, "/book/?location=fairfax", base=production.http_url)
    assert status == 301 and headers["Location"] == "https://localhost/book/?location=fairfax"
    status, headers, body = fetch(production, "/")
    assert status == 200 and b"Office Update" in body
    assert headers["Strict-Transport-Security"].startswith("max-age=63072000")
    assert headers["Referrer-Policy"] and headers["X-Frame-Options"] == "DENY"


STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


@pytest.mark.parametrize(
    "path", ["/", "/articles/leg-weakness-symptoms-causes-treatment", "/book/", "/admin/login", "/no-such-page"]
)
def test_every_page_over_https_has_the_strict_policies_and_one_hsts_header(production, path):
    status, headers, _ = fetch(production, path)
    assert status in (200, 404)
    assert headers.get_all("Content-Security-Policy") == [STRICT_CSP]
    assert "camera=()" in headers["Permissions-Policy"]
    [hsts] = headers.get_all("Strict-Transport-Security")  # nginx's, the app's hidden: one header
    assert int(re.match(r"max-age=(\d+)", hsts).group(1)) >= 365 * 24 * 3600


def test_the_session_cookie_is_bound_to_this_host_and_https(production):
    _, headers, _ = fetch(production, "/admin/login")
    [cookie] = [c for c in headers.get_all("Set-Cookie") if c.startswith("__Host-session=")]
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "path"} <= attributes and "domain" not in attributes
    assert "Path=/" in cookie and "SameSite=Lax" in cookie


def test_healthz_answers_this_host_only(production):
    import http.client

    assert fetch(production, "/healthz")[0] == 200  # from 127.0.0.1: monitoring on this host
    port = int(production.url.rsplit(":", 1)[1])
    other = http.client.HTTPSConnection(
        "127.0.0.1", port, context=production.https_context, source_address=("127.0.0.2", 0), timeout=10
    )
    other.request("GET", "/healthz")
    assert other.getresponse().status == 403  # anyone else: no peek at the outbox or Redis
    other.close()


def test_fingerprinted_static_files_come_from_nginx_compressed_and_cached_for_a_year(production):
    _, _, page = fetch(production, "/")
    assets = re.findall(r'(?:href|src)="(/static/[^"]+\.[0-9a-f]{12}\.[a-z]+)"', page.decode())
    assert len(assets) == 4
    for asset in assets:
        status, headers, body = fetch(production, asset, headers={"Accept-Encoding": "gzip"})
        assert status == 200, asset
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert headers["Strict-Transport-Security"]
        if asset.endswith((".css", ".js")):
            assert headers["Content-Encoding"] == "gzip"
            local = ROOT / "static" / re.sub(r"\.[0-9a-f]{12}(\.[a-z]+)$", r"\1", asset.removeprefix("/static/"))
            assert gzip.decompress(body) == local.read_bytes()
    before = sum(instance.output().count("GET /static/") for instance in production.instances)
    assert before == 0  # nginx served them; no instance saw a static request


def test_a_fingerprint_nginx_has_not_got_goes_to_the_app_which_serves_only_the_matching_file(production):
    status, _, _ = fetch(production, "/static/css/site.0123456789ab.css")  # no release had this content
    assert status == 404
    assert any("GET /static/css/site.0123456789ab.css 404" in i.output() for i in production.instances)


def test_too_large_a_form_gets_a_plain_413_page_from_the_app_or_from_nginx(production):
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, body = fetch(production, "/ask", method="POST", data=b"message=" + b"x" * 1_500_000, headers=form)
    assert status == 413 and b"That was too much to send" in body and b"Office Update" in body  # the app's page
    status, _, body = fetch(production, "/ask", method="POST", data=b"message=" + b"x" * 3_000_000, headers=form)
    assert status == 413 and b"That was too much to send" in body  # nginx's own, same words


# --- patients -------------------------------------------------------------------------------------


def test_a_patient_books_with_javascript_and_the_office_and_patient_are_emailed(production, new_browser_context):
    page = new_browser_context().new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    manage_url = book_with_htmx(page, site(production))
    assert manage_url.startswith(production.url + "/booking/")
    assert errors == []
    [(reference, status, _)] = appointments(production)
    assert status == "booked"
    [office_email] = wait_for_mail(production, "fairfax-frontdesk@example.org", 1)
    [patient_email] = wait_for_mail(production, PATIENT["email"], 1)
    assert reference in office_email["Subject"]
    assert manage_url in patient_email.get_body(("plain",)).get_content()


def test_a_patient_books_without_javascript(production, new_browser_context):
    page = new_browser_context(javascript=False).new_page()
    page.goto(production.url + "/book/?location=fairfax&reason=leg-weakness")
    page.locator("fieldset#visit_type").get_by_label("New-patient consultation").check()
    page.locator("fieldset#provider").get_by_label("First available", exact=True).check()
    for step in ("Continue to date and time",):
        with page.expect_navigation():
            page.get_by_role("button", name=step).click()
    expect_step(page, 2, "Choose a date and time")
    choose_day(page, day_links(page).nth(1), js=False)  # not the first day: see reach_review
    with page.expect_navigation():
        choose_first_time(page)
    with page.expect_navigation():
        answer_screening(page)
    with page.expect_navigation():
        fill_details(page, email="no.script@example.org")
    expect_step(page, 5, "Review and confirm")
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm appointment").click()
    assert page.url == production.url + "/book/confirmed"
    expect_confirmation(page, site(production))
    assert len(appointments(production)) == 2


def test_eight_patients_confirming_one_time_at_once_book_it_once_across_both_instances(production, new_browser_context):
    pages = []
    for number in range(8):
        page = new_browser_context().new_page()
        reach_review(page, production, f"racer{number}@example.org")
        pages.append(page)
    chosen = {page.locator("#booking-step").inner_text().split("Time")[0] for page in pages}
    assert len(chosen) == 1  # everyone is about to confirm the same visit
    confirms_before = [posts_served(instance, "/book/review") for instance in production.instances]

    # Eight clicks set for the same moment (one clock on this machine), so the eight POSTs reach
    # nginx together and it deals them out to both instances.
    moment = pages[0].evaluate("Date.now()") + 2000
    for page in pages:
        page.get_by_role("button", name="Confirm appointment").evaluate(
            "(button, moment) => setTimeout(() => button.click(), moment - Date.now())", moment
        )
    outcomes = []
    for page in pages:
        booked = page.get_by_role("heading", level=1, name=re.compile("booked"))
        expect(booked.or_(page.get_by_text("just taken", exact=False)).first).to_be_visible()
        outcomes.append("booked" if "You’re booked" in page.locator("h1").inner_text() else "taken")
    assert Counter(outcomes) == {"booked": 1, "taken": 7}
    for page in pages:
        if "taken" in page.locator("body").inner_text() and TAKEN in page.locator("body").inner_text():
            expect(page.locator("#step-heading")).to_have_text("Choose a date and time")
    racers = [row for row in appointments(production) if row[2].startswith("racer")]
    assert len(racers) == 1
    confirms = [
        posts_served(instance, "/book/review") - before
        for instance, before in zip(production.instances, confirms_before, strict=False)
    ]
    assert sum(confirms) == 8 and min(confirms) >= 1, confirms  # both instances took part


def test_staff_sign_in_and_find_a_booking_by_its_reference(production, new_browser_context):
    reference = appointments(production)[0][0]
    page = new_browser_context().new_page()
    page.goto(production.url + "/admin/")
    assert "/admin/login" in page.url
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # A password alone opens nothing: the first sign-in sets up an authenticator app, whose key
    # the page shows for typing (the test is the app), then shows the recovery codes once.
    expect(page.get_by_role("heading", name="Set up a second step for signing in")).to_be_visible()
    key = page.locator("#totp-key").inner_text().replace(" ", "")
    assert page.goto(production.url + "/admin/").url.startswith(production.url + "/admin/login")
    page.go_back()
    page.get_by_label("Code").fill(pyotp.TOTP(key).now())
    page.get_by_role("button", name="Turn on the second step").click()
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    assert page.locator(".recovery-codes li").count() == 10
    page.get_by_role("link", name=re.compile("continue to the back office")).click()
    page.wait_for_url(production.url + "/admin/")
    page.get_by_label("Search").fill(reference)
    page.get_by_role("button", name="Show bookings").click()
    expect(page.locator("#bookings-table tbody tr")).to_have_count(1)
    expect(page.locator("#bookings-table")).to_contain_text(f"{PATIENT['first']} {PATIENT['last']}")

    # A phone booking over HTTPS, through both instances: the desk's form and its htmx swaps.
    page.get_by_role("link", name="New booking", exact=True).click()
    page.get_by_label("Type of visit", exact=True).select_option(label="Follow-up visit")
    expect(page.locator(".slots-heading")).to_contain_text("Follow-up visit")
    go_to_a_day_with_desk_times(page)
    book_at_the_desk(
        page, reason="Back pain", first="Phoebe", last="Caller", date_of_birth="1950-03-04", phone="703 555 0177"
    )
    expect(page.locator("#appointment")).to_contain_text("Booked: reference")
    [phoned] = [reference for reference, _, email in appointments(production) if email == ""]
    assert wait_for(
        lambda: any(
            phoned in m["Subject"] and m["Subject"].startswith("New booking (phone)")
            for m in relay_messages_to(production, "fairfax-frontdesk@example.org")
        )
    ), "the office was not told of the phone booking"

    # The calendar over HTTPS: switch to a clinician's week with htmx, then book from a free time.
    page.get_by_role("link", name="Calendar", exact=True).click()
    page.get_by_label("View", exact=True).select_option(label="Week of one clinician")
    page.get_by_role("button", name="Show calendar").click()
    expect(page.locator("#calendar-heading")).to_contain_text(", week of ")
    expect(page.locator("#calendar-heading")).to_be_focused()
    assert "view=week" in page.url
    page.get_by_role("link", name="Next week").click()
    free = page.locator("a.calendar-free").first
    expect(free).to_have_accessible_name(re.compile(r"^Book \w+day, \w+ \d+, \d+:\d\d [AP]M$"))
    free.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New booking")
    expect(page.locator('#desk-times input[name="slot"]:checked')).to_have_count(1)

    # Practice settings over HTTPS through both instances: a new kind of visit is offered online
    # on every instance within VERSION_RECHECK_SECONDS (1 s; each keeps step 1 rendered until the
    # set-up's version changes), then taken off again.
    page.get_by_role("link", name="Kinds of visit", exact=True).click()
    page.get_by_role("link", name="Add a kind of visit").click()
    page.get_by_label("Name", exact=True).fill("Nerve conduction study")
    page.get_by_label("Length in minutes").fill("60")
    page.get_by_role("button", name="Add the kind of visit").click()
    expect(page.locator("main")).to_contain_text("Added Nerve conduction study; patients can book it now.")

    def step_one_offers_it():  # on both instances (nginx sends requests to each in turn)
        pages = [page.request.get(production.url + "/book/") for _ in range(2)]
        assert all(response.ok for response in pages)
        return ["Nerve conduction study (60 minutes)" in response.text() for response in pages]

    assert wait_for(lambda: step_one_offers_it() == [True, True], seconds=3)
    page.get_by_role("link", name="Nerve conduction study").click()
    page.get_by_label("Offered for booking").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("main")).to_contain_text("Saved Nerve conduction study.")
    assert wait_for(lambda: step_one_offers_it() == [False, False], seconds=3)


def test_a_patient_cancels_with_the_link_in_their_email(production, new_browser_context):
    # The third day offered is always more than a day away: online changes are still open then
    # (the first two days can fall within the 24-hour cut-off, depending on the time of day).
    email = "cancels.online@example.org"
    book_quickly(production, new_browser_context, email, day=2)
    [confirmation] = wait_for_mail(production, email, 1)
    [reference] = [reference for reference, _, booked_by in appointments(production) if booked_by == email]
    link = re.search(r"https://localhost:\d+/booking/[A-Za-z0-9_-]+", confirmation.get_body(("plain",)).get_content())
    page = new_browser_context().new_page()
    page.goto(link.group(0))
    page.get_by_role("link", name="Cancel this appointment").click()  # asks first, on a step of its own
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel your appointment?")
    assert [status for _, status, booked_by in appointments(production) if booked_by == email] == ["booked"]
    page.get_by_label("I cannot come at that time").check()
    page.get_by_role("button", name="Yes, cancel my appointment").click()
    expect(page.get_by_text("This appointment is cancelled.")).to_be_visible()
    assert [status for _, status, booked_by in appointments(production) if booked_by == email] == ["cancelled"]
    texts = [m.get_body(("plain",)).get_content() for m in wait_for_mail(production, email, 2)]
    [cancellation] = [text for text in texts if ") is cancelled." in text]
    assert "Cannot come" not in cancellation  # the patient's reason stays with the desk
    office = "fairfax-frontdesk@example.org"
    assert wait_for(lambda: sum(reference in m["Subject"] for m in relay_messages_to(production, office)) == 2), (
        "the office was not told of the booking and of the cancellation"
    )


def test_a_patient_who_asks_for_texts_gets_one_and_a_signed_c_reply_confirms_the_visit(production, new_browser_context):
    email = "texts.me@example.org"
    page = new_browser_context().new_page()
    reach_review(page, production, email, day=2, texts=True)
    expect(page.get_by_text("Yes, to this phone")).to_be_visible()
    page.get_by_role("button", name="Confirm appointment").click()
    expect_confirmation(page, site(production))
    [(reference, number)] = sql(production, "SELECT reference, sms_phone FROM appointment WHERE email = %s", email)
    assert number == "+17035550123"

    def texts_for_booking():
        return [m for m in production.texts.messages if reference in m["Body"]]

    assert wait_for(lambda: texts_for_booking(), 20), "no text reached the provider"
    wait_for_mail(production, email, 1)  # by then both workers have had their turn
    [text] = texts_for_booking()  # once, though two workers deliver
    assert text["To"] == number and "Rosa" not in text["Body"]
    short = re.search(r"https://localhost:\d+(/v/[A-Za-z0-9_-]+)", text["Body"]).group(1)
    status, headers, _ = fetch(production, short)
    assert status == 303 and "/booking/" in headers["Location"]

    fields = {"MessageSid": "SM" + "7" * 32, "From": number, "To": "+15715550100", "Body": "C"}
    body = urllib.parse.urlencode(fields).encode()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    forged = signature("not-the-token", production.url + "/texts/inbound", fields.items())
    status, _, _ = fetch(
        production, "/texts/inbound", method="POST", data=body, headers={**form, "X-Twilio-Signature": forged}
    )
    assert status == 403
    # The provider signs the public https:// address it called; behind nginx the app must check that one.
    signed = signature(AUTH_TOKEN, production.url + "/texts/inbound", fields.items())
    status, _, answer = fetch(
        production, "/texts/inbound", method="POST", data=body, headers={**form, "X-Twilio-Signature": signed}
    )
    assert status == 200 and b"is confirmed" in answer
    [(confirmed_at,)] = sql(
        production, "SELECT confirmed_by_patient_at FROM appointment WHERE reference = %s", reference
    )
    assert confirmed_at is not None


def test_a_patient_finds_their_appointment_from_the_calendar_file_without_javascript(production, new_browser_context):
    email = "finds.it@example.org"
    book_quickly(production, new_browser_context, email, day=2)
    [confirmation] = wait_for_mail(production, email, 1)
    [reference] = [reference for reference, _, booked_by in appointments(production) if booked_by == email]
    [attachment] = [part for part in confirmation.iter_attachments() if part.get_content_type() == "text/calendar"]
    calendar_file = attachment.get_content()
    (event,) = Calendar.from_ical(calendar_file).walk("VEVENT")
    assert str(event["URL"]) == production.url + "/booking/find"
    unfolded = calendar_file.replace("\r\n ", "")  # long lines are folded at 75 octets
    assert not re.search(r"/booking/(?!find)", unfolded)  # no private link anywhere in the file

    page = new_browser_context(javascript=False).new_page()
    page.goto(str(event["URL"]))

    def try_date_of_birth(date_of_birth):
        page.get_by_label("Booking reference").fill(reference.lower())
        page.get_by_label("Date of birth").fill(date_of_birth)
        page.get_by_role("button", name="Find my appointment").click()

    try_date_of_birth("1970-05-17")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your appointment")
    expect(page.locator("#booking-step")).to_contain_text(reference)

    # Someone else guessing the date of birth for this reference, over both instances.
    page.goto(production.url + "/booking/find")
    before = [posts_served(instance, "/booking/find") for instance in production.instances]
    for day in range(1, 6):
        try_date_of_birth(f"1980-01-{day:02}")
        expect(page.get_by_role("alert")).to_contain_text("We could not find an upcoming appointment")
    try_date_of_birth("1970-05-17")  # even the right date now waits
    expect(page.get_by_role("alert")).to_contain_text("Too many tries. For your security")
    served = [posts_served(i, "/booking/find") - b for i, b in zip(production.instances, before, strict=True)]
    assert sum(served) == 6 and min(served) >= 1, served  # counted in Redis, whichever instance answered


def test_failed_sign_ins_are_limited_across_both_instances(production, new_browser_context):
    page = new_browser_context().new_page()
    page.goto(production.url + "/admin/login")
    before = [posts_served(instance, "/admin/login") for instance in production.instances]
    for _ in range(5):
        page.get_by_label("Email").fill(ADMIN_EMAIL)
        page.get_by_label("Password").fill("not the password at all")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("do not match an account", exact=False).first).to_be_visible()
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)  # even the right password waits now
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Too many failed sign-ins", exact=False).first).to_be_visible()
    served = [
        posts_served(instance, "/admin/login") - b for instance, b in zip(production.instances, before, strict=False)
    ]
    assert sum(served) == 6 and min(served) >= 1, served  # counted in Redis, whichever instance answered


def test_a_spanish_speaking_patient_books_over_https_and_hears_in_spanish(production, new_browser_context):
    """From /es/ through the article and the five steps (htmx, CSRF and all, through nginx),
    axe finding nothing serious; the outbox workers deliver the confirmation in Spanish with
    https:// links to the Spanish pages, and the office's copy in English says so."""
    patient = SpanishPatient(new_browser_context().new_page(), site(production), js=True)
    patient.read_the_article_and_ask_for_an_appointment()
    patient.book()
    assert patient.problems == []
    email = "lucia.ramirez@example.org"
    [(reference, language)] = sql(production, "SELECT reference, language FROM appointment WHERE email = %s", email)
    assert language == "es"
    [confirmation] = wait_for_mail(production, email, 1)
    text = confirmation.get_body(("plain",)).get_content()
    assert str(confirmation["Subject"]).startswith("Su cita del ") and "Su cita está reservada." in text
    assert re.search(re.escape(production.url) + r"/es/booking/[A-Za-z0-9_-]{40,}", text)
    assert production.url + "/es/office-update" in text
    office = "fairfax-frontdesk@example.org"
    assert wait_for(lambda: [m for m in relay_messages_to(production, office) if reference in m["Subject"]], 20)
    [to_office] = [m for m in relay_messages_to(production, office) if reference in m["Subject"]]
    assert "Language:   Spanish" in to_office.get_body(("plain",)).get_content()


# --- faults ---------------------------------------------------------------------------------------


def test_when_an_instance_dies_patients_go_on_booking(production, new_browser_context):
    first, second = production.instances
    first.kill()  # SIGKILL: a crash, not a clean stop
    booked = 0
    for number in range(2):  # whichever instance nginx tries first, the booking goes through
        # Different days: a worker may show the times kept from up to VERSION_RECHECK_SECONDS
        # ago, so the time just booked can still be offered (and then refused) for a second.
        book_quickly(production, new_browser_context, f"after.crash{number}@example.org", day=1 + number)
        booked += 1
    assert booked == 2 and not first.alive() and second.alive()
    assert len([row for row in appointments(production) if row[2].startswith("after.crash")]) == 2


def test_an_instance_that_loses_redis_still_books_and_says_it_is_degraded(production, new_browser_context):
    _, survivor = production.instances  # the only instance left, and its Redis is now gone
    production.redis_link.sever()
    book_quickly(production, new_browser_context, "no.redis@example.org")
    assert [row for row in appointments(production) if row[2] == "no.redis@example.org"]
    assert "falling back to in-memory" in survivor.output()
    status, _, body = fetch(production, "/healthz")
    assert status == 200
    assert b'"redis":"error"' in body and b'"status":"degraded"' in body


def test_every_email_and_text_reached_its_server_exactly_once(production):
    def all_sent():
        return sql(production, "SELECT count(*) FROM outbox_message WHERE status <> 'sent'")[0][0] == 0

    assert wait_for(all_sent, 30), sql(production, "SELECT kind, status, last_error FROM outbox_message")
    queued = dict(sql(production, "SELECT channel, count(*) FROM outbox_message GROUP BY channel"))
    message_ids = [m["message"]["Message-ID"] for m in production.relay.messages]
    assert len(message_ids) == queued["email"]
    assert len(set(message_ids)) == len(message_ids), Counter(message_ids).most_common(3)
    texts = [(m["To"], m["Body"]) for m in production.texts.messages]
    assert len(texts) == queued.get("sms", 0) and len(set(texts)) == len(texts)


def test_no_log_holds_patients_data_or_an_error(production):
    logs = {
        path.name: path.read_text(errors="replace")
        for path in [*(production.folder / "logs").glob("*.log"), *production.folder.rglob("*error.log")]
    }
    assert set(logs) >= {"web-a.log", "web-b.log", "outbox-1.log", "outbox-2.log", "nginx-error.log"}
    patients = [
        PATIENT["last"],
        PATIENT["email"],
        "racer",
        "no.redis",
        "no.script",
        "finds.it",
        "1970-05-17",
        "555-0123",
    ]
    for name, text in logs.items():
        assert not [word for word in patients if word in text], name
        assert not re.search(r"/booking/(?!<token>)[A-Za-z0-9_-]{20,}", text), name  # no manage-link token
        assert "[ERROR]" not in text and "ERROR in" not in text and "Traceback" not in text, name
