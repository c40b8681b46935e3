"""Ingest benchmark: the big real-data cases, kept out of the unit tests.

Runs ``papershelf ingest`` under ``/usr/bin/time -v`` (wall time and peak
resident memory of the whole process) on:

* the whole ACL Anthology snapshot (71k papers, read straight from the
  tarball), into an empty content folder, then again (the idempotent
  re-ingest: nothing may be written);
* the 9,519-entry IETF RFC BibTeX file.

Usage: ``python -m bench.ingest_bench [--skip-acl]``.  Prints one line per case.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REALDATA = ROOT.parent / "shared" / "realdata"
CLI = ROOT / ".venv" / "bin" / "papershelf"


def run(label: str, args: list[str]) -> None:
    """Run one ingest and print its wall time, peak memory and the summary's written count."""
    proc = subprocess.run(["/usr/bin/time", "-v", str(CLI), "ingest", *args], capture_output=True, text=True)
    err = proc.stderr
    wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", err)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    wrote = re.search(r"wrote (\d+) record file", proc.stdout)
    read = re.search(r"read (\d+) record", proc.stdout)
    print(f"{label}: exit {proc.returncode}, wall {wall.group(1) if wall else '?'}, "
          f"peak RSS {int(rss.group(1)) // 1024 if rss else '?'} MB, "
          f"read {read.group(1) if read else '?'}, wrote {wrote.group(1) if wrote else '?'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-acl", action="store_true", help="only the BibTeX case (seconds, not minutes)")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="papershelf-ingest-") as tmp:
        bib = Path(tmp) / "bib"
        run("ietf_rfc.bib (9,519 entries)", ["bibtex", str(REALDATA / "bibtex" / "ietf_rfc.bib"), "--content", str(bib)])
        if not opts.skip_acl:
            tar = REALDATA / "acl" / "acl_anthology_all_xml_2021snapshot.tar.gz"
            acl = Path(tmp) / "acl"
            run("ACL snapshot tarball, first ingest", ["acl", str(tar), "--content", str(acl)])
            run("ACL snapshot tarball, re-ingest", ["acl", str(tar), "--content", str(acl)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
