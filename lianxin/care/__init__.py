"""关爱 proactive care (未诉先办): a register of households and people with vulnerable-group tags and emergency
contacts, meters and sensors reporting over MQTT (``lianxin alerts listen``) or HTTP, rules as data evaluated on
the clock, and alarms with an escalation ladder and a required visit record.

Layout: ``status.py`` (pure: alarm state machine, ladder, rule arithmetic), ``models.py``, ``service.py`` (the
register's verbs), ``keys.py`` (key rotation), ``pages.py`` (map, leaders' view, visit photo), ``alarms.py`` (readings and the alarm verbs), ``evaluate.py`` (rules on the clock), ``reports.py`` (leaders' figures, the timeline), ``mqtt.py`` (listener and
simulator), ``excel.py`` (the community's 台账 import), ``views.py``, ``api.py``, ``cli.py``, ``jobs.py``,
``demo.py``.
"""

from lianxin.modules import Job, Module, Nav

MODULE = Module(
    "care",
    "关爱",
    "Proactive care",
    page_routers=("lianxin.care.views:router", "lianxin.care.pages:router"),
    api_routers=("lianxin.care.api:households", "lianxin.care.api:alerts"),
    cli=(("care", "lianxin.care.cli:care_app"), ("alerts", "lianxin.care.cli:alerts_app")),
    jobs=(
        Job("care_evaluate_rules", "lianxin.care.jobs:evaluate_rules", order=85),
        Job("care_escalate_alarms", "lianxin.care.jobs:escalate_alarms", order=86),
    ),
    nav=(
        Nav("/care/alarms", "关爱告警", "Care alarms", {"grid_worker", "handler", "leader"}),
        Nav("/care/households", "关爱台账", "Care register", {"grid_worker", "handler", "leader"}),
        Nav("/care/map", "关爱地图", "Care map", {"grid_worker", "handler", "leader"}),
        Nav("/leader/care", "关爱总览", "Care overview", {"leader"}),
    ),
    init_defaults="lianxin.care.demo:ensure_defaults",
    demo="lianxin.care.demo:demo_hook",
)
