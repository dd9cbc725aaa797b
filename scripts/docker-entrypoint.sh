#!/bin/sh
# Container entrypoint (Dockerfile ENTRYPOINT): `hubcity serve` applies migrations first, then starts;
# anything else (`worker`, `create-staff ...`, `migrate`) runs as given.
set -eu
if [ "${1:-}" = "hubcity" ]; then shift; fi  # `hubcity serve` and `serve` mean the same
if [ "${1:-}" = "serve" ]; then
  echo "entrypoint: applying migrations"
  hubcity migrate
fi
exec hubcity "$@"
