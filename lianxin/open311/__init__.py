"""Open311 GeoReport v2 at ``/open311/v2`` (a sub-application with the spec's own error format).

``service.py`` maps appeals onto the spec, ``render.py`` writes XML and JSON, ``api.py`` holds the
routes. A category is a service (``service_code`` = category code); its extra questions are
``CategoryAttribute`` rows (``service.set_category_attribute``). ``service_request_id`` is the order
number; ``tokens/{token}`` resolves the appeal's tracking token. ``jurisdiction_id`` is a jurisdiction
code (optional while the deployment has one). ``api_key`` is an API key (``lianxin apikey create
--name NAME --channel CHANNEL``); appeals it submits come from its channel and its jurisdiction.
"""

from lianxin.modules import Module

MODULE = Module(
    "open311",
    "Open311 接口",
    "Open311 GeoReport v2",
    api_routers=("lianxin.open311.attributes_api:router",),
    mounts=(("/open311/v2", "lianxin.open311.server:create_open311"),),
    init_defaults="lianxin.open311.server:load_default_attributes",
)
