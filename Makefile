# The two commands of the README: `make run` and `make test`.
# Everything installs from requirements.txt (hash-pinned), so a fresh machine with
# only Python 3.11 gets exactly the versions the suite was run with.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
TAHUN  ?= 2023
TRIWULAN ?= 4

SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test serve lint lock clean-venv chromium bench

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --disable-pip-version-check --require-hashes --no-deps -r requirements.txt
	$(BIN)/python -m pip install -qq --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

run: $(VENV)/.installed
	$(BIN)/lkjip run --tahun $(TAHUN) --triwulan $(TRIWULAN)
	$(BIN)/lkjip report --tahun $(TAHUN)

test: $(VENV)/.installed chromium
	$(BIN)/python -m pytest

# The report tests open the HTML report in headless Chromium (Debian's package; the
# test drives it with playwright, which never downloads a browser of its own) and check
# the printed PDF with pdftoppm and pdftotext (Debian's poppler-utils).
chromium:
	@{ command -v chromium && command -v pdftoppm && command -v pdftotext; } >/dev/null 2>&1 || { \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
			chromium poppler-utils; }

# A real Prefect server on 127.0.0.1:4200 and the quarterly deployment served from here.
serve: $(VENV)/.installed
	$(BIN)/lkjip serve --raw raw --curated curated --out laporan

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Benchmark: lkjip end to end against a polars floor and a pandas + pandera baseline on
# generated multi-office roots (benchmark/bench.py). Prints figures and appends them to
# benchmark/RESULTS.md; asserts nothing. `make bench SIZES=100k`, `make bench PROFILE=1`
# (a pyinstrument profile of one lkjip run in benchmark/profiles/), BENCH_ARGS for more.
SIZES ?= 100k 1m 10m
bench: $(VENV)/.installed
	$(BIN)/python benchmark/bench.py --sizes $(SIZES) \
		$(if $(filter 1 yes true,$(PROFILE)),--profile) $(BENCH_ARGS)

# Re-resolve the lock after changing pyproject.toml (needs `uv` on PATH): uv.lock is the
# lock; requirements.txt is its export with hashes, which `make` installs with plain pip.
lock:
	uv lock --python 3.11
	uv export --frozen --extra dev --format requirements-txt --no-emit-project \
		-o requirements.txt

clean-venv:
	rm -rf $(VENV)
