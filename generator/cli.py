"""The ``papershelf`` command.  Each subcommand parses its arguments and calls
one library function; output and exit codes are what tests assert on."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .ingest import FORMATS, IngestContext

CONTENT = click.option("--content", "content", type=click.Path(path_type=Path), default=Path("content"),
                       show_default=True, help="The content folder holding the records.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="papershelf")
def main() -> None:
    """Papershelf: turn paper and author records into a searchable static site.

    \b
    Typical use:
      papershelf ingest bibtex refs.bib      add records to content/
      papershelf check                       validate every record
      papershelf build                       build the site into site/
      papershelf serve                       preview with live reload
    """


def _format_help() -> str:
    return "Input format: " + ", ".join(sorted(FORMATS)) + ", or auto (recognise from the file)."


@main.command()
@click.argument("fmt", metavar="FORMAT")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@CONTENT
@click.option("--dry-run", is_flag=True, help="Read and merge, report, but write nothing.")
@click.option("--year", type=int, help="Year of a saved listing page that shows none.")
@click.option("--name-variants", type=click.Path(exists=True, path_type=Path),
              help="ACL Anthology name_variants.yaml, to resolve author spellings.")
@click.option("--about", help="Typed id of the paper a Semantic Scholar citations page is about (s2:..., doi:...).")
@click.option("--report", "report_path", type=click.Path(path_type=Path), help="Also write the report as JSON here.")
@click.option("--strict", is_flag=True, help="Exit non-zero if any record was skipped or file refused.")
def ingest(fmt: str, paths: tuple[Path, ...], content: Path, dry_run: bool, year: int | None,
           name_variants: Path | None, report_path: Path | None, strict: bool, about: str | None = None) -> None:
    """Add records from files of FORMAT to the content folder.

    Records that describe a paper already in the catalog are merged into it
    (every source is kept).  Records that cannot be used are listed with
    file, record, field and reason.
    """
    from .ingest import get_parser
    from .ingest.run import ingest as run_ingest
    from .ingest.run import write_report

    detect = None
    if fmt == "auto":
        from .ingest import detect as detect_mod  # type: ignore[attr-defined]

        detect = detect_mod.detect_format
    else:
        get_parser(fmt)  # an unknown format fails here, listing the known ones
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise click.ClickException(f"no such file: {', '.join(missing)}")
    content.mkdir(parents=True, exist_ok=True)
    report = run_ingest(fmt, list(paths), content, IngestContext(year=year, name_variants=name_variants, about=about),
                        dry_run=dry_run, detect=detect, strict=strict)
    for p in report.skipped:
        click.echo(f"skipped: {p}", err=True)
    for r in report.refused:
        click.echo(f"refused: {r}", err=True)
    for title, pid, why in report.near_duplicates:
        click.echo(f"review: {title[:70]!r} kept as {pid}: {why}", err=True)
    click.echo(report.summary())
    failed = strict and bool(report.skipped or report.refused)
    if dry_run or failed:
        click.echo("dry run: nothing written" if dry_run else
                   f"--strict: nothing written ({len(report.skipped)} skipped record(s), "
                   f"{len(report.refused)} refused file(s))")
    else:
        click.echo(f"wrote {report.written} record file(s) under {content}")
    if report_path:
        write_report(report, report_path)
    if failed:
        sys.exit(1)
    if report.refused and report.read == 0:
        sys.exit(1)


ingest.help = (ingest.help or "") + "\n\n" + _format_help()


@main.command()
@CONTENT
@click.option("--config-dir", type=click.Path(path_type=Path), default=Path("site_config"), show_default=True,
              help="Folder with site.yaml, theme overrides and assets.")
def check(content: Path, config_dir: Path) -> None:
    """Validate every record and the site settings; one line per problem.

    Exits 0 when everything is valid, 1 when any record has a problem.
    """
    from .catalog import build_catalog
    from .config import load_config
    from .content import load_content

    load_config(config_dir / "site.yaml")
    if not content.is_dir():
        raise click.ClickException(f"content folder {content} does not exist")
    loaded = load_content(content)
    problems = list(loaded.problems)
    catalog = build_catalog(loaded.papers, loaded.authors)
    try:
        from .lists import check_lists  # reading lists, when present

        problems += check_lists(content, catalog)
    except ImportError:
        pass
    for p in problems:
        click.echo(str(p))
    click.echo(f"{len(loaded.papers)} paper(s), {len(loaded.authors)} author record(s), "
               f"{len(catalog.authors)} author(s) after resolving names; {len(problems)} problem(s)",
               err=bool(problems))
    if problems:
        sys.exit(1)


@main.command()
@CONTENT
@click.option("--site-dir", type=click.Path(path_type=Path), default=Path("site"), show_default=True,
              help="Where the built site goes (replaced atomically).")
@click.option("--config-dir", type=click.Path(path_type=Path), default=Path("site_config"), show_default=True,
              help="Folder with site.yaml, theme overrides and assets.")
@click.option("--work-dir", type=click.Path(path_type=Path), default=Path("build"), show_default=True,
              help="Folder for the generated Markdown (kept between builds for speed).")
@click.option("--site-url", help="Override the configured site URL (e.g. to build for another sub-path).")
@click.option("--strict", is_flag=True, help="Fail the build if any record has a problem.")
def build(content: Path, site_dir: Path, config_dir: Path, work_dir: Path, site_url: str | None, strict: bool) -> None:
    """Build the site from the content folder into the site folder."""
    from .build import BuildOptions, build_site

    opts = BuildOptions(content=content, site_dir=site_dir, config_dir=config_dir, work_dir=work_dir,
                        strict=strict, site_url=site_url)
    report = build_site(opts)
    for p in report.problems:
        click.echo(f"skipped: {p}", err=True)
    d = report.docs
    times = ", ".join(f"{k} {v:.2f}s" for k, v in report.timings.items())
    click.echo(f"built {report.papers} paper(s) and {report.authors} author(s) into {site_dir}: "
               f"{d.pages} pages ({d.written} files written, {d.unchanged} unchanged, {d.removed} removed; "
               f"{d.reused} page(s) reused, nothing they show having changed); "
               f"{len(report.problems)} record problem(s)")
    r = report.render
    if r is not None:
        how = f"full build ({r.reason})" if r.full else "incremental"
        click.echo(f"html: {r.rendered} page(s) rendered on {r.jobs} process(es), {r.reused} reused unchanged, "
                   f"{r.static_copied} asset(s) copied, {r.removed} removed; {how}; "
                   f"{report.cache_hits} record file(s) read from cache")
    click.echo(f"time: {times}, total {sum(report.timings.values()):.2f}s")


@main.command()
@CONTENT
@click.option("--config-dir", type=click.Path(path_type=Path), default=Path("site_config"), show_default=True)
@click.option("--work-dir", type=click.Path(path_type=Path), default=Path("build"), show_default=True)
@click.option("-a", "--dev-addr", default="127.0.0.1:8000", show_default=True, help="Address to serve on.")
def serve(content: Path, config_dir: Path, work_dir: Path, dev_addr: str) -> None:
    """Preview the site with live reload; edits to records rebuild it."""
    from .serve import serve_site

    serve_site(content, config_dir, work_dir, dev_addr)


@main.command()
@click.argument("idents", nargs=-1, metavar="[ID]...")
@click.option("--arxiv-query", "arxiv_queries", multiple=True, metavar="QUERY",
              help='An arXiv search, e.g. "cat:cs.LG AND ti:diffusion" (newest first).')
@click.option("--author", "authors", multiple=True, metavar="AUTHOR",
              help="An author's works: orcid:0000-… or openalex:A… (OpenAlex), s2:ID (Semantic Scholar).")
@click.option("--s2-query", "s2_queries", multiple=True, metavar="QUERY", help="A Semantic Scholar search.")
@click.option("--hf-daily", "hf_days", multiple=True, metavar="DAY",
              help="Hugging Face daily papers of DAY: YYYY-MM-DD, today or yesterday.")
@click.option("--max", "max_results", type=click.IntRange(min=1), default=100, show_default=True,
              help="Most papers to take from each query.")
@click.option("--from-config", is_flag=True, help="Also fetch the ids and queries of site.yaml's add: block.")
@CONTENT
@click.option("--config-dir", type=click.Path(path_type=Path), default=Path("site_config"), show_default=True,
              help="Folder with site.yaml (contact, add: settings).")
@click.option("--cache-dir", type=click.Path(path_type=Path), default=Path(".cache/papershelf"), show_default=True,
              help="Where API answers and paging state are kept (a re-run asks nothing again).")
@click.option("--refresh", is_flag=True, help="Ask the APIs again even for answers in the cache.")
@click.option("--listed-today", is_flag=True, help="List the papers new to the catalog under today's date (UTC).")
@click.option("--listed", "listed_day", metavar="YYYY-MM-DD", help="List new papers under this day instead.")
@click.option("--dry-run", is_flag=True, help="Fetch and merge, report, but write nothing to the content folder.")
@click.option("--report", "report_path", type=click.Path(path_type=Path), help="Also write the merge report as JSON.")
@click.option("--strict", is_flag=True, help="Exit non-zero if any id, query or record failed.")
def add(idents: tuple[str, ...], arxiv_queries: tuple[str, ...], authors: tuple[str, ...],
        s2_queries: tuple[str, ...], hf_days: tuple[str, ...], max_results: int, from_config: bool, content: Path, config_dir: Path,
        cache_dir: Path, refresh: bool, listed_today: bool, listed_day: str | None, dry_run: bool,
        report_path: Path | None, strict: bool) -> None:
    """Fetch papers by ID or query from arXiv, OpenAlex, Semantic Scholar,
    Hugging Face or the ACL Anthology, and merge them into the content folder.

    \b
    IDs: arxiv:2401.12345  doi:10.…  openalex:W…  s2:…  acl:2020.acl-main.1  hf:2401.12345
    Examples:
      papershelf add arxiv:2401.12345 doi:10.18653/v1/2020.acl-main.1
      papershelf add --arxiv-query "cat:cs.LG AND ti:diffusion" --max 200
      papershelf add --author orcid:0000-0002-1825-0097
      papershelf add --hf-daily today
      papershelf add --from-config --listed-today     (what the daily refresh runs)

    Answers are cached under --cache-dir, so running the same command again
    makes no request and changes nothing.
    """
    from .config import load_config
    from .fetch.add import AddPlan, parse_query, plan_from_config, run_add, settings_from_config, today
    from .fetch.sources import parse_ident
    from .ingest.run import write_report
    from .model import valid_date

    cfg = load_config(config_dir / "site.yaml")
    plan, settings = plan_from_config(cfg) if from_config else (AddPlan(), settings_from_config(cfg))
    plan.ids += [parse_ident(i) for i in idents]
    plan.queries += [parse_query("arxiv", q, max_results) for q in arxiv_queries]
    plan.queries += [parse_query("author", a, max_results) for a in authors]
    plan.queries += [parse_query("s2", q, max_results) for q in s2_queries]
    plan.queries += [parse_query("hf_daily", d, max_results) for d in hf_days]
    if not plan:
        raise click.UsageError("nothing to fetch: give an ID, --arxiv-query, --author, --s2-query, --hf-daily "
                               "or --from-config")
    if listed_day and not (len(listed_day) == 10 and valid_date(listed_day)):
        raise click.BadParameter(f"{listed_day!r} is not a day YYYY-MM-DD", param_hint="--listed")
    settings.client.cache_dir = cache_dir
    settings.client.refresh = refresh
    day = listed_day or (today() if listed_today else None)
    result = run_add(plan, content, settings, dry_run=dry_run, listed=day)
    for p in result.problems:
        click.echo(f"skipped: {p}", err=True)
    for title, pid, why in result.report.near_duplicates:
        click.echo(f"review: {title[:70]!r} kept as {pid}: {why}", err=True)
    click.echo(result.summary())
    click.echo("dry run: nothing written" if dry_run else f"wrote {result.report.written} record file(s) under {content}")
    if report_path:
        write_report(result.report, report_path)
    if not settings.client.contact:
        click.echo("tip: set contact: (your e-mail) in site.yaml; the APIs ask clients to give one", err=True)
    if (strict and result.problems) or (result.failed and not result.report.papers):
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
