# Thin entry points; the work happens in scripts/.
.PHONY: up down test generate bench bench-rpc bench-db bench-service bench-catalog bench-order bench-analytics fuzz leak-check clean

## Start the stack locally (embedded PostgreSQL + services) and load the sample menu.
up:
	@bash scripts/up.sh

## Stop everything `make up` started.
down:
	@bash scripts/down.sh

## Everything CI runs.
test:
	@bash scripts/test.sh

## Regenerate C and Swift code from Protos/ (commit the result).
generate:
	@bash scripts/ensure-deps.sh
	@bash scripts/generate.sh

## All benchmarks.
bench: bench-rpc bench-db bench-service bench-catalog bench-order bench-analytics

## Unary RPC throughput and latency vs grpc-swift-2 under h2load.
bench-rpc:
	@bash scripts/bench-rpc.sh

## Point-select throughput through the pool vs pgbench.
bench-db:
	@bash scripts/bench-db.sh

## GetProduct, ListProducts and UpdateProduct through the catalog vs pgbench running the same SQL; CPU per request.
bench-service:
	@bash scripts/bench-service.sh

## ListProducts search latency over 50,000 products.
bench-catalog:
	@bash scripts/bench-catalog.sh

## CreateOrder through the services vs pgbench running the same SQL.
bench-order:
	@bash scripts/bench-order.sh

## Analytics ingest vs pgbench running the same SQL; dashboards as history grows.
bench-analytics:
	@bash scripts/bench-analytics.sh

## Longer fuzzing of the deframer and message decoding.
fuzz:
	@bash scripts/fuzz.sh --max_total_time=300

## Codec tests under LeakSanitizer (valgrind cannot read Swift 6.3 DWARF 5).
leak-check:
	@bash scripts/leak-check.sh

## Stops the stack first: a running cluster's files cannot just be deleted.
clean: down
	rm -rf .build .build-* .venv .data
