#pragma once
// What the bench tools' command lines share: a usage error (the message, the usage line,
// exit status 2) and numeric option values that must be whole and in range.

#include <charconv>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

namespace crawl::bench {

class tool_args {
public:
    constexpr tool_args(std::string_view tool, std::string_view usage) : tool_(tool), usage_(usage) {}

    [[noreturn]] void fail(const std::string& message) const
    {
        std::cerr << tool_ << ": error: " << message << "\nusage: " << usage_ << "\n";
        std::exit(2);
    }

    /// The value of option `arg` as a T, or a usage error.
    template <class T>
    T number(std::string_view arg, std::string_view value) const
    {
        T out{};
        const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
        if (ec != std::errc{} || ptr != value.data() + value.size()) {
            fail("bad value for " + std::string(arg) + ": " + std::string(value));
        }
        return out;
    }

private:
    std::string_view tool_;
    std::string_view usage_;
};

} // namespace crawl::bench
