# CPack pre-build script (CPACK_PRE_BUILD_SCRIPTS): runs on the staged files before the .deb is
# made of them, and does what debhelper would do to a Debian package:
# - strip the program as dh_strip does (the .comment and .note sections as well);
# - add the Debian changelog, packaging/changelog, whose latest entry must be this version;
# - compress the manual page, the changelog, README and sharding.md with `gzip -9n` (no name and no time
#   stamp: the same bytes every build), as Debian policy and dh_compress do; copyright stays.
# A plain `cmake --install` does none of this.
set(root "${CPACK_TEMPORARY_INSTALL_DIRECTORY}${CPACK_PACKAGING_INSTALL_PREFIX}")
set(doc "${root}/share/doc/crawl")

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    string(JOIN " " line ${ARGN})
    message(FATAL_ERROR "deb-finish: ${line} failed (${rc})")
  endif()
endfunction()

foreach(file IN ITEMS "${root}/bin/crawl" "${root}/share/man/man1/crawl.1" "${doc}/README.md" "${doc}/sharding.md")
  if(NOT EXISTS "${file}")
    message(FATAL_ERROR "deb-finish: ${file} is not in the staged package")
  endif()
endforeach()

run(strip --remove-section=.comment --remove-section=.note "${root}/bin/crawl")

file(STRINGS "${CPACK_CRAWL_CHANGELOG}" top LIMIT_COUNT 1)
if(NOT top MATCHES "^crawl \\(([^)]+)\\) ")
  message(FATAL_ERROR "deb-finish: ${CPACK_CRAWL_CHANGELOG} does not start with an entry "
    "'crawl (VERSION) ...'")
endif()
if(NOT CMAKE_MATCH_1 STREQUAL CPACK_PACKAGE_VERSION)
  message(FATAL_ERROR "deb-finish: the latest entry of ${CPACK_CRAWL_CHANGELOG} is for "
    "${CMAKE_MATCH_1}, the package is ${CPACK_PACKAGE_VERSION}: add an entry for it")
endif()
file(COPY "${CPACK_CRAWL_CHANGELOG}" DESTINATION "${doc}"
  FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

run(gzip -9nf "${root}/share/man/man1/crawl.1" "${doc}/README.md" "${doc}/sharding.md" "${doc}/changelog")
