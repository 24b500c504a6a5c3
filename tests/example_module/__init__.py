"""A tiny module that lives in the tests and registers itself exactly as a domain package does
(docs/adding-a-module.md): one page, one API route, one job, one CLI command, one navigation entry and
default data for ``lianxin init``. ``tests/test_modules.py`` adds it to an app, a CLI and the job runner
and checks that each piece appears — and that none is left when it is not enabled."""

from lianxin.modules import Job, Module, Nav

MODULE = Module(
    "example",
    "示例模块",
    "Example module",
    page_routers=("tests.example_module.views:router",),
    api_routers=("tests.example_module.api:router",),
    cli=(("example", "tests.example_module.cli:example_app"),),
    jobs=(Job("example_count_units", "tests.example_module.jobs:count_units", order=95),),
    nav=(Nav("/example", "示例模块", "Example module", {"leader"}),),
    init_defaults="tests.example_module.service:ensure_desk",
    demo="tests.example_module.service:demo_desk",
    requires=("stats",),
)
