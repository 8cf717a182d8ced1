# The two commands of the quick start, plus a few conveniences.
#   make demo   install what is missing, build Release, crawl the bundled demo site on loopback
#   make test   install what is missing, build with ASan+UBSan and -Werror, run the whole suite,
#               then build the libFuzzer targets and run each for CI_FUZZ_SECONDS
#   make fuzz   run each libFuzzer target for FUZZ_SECONDS (CONTRIBUTING.md, "Fuzzing")
#   make package  install what is missing, build Release, make the Debian package
#               build/release/crawl_<version>_amd64.deb with CPack (packaging/).
#               scripts/check-package (root) installs it in a clean Debian 12 root and uses it
#               there; not part of `make test`: it needs the Debian mirror and minutes.
JOBS ?= $(shell nproc)
BUILD_TYPE_DIR = build/release
FUZZ_SECONDS ?= 60
CI_FUZZ_SECONDS ?= 15

.PHONY: deps build demo package test fuzz clean

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B $(BUILD_TYPE_DIR) -DCMAKE_BUILD_TYPE=Release -DCRAWL_BUILD_TESTS=OFF >/dev/null
	@cmake --build $(BUILD_TYPE_DIR) -j $(JOBS)

demo: build
	@scripts/demo $(BUILD_TYPE_DIR)

package: build
	@cd $(BUILD_TYPE_DIR) && cpack -G DEB

test: deps
	cmake --preset asan
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)
	JOBS=$(JOBS) scripts/fuzz $(CI_FUZZ_SECONDS)

fuzz: deps
	JOBS=$(JOBS) scripts/fuzz $(FUZZ_SECONDS)

clean:
	rm -rf build
