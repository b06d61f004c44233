"""Finding and loading province plugins: one PluginManager, one entry-point group (`thidua`).

Built-in and third-party provinces load the same way. A plugin that cannot be imported, that
misspells a hook, misses a required hook, or claims a key another plugin already has is
refused with a message naming it and the fault; the other provinces keep working.

What a full load learns (each entry point's province key and distribution, the refusals) is
kept in a small cache file, so that a query about one province (`load_plugins_for`) imports and
checks that province's plugin alone, without scanning the installed distributions' metadata.
The cache is keyed by `sys.path`, the folders on it and their distributions' entry points, and
holds the time stamps of every file the learning read (the plugins' files, this registry's own
sources): anything installed, removed or edited there, and the next command learns again.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import re
import sys
from dataclasses import dataclass, field
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
    from importlib.metadata import entry_points

    plugins = Plugins(_manager())
    learned: list[dict[str, Any]] = []
    for entry in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        dist = f"{entry.dist.name} {entry.dist.version}" if entry.dist else ""
        refused = len(plugins.refused)
        known = set(plugins.provinces)
        try:
            module = entry.load()
        except Exception as exc:
            plugins.refused.append(
                f"plugin {entry.name!r} ({entry.value}): refused: cannot import: {type(exc).__name__}: {exc}"
            )
            module = None
        else:
            adopt(plugins, entry.name, module, dist)
        key = next(iter(set(plugins.provinces) - known), None)
        learned.append(
            {
                "name": entry.name,
                "value": entry.value,
                "dist": dist,
                "key": key,
                "refused": plugins.refused[refused:],
                "files": _stamps(_files_of(entry.value)),
                "imported": module is not None,
                "found": None if module is not None else _origin(entry.value),
            }
        )
    for name, module in (extra or {}).items():
        adopt(plugins, name, module, "")
    if not extra:
        _remember(learned)
    return plugins


def load_plugins_for(key: str) -> Plugins | None:
    """The plugins a query about one province needs: that province's plugin alone, imported and
    checked as a full load would (`adopt`), with the refusals a full load reported; or None when
    the cache (see the module) does not stand for what is installed now, or does not know `key`."""
    learned = _recall()
    if learned is None:
        return None
    found = [entry for entry in learned if entry["key"] == key]
    if len(found) != 1:
        return None
    entry = found[0]
    plugins = Plugins(_manager())
    try:
        module = _load_entry(entry["value"])
    except Exception:
        return None
    adopt(plugins, entry["name"], module, entry["dist"])
    if list(plugins.provinces) != [key]:
        return None  # it says something else now: a full load tells
    plugins.refused = [line for entry in learned for line in entry["refused"]]
    return plugins


def _load_entry(value: str) -> Any:
    """An entry point's object from its value (`module` or `module:attribute.path`), as
    `importlib.metadata.EntryPoint.load` finds it."""
    module_name, _, attributes = value.partition(":")
    found: Any = importlib.import_module(module_name.strip())
    for attribute in filter(None, attributes.strip().split(".")):
        found = getattr(found, attribute)
    return found


# -- the cache of what a full load learned ------------------------------------------------------
CACHE_FORMAT = 1
OWN_SOURCES = ("registry.py", "hookspecs.py", "rules.py")


def _cache_file() -> Path | None:
    folder = os.environ.get("THIDUA_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "thidua"
    )
    if not os.path.isabs(folder):
        return None
    digest = hashlib.sha256()
    for entry in sys.path:  # the scan's inputs: the distributions on the path, in order, and their entry points
        try:
            with os.scandir(entry or ".") as listing:
                infos = sorted(e.name for e in listing if e.name.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
        if infos:
            digest.update(os.fsencode(os.path.abspath(entry or ".")) + b"\0")
        for info in infos:
            digest.update(repr((info, _stamp(os.path.join(entry or ".", info, "entry_points.txt")))).encode())
    return Path(folder) / f"plugins-{CACHE_FORMAT}-{digest.hexdigest()[:40]}.json"


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_mtime_ns, found.st_size


def _origin(value: str) -> str | None:
    """The file an entry point's module is (or would be) imported from, if any."""
    name = value.partition(":")[0].strip()
    origin = getattr(sys.modules.get(name), "__file__", None)
    if origin is None:
        try:
            spec = importlib.util.find_spec(name)
        except Exception:
            spec = None
        origin = spec.origin if spec is not None else None
    return origin


def _files_of(value: str) -> list[str]:
    """Every file a plugin's checks read: its package's folders and files (or its one module);
    for one that did not import, what would be imported, if it is there."""
    origin = _origin(value)
    if not origin or not os.path.isfile(origin):
        return []
    if os.path.basename(origin) != "__init__.py":
        return [origin]
    files = []
    for folder, subfolders, names in os.walk(os.path.dirname(origin)):
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
        files.append(folder)
        files.extend(os.path.join(folder, name) for name in sorted(names))
    return files


def _stamps(files: list[str]) -> list[list[Any]]:
    return [[path, _stamp(path)] for path in files]


def _own() -> list[list[Any]]:
    return _stamps([str(Path(__file__).with_name(name)) for name in OWN_SOURCES])


def _remember(learned: list[dict[str, Any]]) -> None:
    """Keep what a full load learned; a cache that cannot be written is no cache."""
    import orjson

    try:
        path = _cache_file()
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        temporary.write_bytes(orjson.dumps({"own": _own(), "entries": learned}))
        os.replace(temporary, path)
    except (OSError, TypeError, ValueError):
        return


def _recall() -> list[dict[str, Any]] | None:
    """What a full load learned, if every file it read is as it was then."""
    import orjson

    try:
        path = _cache_file()
        if path is None:
            return None
        data = orjson.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    try:
        stamps = data["own"] + [stamp for entry in data["entries"] for stamp in entry["files"]]
        if any(_stamp(path) != (tuple(stamp) if stamp is not None else None) for path, stamp in stamps):
            return None
        # a plugin that did not import: it may import now (a module put on the path since)
        if any(entry["found"] != _origin(entry["value"]) for entry in data["entries"] if not entry["imported"]):
            return None
        return list(data["entries"])
    except (KeyError, TypeError, ValueError):
        return None
