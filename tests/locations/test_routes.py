"""The office pages."""

import json
import re
from datetime import time

from clinic_app.extensions import db
from clinic_app.locations.hours import weekly_hours
from clinic_app.models import OpeningHours


def test_locations_list_both_offices(client, offices):
    html = client.get("/locations/").get_data(as_text=True)
    assert "4001 Fair Ridge Dr, Suite 202" in html and "7811 Montrose Rd, Suite 220" in html
    assert html.count("Book at this office") == 2


def test_office_page_shows_address_phone_hours_directions_and_booking(client, offices):
    html = client.get("/locations/potomac").get_data(as_text=True)
    assert "7811 Montrose Rd, Suite 220<br>Potomac, MD 20854" in html
    assert 'href="tel:+13015550187">(301) 555-0187</a>' in html
    assert '<th scope="row">Monday – Friday</th><td>8:00 AM – 5:00 PM</td>' in html
    assert '<th scope="row">Saturday – Sunday</th><td>Closed</td>' in html
    assert "https://www.google.com/maps/dir/?api=1&amp;destination=7811+Montrose+Rd" in html
    assert 'href="/book/?location=potomac">Book at this office</a>' in html


def test_office_page_hours_come_from_the_database(app, client, offices):
    with app.app_context():
        db.session.add(OpeningHours(office_id=offices["fairfax"].id, weekday=5, opens=time(9), closes=time(12)))
        db.session.commit()
    html = client.get("/locations/fairfax").get_data(as_text=True)
    assert '<th scope="row">Saturday</th><td>9:00 AM – 12:00 PM</td>' in html


def test_office_page_carries_medical_clinic_data(client, offices):
    html = client.get("/locations/fairfax").get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "MedicalClinic"
    assert data["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "4001 Fair Ridge Dr, Suite 202",
        "addressLocality": "Fairfax",
        "addressRegion": "VA",
        "postalCode": "22033",
        "addressCountry": "US",
    }
    assert data["openingHoursSpecification"][0] == {
        "@type": "OpeningHoursSpecification",
        "dayOfWeek": "https://schema.org/Monday",
        "opens": "08:00",
        "closes": "17:00",
    }


def test_unknown_office_is_a_404_in_the_layout(client, offices):
    response = client.get("/locations/richmond")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_weekly_hours_group_days_and_split_shifts():
    class Interval:
        def __init__(self, weekday, opens, closes):
            self.weekday, self.opens, self.closes = weekday, opens, closes

    rows = weekly_hours(
        [
            Interval(0, time(8), time(12)),
            Interval(0, time(13), time(17)),
            Interval(1, time(8), time(17)),
            Interval(2, time(8), time(17)),
        ]
    )
    assert rows == [
        {"days": "Monday", "hours": "8:00 AM – 12:00 PM, 1:00 PM – 5:00 PM"},
        {"days": "Tuesday – Wednesday", "hours": "8:00 AM – 5:00 PM"},
        {"days": "Thursday – Sunday", "hours": "Closed"},
    ]
