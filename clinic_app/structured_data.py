"""schema.org JSON-LD for search engines: articles as MedicalWebPage, offices as MedicalClinic."""

from flask import current_app, url_for

from .models.office import WEEKDAY_NAMES


def _public_url(endpoint, **values) -> str:
    return current_app.config["PUBLIC_BASE_URL"] + url_for(endpoint, **values)


def article_jsonld(article) -> dict:
    """A MedicalWebPage describing one article."""
    return {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": article.title,
        "headline": article.title,
        "description": article.summary,
        "url": _public_url("articles.detail", slug=article.slug),
        "datePublished": article.published.isoformat(),
        "dateModified": article.last_modified.isoformat(),
        "author": {"@type": "Organization", "name": article.author},
        "publisher": {"@type": "MedicalOrganization", "name": current_app.config["CLINIC_NAME"]},
        "keywords": ", ".join(article.tags),
        "citation": [source.url for source in article.sources],
    }


def clinic_jsonld(office) -> dict:
    """A MedicalClinic with postal address and opening hours."""
    return {
        "@context": "https://schema.org",
        "@type": "MedicalClinic",
        "name": f"{current_app.config['CLINIC_NAME']} — {office.name}",
        "url": _public_url("locations.detail", slug=office.slug),
        "telephone": office.phone,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": office.address_lines[0],
            "addressLocality": office.city,
            "addressRegion": office.state,
            "postalCode": office.postal_code,
            "addressCountry": "US",
        },
        "openingHoursSpecification": [
            {
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": f"https://schema.org/{WEEKDAY_NAMES[hours.weekday]}",
                "opens": hours.opens.strftime("%H:%M"),
                "closes": hours.closes.strftime("%H:%M"),
            }
            for hours in office.opening_hours
        ],
    }
