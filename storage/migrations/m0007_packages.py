"""Migration 7: solicitation packages (ADR 0010).

A ``packages`` table (one row per run and folder analysed as one solicitation)
and a ``package_id`` column on the selection, analysis and ledger tables, so a
package's selection, answers and tokens can be found, and summed, per package.
Literal DDL, as shipped with schema version 7, for each supported backend.
"""

from sqlalchemy.engine import Connection

from storage.db import run_ddl

VERSION = 7
DESCRIPTION = "solicitation packages"

_ALTER = """
ALTER TABLE selection_docs ADD COLUMN package_id INTEGER;
ALTER TABLE document_analyses ADD COLUMN package_id INTEGER;
ALTER TABLE ledger ADD COLUMN package_id INTEGER;
"""

SQLITE = (
    """
CREATE TABLE packages (
    id INTEGER NOT NULL,
    run_id INTEGER NOT NULL,
    label VARCHAR(300) NOT NULL,
    root TEXT NOT NULL,
    rule VARCHAR(200) NOT NULL,
    lead_document_id INTEGER NOT NULL,
    document_ids JSON,
    files JSON,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT uq_packages UNIQUE (run_id, root),
    FOREIGN KEY(run_id) REFERENCES runs (id),
    FOREIGN KEY(lead_document_id) REFERENCES documents (id)
);
CREATE INDEX ix_packages_run_id ON packages (run_id);
"""
    + _ALTER
)

POSTGRESQL = (
    """
CREATE TABLE packages (
    id SERIAL NOT NULL,
    run_id INTEGER NOT NULL,
    label VARCHAR(300) NOT NULL,
    root TEXT NOT NULL,
    rule VARCHAR(200) NOT NULL,
    lead_document_id INTEGER NOT NULL,
    document_ids JSON,
    files JSON,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT uq_packages UNIQUE (run_id, root),
    FOREIGN KEY(run_id) REFERENCES runs (id),
    FOREIGN KEY(lead_document_id) REFERENCES documents (id)
);
CREATE INDEX ix_packages_run_id ON packages (run_id);
"""
    + _ALTER
)


def upgrade(conn: Connection) -> None:
    run_ddl(conn, sqlite=SQLITE, postgresql=POSTGRESQL)
