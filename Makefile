# The two commands of the README. Each installs everything first (scripts/install.sh).
.PHONY: demo test install lint

demo:
	@scripts/install.sh
	.venv/bin/sangsaeng demo

test:
	@scripts/install.sh --test
	.venv/bin/pytest -n auto

install:
	@scripts/install.sh --test

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
