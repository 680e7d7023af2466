# The two commands of the README: `make run` (install what is missing, build, run on the sample) and `make test`.
CARGO ?= cargo

.PHONY: setup build run web test sample bench soak bench-batch bench-scale bench-reload synth fuzz

setup:
	@bash scripts/setup.sh

build: setup
	$(CARGO) build --release --locked

# Serves the bundled sample dataset: API, OGC API – Features, vector tiles and the map page at the printed URL.
ADDR ?= 127.0.0.1:8080
run: build web
	./target/release/ecogate layers
	./target/release/ecogate serve --addr $(ADDR)

# The map page's JavaScript (maplibre-gl from npm), vendored into web/vendor/.
web:
	@bash scripts/vendor-web.sh

test: setup
	$(CARGO) test --locked

# Regenerate the illustrative Wugang sample (needs Debian's python3-gdal).
sample:
	/usr/bin/python3 scripts/make_wugang.py build

# In-process engine benchmarks (criterion); results go in BENCHMARKS.md.
bench: setup
	$(CARGO) bench --locked --bench engine

# Load-and-reload soak (wrk for SOAK_SECONDS, default 600, while the dataset reloads; then SIGTERM under load).
# Loopback only, bounded in time, never in CI; results go in RELIABILITY.md.
soak: setup
	SOAK=1 bash scripts/reload-soak.sh

# End-to-end batch screening: 100k random points, CSV in → XLSX and CSV out, rows/s (BENCHMARKS.md).
bench-batch: setup
	bash scripts/bench-batch.sh 100000

# Issue 6 at scale: synthetic province (PRESET=henan) or country (PRESET=national), in-process rows, HTTP with wrk and
# PostGIS side by side with a differential check (installs postgresql/postgis/wrk from Debian when absent). Minutes;
# not in CI. Data and results under target/synth/ and target/bench-scale/ (outside git).
PRESET ?= henan
bench-scale: setup
	bash scripts/bench-scale.sh --preset $(PRESET)

# What a hot reload costs a running server at scale (RSS over reloads with --keep-versions 3, p99 with reloads under
# load); after bench-scale, whose dataset and request script it reuses. Minutes; not in CI.
bench-reload: build
	PRESET=$(PRESET) bash scripts/bench-reload.sh

# A synthetic dataset alone: `make synth PRESET=henan` writes target/synth/henan/{synth.gpkg,dataset.toml}.
synth: build
	./target/release/ecogate synth --preset $(PRESET) --seed 1 --out target/synth/$(PRESET)

# Fuzzing (issue 7; not in CI): each cargo-fuzz target for FUZZ_SECONDS, one after another (the machine has 2 cores).
# cargo-fuzz needs nightly -Z flags; on the stable toolchain RUSTC_BOOTSTRAP=1 unlocks them. Corpora grow in
# fuzz/corpus/<target> (git-ignored) from the committed seeds in fuzz/seeds/<target>; crashes land in fuzz/artifacts/.
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= coord_text input_crs assessment_body jzd_txt upload_dispatch
fuzz:
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	cd fuzz && RUSTC_BOOTSTRAP=1 $(CARGO) fuzz build -a
	cd fuzz && for t in $(FUZZ_TARGETS); do \
		mkdir -p corpus/$$t && \
		RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run -a $$t corpus/$$t seeds/$$t -- -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=4096 -detect_leaks=0 -print_final_stats=1 || exit 1; \
	done
