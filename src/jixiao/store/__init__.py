"""The store: SQLite by default, any SQLAlchemy URL by --db or $JIXIAO_DB."""

from jixiao.store.repository import (
    ENV_VAR,
    DocumentSummary,
    IngestResult,
    StoreError,
    connect,
    content_hash,
    database_url,
    default_db_path,
    ingest,
    list_documents,
    load_actuals,
    load_document,
    load_findings,
    resolve_document,
    store_actuals,
)

__all__ = [
    "ENV_VAR",
    "DocumentSummary",
    "IngestResult",
    "StoreError",
    "connect",
    "content_hash",
    "database_url",
    "default_db_path",
    "ingest",
    "list_documents",
    "load_actuals",
    "load_document",
    "load_findings",
    "resolve_document",
    "store_actuals",
]
