#!/bin/sh
# The GPU checks and benchmark, on the device machine (python3's torch has
# CUDA; no network). Prepare with tests/gpu/prepare.sh first, then:
#   run(command="sh tests/gpu/run.sh", carry=[".gpu"], timeout_s=450)
# Builds only the libraries (against the LibTorch inside that torch), then
# runs tests/gpu/check_cuda.py and tests/gpu/bench.sh, each under a time
# limit; logs and bench.json go to $OUT (build-gpu/ without it).
set -u
root=$(pwd)
out=${OUT:-$root/build-gpu}
mkdir -p "$out"
sys=/tmp/fc-sys
mkdir -p $sys
for f in .gpu/debs/*.deb; do dpkg -x "$f" $sys; done
multiarch=$sys/usr/lib/x86_64-linux-gnu
export CPATH=$sys/usr/include:$sys/usr/include/x86_64-linux-gnu
export LIBRARY_PATH=$multiarch
export LD_LIBRARY_PATH=$multiarch:${LD_LIBRARY_PATH:-}
# -L as well: the machine's own libjpeg.so (libjpeg-turbo 8) would otherwise
# win the link against the Debian headers (JPEG library version 62) we
# compile with, and every JPEG would fail with a version mismatch.
export LDFLAGS="-L$multiarch"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/fc-site .gpu/whl/*.whl
export PYTHONPATH=/tmp/fc-site PYTHONUNBUFFERED=1
torch_dir=$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))')
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0))'
start=$(date +%s)
if ! make -s BUILD=build-gpu LIBOUT=build-gpu/lib LIBTORCH="$torch_dir" PYTHON=python3 \
        BPE_GZ="$root/.gpu/bpe_simple_vocab_16e6.txt.gz" -j16 lib > "$out/build.log" 2>&1; then
    tail -40 "$out/build.log"
    echo "build failed"
    exit 1
fi
echo "built in $(( $(date +%s) - start )) s"
status=0
timeout 120 python3 tests/gpu/check_cuda.py build-gpu || status=1
echo "checks done at $(( $(date +%s) - start )) s"
BUILD=build-gpu OUT="$out" timeout 170 sh tests/gpu/bench.sh --seconds 80 --slice 0.05 || status=1
echo "bench done at $(( $(date +%s) - start )) s"
exit $status
