"""Top floor: Prefect flows, deployments and the ``docsieve`` CLI.

The plain per-document stages live in ``flows.stages`` (no Prefect); the flows
in ``flows.ingest``, ``flows.select``, ``flows.analyze`` and ``flows.run`` wrap
them as tasks, one task per document. ``flows.resources`` holds what they
share in one process (scorer, analyzers, prices).
"""
