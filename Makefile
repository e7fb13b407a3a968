# The two commands of the README: `make run` and `make test`. Everything else is a helper.
.PHONY: run test lint typecheck template bench bench-scanned bench-fanout bench-compare test-llm clean fuzz

run:  ## install (first time) and start the whole backend on embedded services
	@./scripts/bootstrap.sh
	.venv/bin/licita-local run

test: ## install (first time) and run lint, type checks, template checks and the whole test suite
	@./scripts/bootstrap.sh
	$(MAKE) --no-print-directory lint typecheck template
	.venv/bin/python -m pytest -q -n 2 --dist loadfile -m "not llm"

lint:
	.venv/bin/ruff check .
	.venv/bin/lint-imports --no-cache  # import contracts: .importlinter

typecheck:
	.venv/bin/mypy
	@for f in functions/*/app.py; do MYPYPATH=shared .venv/bin/mypy --strict --ignore-missing-imports --no-error-summary $$f || exit 1; done

template: export PATH := $(CURDIR)/.venv/bin:$(PATH)
template:
	.venv/bin/cfn-lint template.yaml
	.venv/bin/sam validate --lint --template template.yaml
	.venv/bin/sam build --template template.yaml --build-dir .aws-sam/build >/dev/null
	.venv/bin/python scripts/check_package_sizes.py .aws-sam/build
	.venv/bin/python scripts/check_layer_ocr.py .aws-sam/build

bench: ## print the benchmark figures (platform, extraction, pipeline, notifications)
	@./scripts/bootstrap.sh
	.venv/bin/python tests/bench/run.py

bench-scanned: ## the shared set's text-layer PDFs printed to images, read back by OCR and scored (~20 min the first time; BENCH_SCANNED_ARGS=...)
	@./scripts/bootstrap.sh
	.venv/bin/python tests/bench/bench_scanned.py --cache .cache/ocr-bench $(BENCH_SCANNED_ARGS)

bench-fanout: ## OCR fan-out: a long scan read by one invocation vs a lead with helpers (measured 1+1, estimated more)
	@./scripts/bootstrap.sh
	.venv/bin/python tests/bench/bench_ocr_fanout.py $(BENCH_FANOUT_ARGS)

bench-compare: ## ratios between the last two `make bench` runs (bench-results/*.json)
	.venv/bin/python tests/bench/compare.py

fuzz: ## schemathesis against a fresh local runtime: >= 50,000 cases, 0 answers 5xx, 0 schema violations (FUZZ_ARGS=...)
	@./scripts/bootstrap.sh
	.venv/bin/python scripts/fuzz.py $(FUZZ_ARGS)

test-llm: ## opt-in tier: real llama.cpp server + small GGUF model (~8 min build the first time)
	./scripts/test-llm.sh

clean:
	rm -rf .aws-sam .licita-local .mypy_cache .ruff_cache
