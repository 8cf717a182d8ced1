# The two commands of the quick start, plus a few conveniences.
#   make demo   install what is missing, build Release, crawl the bundled demo site on loopback
#   make test   install what is missing, build with ASan+UBSan and -Werror, run the whole suite
JOBS ?= $(shell nproc)
BUILD_TYPE_DIR = build/release
TEST_DIR = build/asan

.PHONY: deps build demo test clean

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B $(BUILD_TYPE_DIR) -DCMAKE_BUILD_TYPE=Release -DCRAWL_BUILD_TESTS=OFF >/dev/null
	@cmake --build $(BUILD_TYPE_DIR) -j $(JOBS)

demo: build
	@scripts/demo $(BUILD_TYPE_DIR)

test: deps
	cmake -S . -B $(TEST_DIR) -DCMAKE_BUILD_TYPE=Debug -DCRAWL_SANITIZE=address,undefined -DCRAWL_WERROR=ON
	cmake --build $(TEST_DIR) -j $(JOBS)
	cd $(TEST_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 300

clean:
	rm -rf build
