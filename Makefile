# Two commands on a fresh machine (see README):
#   make lab    set up .venv and open the course in JupyterLab
#   make test   set up .venv and run every test (lint, unit, widget, notebooks, hygiene)
# Both are idempotent: the venv is rebuilt only when pyproject.toml or the constraints change.

PYTHON      ?= python3
VENV        ?= .venv
# Versions CI ran with. `make lab CONSTRAINTS=` resolves the newest versions instead.
CONSTRAINTS ?= requirements/constraints.txt
# pytest-xdist workers; each gets one BLAS/torch thread so 2 workers fill 2 cores, not 4.
WORKERS     ?= 2
LAB_ARGS    ?=
LAB_EXTRA   :=
# JupyterLab refuses to start as root (containers, some cloud VMs) unless told it may.
LAB_ROOT    := $(if $(filter 0,$(shell id -u)),--allow-root,)

BIN   := $(VENV)/bin
STAMP := $(VENV)/.course-installed
CFLAG := $(if $(CONSTRAINTS),-c $(CONSTRAINTS),)

# make student writes the notebooks without their solutions here, to hand out (make test runs
# the student copies itself, from the built wheel: tests/test_wheel.py).
STUDENT_DIR ?= build/student
HTML_DIR    ?= build/html

.PHONY: setup lab lab-headless test lint unit strip doctor bench clean-venv constraints \
	student html grade browser

setup: $(STAMP)

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet $(CFLAG) -e ".[test]"
	@touch $(STAMP)
	@echo "course environment ready in $(VENV)"

# lab/settings/overrides.d/course_utils.json holds the classroom defaults (no news or update
# pop-ups); JupyterLab reads every file in overrides.d (and an overrides.json of your own).
lab: setup
	@$(if $(LAB_ROOT),echo "running as root (a container or cloud VM?): starting JupyterLab with --allow-root",:)
	$(BIN)/jupyter lab --notebook-dir=notebooks --LabApp.app_settings_dir=$(CURDIR)/lab/settings \
		$(LAB_EXTRA) $(LAB_ROOT) $(LAB_ARGS)

# For a headless machine or a remote server: prints the URL, opens no browser.
lab-headless: LAB_EXTRA := --no-browser
lab-headless: lab

# pytest's testpaths (pyproject.toml): tests. Each notebook runs twice: under nbval from the
# built wheel outside the checkout (tests/test_wheel.py), and as its student copy in JupyterLab
# in Chromium (tests/test_browser.py).
test: setup
	$(BIN)/ruff check course_utils tests benchmarks
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MPLBACKEND=Agg \
		$(BIN)/python -m pytest -n $(WORKERS) $(PYTEST_ARGS)

# Only the unit and widget tests (no notebooks, no browser): the quick loop while editing
# course_utils.
unit: setup
	MPLBACKEND=Agg $(BIN)/python -m pytest tests --ignore=tests/test_browser.py \
		--ignore=tests/test_wheel.py $(PYTEST_ARGS)

# The browser test alone (make test runs it too): JupyterLab in Chromium runs each notebook,
# checks every widget renders and redraws, leaves screenshots in build/screenshots/.
# NB picks notebooks by name, prefix or glob (make browser NB=01, NB="05_*", NB="01 07");
# empty: all of them.
NB ?=
browser: setup
	COURSE_BROWSER_NB="$(NB)" OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
		MPLBACKEND=Agg $(BIN)/python -m pytest -n $(WORKERS) tests/test_browser.py $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check course_utils tests benchmarks

doctor: setup
	$(BIN)/python -m course_utils doctor

# Strip outputs and execution counts from every notebook before committing.
strip: setup
	$(BIN)/python -m course_utils strip notebooks/*.ipynb

# The student release: every notebook with its solution cells removed, to hand out.
student: setup
	$(BIN)/python -m course_utils student $(STUDENT_DIR)

# Grade a class: every notebook under SUBMISSIONS (a folder per student, or a file per
# student) run headless and checked by exercise id; writes OUT/grades.csv and OUT/feedback/.
SUBMISSIONS ?= submissions
OUT         ?= grades
grade: setup
	$(BIN)/python -m course_utils grade $(SUBMISSIONS) $(OUT) $(GRADE_ARGS)

# An executed HTML copy of every notebook (widgets shown in their first state), to share
# without Jupyter.
html: setup
	MPLBACKEND=module://matplotlib_inline.backend_inline $(BIN)/jupyter nbconvert --to html \
		--execute --ExecutePreprocessor.timeout=900 --ExecutePreprocessor.store_widget_state=True \
		--output-dir $(HTML_DIR) notebooks/*.ipynb

# Writes benchmarks/results.md (notebooks, widgets, conv, time to accuracy, grading a class of
# 100; about 40 min on 2 cores: 6 for the notebooks, 16 for widgets and training targets,
# 16 for the grading; `benchmarks/results.py --students 0` skips the grading).
# Quick look at widgets only: .venv/bin/python benchmarks/run.py --only NAME --repeats 30
bench: setup
	$(BIN)/python benchmarks/results.py

clean-venv:
	rm -rf $(VENV)

# Record the versions in .venv as the new constraints (after a deliberate upgrade).
constraints: setup
	{ head -3 requirements/constraints.txt; $(BIN)/python -m pip freeze --exclude-editable; } > requirements/constraints.txt.new
	mv requirements/constraints.txt.new requirements/constraints.txt
