# The two commands of the README: `make run` (install what is missing, build, run on the sample) and `make test`.
CARGO ?= cargo

.PHONY: setup build run test sample clean

setup:
	@bash scripts/setup.sh

build: setup
	$(CARGO) build --release --locked

# Lists the sample dataset's layers and assesses a new cement plant in the 田岗水库 level-2 zone (exits 0 whatever
# the verdict: the verdict is the output).
run: build
	./target/release/ecogate layers
	./target/release/ecogate check --lon 113.447392 --lat 33.317817 --industry 3011 --nature new --discharges yes; \
	  code=$$?; [ $$code -le 5 ] || exit $$code

test: setup
	$(CARGO) test --locked

# Regenerate the illustrative Wugang sample (needs Debian's python3-gdal).
sample:
	/usr/bin/python3 scripts/make_wugang.py build
