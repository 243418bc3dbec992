"""The plugin manager, per-tenant hook dispatch and the run-time check of every hook answer.

Province plugins are modules registered under the ``cme.plugins`` entry-point group; the entry-point
name is the plugin name that tenant files refer to. The core's own answers are a plugin too
(:class:`~cme_platform.plugins.defaults.CoreDefaults`, registered ``trylast`` as ``cme_core``).
:func:`tenant_hooks` calls a hook on one tenant's plugin and the core's defaults only, so a tenant never
sees another province's answers; :func:`startup_hooks` calls a start-up hook on every plugin. Both check
each answer against the spec's return annotation and raise :class:`HookAnswerError` on a wrong type.
"""

from __future__ import annotations

import collections.abc
import inspect
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache, lru_cache, partial
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pluggy

from cme_platform.plugins import ENTRY_POINT_GROUP, PROJECT_NAME, hookspecs
from cme_platform.plugins.defaults import core_plugins, is_core
from cme_platform.plugins.types import PluginInfo

if TYPE_CHECKING:
    from cme_platform.tenancy.context import TenantContext


class UnknownPluginError(LookupError):
    """A tenant names a plugin that is not installed."""


class HookAnswerError(TypeError):
    """A plugin answered a hook with a value of the wrong type."""


def build_plugin_manager(plugins: Mapping[str, ModuleType | object] | None = None) -> pluggy.PluginManager:
    """Create a plugin manager with the hook specs, the core's defaults and the province plugins.

    ``plugins`` maps plugin names to plugin objects (modules or instances with ``@hookimpl`` methods);
    without it the ``cme.plugins`` entry points are loaded.
    """
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for name, plugin in core_plugins(pm):
        pm.register(plugin, name=name)
    if plugins is None:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    else:
        for name, plugin in plugins.items():
            pm.register(plugin, name=name)
    pm.check_pending()
    return pm


@lru_cache(maxsize=1)
def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager holding every installed province plugin."""
    return build_plugin_manager()


_active: ContextVar[pluggy.PluginManager | None] = ContextVar("cme_plugin_manager", default=None)


@contextmanager
def using_plugin_manager(pm: pluggy.PluginManager) -> Iterator[None]:
    """Make ``pm`` the active manager inside the block (the app does it for each request)."""
    token = _active.set(pm)
    try:
        yield
    finally:
        _active.reset(token)


def active_plugin_manager() -> pluggy.PluginManager:
    """The manager of the request (or job) in progress: the app's, else the process-wide one."""
    return _active.get() or get_plugin_manager()


def province_names(pm: pluggy.PluginManager) -> list[str]:
    """The names of the registered province plugins (the core's own plugins excluded), sorted."""
    return sorted(name for name, plugin in pm.list_name_plugin() if plugin is not None and not is_core(name))


def plugin_info(pm: pluggy.PluginManager, name: str) -> PluginInfo:
    """The metadata of plugin ``name``; raises :class:`UnknownPluginError` when it is not registered."""
    info = tenant_hooks(pm, name).cme_plugin_info()
    if info is None:
        raise UnknownPluginError(name)
    return info


# -- answer checking --------------------------------------------------------------------------------------

Check = Callable[[Any], bool]


def _checker(hint: Any) -> Check:
    """A predicate that says whether a value has the type ``hint`` (the forms hook specs use)."""
    if hint is Any:
        return lambda value: True
    if hint is None or hint is type(None):
        return lambda value: value is None
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        options = [_checker(a) for a in args]
        return lambda value: any(check(value) for check in options)
    if origin is list:
        item = _checker(args[0]) if args else _checker(Any)
        return lambda value: isinstance(value, list | tuple) and all(item(v) for v in value)
    if origin is type:
        base = args[0] if args and args[0] is not Any else object
        if typing.get_origin(base) in (typing.Union, types.UnionType):
            bases = tuple(typing.get_origin(b) or b for b in typing.get_args(base))
            return lambda value: isinstance(value, type) and issubclass(value, bases)
        return lambda value: isinstance(value, type) and issubclass(value, base)
    if origin is collections.abc.Callable:
        return callable
    if origin is collections.abc.Awaitable:
        return inspect.isawaitable
    if isinstance(hint, type):
        return lambda value: isinstance(value, hint)
    raise TypeError(f"hook specs cannot use {hint!r} as a return type")


@cache
def return_hint(hook_name: str) -> Any:
    """The resolved return annotation of ``hook_name``'s spec."""
    spec = getattr(hookspecs, hook_name)
    return typing.get_type_hints(spec, globalns=hookspecs.answer_namespace())["return"]


@cache
def answer_check(hook_name: str) -> Check:
    """The check of one answer of ``hook_name``, from its spec's return annotation."""
    return _checker(return_hint(hook_name))


def is_firstresult(hook_name: str) -> bool:
    """Whether ``hook_name`` stops at the first non-``None`` answer."""
    return bool(getattr(getattr(hookspecs, hook_name), f"{PROJECT_NAME}_spec")["firstresult"])


def _describe(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text[:120]}"


class CheckedCaller:
    """Calls one hook and checks the answer (``firstresult``) or every plugin's answer (the others)."""

    def __init__(self, hook_name: str, caller: Any, who: str) -> None:
        self.name = hook_name
        self._caller = caller
        self._who = who
        self._check = answer_check(hook_name)
        self._first = is_firstresult(hook_name)

    def __call__(self, **kwargs: Any) -> Any:
        """Call the hook with keyword arguments; raise :class:`HookAnswerError` on a wrong answer type."""
        answer = self._caller(**kwargs)
        answers = [answer] if self._first else answer
        for value in answers:
            if not (self._first and value is None) and not self._check(value):
                raise HookAnswerError(
                    f"{self.name} answered {_describe(value)} ({self._who}); "
                    f"the spec asks for {return_hint(self.name)!r}"
                )
        return answer


class TenantHooks:
    """Hook callers restricted to one plugin and the core: ``tenant_hooks(pm, "zhejiang").cme_x(...)``."""

    def __init__(self, pm: pluggy.PluginManager, plugin_name: str) -> None:
        plugin = pm.get_plugin(plugin_name)
        if plugin is None or is_core(plugin_name):
            raise UnknownPluginError(f"plugin {plugin_name!r} is not installed")
        self._pm = pm
        self.plugin_name = plugin_name
        self._others = [
            p
            for name, p in pm.list_name_plugin()
            if name != plugin_name and not is_core(name) and p is not None
        ]
        self._subsets: dict[str, Any] = {}
        self._callers: dict[str, CheckedCaller] = {}

    def _subset(self, hook_name: str) -> Any:
        """pluggy's caller of ``hook_name`` without the other provinces, built once."""
        subset = self._subsets.get(hook_name)
        if subset is None:
            subset = self._subsets[hook_name] = self._pm.subset_hook_caller(
                hook_name, remove_plugins=self._others
            )
        return subset

    def __getattr__(self, hook_name: str) -> Any:
        if not hook_name.startswith("cme_"):
            raise AttributeError(hook_name)
        caller = self._callers.get(hook_name)
        if caller is None:
            who = f"plugin {self.plugin_name!r} or the core's defaults"
            caller = self._callers[hook_name] = CheckedCaller(hook_name, self._subset(hook_name), who)
        return caller

    def hookimpls(self, hook_name: str) -> list[Any]:
        """The implementations of ``hook_name`` this tenant reaches, in call order (for event delivery)."""
        return list(reversed(self._subset(hook_name).get_hookimpls()))


def tenant_hooks(pm: pluggy.PluginManager, tenant: TenantContext | str) -> Any:
    """The one way to call a tenant's hooks: its province plugin's answers, then the core's defaults.

    With a :class:`~cme_platform.tenancy.context.TenantContext` the hooks that take ``tenant`` get it
    without repeating it (``tenant_hooks(pm, tenant).cme_credit_categories(year=2026)``); with a plugin
    name (``tenant_hooks(pm, "zhejiang").cme_settings_schema()``) every argument is passed explicitly.
    """
    name = tenant if isinstance(tenant, str) else tenant.plugin
    cache_: dict[str, TenantHooks] = pm.__dict__.setdefault("_cme_tenant_hooks", {})
    hooks = cache_.get(name)
    if hooks is None:
        hooks = cache_[name] = TenantHooks(pm, name)
    return hooks if isinstance(tenant, str) else BoundHooks(hooks, tenant)


class BoundHooks:
    """A tenant's hooks with the ``tenant`` argument filled in (see :func:`tenant_hooks`)."""

    def __init__(self, hooks: TenantHooks, tenant: TenantContext) -> None:
        self._hooks = hooks
        self._tenant = tenant

    def __getattr__(self, hook_name: str) -> Any:
        caller = getattr(self._hooks, hook_name)
        if "tenant" in takes(hook_name):
            return partial(caller, tenant=self._tenant)
        return caller


@cache
def takes(hook_name: str) -> tuple[str, ...]:
    """The argument names of ``hook_name``'s spec."""
    return tuple(inspect.signature(getattr(hookspecs, hook_name)).parameters)


def startup_hooks(pm: pluggy.PluginManager, hook_name: str) -> CheckedCaller:
    """A start-up hook (routes, templates, Piccolo apps) called on every plugin, answers checked."""
    return CheckedCaller(hook_name, getattr(pm.hook, hook_name), "one of the installed plugins")
