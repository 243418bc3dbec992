#!/usr/bin/env bash
# Prepare this checkout to run: system packages (Debian/Ubuntu), uv, and the project's .venv.
#
#   scripts/bootstrap.sh            what `make demo` needs
#   scripts/bootstrap.sh --test     also chromium, PostgreSQL and the `test` extra (pytest, ruff, mypy, ...)
#   scripts/bootstrap.sh --no-apt   skip system packages (only uv and the .venv)
#
# Idempotent and quick when everything is already there: apt is only touched when a package is missing,
# and `uv sync --frozen` on an up-to-date .venv takes a moment.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

with_test=0
with_apt=1
for arg in "$@"; do
    case "$arg" in
        --test) with_test=1 ;;
        --no-apt) with_apt=0 ;;
        -h | --help)
            sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "bootstrap: unknown option: $arg (expected --test, --no-apt)" >&2
            exit 2
            ;;
    esac
done

say() { printf '==> %s\n' "$*"; }
warn() { printf '\n!!! WARNING: %s\n\n' "$*" >&2; }

# --- system packages --------------------------------------------------------------------------------
# WeasyPrint needs Pango and HarfBuzz's subsetter (without it every PDF takes seconds), Chinese text needs a
# CJK font, the tests read PDFs with pdffonts (poppler-utils) and drive Debian's chromium.
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk poppler-utils)

have_postgres_server() {
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        return 0
    fi
    local bindir
    for bindir in /usr/lib/postgresql/*/bin; do
        if [ -x "$bindir/initdb" ] && [ -x "$bindir/pg_ctl" ]; then
            return 0
        fi
    done
    return 1
}

if [ "$with_test" = 1 ]; then
    packages+=(chromium)
    if ! have_postgres_server; then
        packages+=(postgresql)
    fi
fi

# Without uv and without a working pip, uv is installed into a bootstrap venv: Debian's python3 needs
# python3-venv for that (it brings the pip wheel along).
if ! command -v uv >/dev/null 2>&1 && ! python3 -m uv --version >/dev/null 2>&1 \
    && ! python3 -m pip --version >/dev/null 2>&1 && ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
    packages+=(python3-venv)
fi

is_installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = "installed" ]
}

install_system_packages() {
    local missing=() pkg
    if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
        warn "apt-get is not available, so system packages are not installed automatically.
    Install the equivalents of these Debian packages by hand:
        ${packages[*]}
    (Pango and HarfBuzz with hb-subset for WeasyPrint, a Noto CJK font, poppler's pdffonts$(
            [ "$with_test" = 1 ] && printf ', Chromium and the PostgreSQL server binaries'
        ))."
        return 0
    fi
    for pkg in "${packages[@]}"; do
        is_installed "$pkg" || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        say "system packages already installed"
        return 0
    fi
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            warn "not root and sudo is not available: install these packages by hand:
        apt-get install ${missing[*]}"
            return 0
        fi
    fi
    say "installing system packages: ${missing[*]}"
    if ! ${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
        || ! ${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
        warn "apt-get could not install: ${missing[*]}
    Install them by hand; until then PDFs, browser tests or PostgreSQL tests may fail."
    fi
}

if [ "$with_apt" = 1 ]; then
    install_system_packages
fi

# --- uv ----------------------------------------------------------------------------------------------
bootstrap_venv=.cache/bootstrap-venv
uv=()
if command -v uv >/dev/null 2>&1; then
    uv=(uv)
elif [ -x "$bootstrap_venv/bin/uv" ]; then
    uv=("$bootstrap_venv/bin/uv")
elif python3 -m uv --version >/dev/null 2>&1; then
    uv=(python3 -m uv)
else
    say "installing uv from PyPI"
    if python3 -m pip install --user --quiet uv >/dev/null 2>&1 && python3 -m uv --version >/dev/null 2>&1; then
        uv=(python3 -m uv)
    else
        # pip refuses --user installs into an "externally managed" Python (Debian 12) or inside a
        # virtualenv: use a private venv under .cache instead.
        rm -rf "$bootstrap_venv"
        if python3 -m venv "$bootstrap_venv" && "$bootstrap_venv/bin/python" -m pip install --quiet uv; then
            uv=("$bootstrap_venv/bin/uv")
        else
            echo "bootstrap: could not install uv. Install it by hand (https://docs.astral.sh/uv/), e.g." >&2
            echo "    python3 -m pip install --user uv      (Debian: apt-get install python3-venv first)" >&2
            exit 1
        fi
    fi
fi
say "using $("${uv[@]}" --version)"

# --- the project's virtual environment ----------------------------------------------------------------
# The `test` extra stays installed once `--test` has installed it, so that `make demo` after `make test`
# does not uninstall pytest & co. (a plain exact sync would).
sync_args=(sync --frozen)
test_marker=.venv/.cme-test-extra
if [ "$with_test" = 1 ] || [ -f "$test_marker" ]; then
    sync_args+=(--extra test)
fi
# A fresh .venv uses this machine's python3 when it is new enough, so uv never tries to download one.
if [ ! -x .venv/bin/python ] && [ -z "${UV_PYTHON:-}" ] \
    && python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
    sync_args+=(--python "$(python3 -c 'import sys; print(sys.executable)')")
fi
say "uv ${sync_args[*]}"
"${uv[@]}" "${sync_args[@]}"
if [ "$with_test" = 1 ]; then
    touch "$test_marker"
fi

if [ ! -x .venv/bin/cme ]; then
    echo "bootstrap: .venv/bin/cme is missing after uv sync" >&2
    exit 1
fi
say "ready: .venv"
