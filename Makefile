# Two commands matter: `make run` and `make test`. Both set everything up from nothing.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed-stamp
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: setup index run test lint eval bench clean

$(PY):
	python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# torch first: the CPU build on this disk; otherwise sentence-transformers pulls a CUDA build.
$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

index: setup
	$(VENV)/bin/talenthub index

run: index
	$(VENV)/bin/talenthub serve --host 127.0.0.1 --port 7860

lint: setup
	$(VENV)/bin/ruff check .

test: setup lint
	$(VENV)/bin/python -m pytest

eval: index
	$(VENV)/bin/talenthub eval --baselines

bench: index
	$(VENV)/bin/python benchmarks/run.py

clean:
	rm -rf $(VENV) .talenthub
