# What `cmake --install` puts under the prefix, and the Debian package made of it (`make package`).
# Only the crawl program and its documentation install: the bench and test tools
# (crawl-bench-server, crawl-demo-server, crawl-micro, crawl-bench-dns, the test servers, the
# unit, e2e and fuzz executables) and the static module libraries have no install rules.
#   bin/crawl
#   share/man/man1/crawl.1
#   share/doc/crawl/README.md
#   share/doc/crawl/sharding.md
#   share/doc/crawl/copyright   (LICENSE under the name Debian gives it)
# tests/install checks this list against a real install.
include(GNUInstallDirs)

install(TARGETS crawl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${PROJECT_SOURCE_DIR}/docs/crawl.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/sharding.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright)

# The .deb: `cpack -G DEB` in the build tree → crawl_<version>_<arch>.deb, installing under /usr.
set(CPACK_PACKAGE_NAME crawl)
set(CPACK_PACKAGE_VENDOR "The crawl authors")
set(CPACK_PACKAGE_CONTACT "The crawl authors <maintainers@users.noreply.h-seed-423b1048.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "batch web crawler that uses every core")
# The extended description: paragraphs separated by an empty line; CPack indents each line.
set(CPACK_PACKAGE_DESCRIPTION [[
crawl reads a list of URLs, one per line, fetches them over HTTP/1.1 and
HTTPS, inflates gzip and deflate bodies, parses the HTML (title,
description, canonical link, language, links) and writes one JSON or CSV
record per input line.

It is meant to run unattended against sites you do not own: it obeys
robots.txt, paces its requests per host, retries transient failures with
backoff, and resumes an interrupted run without losing or repeating a
line. A supervisor process forks one worker per core, each running its own
event loop with many fetches in flight.]])

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION web)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends: computed by dpkg-shlibdeps from the libraries the binary links (dpkg-dev, file),
# appended to the data packages it reads: publicsuffix, whose list libpsl loads when it is newer
# than the one compiled into libpsl (--scope domain; docs/design.md, "Scope").
set(CPACK_DEBIAN_PACKAGE_DEPENDS "publicsuffix")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
# What debhelper would do, on the staged files only (a plain `cmake --install` keeps them as
# they are): strip the program, add packaging/changelog (its latest entry must be this version),
# gzip the manual page and the documents.
set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_CURRENT_LIST_DIR}/deb-finish.cmake)
set(CPACK_CRAWL_CHANGELOG ${CMAKE_CURRENT_LIST_DIR}/changelog)

set(CPACK_GENERATOR DEB)
include(CPack)
