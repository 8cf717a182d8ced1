#pragma once
// The CDXJ index of a WARC file, in pywb's format: one line per response or revisit record,
// "SURT TIMESTAMP {json}", sorted as plain bytes so that pywb can search it by binary search.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace crawl::warc {

/// The Sort-friendly URI Reordering Transform of an http(s) URL, as pywb and warcio key their
/// indexes: lowercased, scheme and userinfo dropped, a leading "www" label (www, www2, ...)
/// dropped, the host's labels reversed and joined by commas, a port kept, then ")", the path,
/// and the query's parameters sorted ("http://www.Example.com:8080/a?b=1&a=2" gives
/// "com,example:8080)/a?a=2&b=1"). Anything else comes back as it is.
[[nodiscard]] std::string surt(std::string_view url);

/// What the index says about one record.
struct index_entry {
    std::string_view url;
    std::chrono::system_clock::time_point date;
    std::string_view content_type; ///< the response's Content-Type ("mime": its media type)
    int status = 0;
    std::string_view digest;       ///< the payload digest's base32, without "sha1:"
    std::uint64_t length = 0;      ///< the record's gzip member
    std::uint64_t offset = 0;
    std::string_view filename;     ///< the WARC file's base name
    bool revisit = false;          ///< mime is then "warc/revisit", as pywb expects
};

/// One index line, without its newline.
[[nodiscard]] std::string cdxj_line(const index_entry& e);

} // namespace crawl::warc
