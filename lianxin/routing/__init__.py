"""The routing model: category suggestions learnt from the deployment's confirmed appeals (``lianxin train``,
``lianxin eval``), model versions at ``/routing``."""

from lianxin.modules import Module, Nav

MODULE = Module(
    "routing",
    "分类模型",
    "Routing model",
    page_routers=("lianxin.routing.web:router",),
    api_routers=("lianxin.routing.api:router",),
    cli=(("eval", "lianxin.routing.cli:eval_app"), ("train", "lianxin.routing.cli:train")),
    nav=(Nav("/routing", "分类模型", "Routing model", {"admin", "leader"}),),
    hooks={
        "after_recategorize": "lianxin.routing.labels:label_recategorized",
        "after_demo": "lianxin.routing.service:train_after_demo",
    },
)
