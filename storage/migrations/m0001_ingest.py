"""Migration 1: runs, documents, run items, elements, chunk sets and chunks.

Literal DDL, as shipped with schema version 1, for each supported backend.
"""

from sqlalchemy.engine import Connection

from storage.db import run_ddl

VERSION = 1
DESCRIPTION = "ingest and chunk tables"

SQLITE = """
CREATE TABLE runs (
    id INTEGER NOT NULL,
    kind VARCHAR(32) NOT NULL,
    status VARCHAR(32) NOT NULL,
    root TEXT,
    profile VARCHAR(200),
    settings_json JSON,
    summary_json JSON,
    prefect_flow_run_id VARCHAR(64),
    started_at DATETIME NOT NULL,
    finished_at DATETIME,
    PRIMARY KEY (id)
);
CREATE INDEX ix_runs_kind ON runs (kind);
CREATE TABLE documents (
    id INTEGER NOT NULL,
    path TEXT NOT NULL,
    sha256 VARCHAR(64) NOT NULL,
    size_bytes BIGINT NOT NULL,
    media_type VARCHAR(100),
    status VARCHAR(32) NOT NULL,
    reason TEXT,
    parser VARCHAR(64),
    doc_type VARCHAR(32),
    doc_type_confidence FLOAT,
    doc_type_signals JSON,
    title TEXT,
    pages INTEGER,
    tokens INTEGER,
    text TEXT,
    warnings JSON,
    first_run_id INTEGER,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT uq_documents_path_sha UNIQUE (path, sha256),
    FOREIGN KEY(first_run_id) REFERENCES runs (id)
);
CREATE INDEX ix_documents_sha ON documents (sha256);
CREATE INDEX ix_documents_status ON documents (status);
CREATE TABLE run_items (
    id INTEGER NOT NULL,
    run_id INTEGER NOT NULL,
    document_id INTEGER,
    path TEXT NOT NULL,
    status VARCHAR(32) NOT NULL,
    reason TEXT,
    stage VARCHAR(32) NOT NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(run_id) REFERENCES runs (id),
    FOREIGN KEY(document_id) REFERENCES documents (id)
);
CREATE INDEX ix_run_items_document_id ON run_items (document_id);
CREATE INDEX ix_run_items_run_id ON run_items (run_id);
CREATE TABLE elements (
    id INTEGER NOT NULL,
    document_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    kind VARCHAR(32) NOT NULL,
    text TEXT NOT NULL,
    page INTEGER NOT NULL,
    page_end INTEGER,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    level INTEGER,
    number VARCHAR(64),
    rows_json JSON,
    meta_json JSON,
    PRIMARY KEY (id),
    FOREIGN KEY(document_id) REFERENCES documents (id)
);
CREATE INDEX ix_elements_doc_seq ON elements (document_id, seq);
CREATE TABLE chunk_sets (
    id INTEGER NOT NULL,
    document_id INTEGER NOT NULL,
    chunker VARCHAR(32) NOT NULL,
    options_hash VARCHAR(64) NOT NULL,
    options_json JSON,
    chunk_count INTEGER NOT NULL,
    total_tokens INTEGER NOT NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT uq_chunk_sets UNIQUE (document_id, chunker, options_hash),
    FOREIGN KEY(document_id) REFERENCES documents (id)
);
CREATE INDEX ix_chunk_sets_document_id ON chunk_sets (document_id);
CREATE TABLE chunks (
    pk INTEGER NOT NULL,
    chunk_id VARCHAR(64) NOT NULL,
    chunk_set_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    text TEXT NOT NULL,
    heading_path JSON,
    page_start INTEGER NOT NULL,
    page_end INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    tokens INTEGER NOT NULL,
    kind VARCHAR(32) NOT NULL,
    PRIMARY KEY (pk),
    FOREIGN KEY(chunk_set_id) REFERENCES chunk_sets (id)
);
CREATE INDEX ix_chunks_chunk_id ON chunks (chunk_id);
CREATE INDEX ix_chunks_set_seq ON chunks (chunk_set_id, seq);
"""

POSTGRESQL = """
CREATE TABLE runs (
    id SERIAL NOT NULL,
    kind VARCHAR(32) NOT NULL,
    status VARCHAR(32) NOT NULL,
    root TEXT,
    profile VARCHAR(200),
    settings_json JSON,
    summary_json JSON,
    prefect_flow_run_id VARCHAR(64),
    started_at TIMESTAMP WITH TIME ZONE NOT NULL,
    finished_at TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (id)
);
CREATE INDEX ix_runs_kind ON runs (kind);
CREATE TABLE documents (
    id SERIAL NOT NULL,
    path TEXT NOT NULL,
    sha256 VARCHAR(64) NOT NULL,
    size_bytes BIGINT NOT NULL,
    media_type VARCHAR(100),
    status VARCHAR(32) NOT NULL,
    reason TEXT,
    parser VARCHAR(64),
    doc_type VARCHAR(32),
    doc_type_confidence FLOAT,
    doc_type_signals JSON,
    title TEXT,
    pages INTEGER,
    tokens INTEGER,
    text TEXT,
    warnings JSON,
    first_run_id INTEGER,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT uq_documents_path_sha UNIQUE (path, sha256),
    FOREIGN KEY(first_run_id) REFERENCES runs (id)
);
CREATE INDEX ix_documents_sha ON documents (sha256);
CREATE INDEX ix_documents_status ON documents (status);
CREATE TABLE run_items (
    id SERIAL NOT NULL,
    run_id INTEGER NOT NULL,
    document_id INTEGER,
    path TEXT NOT NULL,
    status VARCHAR(32) NOT NULL,
    reason TEXT,
    stage VARCHAR(32) NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(run_id) REFERENCES runs (id),
    FOREIGN KEY(document_id) REFERENCES documents (id)
);
CREATE INDEX ix_run_items_document_id ON run_items (document_id);
CREATE INDEX ix_run_items_run_id ON run_items (run_id);
CREATE TABLE elements (
    id SERIAL NOT NULL,
    document_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    kind VARCHAR(32) NOT NULL,
    text TEXT NOT NULL,
    page INTEGER NOT NULL,
    page_end INTEGER,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    level INTEGER,
    number VARCHAR(64),
    rows_json JSON,
    meta_json JSON,
    PRIMARY KEY (id),
    FOREIGN KEY(document_id) REFERENCES documents (id)
);
CREATE INDEX ix_elements_doc_seq ON elements (document_id, seq);
CREATE TABLE chunk_sets (
    id SERIAL NOT NULL,
    document_id INTEGER NOT NULL,
    chunker VARCHAR(32) NOT NULL,
    options_hash VARCHAR(64) NOT NULL,
    options_json JSON,
    chunk_count INTEGER NOT NULL,
    total_tokens INTEGER NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT uq_chunk_sets UNIQUE (document_id, chunker, options_hash),
    FOREIGN KEY(document_id) REFERENCES documents (id)
);
CREATE INDEX ix_chunk_sets_document_id ON chunk_sets (document_id);
CREATE TABLE chunks (
    pk SERIAL NOT NULL,
    chunk_id VARCHAR(64) NOT NULL,
    chunk_set_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    text TEXT NOT NULL,
    heading_path JSON,
    page_start INTEGER NOT NULL,
    page_end INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    tokens INTEGER NOT NULL,
    kind VARCHAR(32) NOT NULL,
    PRIMARY KEY (pk),
    FOREIGN KEY(chunk_set_id) REFERENCES chunk_sets (id)
);
CREATE INDEX ix_chunks_chunk_id ON chunks (chunk_id);
CREATE INDEX ix_chunks_set_seq ON chunks (chunk_set_id, seq);
"""


def upgrade(conn: Connection) -> None:
    run_ddl(conn, sqlite=SQLITE, postgresql=POSTGRESQL)
