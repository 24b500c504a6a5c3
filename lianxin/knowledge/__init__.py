"""The knowledge base (知识库): entries operators answer 咨询 from, searchable; pages at ``/kb``."""

from lianxin.modules import Module, Nav

MODULE = Module(
    "knowledge",
    "知识库",
    "Knowledge base",
    page_routers=("lianxin.knowledge.views:router",),
    api_routers=("lianxin.knowledge.api:router",),
    cli=(("kb", "lianxin.knowledge.cli:kb_app"),),
    nav=(Nav("/kb", "知识库", "Knowledge base", frozenset()),),
    demo="lianxin.knowledge.seed:seed_demo",
)
