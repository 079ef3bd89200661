"""Shared helpers for libfastclip's Python tests: where the build's tools
are, the status codes of fastclip.h, and a driver for fc_pp_batch.

Environment
  FASTCLIP_BUILD      build folder, relative to the project root or absolute
                      (default "build")
  FASTCLIP_SANITIZED  "1" when that build uses AddressSanitizer/UBSan

The tests never load the library into Python; see conftest.py.
"""
import os
import pathlib
import subprocess
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("FASTCLIP_BUILD", "build"))
if not BUILD.is_absolute():
    BUILD = ROOT / BUILD
SANITIZED = os.environ.get("FASTCLIP_SANITIZED", "") == "1"
# Sanitized tools run several times slower.
TIMEOUT_SCALE = 6 if SANITIZED else 1

# Status codes of fastclip.h.
OK, INVALID_ARGUMENT, BUFFER_TOO_SMALL, OUT_OF_MEMORY, IO = 0, 1, 2, 3, 4
UNKNOWN_FORMAT, UNSUPPORTED, CORRUPT, TRUNCATED, TOO_LARGE, INTERNAL = 5, 6, 7, 8, 9, 10


def library_dir():
    """lib/ for the normal build, <build>/lib for a build that keeps its own
    copy (the sanitizer build: build-asan/lib)."""
    for d in (BUILD / "lib", BUILD.parent / "lib", ROOT / "lib"):
        if (d / "libfastclip.so").exists():
            return d
    return ROOT / "lib"


# --------------------------------------------------------------------------
# fc_pp_batch
# --------------------------------------------------------------------------


@dataclass
class BatchJob:
    """One manifest line. kind: file, memory or pixels; order: pil or rgb.
    For pixels: fmt (fc_pixel_format number), width, height, stride."""
    kind: str
    n: int
    order: str
    input: str
    output: str
    fmt: int = 0
    width: int = 0
    height: int = 0
    stride: int = 0

    def line(self):
        f = [self.kind, str(self.n), self.order, self.input, self.output]
        if self.kind == "pixels":
            f += [str(self.fmt), str(self.width), str(self.height), str(self.stride)]
        for x in f:
            assert "\t" not in x and "\n" not in x and x != "", f
        return "\t".join(f) + "\n"


@dataclass
class BatchResult:
    job: BatchJob
    status: int  # fc_status; -1 for the tool's own errors; None if it crashed
    message: str
    crash: str = ""

    @property
    def ok(self):
        return self.status == OK

    def tensor(self):
        """The output as float32 (3, n, n)."""
        assert self.ok, self.describe()
        n = self.job.n
        data = np.fromfile(self.job.output, dtype="<f4")
        assert data.size == 3 * n * n, "output has %d floats, expected %d" % (data.size, 3 * n * n)
        return data.reshape(3, n, n)

    def describe(self):
        if self.status is None:
            return "fc_pp_batch died on this line: " + self.crash
        if self.ok:
            return "OK"
        return "ERR %s %s" % (self.status, self.message)


@dataclass
class BatchRun:
    results: list
    # Process-level problems: non-zero exit, sanitizer reports, leaks.
    problems: list = field(default_factory=list)


def run_batch(exe, jobs, manifest_path, timeout=None, env=None, preexec_fn=None):
    """Runs fc_pp_batch over `jobs`. A crash on one line is recorded on that
    line and the rest are run in a new process, so one bad case cannot hide
    the others. env / preexec_fn go to subprocess.run (resource limits)."""
    results = [None] * len(jobs)
    problems = []
    start = 0
    chunk = 0
    while start < len(jobs):
        manifest = pathlib.Path("%s.%d" % (manifest_path, chunk))
        manifest.write_text("".join(j.line() for j in jobs[start:]))
        try:
            proc = subprocess.run([str(exe), str(manifest)], capture_output=True,
                                  timeout=timeout or 900 * TIMEOUT_SCALE, env=env,
                                  preexec_fn=preexec_fn)
        except subprocess.TimeoutExpired as e:
            proc = SimpleNamespace(returncode="timeout", stdout=e.stdout or b"",
                                   stderr=e.stderr or b"")
        lines = proc.stdout.decode("utf-8", "replace").splitlines()
        stderr = proc.stderr.decode("utf-8", "replace")
        for i, line in enumerate(lines[: len(jobs) - start]):
            job = jobs[start + i]
            if line == "OK":
                results[start + i] = BatchResult(job, OK, "")
            else:
                parts = line.split(" ", 2)
                if len(parts) >= 2 and parts[0] == "ERR":
                    results[start + i] = BatchResult(job, int(parts[1]),
                                                     parts[2] if len(parts) > 2 else "")
                else:
                    results[start + i] = BatchResult(job, -1, "unparsable line %r" % line)
        done = start + min(len(lines), len(jobs) - start)
        if proc.returncode not in (0, 2) or stderr.strip():
            where = ("after line %d" % done) if done == len(jobs) else ("on line %d" % done)
            problems.append("fc_pp_batch exit %s %s (%s); stderr:\n%s"
                            % (proc.returncode, where, jobs[min(done, len(jobs) - 1)].input,
                               stderr[-4000:]))
        if done < len(jobs):
            crash = "exit %s; stderr tail: %s" % (proc.returncode, stderr[-1500:])
            # 126/127: the tool could not even start (missing library):
            # no point in retrying line by line.
            last = len(jobs) if (not lines and proc.returncode in (126, 127)) else done + 1
            for k in range(done, last):
                results[k] = BatchResult(jobs[k], None, "", crash=crash)
            done = last
        start = done
        chunk += 1
    return BatchRun(results, problems)


