"""The PostgreSQL recorder (see `thidua.log.engines`): loaded only for a postgresql:// store, so a
SQLite command never pays for importing the driver."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

from thidua.log.engines import SCHEMA_LOCK, Build, Within


class PostgresLedgerRecorder(PostgresApplicationRecorder):
    def create_table(self) -> None:
        schema, table = self.datastore.schema, self.events_table_name
        with self.datastore.transaction(commit=True) as curs:
            curs.execute("SET LOCAL lock_timeout = '60s'")
            curs.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            curs.execute(
                "SELECT to_regclass(%s) IS NOT NULL AS t, to_regtype(%s) IS NOT NULL AS y",
                (f"{schema}.{table}", f"{schema}.{self.stored_event_type_name}"),
            )
            found = curs.fetchone()
            assert found is not None
            if not found["t"]:
                for statement in self.sql_create_statements:
                    text = statement.as_string()
                    if "CREATE OR REPLACE FUNCTION" in text or ("CREATE TYPE" in text and found["y"]):
                        continue  # no database functions: the insert below is a plain statement
                    curs.execute(statement, prepare=False)
        self.datastore.register_type_adapters()

    def insert_events(
        self,
        stored_events: Sequence[StoredEvent],
        *,
        build: Build | None = None,
        within: Within | None = None,
        timeout: float = 60.0,
        **kwargs: Any,
    ) -> Sequence[int] | None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("SET LOCAL lock_timeout = '{0}ms'").format(max(1, int(timeout * 1000))))
            # Writers one at a time (readers are not blocked): the commit order is the log order.
            curs.execute(
                SQL("LOCK TABLE {0}.{1} IN EXCLUSIVE MODE").format(
                    Identifier(self.datastore.schema), Identifier(self.events_table_name)
                )
            )
            # COPY: one stream of rows, no pipeline, no giant array parameter; a chunk at a time
            # (recording times in log order), each indexed (`within`) before the next is made.
            for chunk in build() if build is not None else [stored_events]:
                with curs.copy(
                    SQL("COPY {0}.{1} (originator_id, originator_version, topic, state) FROM STDIN").format(
                        Identifier(self.datastore.schema), Identifier(self.events_table_name)
                    )
                ) as copy:
                    for event in chunk:
                        copy.write_row((event.originator_id, event.originator_version, event.topic, event.state))
                if within is not None:
                    within(curs)
        return None
