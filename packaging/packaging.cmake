# What `cmake --install` puts under the prefix.
# Only the crawl program and its documentation install: the bench and test tools
# (crawl-bench-server, crawl-demo-server, crawl-micro, crawl-bench-dns, the test servers, the
# unit, e2e and fuzz executables) and the static module libraries have no install rules.
#   bin/crawl
#   share/man/man1/crawl.1
#   share/doc/crawl/README.md
#   share/doc/crawl/copyright   (LICENSE under the name Debian gives it)
# tests/install checks this list against a real install.
include(GNUInstallDirs)

install(TARGETS crawl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${PROJECT_SOURCE_DIR}/docs/crawl.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright)
