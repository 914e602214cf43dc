"""Vendored front-end files, pinned by version and Subresource Integrity hash."""

HTMX_VERSION = "4.0.1"
HTMX_FILE = f"vendor/htmx-{HTMX_VERSION}.min.js"
# sha384 of static/vendor/htmx-4.0.1.min.js as published in the npm package htmx.org@4.0.1.
HTMX_INTEGRITY = "sha384-Qp9rdC8H7EqOoX+nR0P3RPG2Noji+qdwJlGpfzwQJsfOpp3sGwIdSP9xO3+UlEhn"
