# Shortcuts for the scripts in scripts/: `make run` starts the app, `make test` runs every
# check CI runs. Both first install any missing system packages (scripts/setup.sh).

# Reuse one target directory outside the clone, so a fresh clone builds warm when it can.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/ocrchat/target

.PHONY: setup run test lint bench bench-startup

setup:
	bash scripts/setup.sh

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

lint:
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --no-default-features --lib --bins -- -D warnings

bench: setup
	cargo bench --bench streaming
	cargo bench --bench frames
	cargo bench --bench ocr
	cargo bench --bench capture
	bash scripts/bench-startup.sh
