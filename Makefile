# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make book   build the site into _build/html, the Chinese edition into _build/html/zh (creates .venv and installs
#               the pinned requirements first)
#   make test   run every test (unit, exercises, nbval over every notebook, the -W build, headless chromium), then
#               nbval over every notebook again with numpy's SIMD dispatch reduced to its baseline
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BOOK_DEPS := $(VENV)/.book-deps
TEST_DEPS := $(VENV)/.test-deps
JB_BUILD := $(BIN)/jupyter-book build -W -n --keep-going .
# numpy's baseline SIMD kernels: another CPU's last digits. Stored notebook outputs must not change under it.
BASELINE_SIMD := X86_V3 X86_V4 AVX512_ICL AVX512_SPR

.PHONY: book test lint format lab bench train clean browser vendor notebooks translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(BOOK_DEPS): requirements.txt constraints.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -r requirements.txt -c constraints.txt
	touch $@

$(TEST_DEPS): $(BOOK_DEPS)
	$(BIN)/python -m pip install -q -e '.[test]' -c constraints.txt
	touch $@

# The build caches executed notebooks by their code; outputs also depend on the library, and the build sees that
# itself: _ext/library_cache.py re-executes just the notebooks that import a changed book/ module.
# The Chinese edition reads the same executed notebooks from the cache (nothing runs twice) and the catalogues in
# locales/zh_CN/; its pages link the English edition's slider frames.
book: $(BOOK_DEPS)
	$(JB_BUILD)
	$(BIN)/python scripts/i18n.py build
	@echo "The book is built: open file://$(CURDIR)/_build/html/index.html (中文版: _build/html/zh/index.html)"

# After a change to the English prose: re-extract its messages and update every catalogue of locales/zh_CN/
# (translations kept, changed messages marked fuzzy, new ones empty); then translate what `scripts/i18n.py check` lists.
translations: $(BOOK_DEPS)
	$(BIN)/python scripts/i18n.py update

browser:
	@bash scripts/ensure-chromium.sh

test: $(TEST_DEPS) browser lint
	$(BIN)/python -m pytest -n 2 --dist loadfile
	NPY_DISABLE_CPU_FEATURES="$(BASELINE_SIMD)" $(BIN)/python -m pytest -n 2 --dist loadfile chapters exercises

# ruff, configured in pyproject.toml: lines of at most 120 characters, pyflakes, pycodestyle, import order, and one
# formatting of every Python file (notebooks excluded: their cells are the chapters' text). `make format` applies it.
lint: $(TEST_DEPS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(TEST_DEPS)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

lab: $(BOOK_DEPS)
	$(BIN)/jupyter lab chapters/ exercises/

bench: $(TEST_DEPS)
	$(BIN)/python benchmarks/run.py

# Chapter 11's full GPT (nanoGPT's CPU configuration on Tiny Shakespeare): the best checkpoint goes to checkpoints/
# (not in git), its test loss, wall time, steps per second and peak memory to benchmarks/RESULTS.md.
train: $(BOOK_DEPS)
	$(BIN)/python scripts/train_capstone.py

vendor:
	bash scripts/vendor.sh

# After changing book/, re-execute the notebooks so their stored outputs (compared by nbval) are current.
notebooks: $(TEST_DEPS)
	$(BIN)/python scripts/execute_notebooks.py

clean:
	rm -rf _build test-artifacts .pytest_cache
	find . -name __pycache__ -not -path './.venv/*' -prune -exec rm -rf {} +
