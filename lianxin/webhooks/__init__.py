"""Webhooks: a unit registers an HTTPS URL and receives HMAC-signed events for its appeals, with retries."""

from lianxin.modules import Job, Module

MODULE = Module(
    "webhooks",
    "事件推送",
    "Webhooks",
    api_routers=("lianxin.webhooks.api:router",),
    jobs=(
        Job("queue_webhooks", "lianxin.webhooks.service:queue_job", order=70),
        Job("deliver_webhooks", "lianxin.webhooks.service:deliver_job", order=71),
    ),
)
