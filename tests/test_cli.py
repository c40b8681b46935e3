"""The CLI as a user sees it: output lines and exit codes."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from generator.cli import main

from .conftest import FIXTURES, SEEDS

GOLDEN = FIXTURES / "golden" / "content"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("command", [[], ["ingest"], ["check"], ["build"], ["serve"]])
def test_every_command_has_help(command):
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.output and len(result.output.splitlines()) > 4


def test_check_passes_on_good_content():
    result = run("check", "--content", str(GOLDEN))
    assert result.exit_code == 0, result.output
    assert "0 problem(s)" in result.output


def test_check_names_file_record_and_field(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(GOLDEN, content)
    (content / "papers" / "broken.yaml").write_text(
        "id: broken\ntitle: A broken record\ndate: 2024-13-45\nupvotes: many\nurl: javascript:alert(1)\n", encoding="utf-8")
    (content / "papers" / "untitled.yaml").write_text("id: untitled\nabstract: no title here\n", encoding="utf-8")
    (content / "papers" / "bad-yaml.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--content", str(content)])
    assert result.exit_code == 1
    out = result.output
    assert "Traceback" not in out
    assert "content/papers/broken.yaml: record 'broken': field 'date': must be YYYY, YYYY-MM or YYYY-MM-DD" in out
    assert "record 'broken': field 'upvotes': must be a whole number" in out
    assert "record 'broken': field 'url': must be an http(s) URL" in out
    assert "content/papers/untitled.yaml: record 'untitled': field 'title': is required" in out
    assert "content/papers/bad-yaml.yaml" in out and "invalid YAML" in out


def test_unknown_format_lists_the_known_ones(tmp_path):
    result = CliRunner().invoke(main, ["ingest", "nonsense", str(GOLDEN / "papers" / "entropy-curve-2026.yaml"),
                                       "--content", str(tmp_path)])
    assert result.exit_code != 0
    assert "unknown format 'nonsense'; known formats:" in result.output and "hf-daily" in result.output


def test_ingest_reports_and_is_idempotent(tmp_path):
    daily = next(SEEDS.glob("004_*.txt"))
    first = run("ingest", "hf-daily", str(daily), "--content", str(tmp_path))
    assert first.exit_code == 0
    assert "read 37 record(s) from 1 file(s)" in first.output
    assert "37 new" in first.output
    second = run("ingest", "hf-daily", str(daily), "--content", str(tmp_path))
    assert "0 new, 37 merged into existing (0 updated, 37 unchanged)" in second.output
    assert "wrote 0 record file(s)" in second.output


def test_ingest_json_lines_keeps_good_records_next_to_bad(tmp_path):
    src = tmp_path / "records.jsonl"
    src.write_text(
        '{"title": "A good paper", "date": "2024-02-03", "authors": ["Ada Lovelace"]}\n'
        '{"title": "Broken JSON",\n'
        '{"id": "no-title"}\n'
        '{"title": "Another good paper", "date": "2023", "weird_field": {"kept": true}}\n', encoding="utf-8")
    content = tmp_path / "content"
    result = CliRunner().invoke(main, ["ingest", "json", str(src), "--content", str(content)])
    assert result.exit_code == 0
    assert "malformed JSON line" in result.output and "line 2" in result.output
    assert "record 'no-title': field 'title': is required" in result.output
    files = sorted(p.name for p in (content / "papers").glob("*.yaml"))
    assert files == ["a-good-paper-2024.yaml", "another-good-paper-2023.yaml"]
    # Unknown fields are kept, not dropped.
    assert "weird_field:\n  kept: true" in (content / "papers" / "another-good-paper-2023.yaml").read_text()


def test_build_missing_content_is_a_clean_error(tmp_path):
    result = CliRunner().invoke(main, ["build", "--content", str(tmp_path / "nope"), "--site-dir", str(tmp_path / "s")])
    assert result.exit_code == 1
    assert "content folder" in result.output and "Traceback" not in result.output
