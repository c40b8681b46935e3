"""Papershelf: a static-site paper catalog generator.

The pipeline, top to bottom: ingest -> validate -> merge -> catalog ->
pages -> search index -> MkDocs.  See ``build.build_site``.
"""

__version__ = "0.1.0"
