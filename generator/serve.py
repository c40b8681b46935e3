"""``papershelf serve``: MkDocs' live-reload server over the generated pages.

MkDocs watches the content and settings folders; before each rebuild a
hook regenerates the Markdown from the records, so editing a record file
refreshes the browser like editing a page would.
"""

from __future__ import annotations

import os
from pathlib import Path

from .build import BuildOptions, BuildReport, load_catalog, mkdocs_config
from .generate import write_docs

_ENV = "PAPERSHELF_SERVE"


def regenerate() -> None:
    """Regenerate the docs folder from the options saved in the environment."""
    content, config_dir, work_dir = os.environ[_ENV].split(os.pathsep)
    opts = BuildOptions(content=Path(content), config_dir=Path(config_dir), work_dir=Path(work_dir))
    ctx, _ = load_catalog(opts, BuildReport())
    write_docs(ctx, opts.work_dir / "docs")


def serve_site(content: Path, config_dir: Path, work_dir: Path, dev_addr: str) -> None:
    from mkdocs.commands.serve import serve

    os.environ[_ENV] = os.pathsep.join(str(p.resolve()) for p in (content, config_dir, work_dir))
    regenerate()
    opts = BuildOptions(content=content, config_dir=config_dir, work_dir=work_dir)
    ctx, config = load_catalog(opts, BuildReport())
    base = mkdocs_config(opts, config, work_dir / "docs", work_dir / "serve-site")
    hook = Path(__file__).with_name("serve_hook.py")
    serve(
        config_file=str(base.config_file_path), livereload=True,
        watch=[str(content), str(config_dir)],
        dev_addr=dev_addr, docs_dir=str((work_dir / "docs").resolve()), site_name=config.name,
        nav=base["nav"], not_in_nav="*.md\n", hooks=[str(hook)],
    )
