# The two commands of the README. Each installs everything first (scripts/install.sh).
.PHONY: demo test install lint bench-hordak

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

# Only for the benchmarks' for-scale figure (bench/hordak): django-hordak in its own virtualenv.
bench-hordak:
	test -x .venv-hordak/bin/python || python3.11 -m venv .venv-hordak
	.venv-hordak/bin/pip install --quiet -r bench/hordak/requirements.txt
