"""Migration 3: stage 2 tables (model-call log, response cache, document analyses).

Literal DDL, as shipped with schema version 3, for each supported backend.
"""

from sqlalchemy.engine import Connection

from storage.db import run_ddl

VERSION = 3
DESCRIPTION = "analysis: model calls, response cache, document analyses"

SQLITE = """
CREATE TABLE model_calls (
    id INTEGER NOT NULL,
    run_id INTEGER,
    document_id INTEGER,
    stage VARCHAR(32) NOT NULL,
    provider VARCHAR(32) NOT NULL,
    model VARCHAR(200) NOT NULL,
    attempt INTEGER NOT NULL,
    status VARCHAR(32) NOT NULL,
    error_kind VARCHAR(64),
    error_message TEXT,
    fallback_reason TEXT,
    request_hash VARCHAR(64),
    batch BOOLEAN NOT NULL,
    request_json JSON,
    wire_request_json JSON,
    response_json JSON,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    cache_read_tokens INTEGER NOT NULL,
    estimated_input_tokens INTEGER,
    estimate_source VARCHAR(32),
    cost_usd FLOAT,
    latency_s FLOAT NOT NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX ix_model_calls_hash ON model_calls (request_hash);
CREATE INDEX ix_model_calls_run_doc ON model_calls (run_id, document_id);
CREATE TABLE response_cache (
    request_hash VARCHAR(64) NOT NULL,
    content_hash VARCHAR(64) NOT NULL,
    provider VARCHAR(32) NOT NULL,
    model VARCHAR(200) NOT NULL,
    response_json JSON,
    call_id INTEGER,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (request_hash)
);
CREATE INDEX ix_response_cache_content_hash ON response_cache (content_hash);
CREATE TABLE document_analyses (
    id INTEGER NOT NULL,
    run_id INTEGER,
    document_id INTEGER,
    document_sha VARCHAR(64) NOT NULL,
    profile VARCHAR(200) NOT NULL,
    status VARCHAR(32) NOT NULL,
    reason TEXT,
    provider VARCHAR(32),
    model VARCHAR(200),
    request_hash VARCHAR(64),
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    cache_read_tokens INTEGER NOT NULL,
    cost_usd FLOAT,
    analysis_json JSON,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX ix_document_analyses_run_doc ON document_analyses (run_id, document_id);
CREATE INDEX ix_document_analyses_status ON document_analyses (status);
"""

POSTGRESQL = """
CREATE TABLE model_calls (
    id SERIAL NOT NULL,
    run_id INTEGER,
    document_id INTEGER,
    stage VARCHAR(32) NOT NULL,
    provider VARCHAR(32) NOT NULL,
    model VARCHAR(200) NOT NULL,
    attempt INTEGER NOT NULL,
    status VARCHAR(32) NOT NULL,
    error_kind VARCHAR(64),
    error_message TEXT,
    fallback_reason TEXT,
    request_hash VARCHAR(64),
    batch BOOLEAN NOT NULL,
    request_json JSON,
    wire_request_json JSON,
    response_json JSON,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    cache_read_tokens INTEGER NOT NULL,
    estimated_input_tokens INTEGER,
    estimate_source VARCHAR(32),
    cost_usd FLOAT,
    latency_s FLOAT NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX ix_model_calls_hash ON model_calls (request_hash);
CREATE INDEX ix_model_calls_run_doc ON model_calls (run_id, document_id);
CREATE TABLE response_cache (
    request_hash VARCHAR(64) NOT NULL,
    content_hash VARCHAR(64) NOT NULL,
    provider VARCHAR(32) NOT NULL,
    model VARCHAR(200) NOT NULL,
    response_json JSON,
    call_id INTEGER,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (request_hash)
);
CREATE INDEX ix_response_cache_content_hash ON response_cache (content_hash);
CREATE TABLE document_analyses (
    id SERIAL NOT NULL,
    run_id INTEGER,
    document_id INTEGER,
    document_sha VARCHAR(64) NOT NULL,
    profile VARCHAR(200) NOT NULL,
    status VARCHAR(32) NOT NULL,
    reason TEXT,
    provider VARCHAR(32),
    model VARCHAR(200),
    request_hash VARCHAR(64),
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    cache_read_tokens INTEGER NOT NULL,
    cost_usd FLOAT,
    analysis_json JSON,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX ix_document_analyses_run_doc ON document_analyses (run_id, document_id);
CREATE INDEX ix_document_analyses_status ON document_analyses (status);
"""


def upgrade(conn: Connection) -> None:
    run_ddl(conn, sqlite=SQLITE, postgresql=POSTGRESQL)
