"""The HTML pages people see (unsubscribe, preferences, invalid links), from Jinja templates with autoescape.

Every page is sent with headers that keep the token in its URL to this site: no referrer, no caching, no
framing, and a Content-Security-Policy that allows no script at all.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse

_ENVIRONMENT = Environment(
    loader=PackageLoader("engine.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
}


def page(template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = _ENVIRONMENT.get_template(f"{template}.html.j2").render(**context)
    return HTMLResponse(html, status_code=status_code, headers=PAGE_HEADERS)


def invalid_link(message: str, status_code: int = 400) -> HTMLResponse:
    """A link that was forged, altered, truncated or never issued: say so, change nothing."""
    return page("invalid", status_code, message=message)
