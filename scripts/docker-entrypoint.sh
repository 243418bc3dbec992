#!/bin/sh
# Container entry point: bring the database schema and the tenants up to date, then serve.
#   (no arguments) or options such as --workers 2   ->  cme migrate; cme tenants sync; exec cme serve ...
#   any other command, e.g. `cme demo` or `sh`      ->  run it as is
set -eu

case "${1:-}" in
    "" | -*) ;;
    *) exec "$@" ;;
esac

cme migrate
cme tenants sync
exec cme serve "$@"
