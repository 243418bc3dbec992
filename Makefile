# Entry points for people and CI. Needs only make, bash and python3 (Debian 12 has them); everything else
# is installed by scripts/bootstrap.sh.
SHELL := /bin/bash
VENV := .venv

.DEFAULT_GOAL := help
.PHONY: help demo test lint bench bench-attendance bench-certificates bench-standard-grants bench-internal-training clean clean-data

help:
	@echo "make demo        set up (system packages, uv, .venv) and serve the demo on http://127.0.0.1:8000"
	@echo "make test        set up with test tools, then ruff + pytest on SQLite + pytest -m db on PostgreSQL"
	@echo "make lint        ruff check and mypy"
	@echo "make bench       province-scale benchmark of the registry, credits and compliance on a throwaway database (bench/README.md)"
	@echo "make bench-attendance  QR check-in of a 2,000-person conference against the production server (bench/README.md)"
	@echo "make bench-certificates  issue, verify and render certificates (bench/README.md)"
	@echo "make bench-standard-grants  按标准授分 to 50, 200 and 500 people at once (bench/README.md)"
	@echo "make bench-internal-training  内部培训 lists, statistics and a write-off at province scale"
	@echo "make clean       remove .venv and tool caches (keeps data/)"
	@echo "make clean-data  also remove data/ (the demo database, files and the generated secret key)"

demo:
	bash scripts/bootstrap.sh
	$(VENV)/bin/cme demo

test:
	bash scripts/bootstrap.sh --test
	bash scripts/run-tests.sh

lint:
	bash scripts/bootstrap.sh --test --no-apt
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy platform admin_ui plugins

# The benchmark drops and recreates $(BENCH_DB) on $(BENCH_SERVER) (trust auth) and keeps its keys and
# import file under bench/data.
BENCH_SERVER ?= postgresql://postgres@127.0.0.1:5432
BENCH_DB ?= cme_bench
BENCH_ENV = CME_DATABASE_URL=$(BENCH_SERVER)/$(BENCH_DB) CME_DATA_DIR=bench/data CME_TENANTS_DIR=bench/tenants

bench:
	bash scripts/bootstrap.sh --test --no-apt
	$(VENV)/bin/python bench/fresh_db.py $(BENCH_SERVER) $(BENCH_DB)
	$(BENCH_ENV) $(VENV)/bin/cme migrate
	$(BENCH_ENV) $(VENV)/bin/cme tenants sync
	$(BENCH_ENV) $(VENV)/bin/python bench/generate.py
	$(BENCH_ENV) $(VENV)/bin/python bench/run.py

# Drops and recreates cme_bench_attendance on $(BENCH_SERVER); starts `cme serve` itself on a free port.
bench-attendance:
	bash scripts/bootstrap.sh --no-apt
	$(VENV)/bin/python bench/attendance.py --server $(BENCH_SERVER)

# Drops and recreates cme_bench_certificates on $(BENCH_SERVER); measures in one process.
bench-certificates:
	bash scripts/bootstrap.sh --no-apt
	$(VENV)/bin/python bench/certificates.py --server $(BENCH_SERVER)

# Drops and recreates cme_bench_grants on $(BENCH_SERVER); measures in one process.
bench-standard-grants:
	bash scripts/bootstrap.sh --no-apt
	$(VENV)/bin/python bench/standard_grants.py --server $(BENCH_SERVER)

bench-internal-training:
	bash scripts/bootstrap.sh --no-apt
	$(VENV)/bin/python bench/internal_training.py --server $(BENCH_SERVER)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
	find . \( -path ./data -o -path ./.git \) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

clean-data: clean
	rm -rf data
