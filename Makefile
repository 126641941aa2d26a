# baocao — `make run` and `make test` do all the setup they need (idempotent, quick when done).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# fonts-liberation2: the tests and `make samples` render text in Liberation Serif (only they check it).
APT_PACKAGES := tesseract-ocr tesseract-ocr-vie tesseract-ocr-eng poppler-utils python3-venv fonts-liberation2
FONT_FILE := /usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf
# chromium, chromium-driver: the headless-browser test of `baocao review` (only `make test` needs them).
BROWSER_PACKAGES := chromium chromium-driver
OUT ?= out
JOBS ?= $(shell nproc)
# The sample inputs (samples/ also holds their ground truth, source texts and generator).
SAMPLE_INPUTS = $(sort $(wildcard samples/*.pdf samples/*.tif samples/*.tiff samples/*.png samples/*.jpg samples/*.txt))

define SYSTEM_DEPS_SH
# Installs Tesseract (vie, eng), poppler, the Liberation fonts and venv support with apt-get when missing and allowed
# (root or passwordless sudo); otherwise says exactly what to install and fails.
set -euo pipefail
packages=($(APT_PACKAGES) $${NEED_BROWSER:+$(BROWSER_PACKAGES)})

have_all() {
  command -v tesseract >/dev/null 2>&1 &&
    tesseract --list-langs 2>/dev/null | grep -qx vie &&
    tesseract --list-langs 2>/dev/null | grep -qx eng &&
    command -v pdftoppm >/dev/null 2>&1 && command -v pdfinfo >/dev/null 2>&1 &&
    { [ -z "$${NEED_FONTS:-}" ] || test -f $(FONT_FILE); } &&
    { [ -z "$${NEED_BROWSER:-}" ] || { command -v chromium && command -v chromedriver; } >/dev/null 2>&1; } &&
    python3 -c 'import ensurepip, venv' >/dev/null 2>&1
}

have_all && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "baocao needs: Tesseract OCR 5 with the 'vie' and 'eng' languages, poppler (pdftoppm, pdfinfo)," >&2
  echo "Python 3.11+ with venv, and for the tests the Liberation fonts ($(FONT_FILE)) and chromium." >&2
  echo "This system has no apt-get: install them with your package manager" >&2
  echo "(e.g. 'dnf install tesseract tesseract-langpack-vie poppler-utils' or 'brew install tesseract" >&2
  echo "tesseract-lang poppler'), then run make again." >&2
  exit 1
fi

if [ "$$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  echo "baocao needs these Debian packages: $${packages[*]}" >&2
  echo "Run:  sudo apt-get update && sudo apt-get install -y $${packages[*]}" >&2
  echo "then run make again." >&2
  exit 1
fi

echo "installing system packages: $${packages[*]}"
export DEBIAN_FRONTEND=noninteractive
"$${SUDO[@]}" apt-get update -qq
"$${SUDO[@]}" apt-get install -y -qq --no-install-recommends "$${packages[@]}" >/dev/null
have_all || { echo "system packages installed but Tesseract, poppler, the fonts or chromium are still not usable" >&2; exit 1; }
endef
export SYSTEM_DEPS_SH

.PHONY: all setup system-deps run test test-fast lint bench bench-restore eval samples clean

all: test

test test-fast samples: export NEED_FONTS := 1
test: export NEED_BROWSER := 1

## system-deps: Tesseract (+ Vietnamese), poppler; installs with apt when missing and allowed
system-deps:
	@bash -c "$$SYSTEM_DEPS_SH"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e '.[dev]'
	@# Compile the restorer's search once now (numba caches it beside its module), not in the first run.
	@$(BIN)/python -c "from ocr.restore.viterbi_compiled import warm_up; warm_up()"
	@touch $(STAMP)

## setup: system packages and the virtualenv with baocao installed
# Bytecode for baocao's own modules: an editable install leaves them uncompiled, and where
# PYTHONDONTWRITEBYTECODE is set (containers, CI) every process would compile them again (~0.4 s of CPU
# per run; issue 11). compileall only redoes what changed.
setup: system-deps $(STAMP)
	@$(BIN)/python -m compileall -q pipeline ocr parsers schemas vietnamese >/dev/null

## run: process samples/ into out/ and print a summary
run: setup
	$(BIN)/baocao run $(SAMPLE_INPUTS) --out $(OUT) --jobs $(JOBS)

## test: the whole test suite (real Tesseract on the sample scans)
test: setup
	$(BIN)/python -m pytest -q

test-fast: setup
	$(BIN)/python -m pytest -q -m "not slow"

lint: setup
	$(BIN)/ruff check .

## eval: accuracy per stage and per KPI on samples/ (see README "Reading the eval")
eval: setup
	$(BIN)/baocao eval samples --out $(OUT)/eval

## bench: throughput against raw parallel tesseract on the same pages
bench: setup
	$(BIN)/python tests/bench/bench_throughput.py

## bench-restore: diacritic restoration accuracy and speed, side by side with pyvi
bench-restore: setup
	$(BIN)/python tests/bench/bench_restore.py

## samples: regenerate the sample scans from samples/texts (needs fonts-liberation2)
samples: setup
	$(BIN)/python samples/generate.py

clean:
	rm -rf $(OUT) .pytest_cache .ruff_cache
