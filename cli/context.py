"""What every command shares: the error kinds with their exit status, the store and plugins of
one invocation (`Context`), and a decider for one province and period as of a moment.

Exit status: 0 done; 1 bad input (nothing written); 2 wrong usage; 3 integrity failure;
4 the store stayed busy (other writers) for longer than `--wait` seconds (nothing written).
"""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING, Any, cast

import click

if TYPE_CHECKING:
    from thidua.log.store import Store
    from thidua.registry import Plugins


class BadInput(click.ClickException):
    exit_code = 1


class Integrity(click.ClickException):
    exit_code = 3


class Usage(click.ClickException):
    exit_code = 2


class Busy(click.ClickException):
    """Other writers kept the store past `--wait`: contention, never bad input (CONTRACT.md §3)."""

    exit_code = 4


class Interrupted(click.ClickException):
    """Ctrl-C or SIGTERM, and nothing was written: 130, as a shell reports an interrupted command."""

    exit_code = 130


class Context:
    """What every command shares: the store URL and, once loaded, the store and the plugins."""

    def __init__(self, db: str, wait: float = 60.0):
        self.db = db
        self.wait = wait  # seconds a writer waits for other writers (--wait)
        self.created: str | None = None  # the store file this command created, if any
        self._store: Store | None = None
        self._reader: Any = None  # thidua.log.reader.Reader, once a query opened one
        self._plugins: Plugins | None = None
        self._some: Plugins | None = None  # one province's plugin (`plugins_with`)

    @property
    def store(self) -> Store:
        """The store, which must exist: a read command never creates an empty store at a
        mistyped path (it would answer "ok: 0 events" about nothing)."""
        return self._open(create=False)

    @property
    def reader(self) -> Store:
        """The store as a query reads it. A writable SQLite store is read with the standard
        library's sqlite3 alone (`thidua.log.reader.Reader`, which answers every call a query
        makes of a Store), so a query answered from kept parts never loads the event library;
        any other store, or one this command already opened, is the store itself."""
        if self._store is None and self._reader is None:
            from thidua.log.reader import open_reader

            self._reader = open_reader(self.db, self.wait)
        return cast("Store", self._reader) if self._store is None and self._reader is not None else self.store

    def close(self) -> None:
        for opened in (self._reader, self._store):
            if opened is not None:
                opened.close()

    @property
    def new_or_existing_store(self) -> Store:
        """The store for a command that writes events (`import`, `demo`): created if missing,
        its file readable by its owner only (it holds persons' discipline records)."""
        return self._open(create=True)

    def _open(self, create: bool) -> Store:
        if self._store is None:
            from thidua.log.store import Store, StoreError, sqlite_path

            path = sqlite_path(self.db)
            folder = os.path.dirname(os.path.abspath(path)) if path else ""
            if path is not None and not os.path.isdir(folder):
                raise Usage(f"--db {self.db!r}: folder {folder} does not exist")
            if path is not None and os.path.islink(path) and not os.path.exists(path):
                raise Usage(f"--db {self.db!r} is a symbolic link to nothing: refusing to create a store through it")
            if path is not None and not os.path.exists(path):
                if not create:
                    raise Usage(f"no store at {path}; `thidua import` creates one (or give --db / THIDUA_DB)")
                if _create_private(path):
                    self.created = path
            try:
                self._store = Store(self.db, wait=self.wait)
            except StoreError as exc:
                raise Usage(str(exc)) from None
        return self._store

    def discard_if_new(self) -> None:
        """A store this command created and wrote nothing to is removed again: bad input leaves no
        surprise file behind."""
        if self.created is None or self._store is None or self._store.head()[0] != 0:
            return
        self._store.close()
        self._store = None
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.created + suffix)
        self.created = None

    @property
    def plugins(self) -> Plugins:
        if self._plugins is None:
            from thidua.registry import load_plugins

            self._plugins = load_plugins()
            for line in self._plugins.refused if self._some is None else ():  # (already said)
                click.echo(f"warning: {line}", err=True)
        return self._plugins

    def plugins_with(self, key: str) -> Plugins:
        """The plugins, or for a query about one province (before anything loaded them all) that
        province's plugin alone, as the registry's cache knows it (`load_plugins_for`): the same
        checks and the same warnings, without scanning every installed distribution."""
        if self._plugins is not None:
            return self._plugins
        if self._some is None or key not in self._some.provinces:
            from thidua.registry import load_plugins_for

            some = load_plugins_for(key)
            if some is None:
                return self.plugins
            if self._some is None:
                for line in some.refused:
                    click.echo(f"warning: {line}", err=True)
            self._some = some
        return self._some

    def province(self, key: str):
        from thidua.registry import UnknownProvince

        try:
            return self.plugins_with(key).province(key)
        except UnknownProvince as exc:
            raise Usage(str(exc)) from None

    def period(self, period: str) -> None:
        from thidua.fields import Invalid, Period

        try:
            Period().parse(period)
        except Invalid as exc:
            raise Usage(f"--period: {exc}") from None

    def ruleset(self, key: str, period: str):
        from thidua.rules import RulesError

        self.period(period)
        try:
            return self.province(key).ruleset_for(period)
        except RulesError as exc:
            raise Usage(str(exc)) from None


pass_ctx = click.make_pass_decorator(Context)


def _create_private(path: str) -> bool:
    """An empty SQLite file with mode 0600, never through a symbolic link; SQLite gives its
    journal and WAL files the same mode as the database."""
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError:
        return False  # another process created it first
    except OSError as exc:
        raise Usage(f"cannot create the store {path}: {exc.strerror}") from None
    os.close(descriptor)
    return True


def decider_for(
    ctx: Context,
    province: str,
    period: str,
    as_of: str | None,
    quiet: bool = False,
    replayed: bool = False,
    fresh: bool = False,
):
    """Ready to decide one province and period as of a moment: from the read models (brought
    up to date first, with a bar on a terminal if that takes long), or by replay."""
    from thidua.cli.progress import Progress
    from thidua.readmodels.query import open_decider
    from thidua.replay.fold import AsOfError, parse_as_of

    rules = ctx.ruleset(province, period)
    try:
        moment = parse_as_of(as_of)
    except AsOfError as exc:
        raise Usage(str(exc)) from None
    store = ctx.reader
    if store.read_only:
        click.echo(f"note: {ctx.db} is read-only: answered by replaying the log; nothing was written", err=True)
    progress = Progress("indexing new events", 0, enabled=not quiet)  # catching up tells it how many
    try:
        return open_decider(
            store, ctx.plugins_with(province), province, period, rules, moment, progress, replayed, fresh
        )
    finally:
        progress.close()


def document_of(decider, what: str, **subject: str | None):
    """A decision document; a plugin's failure or the wrong kind of province as one clear line."""
    from thidua.decisions.decider import NotRanking, PluginFailed

    try:
        document = getattr(decider, f"{what}_json")(**subject)
    except NotRanking as exc:
        raise Usage(str(exc)) from None
    except PluginFailed as exc:
        raise click.ClickException(str(exc)) from exc
    return document and with_source(document, decider.source)


def with_source(document: dict, source: str) -> dict:
    """The header gains `source` after its last key (`rules`): "kept" (read back from kept decision
    parts, each checked against its seal), "replay" (the period's events replayed through the
    index, each checked against the chain) or "fresh" (the whole log replayed, every hash
    recomputed, no read model read)."""
    keys = list(document)
    cut = keys.index("rules") + 1 if "rules" in keys else len(keys)
    return {**{k: document[k] for k in keys[:cut]}, "source": source, **{k: document[k] for k in keys[cut:]}}
