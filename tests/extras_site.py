"""A built site of the small extras fixture catalog (tests/fixtures/extras), shared by the extras tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import FIXTURES, build

EXTRAS = FIXTURES / "extras"


@pytest.fixture(scope="session")
def extras_site(tmp_path_factory) -> Path:
    """The extras fixture catalog built once per session."""
    out = tmp_path_factory.mktemp("extras")
    build(EXTRAS, out / "site", out / "work")
    return out / "site"


def load_catalog(content: Path):
    """Catalog of a content folder, as the build sees it (build-time topics included when present)."""
    from generator.build import BuildOptions, BuildReport
    from generator.build import load_catalog as load

    from .conftest import ROOT

    ctx, _ = load(BuildOptions(content=content, config_dir=ROOT / "site_config"), BuildReport())
    return ctx
