#!/bin/sh
# Starts the FastAPI resource server on FASTAPI_PORT (4200): beside `pnpm dev` it needs no settings
# (it finds the auth service on AUTH_PORT and the embedded database through .data/dev-secrets.json).
# Installs its Debian packages first when they are missing. Debian's interpreter, on purpose: a
# python3 earlier on PATH (pyenv) does not see Debian's packages.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
"$here/install-debian-packages.sh"
cd "$here"
exec /usr/bin/python3 -m tasks_fastapi "$@"
