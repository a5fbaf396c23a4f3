# The two commands of the README: `make run` and `make test`.
# Everything installs from requirements.lock (hash-pinned), so a fresh machine with
# only Python 3.11 gets exactly the versions the suite was run with.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
TAHUN  ?= 2023
TRIWULAN ?= 4

SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test serve lint lock clean-venv chromium

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
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

# Re-resolve the lock after changing pyproject.toml (needs `uv` on PATH).
lock:
	uv pip compile pyproject.toml --extra dev --generate-hashes --universal \
		--python-version 3.11 -o requirements.lock

clean-venv:
	rm -rf $(VENV)
