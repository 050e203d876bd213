"""Migration 4: the token/cost ledger and budget reservations.

Literal DDL, as shipped with schema version 4, for each supported backend.
"""

from sqlalchemy.engine import Connection

from storage.db import run_ddl

VERSION = 4
DESCRIPTION = "ledger and budgets"

SQLITE = """
CREATE TABLE ledger (
    id INTEGER NOT NULL,
    run_id INTEGER NOT NULL,
    document_id INTEGER NOT NULL,
    stage VARCHAR(32) NOT NULL,
    tokens_in INTEGER NOT NULL,
    tokens_out INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    cache_read_tokens INTEGER NOT NULL,
    cost_usd FLOAT NOT NULL,
    seconds FLOAT NOT NULL,
    detail JSON,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT uq_ledger_entry UNIQUE (run_id, document_id, stage),
    FOREIGN KEY(run_id) REFERENCES runs (id),
    FOREIGN KEY(document_id) REFERENCES documents (id)
);
CREATE INDEX ix_ledger_run ON ledger (run_id);
CREATE TABLE budgets (
    id INTEGER NOT NULL,
    run_id INTEGER NOT NULL,
    scope VARCHAR(16) NOT NULL,
    document_id INTEGER NOT NULL,
    limit_tokens INTEGER,
    limit_usd FLOAT,
    reserved_tokens INTEGER NOT NULL,
    reserved_usd FLOAT NOT NULL,
    spent_tokens INTEGER NOT NULL,
    spent_usd FLOAT NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT uq_budget UNIQUE (run_id, scope, document_id),
    FOREIGN KEY(run_id) REFERENCES runs (id)
);
CREATE INDEX ix_budgets_run_id ON budgets (run_id);
"""

POSTGRESQL = """
CREATE TABLE ledger (
    id SERIAL NOT NULL,
    run_id INTEGER NOT NULL,
    document_id INTEGER NOT NULL,
    stage VARCHAR(32) NOT NULL,
    tokens_in INTEGER NOT NULL,
    tokens_out INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    cache_read_tokens INTEGER NOT NULL,
    cost_usd FLOAT NOT NULL,
    seconds FLOAT NOT NULL,
    detail JSON,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT uq_ledger_entry UNIQUE (run_id, document_id, stage),
    FOREIGN KEY(run_id) REFERENCES runs (id),
    FOREIGN KEY(document_id) REFERENCES documents (id)
);
CREATE INDEX ix_ledger_run ON ledger (run_id);
CREATE TABLE budgets (
    id SERIAL NOT NULL,
    run_id INTEGER NOT NULL,
    scope VARCHAR(16) NOT NULL,
    document_id INTEGER NOT NULL,
    limit_tokens INTEGER,
    limit_usd FLOAT,
    reserved_tokens INTEGER NOT NULL,
    reserved_usd FLOAT NOT NULL,
    spent_tokens INTEGER NOT NULL,
    spent_usd FLOAT NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT uq_budget UNIQUE (run_id, scope, document_id),
    FOREIGN KEY(run_id) REFERENCES runs (id)
);
CREATE INDEX ix_budgets_run_id ON budgets (run_id);
"""


def upgrade(conn: Connection) -> None:
    run_ddl(conn, sqlite=SQLITE, postgresql=POSTGRESQL)
