"""Same input, same bytes: builds and ingests are deterministic; dependencies are pinned.

Builds run as separate processes with different PYTHONHASHSEEDs, so an output that
depends on set or dict-of-set iteration order (which changes between processes) is
caught; they use separate work and site folders, so nothing may depend on where the
build ran.  A rebuild over a warm work folder must give the same bytes as a cold one.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from importlib import metadata

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .conftest import ROOT, build
from .test_atomic import snapshot
from .test_hostile import write_jsonl

PAPERSHELF = [sys.executable, "-c", "from generator.cli import main; main(prog_name='papershelf')"]


def _run(args: list[str], seed: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONHASHSEED": str(seed)}
    return subprocess.Popen(PAPERSHELF + args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err.decode()


def _diff(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


def test_builds_are_byte_identical(tmp_path):
    # One test, not three sharing a module fixture: under pytest-xdist each worker would
    # otherwise build the seed site again.
    roots = [tmp_path / f"det{n}" for n in (1, 2)]
    procs = [_run(["build", "--content", str(ROOT / "content"), "--site-dir", str(r / "site"),
                   "--work-dir", str(r / "work"), "--config-dir", str(ROOT / "site_config")], seed)
             for seed, r in zip((1, 2), roots, strict=True)]
    _wait(procs)
    # Straight after, in-process, over the first build's warm work folder (caches, unchanged Markdown).
    warm = tmp_path / "warm"
    build(ROOT / "content", warm, roots[0] / "work")

    # Two processes with different hash seeds, separate folders: the same bytes, Markdown too.
    first, second = snapshot(roots[0] / "site"), snapshot(roots[1] / "site")
    assert len(first) > 300
    assert _diff(first, second) == []
    for part in ("docs", "files"):
        assert _diff(snapshot(roots[0] / "work" / part), snapshot(roots[1] / "work" / part)) == []
    # A warm rebuild gives the same bytes as a cold one.
    assert _diff(first, snapshot(warm)) == []
    # Compressed files carry no build time.
    gz = [p for p in (roots[0] / "site").rglob("*.gz")]
    assert gz, "the build writes sitemap.xml.gz"
    for p in gz:
        assert p.read_bytes()[4:8] == b"\0\0\0\0", f"{p.name}: gzip header holds a build time"


def test_two_ingests_write_the_same_records(tmp_path):
    src = write_jsonl(tmp_path / "hostile.jsonl")
    procs = [_run(["ingest", "json", str(src), "--content", str(tmp_path / f"c{seed}")], seed) for seed in (3, 4)]
    _wait(procs)
    first, second = snapshot(tmp_path / "c3"), snapshot(tmp_path / "c4")
    assert len(first) > 20
    assert _diff(first, second) == []


# --------------------------------------------------------------------------
# Pinned dependencies: a build next year installs the same versions.
# --------------------------------------------------------------------------


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            m = re.fullmatch(r"([A-Za-z0-9._-]+)==([^\s;]+)", line)
            assert m, f"constraints.txt: not an exact pin: {line!r}"
            pins[canonicalize_name(m[1])] = m[2]
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = [Requirement(r) for r in project.get("dependencies", [])]
    for group in project.get("optional-dependencies", {}).values():
        reqs += [Requirement(r) for r in group]
    return reqs


def test_every_declared_dependency_is_pinned():
    pins = _pins()
    missing, outside = [], []
    for req in _declared():
        name = canonicalize_name(req.name)
        if name not in pins:
            missing.append(req.name)
        elif not req.specifier.contains(pins[name], prereleases=True):
            outside.append(f"{req.name}: pinned {pins[name]} is outside {req.specifier}")
    assert missing == [] and outside == []


def test_runtime_dependencies_are_pinned_all_the_way_down():
    # Transitive requirements of the package, as installed, each pinned (markers evaluated here).
    pins = _pins()
    env = {**default_environment(), "extra": ""}
    seen: set[str] = set()
    todo = [canonicalize_name(r.name) for r in _declared()]
    unpinned = []
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name not in pins:
            unpinned.append(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for r in map(Requirement, requires):
            if r.marker is None or r.marker.evaluate(env):
                todo.append(canonicalize_name(r.name))
    assert sorted(unpinned) == []


def test_installed_versions_match_the_pins():
    pins = _pins()
    wrong = []
    for req in _declared():
        name = canonicalize_name(req.name)
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue  # an optional extra not installed here
        if name in pins and have != pins[name]:
            wrong.append(f"{name}: installed {have}, pinned {pins[name]}")
    assert wrong == []


def test_make_installs_from_the_constraints():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    installs = [ln for ln in makefile.splitlines() if "pip install" in ln and "--upgrade pip" not in ln]
    assert installs and all("-c constraints.txt" in ln for ln in installs), installs
