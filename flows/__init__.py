"""Top floor: Prefect flows, deployments and the ``docsieve`` CLI.

Plain per-document steps live in ``flows.steps`` (no Prefect); the flows in
``flows.ingest`` and friends wrap them as tasks, one task per document.
"""
