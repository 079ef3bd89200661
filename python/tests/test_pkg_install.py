"""`pip install ./python` into a fresh virtual environment, and the three
places the installed package finds the library: FASTCLIP_LIBRARY, next to
its own files, the system path.

The venv is made by Debian's python3 with --system-site-packages (its numpy
1.24 and setuptools, so this also runs the package on an older numpy), and
pip installs offline (--no-index --no-build-isolation --no-deps) from a
copy of python/, so that no build files land in the checkout. Set FASTCLIP_VENV_PYTHON to use another
interpreter."""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pytest

import fastclip
from conftest import PACKAGE_ROOT
from pkghelpers import same

BASE_PYTHON = os.environ.get("FASTCLIP_VENV_PYTHON") or (
    "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable)

PROBE = r"""
import json, sys
import numpy as np
import fastclip
out = {"file": fastclip.__file__, "version": fastclip.__version__,
       "library": fastclip.library_path(), "lib_version": fastclip.version(),
       "ids": fastclip.tokenize("a photo of a cat").tolist()}
if len(sys.argv) > 1:
    with fastclip.Model(sys.argv[1], warmup=0) as m:
        np.save(sys.argv[2], m.encode_texts(["a cat", "a dog"]))
print(json.dumps(out))
"""


def run(args, **kw):
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True,
                          timeout=300, **kw)
    assert proc.returncode == 0, "%s\nexit %d\n%s\n%s" % (
        " ".join(str(a) for a in args), proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:])
    return proc


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    d = tmp_path_factory.mktemp("pip-install")
    src = d / "src"
    shutil.copytree(PACKAGE_ROOT, src, ignore=shutil.ignore_patterns(
        "tests", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache"))
    env_dir = d / "venv"
    py = env_dir / "bin" / "python"
    install = ["install", "-q", "--no-deps", "--no-build-isolation", "--no-index",
               "--disable-pip-version-check", src]
    # The base python's pip installs into the venv (pip >= 22.3 has
    # --python), which spares the seconds ensurepip takes; else the venv
    # gets its own pip.
    run([BASE_PYTHON, "-m", "venv", "--system-site-packages", "--without-pip", env_dir])
    probe_pip = subprocess.run([BASE_PYTHON, "-m", "pip", "--python", str(py), "--version"],
                               capture_output=True, timeout=120)
    if probe_pip.returncode == 0:
        run([BASE_PYTHON, "-m", "pip", "--python", py, *install])
    else:
        run([py, "-m", "ensurepip", "-q"])
        run([py, "-m", "pip", *install])
    return py, d


def probe(py, cwd, env, *args):
    clean = {k: v for k, v in os.environ.items()
             if k not in ("FASTCLIP_LIBRARY", "PYTHONPATH", "LD_LIBRARY_PATH")}
    clean.update(env)
    return json.loads(run([py, "-c", PROBE, *args], cwd=str(cwd), env=clean).stdout)


def test_installed_package_with_fastclip_library(venv, library, models):
    py, d = venv
    out = d / "texts.npy"
    got = probe(py, d, {"FASTCLIP_LIBRARY": str(library)}, models["traced_fp32"]["path"], out)
    installed = pathlib.Path(got["file"]).parent
    assert installed.parent.name == "site-packages"
    assert str(installed).startswith(str(d / "venv"))
    assert got["version"] == fastclip.__version__ and got["lib_version"] == fastclip.version()
    assert os.path.realpath(got["library"]) == os.path.realpath(library)
    assert got["ids"] == fastclip.tokenize("a photo of a cat").tolist()
    with fastclip.Model(models["traced_fp32"]["path"], warmup=0) as m:
        assert same(np.load(out), m.encode_texts(["a cat", "a dog"]))
    # py.typed is installed with the package.
    assert (installed / "py.typed").exists()


def test_library_next_to_the_package(venv, library, models):
    """A copy of the library (and its LibTorch backend) inside the
    installed package is found without FASTCLIP_LIBRARY, and
    FASTCLIP_LIBRARY still wins over it."""
    py, d = venv
    pkg = pathlib.Path(probe(py, d, {"FASTCLIP_LIBRARY": str(library)})["file"]).parent
    copies = [pkg / "libfastclip.so.0"]
    shutil.copy(os.path.realpath(library), copies[0])
    backend = next(library.parent.glob("libfastclip_torch.so.*"), None)
    if backend is not None:
        copies.append(pkg / backend.name)
        shutil.copy(backend, copies[1])
    try:
        got = probe(py, d, {}, *([models["traced_fp32"]["path"], d / "next.npy"]
                                 if backend is not None else []))
        assert os.path.realpath(got["library"]) == str(copies[0])
        assert got["ids"] == fastclip.tokenize("a photo of a cat").tolist()
        if backend is not None:
            with fastclip.Model(models["traced_fp32"]["path"], warmup=0) as m:
                assert same(np.load(d / "next.npy"), m.encode_texts(["a cat", "a dog"]))
        got = probe(py, d, {"FASTCLIP_LIBRARY": str(library)})
        assert os.path.realpath(got["library"]) == os.path.realpath(library)
    finally:
        for c in copies:
            c.unlink()


def test_library_on_the_system_path(venv, library):
    py, d = venv
    got = probe(py, d, {"LD_LIBRARY_PATH": str(library.parent)})
    assert os.path.realpath(got["library"]) == os.path.realpath(library)
    assert got["ids"] == fastclip.tokenize("a photo of a cat").tolist()
