#!/bin/sh
# Installs everything the build and the test suite need on a fresh Debian 12:
# the Debian packages in debian-packages.txt and a Python virtual environment
# (.venv, from Debian's python3) with the pinned PyPI packages in
# requirements.txt. Run as root (or with sudo) from the project root:
#   make setup
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv=${FASTCLIP_VENV:-$root/.venv}
# Debian's python3 with its own torch 1.13, for the Debian LibTorch build.
venv_debian=${FASTCLIP_VENV_DEBIAN:-$root/.venv-debian}

pkgs=$(grep -v '^#' "$here/debian-packages.txt" | tr '\n' ' ')
missing=
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
    SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi

if [ ! -x "$venv/bin/python" ]; then
    /usr/bin/python3 -m venv "$venv"
fi
if [ ! -x "$venv_debian/bin/python" ]; then
    /usr/bin/python3 -m venv --system-site-packages "$venv_debian"
fi
# Reinstalls nothing when the pins are already met.
"$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt" 2>&1 \
    | grep -v "is ignored: it is neither a file nor a directory" || true
"$venv/bin/python" -c "import PIL, torch, torchvision, cv2, numpy, pytest; print('python reference: Pillow', PIL.__version__, 'torchvision', torchvision.__version__)"
"$venv/bin/python" -W ignore -c "import clip, ftfy; from clip.simple_tokenizer import SimpleTokenizer; print('tokenizer reference: openai-clip', 'ftfy', ftfy.__version__)"
# .venv-debian: only OpenAI's clip code and its pure-Python needs; torch,
# torchvision and Pillow stay Debian's (--no-deps keeps pip from replacing them).
"$venv_debian/bin/pip" install -q --disable-pip-version-check --no-deps -r "$here/requirements-debian.txt" 2>&1 \
    | grep -v "is ignored: it is neither a file nor a directory" || true
"$venv_debian/bin/python" -W ignore -c "import clip, torch, PIL; print('Debian reference: torch', torch.__version__, 'Pillow', PIL.__version__)"
