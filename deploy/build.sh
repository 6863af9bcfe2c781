#!/usr/bin/env bash
# Build the Lambda code directory deploy/build/ (the template's CodeUri): demarc and the
# pinned dependencies of requirements/runtime.lock (the same pins as the container image), as
# Linux wheels for the function's runtime and architecture, so it works from any machine
# without Docker. Then: sam deploy --guided --template-file deploy/template.yaml
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON_VERSION="${PYTHON_VERSION:-3.11}"          # the template's Runtime (python3.11), the Python CI tests
# The template's Architectures (arm64) on the python3.11 runtime's Amazon Linux 2 (glibc 2.26).
PLATFORMS="${PLATFORMS:-manylinux2014_aarch64 manylinux_2_26_aarch64}"

rm -rf deploy/build deploy/dist
python3 -m pip wheel --quiet --no-deps --wheel-dir deploy/dist .
python3 -m pip install --quiet --target deploy/build \
  $(printf -- '--platform %s ' $PLATFORMS) --implementation cp --python-version "$PYTHON_VERSION" \
  --only-binary=:all: -r requirements/runtime.lock
python3 -m pip install --quiet --target deploy/build --no-deps deploy/dist/*.whl
# Not needed at run time on Lambda: the HTTP server and the console scripts.
rm -rf deploy/build/bin deploy/build/waitress deploy/build/waitress-*.dist-info
echo "deploy/build/ is ready ($(du -sh deploy/build | cut -f1))"
