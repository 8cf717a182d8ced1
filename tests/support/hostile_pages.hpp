#pragma once
// Every HTML body the hostile suite's servers send (tests/e2e/hostile_test.cpp: the test
// server's routes and the liar server's), without a server: for tests that hold two HTML
// extractors to each other on them (tests/unit/differential_test.cpp).

#include <string>
#include <vector>

namespace crawl::test {

struct html_page {
    std::string route;          ///< the route that sends it
    std::string header_charset; ///< the charset its Content-Type names ("" for none)
    std::string body;
};

/// The pages, built afresh (the largest are a few MiB).
std::vector<html_page> hostile_suite_pages();

} // namespace crawl::test
