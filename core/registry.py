"""Finding and loading province plugins: one PluginManager, one entry-point group (`thidua`).

Built-in and third-party provinces load the same way. A plugin that cannot be imported, that
misspells a hook, misses a required hook, or claims a key another plugin already has is
refused with a message naming it and the fault; the other provinces keep working.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from thidua import hookspecs
from thidua.rules import Province, RuleSet

GROUP = "thidua"


class UnknownProvince(Exception):
    pass


@dataclass
class Plugins:
    manager: pluggy.PluginManager
    provinces: dict[str, Province] = field(default_factory=dict)
    modules: dict[str, Any] = field(default_factory=dict)
    distributions: dict[str, str] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)  # one line per refused plugin
    _callers: dict[tuple[str, str], Any] = field(default_factory=dict)  # import calls validate once per event

    def province(self, key: str) -> Province:
        try:
            return self.provinces[key]
        except KeyError:
            known = ", ".join(sorted(self.provinces)) or "none"
            raise UnknownProvince(f"unknown province {key!r} (installed: {known})") from None

    def call(self, key: str, hook: str, **kwargs: Any) -> Any:
        """Call one hook on one province's plugin only, with keyword arguments."""
        caller = self._callers.get((key, hook))
        if caller is None:
            caller = self._callers[(key, hook)] = self._caller(key, hook)
        return caller(**kwargs)

    def _caller(self, key: str, hook: str) -> Any:
        """pluggy's caller for one plugin's hook; or, when that plugin has the one plain
        implementation (no wrappers), the implementation itself, given the arguments it names as
        pluggy would pass them: an import calls `thidua_validate` once per event, and pluggy's
        dispatch cost as much as a simple plugin's checks. Every hook is `firstresult`, so the one
        implementation's answer is the answer, `None` included."""
        module = self.modules[key]
        others = [p for p in self.manager.get_plugins() if p is not module]
        caller = self.manager.subset_hook_caller(hook, remove_plugins=others)
        impls = caller.get_hookimpls()
        spec = getattr(self.manager.hook, hook).spec
        if len(impls) != 1 or impls[0].hookwrapper or impls[0].wrapper or not spec.opts.get("firstresult"):
            return caller
        function, names = impls[0].function, impls[0].argnames

        def direct(**kwargs: Any) -> Any:
            return function(*[kwargs[name] for name in names])

        return direct

    def implements(self, key: str, hook: str) -> bool:
        module = self.modules[key]
        return any(impl.plugin is module for impl in getattr(self.manager.hook, hook).get_hookimpls())

    def ruleset(self, key: str, period: str) -> RuleSet:
        return self.province(key).ruleset_for(period)


def _manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager(GROUP)
    manager.add_hookspecs(hookspecs)
    return manager


def adopt(plugins: Plugins, name: str, module: ModuleType | Any, distribution: str = "") -> None:
    """Register one plugin object, or refuse it with a one-line reason."""
    manager = plugins.manager
    try:
        manager.register(module, name=f"thidua-plugin-{name}-{id(module)}")
    except Exception as exc:  # pluggy raises PluginValidationError and ValueError
        plugins.refused.append(f"plugin {name!r}: refused: {exc}")
        return
    faults = []
    for impl_name in dir(module):
        attr = getattr(module, impl_name, None)
        if impl_name.startswith("thidua_") and callable(attr) and not hasattr(hookspecs, impl_name):
            faults.append(f"{impl_name} is not a hook of thidua (misspelled?)")
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as exc:
        faults.append(str(exc))
    implemented = {
        impl
        for impl in hookspecs.REQUIRED_HOOKS + hookspecs.DECISION_HOOKS
        if any(i.plugin is module for i in getattr(manager.hook, impl).get_hookimpls())
    }
    faults += [f"missing required hook {hook}" for hook in hookspecs.REQUIRED_HOOKS if hook not in implemented]
    if not implemented & set(hookspecs.DECISION_HOOKS):
        faults.append("missing required hook: one of " + " or ".join(hookspecs.DECISION_HOOKS))
    province = None
    if not faults:
        try:
            province = manager.subset_hook_caller(
                "thidua_province", remove_plugins=[p for p in manager.get_plugins() if p is not module]
            )()
        except Exception as exc:
            faults.append(f"thidua_province() failed: {type(exc).__name__}: {exc}")
        if province is not None and not isinstance(province, Province):
            faults.append("thidua_province() must return a thidua.rules.Province")
        elif province is not None and province.key in plugins.provinces:
            faults.append(
                f"claims province key {province.key!r}, which {plugins.distributions[province.key] or 'another plugin'} already has"
            )
        elif province is not None and (unknown := uncatalogued_rules(module, province)):
            faults.append(f"cites rule id(s) that none of its rule sets has: {', '.join(unknown)}")
    if faults or province is None:
        manager.unregister(module)
        plugins.refused.append(f"plugin {name!r}: refused: " + "; ".join(faults))
        return
    plugins.provinces[province.key] = province
    plugins.modules[province.key] = module
    plugins.distributions[province.key] = distribution


RULE_ID = re.compile(r"""["']([A-Z][A-Z0-9]*-[A-Z]+-[A-Z0-9]+)["']""")


def uncatalogued_rules(module: Any, province: Province) -> list[str]:
    """Rule ids written as literals in the plugin's source that its rule sets do not define:
    a decision citing one could never be explained, so the plugin is refused at load."""
    origin = getattr(module, "__file__", None)
    if not origin:
        return []
    folder = Path(origin).parent
    sources = folder.rglob("*.py") if hasattr(module, "__path__") else [Path(origin)]
    known = {rule for rules in province.rulesets for rule in rules.rules}
    found: set[str] = set()
    for source in sources:
        try:
            found.update(RULE_ID.findall(source.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError):
            continue
    return sorted(found - known)


def load_plugins(extra: dict[str, Any] | None = None) -> Plugins:
    """Every plugin of the entry-point group, plus `extra` objects (tests)."""
    plugins = Plugins(_manager())
    for entry in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        dist = f"{entry.dist.name} {entry.dist.version}" if entry.dist else ""
        try:
            module = entry.load()
        except Exception as exc:
            plugins.refused.append(
                f"plugin {entry.name!r} ({entry.value}): refused: cannot import: {type(exc).__name__}: {exc}"
            )
            continue
        adopt(plugins, entry.name, module, dist)
    for name, module in (extra or {}).items():
        adopt(plugins, name, module, "")
    return plugins
