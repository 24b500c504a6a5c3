"""The module registry: each domain package declares itself once, in its ``__init__.py``::

    from lianxin.modules import Job, Module, Nav

    MODULE = Module(
        "hotspots", "热点", "Hotspots",
        page_routers=("lianxin.hotspots.views:router",),
        api_routers=("lianxin.hotspots.api:router",),
        cli=(("hotspots", "lianxin.hotspots.cli:hotspots"),),
        jobs=(Job("refresh_hotspots", "lianxin.hotspots.service:refresh_hotspots", order=90),),
        nav=(Nav("/hotspots", "热点", "Hotspots", {"leader", "dispatcher"}),),
    )

and ``MODULES`` below names the package once. ``lianxin.app`` (pages, API, mounts, navigation),
``lianxin.cli`` (commands, ``init``, ``demo``) and ``lianxin.jobs`` iterate the enabled modules; nothing
else names a domain. ``LIANXIN_MODULES`` switches modules off (see :func:`enabled_modules`).

Everything a module points at is a ``"package.module:attribute"`` reference, imported only when an
app, the CLI or the job runner is built, so importing a package's ``__init__`` stays cheap and the
registry never causes an import cycle. A reference may also be the object itself (tests do this).
This module imports nothing from FastAPI, Typer or SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

# The domain packages, in order: page routers are included, navigation entries listed and CLI
# commands added in this order (jobs run in their own ``order``). The core (orgs, appeals, sla,
# visits, web, api) is not a module: it is always there.
MODULES: list[str] = [
    "lianxin.geo",
    "lianxin.knowledge",
    "lianxin.dispatch",
    "lianxin.routing",
    "lianxin.stats",
    "lianxin.assessment",
    "lianxin.ledger",
    "lianxin.hotspots",
    "lianxin.topics",
    "lianxin.webhooks",
    "lianxin.open311",
    "lianxin.residents",
    "lianxin.wishes",
    "lianxin.pledges",
    "lianxin.care",
    "lianxin.points",
    "lianxin.volunteers",
    "lianxin.logistics",
    "lianxin.services",
    "lianxin.poverty",
    "lianxin.calls",
]

Ref = str | Any  # "package.module:attribute", or the object itself

# The points where the core's verbs let modules take part, and how each hook is called. The core (appeals,
# sla, visits, web, api) never imports a module package; it asks the enabled modules' hooks instead.
HOOKS: dict[str, str] = {
    "before_intake": "pipe: f(session, data: AppealCreate) -> AppealCreate, before the appeal row exists "
    "(geo fills the community and grid from a point or an address)",
    "after_recategorize": "f(session, appeal, *, actor, previous_category_id, predicted_category_id), after the "
    "centre confirmed or corrected the category (routing records a training label)",
    "hotspot_topics": "f(session, hotspot) -> list of topics made from the hotspot, shown on its page (topics)",
    "after_demo": "f(session, city) -> str | None, after ``lianxin demo`` generated the demo city's appeals "
    "(routing trains its model); a text is added to the demo's report",
    "rate_weights": "first answer: f(session, jurisdiction_id) -> Weights | None, the weights the three "
    "rates use (assessment's admin-edited settings); none: the defaults",
    "after_sign_in": "f(session, user), after a staff login's password was accepted (wishes links the party "
    "member or volunteer registered with the user's phone)",
    "after_resident_sign_in": "f(session, account), after a resident proved their phone with a code (wishes "
    "links the member or volunteer registered with that phone)",
    "map_boundaries": "first answer: f(session, jurisdiction_id, kind) -> GeoJSON FeatureCollection | None, the "
    "boundaries of one unit kind for the public maps, each feature's properties only ``unit_id`` and ``name`` "
    "(geo); none: the maps draw points only",
    "locate_point": "first answer: f(session, jurisdiction_id, lat, lng) -> dict | None: ``inside`` (bool), "
    "``community_id``, ``name`` and, outside, ``message_zh``/``message_en`` (geo); none: nothing can be said",
    "after_desk_intake": "f(session, appeal, *, actor, values), after the operator's intake form (/staff/intake) "
    "saved an appeal, inside its transaction; ``values``: the posted form (calls links the call the form carried "
    "and sends the intake to an expert queue)",
}


def resolve(ref: Ref) -> Any:
    """Import ``"package.module:attribute"`` (attribute may be dotted); anything else is returned as is."""
    if not isinstance(ref, str):
        return ref
    module_name, _, attribute = ref.partition(":")
    target: Any = import_module(module_name)
    for part in attribute.split(".") if attribute else ():
        target = getattr(target, part)
    return target


@dataclass(frozen=True)
class Nav:
    """A link in the main navigation. ``roles``: the role codes that see it (admins see every staff
    entry); an empty set: any signed-in user; ``None``: everyone, signed in or not."""

    path: str
    zh: str
    en: str
    roles: frozenset[str] | None = frozenset()

    def __post_init__(self) -> None:
        if self.roles is not None:
            object.__setattr__(self, "roles", frozenset(str(r) for r in self.roles))


@dataclass(frozen=True)
class Job:
    """A background job run by ``lianxin jobs run``: ``run(session, settings, now) -> int`` (rows acted on).
    Jobs run in ascending ``order`` (the core's are 10–40; ties keep the ``MODULES`` order), each in its
    own transaction, and must be idempotent."""

    name: str
    run: Ref
    order: int = 100

    def __call__(self, session, settings, now) -> int:
        return resolve(self.run)(session, settings, now)


@dataclass(frozen=True)
class RoleDef:
    """A role a module adds (shown in admin pickers). Its code must also be a value of
    ``lianxin.orgs.models.Role`` and allowed by the ``role_grants.role`` column (a migration)."""

    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class Module:
    """One domain's declaration. Every reference is ``"package.module:attribute"``.

    - ``page_routers``: APIRouters with the module's web pages (templates under ``web/templates/<name>/``).
    - ``api_routers``: APIRouters included in the JSON API under ``/api/v1`` (and in its OpenAPI document).
    - ``mounts``: ``(path, factory)``; ``factory(app) -> ASGI app`` is mounted at ``path`` (Open311).
    - ``cli``: ``(name, target)``; a ``typer.Typer`` becomes ``lianxin NAME …``, a function ``lianxin NAME``.
    - ``jobs``: :class:`Job` s; ``nav``: :class:`Nav` entries; ``roles``: :class:`RoleDef` s.
    - ``init_defaults``: ``f(session, jurisdiction)``, idempotent, run by ``lianxin init`` after the core defaults.
    - ``demo``: ``f(session, city)``, run by ``lianxin demo`` after the demo city's units and staff exist and
      before its appeals are generated; ``city`` is ``lianxin.demo.DemoCity`` (``jid``, ``by_code``,
      ``position``, ``staff``, ``rng``, ``settings``).
    - ``requires``: names of modules that must be enabled too.
    - ``hooks``: ``{hook name: reference or tuple of references}``, the module's part in the core's verbs
      (see :data:`HOOKS`); the core calls them through :func:`run_hooks` / :func:`pipe_hooks` and never
      imports the module.
    """

    name: str
    label_zh: str
    label_en: str
    page_routers: tuple[Ref, ...] = ()
    api_routers: tuple[Ref, ...] = ()
    mounts: tuple[tuple[str, Ref], ...] = ()
    cli: tuple[tuple[str, Ref], ...] = ()
    jobs: tuple[Job, ...] = ()
    nav: tuple[Nav, ...] = ()
    roles: tuple[RoleDef, ...] = ()
    init_defaults: Ref | None = None
    demo: Ref | None = None
    requires: tuple[str, ...] = field(default=())
    hooks: Mapping[str, Ref | tuple[Ref, ...]] = field(default_factory=dict, hash=False, compare=False)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.hooks) - set(HOOKS))
        if unknown:
            raise ModuleConfigError(
                f"模块 {self.name} 声明了未知的挂钩 {', '.join(unknown)}",
                f"module {self.name} declares unknown hooks {', '.join(unknown)}; known: {', '.join(HOOKS)}",
            )

    def hook_refs(self, name: str) -> tuple[Ref, ...]:
        refs = self.hooks.get(name, ())
        return refs if isinstance(refs, tuple) else (refs,)


class ModuleConfigError(ValueError):
    """``LIANXIN_MODULES`` names an unknown module, or leaves out one that an enabled module requires."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh, self.message_en = message_zh, message_en


def declared(package: str) -> Module:
    """The ``MODULE`` a package declares in its ``__init__.py``."""
    module = getattr(import_module(package), "MODULE", None)
    if not isinstance(module, Module):
        raise ModuleConfigError(f"{package} 没有声明 MODULE", f"{package} declares no MODULE in its __init__.py")
    return module


def all_modules() -> list[Module]:
    return [declared(package) for package in MODULES]


def parse_selection(value: str, known: Sequence[str]) -> list[str]:
    """``""`` or ``"all"``: every module; ``"a,b"``: only those; ``"-a,-b"``: all but those (in ``known`` order)."""
    items = [item.strip() for item in value.replace(" ", ",").split(",") if item.strip()]
    if not items or items == ["all"]:
        return list(known)
    negative = [item[1:] for item in items if item.startswith("-")]
    positive = [item for item in items if not item.startswith("-")]
    if negative and positive:
        raise ModuleConfigError(
            "LIANXIN_MODULES 不能同时列出启用和停用的模块",
            "LIANXIN_MODULES lists either the enabled modules or, with '-', the disabled ones",
        )
    unknown = [name for name in negative or positive if name not in known]
    if unknown:
        raise ModuleConfigError(
            f"未知模块 {', '.join(unknown)}；可选 {', '.join(known)}",
            f"unknown module {', '.join(unknown)}; known: {', '.join(known)}",
        )
    if negative:
        return [name for name in known if name not in negative]
    return [name for name in known if name in positive]


def check_requires(modules: Iterable[Module]) -> None:
    modules = list(modules)
    names = [m.name for m in modules]
    if len(set(names)) != len(names):
        raise ModuleConfigError(f"模块重复：{', '.join(names)}", f"a module is listed twice: {', '.join(names)}")
    for module in modules:
        missing = [name for name in module.requires if name not in names]
        if missing:
            raise ModuleConfigError(
                f"模块 {module.name} 需要启用 {', '.join(missing)}（在 LIANXIN_MODULES 中加入，或同时停用 {module.name}）",
                f"module {module.name} requires {', '.join(missing)}: enable it in LIANXIN_MODULES or disable {module.name} too",
            )


def enabled_modules(settings=None, extra: Sequence[Module] = ()) -> list[Module]:
    """The modules ``settings.modules`` (``LIANXIN_MODULES``) enables, plus ``extra``; requirements checked."""
    if settings is None:
        from lianxin.config import get_settings

        settings = get_settings()
    available = all_modules()
    selected = parse_selection(getattr(settings, "modules", ""), [m.name for m in available])
    modules = [m for m in available if m.name in selected] + list(extra)
    check_requires(modules)
    return modules


def select_modules(modules: Sequence[Module | str] | None, settings=None) -> list[Module]:
    """``None``: the enabled modules; otherwise the given modules (by ``Module`` or by name), checked."""
    if modules is None:
        return enabled_modules(settings)
    by_name = {m.name: m for m in all_modules()}
    chosen = []
    for item in modules:
        if isinstance(item, str) and item not in by_name:
            raise ModuleConfigError(f"未知模块 {item}", f"unknown module {item}; known: {', '.join(by_name)}")
        chosen.append(by_name[item] if isinstance(item, str) else item)
    check_requires(chosen)
    return chosen


def declared_roles(modules: Iterable[Module]) -> list[RoleDef]:
    return [role for module in modules for role in module.roles]


def each(modules: Iterable[Module], attribute: str) -> list[tuple[Module, Any]]:
    """``(module, item)`` for every item of a tuple-valued field, in module order."""
    return [(module, item) for module in modules for item in getattr(module, attribute)]


def call_hooks(modules: Iterable[Module], attribute: str, *args: Any) -> list[str]:
    """Call each module's ``init_defaults`` or ``demo`` hook; returns the names of the modules called."""
    called = []
    for module in modules:
        hook: Callable | None = resolve(getattr(module, attribute)) if getattr(module, attribute) else None
        if hook is not None:
            hook(*args)
            called.append(module.name)
    return called


# ---- hooks --------------------------------------------------------------------------------------------------


def hooks_for(name: str, modules: Iterable[Module] | None = None, settings=None) -> list[Callable]:
    """The callables the (enabled, by default) modules registered for hook ``name``, in ``MODULES`` order."""
    if name not in HOOKS:
        raise KeyError(f"unknown hook {name!r}; known: {', '.join(HOOKS)}")
    if modules is None:
        modules = _enabled_cached(settings)
    return [resolve(ref) for module in modules for ref in module.hook_refs(name)]


def _enabled_cached(settings=None) -> list[Module]:
    if settings is None:
        from lianxin.config import get_settings

        settings = get_settings()
    key = (getattr(settings, "modules", ""), tuple(MODULES))
    if key not in _ENABLED:  # parsing LIANXIN_MODULES once per selection, not once per verb
        _ENABLED[key] = enabled_modules(settings)
    return _ENABLED[key]


_ENABLED: dict[tuple, list[Module]] = {}


def session_settings(session) -> Any:
    """The settings an edge put in ``session.info`` (``None``: the process's settings)."""
    return session.info.get("settings") if session is not None else None


def run_hooks(name: str, session, *args: Any, modules: Iterable[Module] | None = None, **kwargs: Any) -> list[Any]:
    """Call every enabled module's ``name`` hook with ``(session, *args, **kwargs)``; returns their results."""
    hooks = hooks_for(name, modules, session_settings(session))
    return [hook(session, *args, **kwargs) for hook in hooks]


def pipe_hooks(name: str, session, value: Any, *args: Any, modules: Iterable[Module] | None = None) -> Any:
    """Pass ``value`` through every enabled module's ``name`` hook in turn: ``value = hook(session, value, *args)``."""
    for hook in hooks_for(name, modules, session_settings(session)):
        value = hook(session, value, *args)
    return value


def first_hook(name: str, session, *args: Any, default: Any = None, modules: Iterable[Module] | None = None) -> Any:
    """The first enabled module's answer to hook ``name`` that is not ``None``; ``default`` when none answers."""
    for hook in hooks_for(name, modules, session_settings(session)):
        answer = hook(session, *args)
        if answer is not None:
            return answer
    return default
