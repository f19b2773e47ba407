# Two entry points for a fresh clone: `make demo` (the main job) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test lint

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,tensorflow,torch,ray]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	mkdir -p out
	$(BIN)/arithnet demo --out out/demo

# The whole suite on JAX, then the layer suite again on TensorFlow and PyTorch.
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2
	KERAS_BACKEND=tensorflow $(BIN)/python -m pytest -q -m backends
	KERAS_BACKEND=torch $(BIN)/python -m pytest -q -m backends

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
