"""Migration 2: selection tables (per run, document, question and chunk) and the embedding cache.

Literal DDL, as shipped with schema version 2, for each supported backend.
"""

from sqlalchemy.engine import Connection

from storage.db import run_ddl

VERSION = 2
DESCRIPTION = "selection tables and embedding cache"

SQLITE = """
CREATE TABLE selection_docs (
    id INTEGER NOT NULL,
    run_id INTEGER NOT NULL,
    document_id INTEGER NOT NULL,
    document_sha VARCHAR(64) NOT NULL,
    path TEXT NOT NULL,
    profile VARCHAR(200) NOT NULL,
    scorer VARCHAR(64) NOT NULL,
    document_tokens INTEGER NOT NULL,
    selected_tokens INTEGER NOT NULL,
    questions_json JSON,
    schema_version INTEGER NOT NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT uq_selection_docs UNIQUE (run_id, document_id),
    FOREIGN KEY(run_id) REFERENCES runs (id),
    FOREIGN KEY(document_id) REFERENCES documents (id)
);
CREATE INDEX ix_selection_docs_document_id ON selection_docs (document_id);
CREATE INDEX ix_selection_docs_run_id ON selection_docs (run_id);
CREATE TABLE selections (
    id INTEGER NOT NULL,
    run_id INTEGER NOT NULL,
    document_id INTEGER NOT NULL,
    question_id VARCHAR(100) NOT NULL,
    chunk_id VARCHAR(64) NOT NULL,
    kept BOOLEAN NOT NULL,
    score FLOAT NOT NULL,
    rank INTEGER NOT NULL,
    reason VARCHAR(200) NOT NULL,
    position INTEGER,
    chunk_json JSON,
    PRIMARY KEY (id),
    CONSTRAINT uq_selections UNIQUE (run_id, document_id, question_id, chunk_id),
    FOREIGN KEY(run_id) REFERENCES runs (id),
    FOREIGN KEY(document_id) REFERENCES documents (id)
);
CREATE INDEX ix_selections_run_doc ON selections (run_id, document_id);
CREATE TABLE embedding_cache (
    model VARCHAR(300) NOT NULL,
    text_sha VARCHAR(64) NOT NULL,
    dim INTEGER NOT NULL,
    vector BLOB NOT NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (model, text_sha)
);
"""

POSTGRESQL = """
CREATE TABLE selection_docs (
    id SERIAL NOT NULL,
    run_id INTEGER NOT NULL,
    document_id INTEGER NOT NULL,
    document_sha VARCHAR(64) NOT NULL,
    path TEXT NOT NULL,
    profile VARCHAR(200) NOT NULL,
    scorer VARCHAR(64) NOT NULL,
    document_tokens INTEGER NOT NULL,
    selected_tokens INTEGER NOT NULL,
    questions_json JSON,
    schema_version INTEGER NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT uq_selection_docs UNIQUE (run_id, document_id),
    FOREIGN KEY(run_id) REFERENCES runs (id),
    FOREIGN KEY(document_id) REFERENCES documents (id)
);
CREATE INDEX ix_selection_docs_document_id ON selection_docs (document_id);
CREATE INDEX ix_selection_docs_run_id ON selection_docs (run_id);
CREATE TABLE selections (
    id SERIAL NOT NULL,
    run_id INTEGER NOT NULL,
    document_id INTEGER NOT NULL,
    question_id VARCHAR(100) NOT NULL,
    chunk_id VARCHAR(64) NOT NULL,
    kept BOOLEAN NOT NULL,
    score FLOAT NOT NULL,
    rank INTEGER NOT NULL,
    reason VARCHAR(200) NOT NULL,
    position INTEGER,
    chunk_json JSON,
    PRIMARY KEY (id),
    CONSTRAINT uq_selections UNIQUE (run_id, document_id, question_id, chunk_id),
    FOREIGN KEY(run_id) REFERENCES runs (id),
    FOREIGN KEY(document_id) REFERENCES documents (id)
);
CREATE INDEX ix_selections_run_doc ON selections (run_id, document_id);
CREATE TABLE embedding_cache (
    model VARCHAR(300) NOT NULL,
    text_sha VARCHAR(64) NOT NULL,
    dim INTEGER NOT NULL,
    vector BYTEA NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (model, text_sha)
);
"""


def upgrade(conn: Connection) -> None:
    run_ddl(conn, sqlite=SQLITE, postgresql=POSTGRESQL)
