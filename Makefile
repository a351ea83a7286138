# Bootstraps .venv from the lock file, then hands over to invoke (tasks.py).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed
INVOKE := $(VENV)/bin/invoke

.PHONY: serve build test clean new bench
.DEFAULT_GOAL := serve

$(STAMP): requirements.lock
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -r requirements.lock
	touch $(STAMP)

serve: $(STAMP)
	$(INVOKE) serve

build: $(STAMP)
	$(INVOKE) build --prod

test: $(STAMP)
	$(INVOKE) test

clean: $(STAMP)
	$(INVOKE) clean

N ?= 2000
bench: $(STAMP)
	$(INVOKE) bench -n $(N)
