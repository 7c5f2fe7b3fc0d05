#!/bin/sh
# Installs the FastAPI example's dependencies from Debian's archive, only when Debian's Python cannot
# import them yet. Debian's packages, never pip: PyPI is not reachable on these machines, and the
# packages install for /usr/bin/python3 (not for a pyenv python3 that may come first on PATH).
set -eu
if /usr/bin/python3 -c "import fastapi, jwt, cryptography, psycopg, httpx, pytest, uvicorn, jose" 2>/dev/null; then
  exit 0
fi
echo "Installing the FastAPI example's Debian packages (python3-fastapi, python3-jwt, ...)"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
  python3-fastapi python3-uvicorn python3-jwt python3-cryptography python3-psycopg python3-pytest python3-httpx python3-jose
