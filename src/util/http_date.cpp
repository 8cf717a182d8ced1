#include "crawl/util/http_date.hpp"

#include "crawl/util/text.hpp"

#include <array>
#include <charconv>

namespace crawl::http_date {
namespace {

using namespace std::chrono;

constexpr std::array<std::string_view, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 7> weekdays{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

/// A left-to-right reader over the date text; every step fails (returns false) instead of
/// reading past the end.
class reader {
public:
    explicit reader(std::string_view s) noexcept : s_(s) {}

    bool literal(std::string_view lit) noexcept
    {
        if (s_.substr(0, lit.size()) != lit) {
            return false;
        }
        s_.remove_prefix(lit.size());
        return true;
    }
    /// Exactly `digits` decimal digits.
    bool number(int digits, int& value) noexcept
    {
        if (s_.size() < static_cast<std::size_t>(digits)) {
            return false;
        }
        value = 0;
        for (int i = 0; i < digits; ++i) {
            const char c = s_[static_cast<std::size_t>(i)];
            if (c < '0' || c > '9') {
                return false;
            }
            value = value * 10 + (c - '0');
        }
        s_.remove_prefix(static_cast<std::size_t>(digits));
        return true;
    }
    bool month(int& value) noexcept
    {
        for (std::size_t i = 0; i < months.size(); ++i) {
            if (s_.substr(0, 3) == months[i]) {
                value = static_cast<int>(i) + 1;
                s_.remove_prefix(3);
                return true;
            }
        }
        return false;
    }
    /// A weekday name, short or long, as the form expects.
    bool weekday(bool long_form) noexcept
    {
        constexpr std::array<std::string_view, 7> long_names{"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                             "Thursday", "Friday", "Saturday"};
        const auto& names = long_form ? long_names : weekdays;
        for (const auto name : names) {
            if (literal(name)) {
                return true;
            }
        }
        return false;
    }
    bool time_of_day(int& h, int& m, int& s) noexcept
    {
        return number(2, h) && literal(":") && number(2, m) && literal(":") && number(2, s);
    }
    [[nodiscard]] bool at_end() const noexcept { return s_.empty(); }

private:
    std::string_view s_;
};

std::optional<system_clock::time_point> make_time(int y, int mo, int d, int h, int mi, int s) noexcept
{
    const year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    // 60 allows a leap second, which system_clock folds into the next minute.
    if (!date.ok() || h > 23 || mi > 59 || s > 60) {
        return std::nullopt;
    }
    return sys_days{date} + hours{h} + minutes{mi} + seconds{s};
}

} // namespace

std::optional<system_clock::time_point> parse(std::string_view text) noexcept
{
    text = text::trim(text);
    int y = 0;
    int mo = 0;
    int d = 0;
    int h = 0;
    int mi = 0;
    int s = 0;
    {
        reader r(text); // IMF-fixdate
        if (r.weekday(false) && r.literal(", ") && r.number(2, d) && r.literal(" ") && r.month(mo) &&
            r.literal(" ") && r.number(4, y) && r.literal(" ") && r.time_of_day(h, mi, s) && r.literal(" GMT") &&
            r.at_end()) {
            return make_time(y, mo, d, h, mi, s);
        }
    }
    {
        reader r(text); // RFC 850
        if (r.weekday(true) && r.literal(", ") && r.number(2, d) && r.literal("-") && r.month(mo) &&
            r.literal("-") && r.number(2, y) && r.literal(" ") && r.time_of_day(h, mi, s) && r.literal(" GMT") &&
            r.at_end()) {
            // RFC 9110: a two-digit year more than 50 years in the future is in the past century.
            return make_time(y < 70 ? 2000 + y : 1900 + y, mo, d, h, mi, s);
        }
    }
    {
        reader r(text); // asctime: the day is space-padded to two characters
        if (r.weekday(false) && r.literal(" ") && r.month(mo) && r.literal(" ") &&
            (r.literal(" ") ? r.number(1, d) : r.number(2, d)) && r.literal(" ") && r.time_of_day(h, mi, s) &&
            r.literal(" ") && r.number(4, y) && r.at_end()) {
            return make_time(y, mo, d, h, mi, s);
        }
    }
    return std::nullopt;
}

std::optional<milliseconds> retry_after(std::string_view value, system_clock::time_point now) noexcept
{
    value = text::trim(value);
    if (!value.empty() && value.front() >= '0' && value.front() <= '9') {
        std::uint64_t secs = 0;
        const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), secs);
        if (ptr != value.data() + value.size()) {
            return std::nullopt;
        }
        // Too large to represent is "a very long time": clamp instead of failing.
        constexpr std::uint64_t max_secs = 100ULL * 365 * 24 * 3600;
        if (ec == std::errc::result_out_of_range || secs > max_secs) {
            secs = max_secs;
        }
        return milliseconds(static_cast<std::int64_t>(secs) * 1000);
    }
    const auto date = parse(value);
    if (!date) {
        return std::nullopt;
    }
    if (*date <= now) {
        return milliseconds(0);
    }
    return ceil<milliseconds>(*date - now);
}

} // namespace crawl::http_date
