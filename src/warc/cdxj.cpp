#include "crawl/warc/cdxj.hpp"

#include "crawl/record/record.hpp"
#include "crawl/util/text.hpp"

#include <algorithm>
#include <vector>

namespace crawl::warc {

namespace {

/// "www", or "www" and digits: the label pywb's and warcio's SURT drop from the front of a host.
bool is_www_label(std::string_view label) noexcept
{
    return label.starts_with("www") &&
           std::all_of(label.begin() + 3, label.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<std::string_view> split(std::string_view s, char by)
{
    std::vector<std::string_view> parts;
    for (;;) {
        const auto at = s.find(by);
        parts.push_back(s.substr(0, at));
        if (at == std::string_view::npos) {
            return parts;
        }
        s.remove_prefix(at + 1);
    }
}

/// A host[:port] as SURT writes it: the labels reversed, the port kept.
void append_reversed_host(std::string_view host_port, std::string& out)
{
    std::string_view host = host_port;
    std::string_view port;
    const auto bracket = host_port.rfind(']');
    const auto colon = host_port.rfind(':');
    if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
        host = host_port.substr(0, colon);
        port = host_port.substr(colon); // with its ':'
    }
    if (host.starts_with('[')) {
        out.append(host); // an IPv6 literal has no labels to reverse
    } else {
        auto labels = split(host, '.');
        if (labels.size() > 1 && is_www_label(labels.front())) {
            labels.erase(labels.begin());
        }
        for (auto it = labels.rbegin(); it != labels.rend(); ++it) {
            if (it != labels.rbegin()) {
                out += ',';
            }
            out.append(*it);
        }
    }
    out.append(port);
}

/// The index key may hold no space or line break (they separate the fields and the lines):
/// such bytes, which crawl's normalized URLs never hold, are percent-encoded; an empty key is
/// CDXJ's placeholder "-".
std::string key_safe(std::string key)
{
    if (key.empty()) {
        return "-";
    }
    if (std::none_of(key.begin(), key.end(), [](char c) { return static_cast<unsigned char>(c) <= 0x20; })) {
        return key;
    }
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : key) {
        const auto b = static_cast<unsigned char>(c);
        if (b <= 0x20) {
            out += '%';
            out += hex[b >> 4];
            out += hex[b & 0xF];
        } else {
            out += c;
        }
    }
    return out;
}

} // namespace

std::string surt(std::string_view url)
{
    const std::string lower = text::to_lower_ascii(url);
    std::string_view rest = lower;
    if (rest.starts_with("http://")) {
        rest.remove_prefix(7);
    } else if (rest.starts_with("https://")) {
        rest.remove_prefix(8);
    } else {
        return std::string(url);
    }
    rest = rest.substr(0, rest.find('#'));
    const auto authority_end = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, authority_end);
    rest = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        authority.remove_prefix(at + 1);
    }
    std::string out;
    out.reserve(url.size());
    append_reversed_host(authority, out);
    out += ')';
    const auto question = rest.find('?');
    const std::string_view path = rest.substr(0, question);
    out.append(path.empty() ? std::string_view("/") : path);
    if (question != std::string_view::npos && question + 1 < rest.size()) {
        auto params = split(rest.substr(question + 1), '&');
        std::sort(params.begin(), params.end());
        out += '?';
        for (std::size_t i = 0; i < params.size(); ++i) {
            if (i > 0) {
                out += '&';
            }
            out.append(params[i]);
        }
    }
    return out;
}

std::string cdxj_line(const index_entry& e)
{
    // The timestamp is the record's WARC-Date to the second: YYYYMMDDhhmmss.
    const auto seconds = std::chrono::floor<std::chrono::seconds>(e.date);
    const auto day = std::chrono::floor<std::chrono::days>(seconds);
    const std::chrono::year_month_day ymd{day};
    const std::chrono::hh_mm_ss time{seconds - day};
    char timestamp[32];
    std::snprintf(timestamp, sizeof timestamp, "%04d%02u%02u%02d%02d%02d", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()));

    std::string line = key_safe(surt(e.url));
    line += ' ';
    line += timestamp;
    line += " {\"url\":";
    record::append_json_string(e.url, line);
    line += ",\"mime\":";
    const std::string_view media = e.revisit ? std::string_view("warc/revisit")
                                             : text::trim(e.content_type.substr(0, e.content_type.find(';')));
    record::append_json_string(media, line);
    line += ",\"status\":\"" + std::to_string(e.status) + "\"";
    line += ",\"digest\":";
    record::append_json_string(e.digest, line);
    line += ",\"length\":\"" + std::to_string(e.length) + "\"";
    line += ",\"offset\":\"" + std::to_string(e.offset) + "\"";
    line += ",\"filename\":";
    record::append_json_string(e.filename, line);
    line += '}';
    return line;
}

} // namespace crawl::warc
