#!/bin/sh
# Run here (the development machine), before tests/gpu/run.sh goes to the
# GPU machine, which reaches no network: puts into .gpu/ (git-ignored) the
# Debian packages the build needs, the pure-Python wheels OpenAI's clip code
# needs, and the checked BPE merges. Then, with the device tool:
#   run(command="sh tests/gpu/run.sh 2>&1 | tee $OUT/gpu.log", carry=[".gpu"], timeout_s=450)
set -eu
cd "$(dirname "$0")/../.."
grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> .git/info/exclude
rm -rf .gpu && mkdir -p .gpu/debs .gpu/whl
make build/bpe/bpe_simple_vocab_16e6.txt.gz >/dev/null
cp build/bpe/bpe_simple_vocab_16e6.txt.gz .gpu/
apt-get update -qq >/dev/null 2>&1 || echo "prepare.sh: apt-get update failed; trying the lists there are"
(cd .gpu/debs && apt-get download libjpeg62-turbo libjpeg62-turbo-dev libpng16-16 libpng-dev \
    libutf8proc2 libutf8proc-dev zlib1g-dev >/dev/null)
.venv/bin/pip wheel -q --disable-pip-version-check --no-deps -w .gpu/whl \
    openai-clip==1.0.1 ftfy==6.3.1 wcwidth==0.9.4
du -sh .gpu
