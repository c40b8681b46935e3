"""Atomic output: a failed or interrupted build leaves the previous site byte-identical.

The first build makes a site from a small catalog; the second build uses changed
content (so a swapped-in site would differ) and is made to fail in-process, or is
killed as a subprocess at three points: while writing the Markdown, while MkDocs
writes the site, and just before the swap.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest

from generator import build as build_mod
from generator.build import BuildFailed, BuildOptions, build_site

from .conftest import ROOT, build


def snapshot(site: Path) -> dict[str, bytes]:
    """Every file of a site, by relative path."""
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def leftovers(site: Path) -> list[str]:
    """Folders a build left beside the site, but the standby (the replaced site the next build starts from)."""
    return sorted(p.name for p in site.parent.iterdir()
                  if p.name.startswith(f".{site.name}.") and p.name != f".{site.name}.standby")


@pytest.fixture
def sites(tmp_path):
    """(content, site, work, snapshot of the first build); content is then changed for the next build."""
    content = tmp_path / "content"
    (content / "papers").mkdir(parents=True)
    for f in sorted((ROOT / "content" / "papers").glob("*.yaml"))[:12]:
        shutil.copy(f, content / "papers" / f.name)
    site, work = tmp_path / "site", tmp_path / "work"
    build(content, site, work)
    before = snapshot(site)
    assert len(before) > 12
    # The next build would change the site: one paper gone, one title changed.
    victims = sorted((content / "papers").glob("*.yaml"))
    victims[0].unlink()
    text = victims[1].read_text(encoding="utf-8")
    victims[1].write_text(text.replace("title: ", "title: Changed ", 1), encoding="utf-8")
    return content, site, work, before


def test_failed_mkdocs_leaves_the_site_untouched(sites, monkeypatch):
    content, site, work, before = sites

    def broken(cfg, *plan):
        # Half a site written, then failure: nothing of it may show.  (The build folder
        # may already hold hard links to the live site's files: like every writer of the
        # MkDocs stage, this one replaces a file instead of writing into it.)
        Path(cfg["site_dir"], "index.html").parent.mkdir(parents=True, exist_ok=True)
        Path(cfg["site_dir"], "index.html").unlink(missing_ok=True)
        Path(cfg["site_dir"], "index.html").write_text("half")
        raise BuildFailed("MkDocs failed: simulated")

    monkeypatch.setattr(build_mod, "run_mkdocs", broken)
    with pytest.raises(BuildFailed, match="simulated"):
        build(content, site, work)
    assert snapshot(site) == before
    assert leftovers(site) == []


def test_unexpected_error_leaves_the_site_untouched(sites, monkeypatch):
    content, site, work, before = sites
    monkeypatch.setattr(build_mod, "swap_in", lambda new, target, keep=None: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        build(content, site, work)
    assert snapshot(site) == before
    assert leftovers(site) == []


def test_invalid_mkdocs_config_leaves_the_site_untouched(sites, tmp_path, caplog):
    content, site, work, before = sites
    bad = tmp_path / "mkdocs.yml"
    bad.write_text((ROOT / "mkdocs.yml").read_text(encoding="utf-8").replace("name: material", "name: no-such-theme"))
    opts = BuildOptions(content=content, site_dir=site, work_dir=work, config_dir=ROOT / "site_config",
                        mkdocs_file=bad)
    # MkDocs logs the reason and aborts with a click exception: a clean message, no traceback.
    with pytest.raises((click.ClickException, click.exceptions.Abort)):
        build_site(opts)
    assert "no-such-theme" in caplog.text
    assert snapshot(site) == before
    assert leftovers(site) == []


def test_a_good_build_after_a_failure_swaps_in(sites, monkeypatch):
    content, site, work, before = sites
    build(content, site, work)
    after = snapshot(site)
    assert after != before and len(list((site / "papers").glob("*/index.html"))) == 11
    assert leftovers(site) == []


# A build in a subprocess that stalls at a chosen point and signals it with a marker file.
STALLER = r"""
import sys, time
from pathlib import Path
point, marker = sys.argv[1], Path(sys.argv[2])

def stall():
    marker.touch()
    time.sleep(120)

def after(module, names, n):
    count = [0]  # calls of any of ``names``
    def wrap(orig):
        def wrapped(*a, **k):
            count[0] += 1
            if count[0] == n:
                stall()
            return orig(*a, **k)
        return wrapped
    for name in names.split():
        setattr(module, name, wrap(getattr(module, name)))

if point == "docs":
    import generator.generate as g
    after(g, "write_if_changed write_file", 10)  # write_file: a file known to change
elif point == "mkdocs":
    import mkdocs.utils as mu
    after(mu, "write_file", 10)
elif point == "swap":
    import generator.build as b
    after(b, "swap_in", 1)
from generator.cli import main
main(sys.argv[3:], prog_name="papershelf")
"""


@pytest.mark.parametrize(("point", "sig"), [
    ("docs", signal.SIGKILL), ("mkdocs", signal.SIGKILL), ("swap", signal.SIGKILL), ("mkdocs", signal.SIGINT),
], ids=["kill-docs", "kill-mkdocs", "kill-before-swap", "interrupt-mkdocs"])
def test_interrupted_build_leaves_the_site_untouched(sites, tmp_path, point, sig):
    content, site, work, before = sites
    marker = tmp_path / "stalled"
    args = ["build", "--content", str(content), "--site-dir", str(site), "--work-dir", str(work),
            "--config-dir", str(ROOT / "site_config")]
    # SIGINT back to its default in the build: a test runner's worker may ignore it, children
    # inherit an ignored signal, and Python then installs no KeyboardInterrupt for it.
    proc = subprocess.Popen([sys.executable, "-c", STALLER, point, str(marker), *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the build never reached the stall point"
            time.sleep(0.02)
        proc.send_signal(sig)
        proc.communicate(timeout=30)  # read its output meanwhile: a full pipe would block its exit
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0
    assert snapshot(site) == before
    if sig == signal.SIGINT:
        assert leftovers(site) == []  # an interrupt cleans up the half-built site
    # The next build, after a killed one, still works and swaps in the new site.
    build(content, site, work)
    assert snapshot(site) != before
    assert leftovers(site) == []  # what a killed build left behind is removed by the next one


def test_swap_never_leaves_the_site_missing(tmp_path, monkeypatch):
    # The live folder is exchanged with the new one in one step: it is never renamed away.
    target, new = tmp_path / "site", tmp_path / ".site.new-1"
    for d, text in ((target, "old"), (new, "new")):
        (d / "sub").mkdir(parents=True)
        (d / "sub" / "index.html").write_text(text)
    renames: list[tuple[str, str]] = []
    real = os.replace
    monkeypatch.setattr(build_mod.os, "replace", lambda a, b: (renames.append((str(a), str(b))), real(a, b))[1])
    build_mod.swap_in(new, target)
    assert (target / "sub" / "index.html").read_text() == "new"
    assert not new.exists() and leftovers(target) == []
    if sys.platform.startswith("linux"):
        assert all(src != str(target) for src, _ in renames), renames
