"""Add-ons that register page sections, producers and preparers.

Importing this module imports each add-on once; each registers itself with
``generate.EXTRA_PRODUCERS`` / ``generate.PREPARERS`` or a page's
``SECTIONS`` list.  One line per add-on keeps the wiring in one place.
"""

from __future__ import annotations

import importlib

ADDONS: list[str] = [
    "generator.search.producer",
    "generator.pages.citations",
    "generator.metadata",
    "generator.notes",
    "generator.pages.lists",
    "generator.pages.edit",
    "generator.related",
    "generator.export.catalog_files",
    "generator.pages.extras_paper",
    "generator.feeds",
    "generator.sitemap",
    "generator.pages.extras_author",
    "generator.pages.extras_listing",
    "generator.pages.trending",
]


def load_addons() -> None:
    for name in ADDONS:
        importlib.import_module(name)
