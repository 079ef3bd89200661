"""Shared fixtures for libfastclip's Python tests.

The tests never load the library into Python: they drive the command-line
tools of a build, so that the sanitizer build (`make check-sanitize`, which
sets FASTCLIP_SANITIZED=1) checks the same cases for memory errors and leaks.

Environment
  FASTCLIP_BUILD      build folder, relative to the project root or absolute
                      (default "build"): <build>/tests/fc_pp_batch,
                      <build>/bin/fastclip, <build>/tests/fc_decode_dump.
  FASTCLIP_SANITIZED  "1" when that build uses AddressSanitizer/UBSan.

Fixtures
  tools        paths of the tools (fails, never skips, when one is missing)
  workdir      a session-wide scratch folder
  batch        batch(jobs, name) -> BatchRun (.results: one BatchResult per
               job, .problems: exit status / sanitizer reports): one
               fc_pp_batch process for many preprocessing calls;
               batch.Job is the BatchJob class (one manifest line)
  cli          run(args, stdin=None) -> CompletedProcess of `fastclip`
  version_differences   the list test_conformance appends to when the
               reference Pillow is older than 13 (written out at the end)

Plain helpers (status codes, BatchJob, run_batch) live in fctools.py.
"""
import json
import subprocess
from types import SimpleNamespace

import pytest

from fctools import (BUILD, ROOT, SANITIZED, TIMEOUT_SCALE, BatchJob, library_dir,
                     run_batch)


@pytest.fixture(scope="session")
def tools():
    t = SimpleNamespace(
        root=ROOT,
        build=BUILD,
        lib=library_dir() / "libfastclip.so",
        batch=BUILD / "tests" / "fc_pp_batch",
        cli=BUILD / "bin" / "fastclip",
        dump=BUILD / "tests" / "fc_decode_dump",
        sanitized=SANITIZED,
    )
    missing = [str(p) for p in (t.batch, t.cli, t.lib) if not p.exists()]
    if missing:
        pytest.fail("missing %s: build them first (make test-tools, or make "
                    "check); FASTCLIP_BUILD=%s" % (", ".join(missing), BUILD))
    return t


@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("fastclip")


@pytest.fixture(scope="session")
def batch(tools, workdir):
    def run(jobs, name="batch"):
        return run_batch(tools.batch, jobs, workdir / ("%s.manifest" % name))
    run.Job = BatchJob
    return run


# --------------------------------------------------------------------------
# fastclip CLI
# --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def cli(tools):
    def run(args, stdin=None, timeout=120):
        return subprocess.run([str(tools.cli), *[str(a) for a in args]], input=stdin,
                              capture_output=True, timeout=timeout * TIMEOUT_SCALE)
    return run


# --------------------------------------------------------------------------
# Cases that legitimately differ under an older reference Pillow
# --------------------------------------------------------------------------

VERSION_DIFFERENCES = []


@pytest.fixture(scope="session")
def version_differences():
    return VERSION_DIFFERENCES


def _differences_path():
    import PIL
    return BUILD / ("pillow-%s-differences.json" % PIL.__version__)


def pytest_sessionfinish(session, exitstatus):
    if not VERSION_DIFFERENCES:
        return
    import PIL
    path = _differences_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({
            "pillow": PIL.__version__,
            "note": "cases where this Pillow legitimately differs from Pillow 13, "
                    "which libfastclip follows",
            "cases": sorted(VERSION_DIFFERENCES, key=lambda d: d["case"]),
        }, indent=1) + "\n")
    except OSError:
        pass


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not VERSION_DIFFERENCES:
        return
    import PIL
    tr = terminalreporter
    tr.section("cases that differ under Pillow %s (libfastclip follows Pillow 13)"
               % PIL.__version__)
    for d in sorted(VERSION_DIFFERENCES, key=lambda d: d["case"]):
        tr.write_line("%-60s %-8s %s" % (d["case"], d["outcome"], d["reason"]))
    tr.write_line("(written to %s)" % _differences_path())
