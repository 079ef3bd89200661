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
INVALID_UTF8, TEXT_TOO_LONG, MODEL, DEVICE, PARTIAL = 11, 12, 13, 14, 15


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




# --------------------------------------------------------------------------
# fc_decode_dump: the decoded image before any resampling (for triage)
# --------------------------------------------------------------------------

DUMP_DTYPES = {"1": (np.uint8, 1), "L": (np.uint8, 1), "P": (np.uint8, 1),
               "LA": (np.uint8, 2), "RGB": (np.uint8, 3), "RGBA": (np.uint8, 4),
               "CMYK": (np.uint8, 4), "I;16": (np.uint16, 1), "I": (np.int32, 1),
               "F": (np.float32, 1)}


def decode_dump(dump_exe, image_path, out_path):
    """Runs fc_decode_dump; returns (mode, array, palette or None), or raises
    RuntimeError with the tool's error line."""
    proc = subprocess.run([str(dump_exe), str(image_path), str(out_path)],
                          capture_output=True, timeout=120 * TIMEOUT_SCALE)
    if proc.returncode != 0:
        raise RuntimeError((proc.stdout + proc.stderr).decode("utf-8", "replace").strip())
    raw = pathlib.Path(out_path).read_bytes()
    head, _, body = raw.partition(b"\n")
    mode, w, h = head.decode().split()
    w, h = int(w), int(h)
    dtype, channels = DUMP_DTYPES[mode]
    count = w * h * channels
    nbytes = count * np.dtype(dtype).itemsize
    arr = np.frombuffer(body[:nbytes], dtype=dtype).reshape((h, w, channels) if channels > 1
                                                            else (h, w))
    palette = np.frombuffer(body[nbytes:nbytes + 768], np.uint8) if mode == "P" else None
    return mode, arr, palette


def triage_decoder(dump_exe, image_path, out_path):
    """Compares libfastclip's decoder with Pillow's Image.open on one file,
    before any resampling. Returns a one-line verdict for failure messages."""
    from PIL import Image
    try:
        mode, arr, palette = decode_dump(dump_exe, image_path, out_path)
    except Exception as e:  # missing tool, decode error
        return "decoder triage unavailable: %s" % e
    im = Image.open(image_path)
    im.load()
    if mode != im.mode:
        return "DECODER: mode %s, Pillow %s" % (mode, im.mode)
    want = np.asarray(im)
    if im.mode == "1":
        want = want.astype(np.uint8) * 255
    if arr.shape != want.shape:
        return "DECODER: shape %s, Pillow %s" % (arr.shape, want.shape)
    bad = arr != want
    if mode == "F":
        bad = arr.view(np.uint32) != want.astype(np.float32).view(np.uint32)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        return ("DECODER: %d of %d samples differ from Pillow's, max diff %s, first at %s"
                % (int(bad.sum()), bad.size,
                   np.abs(arr.astype(np.float64) - want.astype(np.float64)).max(), first))
    if palette is not None:
        pil_pal = np.frombuffer(bytes(im.getpalette() or b""), np.uint8)
        if not np.array_equal(palette[: pil_pal.size], pil_pal):
            return "DECODER: palette differs from Pillow's"
    return "decoder matches Pillow's Image.open exactly: the difference is in the transform"
