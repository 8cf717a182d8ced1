#pragma once
// Where a discovered link may go: --scope host|domain|any, --accept-regex, --reject-regex and
// --no-parent, decided for one link at a time without I/O (docs/design.md, "Scope").

#include "crawl/url/target.hpp"

#include <boost/system/result.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
} // namespace re2

namespace crawl::frontier {

/// Which hosts a discovered link may be on, relative to the input URL it descends from.
enum class scope_mode : std::uint8_t {
    host,   ///< the same host, whatever the scheme and port
    domain, ///< the same registrable domain (registrable_domain.hpp)
    any,    ///< any host
};

/// "host", "domain", "any".
[[nodiscard]] std::string_view to_string(scope_mode mode) noexcept;
/// Inverse of to_string; nullopt for another word.
[[nodiscard]] std::optional<scope_mode> scope_mode_from_string(std::string_view word) noexcept;

/// The options as the user gave them.
struct scope_rules {
    scope_mode mode = scope_mode::host;
    std::vector<std::string> accept{}; ///< RE2 patterns, any of which admits a URL (none: all)
    std::vector<std::string> reject{}; ///< RE2 patterns, any of which refuses a URL
    bool no_parent = false;
};

/// The decision on one link; the first rule that refuses it, in this order.
enum class verdict : std::uint8_t {
    follow,       ///< in scope
    off_host,     ///< --scope host, another host
    off_domain,   ///< --scope domain, another registrable domain
    above_parent, ///< --no-parent, on the input URL's host but outside its directory
    rejected,     ///< a --reject-regex matches
    not_accepted, ///< there are --accept-regex patterns and none matches
};

/// "follow", "off_host", "off_domain", "above_parent", "rejected", "not_accepted".
[[nodiscard]] std::string_view to_string(verdict v) noexcept;

/// A pattern that does not compile, named in the message (the CLI's usage error).
struct rule_error {
    std::string message;
};
/// Lets boost::system::result<T, rule_error>::value() throw.
[[noreturn]] void throw_exception_from_error(const rule_error& e, const boost::source_location& loc);

template <class T>
using result = boost::system::result<T, rule_error>;

/// The compiled rules. Immutable once made, so one instance may judge from several threads.
class scope {
public:
    /// What a discovered URL inherits from the input URL it descends from. Under host and
    /// domain scope nothing: a link is admitted only on the host (or registrable domain) of the
    /// page it was found on, and that page was itself admitted only on the input URL's host (or
    /// domain), so the page's host stands in for the input URL's. Only --no-parent needs the
    /// input URL itself, as "host/directory/" (empty without --no-parent): the one string the
    /// frontier keeps per pending URL for scope.
    struct origin {
        std::string no_parent_prefix;
    };

    /// Compiles the patterns (RE2, UTF-8, case-sensitive, at most 8 MiB each); the first that
    /// does not compile is the error, quoted with RE2's reason.
    [[nodiscard]] static result<scope> make(const scope_rules& rules);

    scope(scope&&) noexcept;
    scope& operator=(scope&&) noexcept;
    ~scope();

    [[nodiscard]] scope_mode mode() const noexcept { return mode_; }

    /// The origin of an input URL's descendants: under --no-parent its host and the directory
    /// of its path (up to and including the last '/', so `/docs` is under `/`, `/docs/` under
    /// itself), as wget's --no-parent.
    [[nodiscard]] origin origin_of_seed(const url::target& seed) const;

    /// Whether `link`, found on `page`, is followed. Its normalized URL (link.href) is what the
    /// regexes search, anywhere in it (RE2::PartialMatch, as wget's --accept-regex). --no-parent
    /// holds only on the input URL's own host, as in wget: another host that the scope admits
    /// is not "above" anything.
    [[nodiscard]] verdict judge(const url::target& link, const url::target& page, const origin& from) const;

private:
    struct patterns;
    scope(scope_mode mode, bool no_parent, std::unique_ptr<patterns> compiled);

    scope_mode mode_;
    bool no_parent_;
    std::unique_ptr<patterns> patterns_;
};

} // namespace crawl::frontier
