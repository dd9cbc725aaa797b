#!/usr/bin/env bash
# Create .venv and install Hubcity into it, then the front-end packages; skip what is up to date.
#
# Order matters (README "Install"): torch==2.13.0 first (the CPU build this machine serves
# locally; any other torch request pulls a multi-GB CUDA build), then the project with its extras,
# then `npm ci`. Each half writes a stamp holding a hash of what it was installed from
# (pyproject.toml / package-lock.json), so a second `make run` only checks the stamps.
#
# Environment: PYTHON (interpreter that creates the venv, default python3.11 or python3),
# VENV (default .venv), EXTRAS (default matching,search,payments,dev),
# TORCH_INDEX_URL (optional, e.g. https://download.pytorch.org/whl/cpu on a laptop whose pip
# would otherwise fetch the CUDA build).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3 || true)}
VENV=${VENV:-.venv}
EXTRAS=${EXTRAS:-matching,search,payments,dev}
TORCH_VERSION=2.13.0
PY_STAMP="$VENV/.hubcity-installed"
NPM_STAMP="node_modules/.hubcity-installed"

say() { printf 'install: %s\n' "$*"; }
die() { printf 'install: %s\n' "$*" >&2; exit 1; }
digest() {
  if command -v sha256sum >/dev/null; then cat "$@" | sha256sum | cut -d' ' -f1
  else cat "$@" | shasum -a 256 | cut -d' ' -f1  # macOS
  fi
}

# -- Python -----------------------------------------------------------------------------------
if ! [ -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c '' 2>/dev/null; then
  [ -n "$PYTHON" ] || die "Python 3.11 is needed (python3.11 or python3 on PATH); none found."
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
    || die "$PYTHON is Python $("$PYTHON" -c 'import platform; print(platform.python_version())'); Hubcity needs 3.11 (set PYTHON=/path/to/python3.11)."
  say "creating $VENV with $PYTHON"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
  || die "$VENV holds Python $("$VENV/bin/python" -c 'import platform; print(platform.python_version())'), not 3.11: run 'make clean' and try again."

py_key="$(digest pyproject.toml) extras=$EXTRAS torch=$TORCH_VERSION"
torch_version() { "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("torch"))' 2>/dev/null || true; }

if [ "$(cat "$PY_STAMP" 2>/dev/null)" = "$py_key" ] && [[ "$(torch_version)" == "$TORCH_VERSION"* ]]; then
  say "Python packages up to date ($VENV)"
else
  pip=("$VENV/bin/python" -m pip install --disable-pip-version-check)
  if [[ "$(torch_version)" != "$TORCH_VERSION"* ]]; then
    say "installing torch==$TORCH_VERSION (CPU) first"
    "${pip[@]}" "torch==$TORCH_VERSION" ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"}
  fi
  say "installing hubcity with extras [$EXTRAS]"
  "${pip[@]}" -e ".[$EXTRAS]"
  installed=$(torch_version)
  [[ "$installed" == "$TORCH_VERSION"* ]] \
    || die "torch is now $installed, not $TORCH_VERSION: a dependency asked for another torch; pin it so torch==$TORCH_VERSION stays."
  printf '%s\n' "$py_key" > "$PY_STAMP"
fi

# -- Front-end packages -----------------------------------------------------------------------
npm_key="$(digest package.json package-lock.json)"
if [ "$(cat "$NPM_STAMP" 2>/dev/null)" = "$npm_key" ]; then
  say "front-end packages up to date (node_modules)"
else
  command -v npm >/dev/null || die "npm is needed for the front-end packages (install Node.js and npm)."
  say "installing front-end packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  printf '%s\n' "$npm_key" > "$NPM_STAMP"
fi
