"""Migration 6: leases on runs and stage-2 slots; the batch of a call in flight.

Literal DDL, as shipped with schema version 6, for each supported backend.
"""

from sqlalchemy.engine import Connection

from storage.db import run_ddl

VERSION = 6
DESCRIPTION = "leases, model_calls.batch_id"

SQLITE = """
CREATE TABLE leases (
    name VARCHAR(200) NOT NULL,
    owner VARCHAR(200) NOT NULL,
    run_id INTEGER,
    acquired_at FLOAT NOT NULL,
    expires_at FLOAT NOT NULL,
    PRIMARY KEY (name)
);
ALTER TABLE model_calls ADD COLUMN batch_id VARCHAR(100);
"""

POSTGRESQL = """
CREATE TABLE leases (
    name VARCHAR(200) NOT NULL,
    owner VARCHAR(200) NOT NULL,
    run_id INTEGER,
    acquired_at FLOAT NOT NULL,
    expires_at FLOAT NOT NULL,
    PRIMARY KEY (name)
);
ALTER TABLE model_calls ADD COLUMN batch_id VARCHAR(100);
"""


def upgrade(conn: Connection) -> None:
    run_ddl(conn, sqlite=SQLITE, postgresql=POSTGRESQL)
