"""Site settings from ``site_config/site.yaml``, typed and validated.

Bad settings are collected and reported key by key, then the run aborts
once with a clean message (no traceback).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError

PAGE_KINDS = ("papers", "authors", "topics", "venues", "orgs", "years", "daily", "lists", "search")
COLOURS = (
    "red", "pink", "purple", "deep-purple", "indigo", "blue", "light-blue", "cyan", "teal", "green",
    "light-green", "lime", "yellow", "amber", "orange", "deep-orange", "brown", "grey", "blue-grey", "black", "white",
)


@dataclass
class SiteConfig:
    name: str = "Papershelf"
    """Site title, shown in the header and the browser tab."""
    url: str = ""
    """Public URL of the site, e.g. https://user.github.io/repo/ (canonical links, feeds, sitemap)."""
    description: str = ""
    """One sentence about the catalog, used on the home page and in meta tags."""
    repo_url: str = ""
    """Repository URL; enables 'Edit this record' links."""
    edit_uri: str = "edit/main/"
    """Path from repo_url to a file's edit view (MkDocs' convention)."""
    pages: list[str] = field(default_factory=lambda: list(PAGE_KINDS))
    """Which page kinds to build."""
    per_page: int = 50
    """Papers per listing page before it is split into numbered pages."""
    primary: str = "indigo"
    """Theme primary colour (a mkdocs-material palette name)."""
    accent: str = "indigo"
    """Theme accent colour."""
    logo: str = ""
    """Logo path inside site_config/assets/ (optional)."""
    contact: str = ""
    """Contact e-mail, sent in the User-Agent of API requests."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Anything else; kept for add-ons (queries, feeds, search settings)."""

    @property
    def base_path(self) -> str:
        """The URL path the site lives under: '/repo/' for a project page."""
        m = re.match(r"^https?://[^/]+(/.*)?$", self.url)
        path = (m.group(1) if m else None) or "/"
        return path if path.endswith("/") else path + "/"


def load_config(path: Path) -> SiteConfig:
    """Read and validate the settings file; a missing file means the defaults."""
    if not path.exists():
        return SiteConfig()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read settings: {str(e).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: settings must be a mapping of keys to values")
    errors: list[str] = []
    cfg = SiteConfig()
    known = {f for f in SiteConfig.__dataclass_fields__ if f != "extra"}
    for key, value in data.items():
        if key not in known:
            cfg.extra[key] = value
            continue
        default = getattr(cfg, key)
        if isinstance(default, str) and not isinstance(value, str):
            errors.append(f"{key}: must be text, not {type(value).__name__}")
            continue
        if isinstance(default, int) and (isinstance(value, bool) or not isinstance(value, int)):
            errors.append(f"{key}: must be a whole number")
            continue
        if isinstance(default, list) and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            errors.append(f"{key}: must be a list of names")
            continue
        setattr(cfg, key, value)
    if cfg.url and not re.match(r"^https?://[^\s<>\"']+$", cfg.url):
        errors.append(f"url: must be an http(s) URL, not {cfg.url!r}")
    if cfg.repo_url and not re.match(r"^https?://[^\s<>\"']+$", cfg.repo_url):
        errors.append(f"repo_url: must be an http(s) URL, not {cfg.repo_url!r}")
    if re.search(r"[<>&\"]", cfg.name):
        errors.append("name: must not contain <, >, & or quotes")
    for kind in cfg.pages:
        if kind not in PAGE_KINDS:
            errors.append(f"pages: unknown page kind {kind!r}; known: {', '.join(PAGE_KINDS)}")
    if not 5 <= cfg.per_page <= 1000:
        errors.append("per_page: must be between 5 and 1000")
    for key in ("primary", "accent"):
        if getattr(cfg, key) not in COLOURS:
            errors.append(f"{key}: unknown colour {getattr(cfg, key)!r}; known: {', '.join(COLOURS)}")
    if errors:
        raise ConfigError(f"{path}: invalid settings:\n  " + "\n  ".join(errors))
    return cfg
