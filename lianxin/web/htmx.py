"""The one way a view serves an htmx partial.

htmx marks its requests with ``HX-Request: true``. A view that answers them with a fragment calls
:func:`render_partial`: htmx gets the fragment, a plain request (no JavaScript, a bookmarked or reloaded
URL) gets the whole ``page`` when the view has one, so every URL also works without htmx. The response
says ``Vary: HX-Request`` so no cache hands a fragment to a browser or a page to htmx. Status codes are
the real ones: the staff pages' ``htmx-config`` swaps 2xx, 409 and 422 (a fragment with its messages)
and treats other errors as errors. Nothing else reads the header (tested).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from lianxin.web.templating import render

HX_REQUEST = "HX-Request"


def is_htmx(request: Request) -> bool:
    """Whether htmx sent the request (and will swap the answer into the page)."""
    return request.headers.get(HX_REQUEST, "").lower() == "true"


def render_partial(
    request: Request,
    partial: str,
    context: dict | None = None,
    *,
    page: str | None = None,
    status_code: int = 200,
    headers: dict | None = None,
) -> Response:
    """``partial`` for htmx; for a plain request ``page`` (the same context) if given, else ``partial``."""
    name = partial if page is None or is_htmx(request) else page
    response = render(request, name, context, status_code=status_code, headers=headers)
    vary = [v.strip() for v in response.headers.get("Vary", "").split(",") if v.strip()]
    response.headers["Vary"] = ", ".join([*vary, HX_REQUEST] if HX_REQUEST not in vary else vary)
    return response


def redirect_for_htmx(location: str) -> Response:
    """Send htmx to another page (a whole-page navigation), e.g. to the login page when the session ended."""
    return Response(status_code=401, headers={"HX-Redirect": location})
