// The html5lib-tests tokenizer suite (tests/data/html5lib-tests/tokenizer, MIT, unmodified)
// against extract::html_tokenizer: every test of every file, in each of its initial states,
// with every byte scanner this CPU has (the portable one always), the input fed whole, one
// byte at a time and in random pieces. Parse errors are not compared: the tokenizer does not
// report them. One ctest test per file.
//
// As the suite's README says, the input is preprocessed first (CR LF and lone CR become LF);
// "doubleEscaped" strings have their \uHHHH escapes undone, lone surrogates as the three
// bytes WTF-8 gives them (the tokenizer passes any non-ASCII byte through).

#include "crawl/extract/html_tokenizer.hpp"
#include "crawl/util/text.hpp"
#include "extract/byte_scan.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <vector>

namespace crawl::extract {
namespace {

namespace json = boost::json;

const std::string suite_dir = std::string(CRAWL_TEST_DATA) + "/html5lib-tests/tokenizer/";

std::string read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in.good()) << "cannot open " << path;
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::uint32_t escape_at(std::string_view s, std::size_t i)
{
    if (i + 6 > s.size() || s[i] != '\\' || s[i + 1] != 'u') {
        return 0xFFFFFFFF;
    }
    return static_cast<std::uint32_t>(std::stoul(std::string(s.substr(i + 2, 4)), nullptr, 16));
}

std::string unescape(std::string_view s)
{
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        std::uint32_t cp = escape_at(s, i);
        if (cp == 0xFFFFFFFF) {
            out += s[i];
            continue;
        }
        i += 5;
        const std::uint32_t low = escape_at(s, i + 1);
        if (cp >= 0xD800 && cp <= 0xDBFF && low >= 0xDC00 && low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            i += 6;
        }
        text::append_utf8(cp, out); // a lone surrogate as WTF-8
    }
    return out;
}

// The Standard's preprocessing of the input stream: CR LF and lone CR become LF.
std::string preprocess(std::string_view s)
{
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\r') {
            out += '\n';
            if (i + 1 < s.size() && s[i + 1] == '\n') {
                ++i;
            }
        } else {
            out += s[i];
        }
    }
    return out;
}

/// Tokens in the suite's JSON form, adjacent character tokens joined.
class recording_sink final : public html_token_sink {
public:
    json::array tokens;

    content_state start_tag(const html_tag& tag) override
    {
        json::object attrs;
        for (const html_attribute& a : tag.attributes) {
            attrs[a.name] = a.value;
        }
        json::array t{"StartTag", tag.name, attrs};
        if (tag.self_closing) {
            t.push_back(true);
        }
        tokens.push_back(std::move(t));
        return content_state::data;
    }
    void end_tag(const html_tag& tag) override { tokens.push_back(json::array{"EndTag", tag.name}); }
    void characters(std::string_view text) override
    {
        if (!tokens.empty() && tokens.back().as_array()[0] == "Character") {
            json::string& s = tokens.back().as_array()[1].as_string();
            s.append(text);
        } else {
            tokens.push_back(json::array{"Character", text});
        }
    }
    void comment(std::string_view text) override { tokens.push_back(json::array{"Comment", text}); }
    void doctype(const html_doctype& d) override
    {
        auto value = [](bool has, std::string_view s) { return has ? json::value(s) : json::value(nullptr); };
        tokens.push_back(json::array{"DOCTYPE", value(d.has_name, d.name), value(d.has_public_id, d.public_id),
                                     value(d.has_system_id, d.system_id), !d.force_quirks});
    }
    bool in_foreign_content() const override { return false; }
};

content_state state_named(std::string_view name)
{
    if (name == "PLAINTEXT state") {
        return content_state::plaintext;
    }
    if (name == "RCDATA state") {
        return content_state::rcdata;
    }
    if (name == "RAWTEXT state") {
        return content_state::rawtext;
    }
    if (name == "Script data state") {
        return content_state::script_data;
    }
    if (name == "CDATA section state") {
        return content_state::cdata_section;
    }
    EXPECT_EQ(name, "Data state");
    return content_state::data;
}

// Attributes are a set: the suite writes them as a JSON object, in no particular order.
json::value canonical(json::value v, bool double_escaped)
{
    if (v.is_string() && double_escaped) {
        return json::value(unescape(v.as_string()));
    }
    if (v.is_array()) {
        for (json::value& e : v.as_array()) {
            e = canonical(e, double_escaped);
        }
    }
    if (v.is_object()) {
        std::vector<std::pair<std::string, json::value>> sorted;
        for (const auto& [k, e] : v.as_object()) {
            sorted.emplace_back(double_escaped ? unescape(k) : std::string(k), canonical(e, double_escaped));
        }
        std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        json::array pairs;
        for (auto& [k, e] : sorted) {
            pairs.push_back(json::array{json::value(k), e});
        }
        return pairs;
    }
    return v;
}

json::array tokenize(const std::string& input, content_state state, std::string_view last_start_tag,
                     const std::vector<std::size_t>& pieces)
{
    recording_sink sink;
    html_tokenizer t(sink, {});
    t.start_in(state, last_start_tag);
    std::size_t at = 0;
    for (const std::size_t n : pieces) {
        t.feed(std::string_view(input).substr(at, n));
        at += n;
    }
    t.feed(std::string_view(input).substr(std::min(at, input.size())));
    t.finish();
    return sink.tokens;
}

class Html5libTokenizer : public ::testing::TestWithParam<std::string> {};

TEST_P(Html5libTokenizer, EveryTestInEveryInitialStatePasses)
{
    const json::value file = json::parse(read_file(suite_dir + GetParam()));
    std::mt19937 rng(14);
    std::size_t runs = 0;
    const scan::kind default_kind = scan::active();
    for (const scan::kind kind : scan::supported_kinds()) {
        ASSERT_TRUE(scan::use(kind));
        for (const json::value& test : file.at("tests").as_array()) {
            const json::object& o = test.as_object();
            const bool double_escaped = o.contains("doubleEscaped") && o.at("doubleEscaped").as_bool();
            std::string input(o.at("input").as_string());
            input = preprocess(double_escaped ? unescape(input) : input);
            const json::value expected = canonical(o.at("output"), double_escaped);
            std::string last_start_tag;
            if (o.contains("lastStartTag")) {
                last_start_tag = o.at("lastStartTag").as_string();
            }
            json::array states{"Data state"};
            if (o.contains("initialStates")) {
                states = o.at("initialStates").as_array();
            }
            std::vector<std::size_t> bytes(input.size(), 1);
            std::vector<std::size_t> random;
            for (std::size_t left = input.size(); left > 0;) {
                random.push_back(std::min(left, std::uniform_int_distribution<std::size_t>(1, 9)(rng)));
                left -= random.back();
            }
            for (const json::value& state_name : states) {
                const content_state state = state_named(state_name.as_string());
                SCOPED_TRACE(std::string(o.at("description").as_string()) + " / " +
                             std::string(state_name.as_string()) + " / " + std::string(scan::name(kind)));
                for (const auto* pieces : {&bytes, &random}) {
                    const json::value got = canonical(tokenize(input, state, last_start_tag, *pieces), false);
                    ASSERT_EQ(json::serialize(got), json::serialize(expected))
                        << "input: " << json::serialize(json::value(input))
                        << (pieces == &bytes ? " (one byte at a time)" : " (random pieces)");
                }
                const json::value whole = canonical(tokenize(input, state, last_start_tag, {}), false);
                ASSERT_EQ(json::serialize(whole), json::serialize(expected)) << "input fed whole";
                ++runs;
            }
        }
    }
    std::cout << "[ html5lib ] " << GetParam() << ": " << runs << " runs passed over " << scan::supported_kinds().size()
              << " byte scanner(s)\n";
    scan::use(default_kind);
}

/// The tags of `tokens` (canonical form), with the attributes named in `kept` only and no
/// self-closing flag: what a filtered tokenizer must agree on with the suite.
json::array tags_of(const json::array& tokens, std::span<const std::string_view> kept)
{
    json::array tags;
    for (const json::value& token : tokens) {
        const json::array& t = token.as_array();
        if (t[0] == "EndTag") {
            tags.push_back(json::array{t[0], t[1]});
        } else if (t[0] == "StartTag") {
            json::array attrs;
            for (const json::value& pair : t[2].as_array()) {
                if (std::find(kept.begin(), kept.end(), pair.as_array()[0].as_string()) != kept.end()) {
                    attrs.push_back(pair);
                }
            }
            tags.push_back(json::array{t[0], t[1], attrs});
        }
    }
    return tags;
}

// A crawler's tokenizer skips text and keeps a few attributes (token_filter), and reads the
// common tag forms by paths of their own: the suite's tags, less the attributes not asked
// for, must come out of it all the same, whole and one byte at a time.
TEST_P(Html5libTokenizer, AFilteredTokenizerGivesTheSuitesTags)
{
    static constexpr std::array<std::string_view, 3> kept = {"href", "name", "z"};
    const json::value file = json::parse(read_file(suite_dir + GetParam()));
    std::size_t runs = 0;
    for (const json::value& test : file.at("tests").as_array()) {
        const json::object& o = test.as_object();
        const bool double_escaped = o.contains("doubleEscaped") && o.at("doubleEscaped").as_bool();
        std::string input(o.at("input").as_string());
        input = preprocess(double_escaped ? unescape(input) : input);
        std::string last_start_tag;
        if (o.contains("lastStartTag")) {
            last_start_tag = o.at("lastStartTag").as_string();
        }
        const json::value expected_tags =
            tags_of(canonical(o.at("output"), double_escaped).as_array(), kept);
        json::array states{"Data state"};
        if (o.contains("initialStates")) {
            states = o.at("initialStates").as_array();
        }
        for (const json::value& state_name : states) {
            SCOPED_TRACE(std::string(o.at("description").as_string()) + " / " + std::string(state_name.as_string()));
            for (const std::size_t piece : {input.size() + 1, std::size_t{1}}) {
                recording_sink sink;
                html_tokenizer t(sink, {text_tokens::rcdata_only, kept});
                t.start_in(state_named(state_name.as_string()), last_start_tag);
                for (std::size_t at = 0; at < input.size(); at += piece) {
                    t.feed(std::string_view(input).substr(at, piece));
                }
                t.finish();
                ASSERT_EQ(json::serialize(tags_of(canonical(sink.tokens, false).as_array(), kept)),
                          json::serialize(expected_tags))
                    << "input: " << json::serialize(json::value(input)) << (piece == 1 ? " (one byte at a time)" : "");
            }
            ++runs;
        }
    }
    EXPECT_GT(runs, 0U);
}

// Every file of the suite but xmlViolation.test, which is not copied: its expected tokens
// assume the "coercing an HTML DOM into an infoset" tweaks, which a tokenizer does not make
// (tests/data/html5lib-tests/SOURCE.txt).
INSTANTIATE_TEST_SUITE_P(Suite, Html5libTokenizer,
                         ::testing::Values("contentModelFlags.test", "domjs.test", "entities.test", "escapeFlag.test",
                                           "namedEntities.test", "numericEntities.test", "pendingSpecChanges.test",
                                           "test1.test", "test2.test", "test3.test", "test4.test",
                                           "unicodeChars.test", "unicodeCharsProblematic.test"),
                         [](const ::testing::TestParamInfo<std::string>& file) {
                             return file.param.substr(0, file.param.find('.'));
                         });

} // namespace
} // namespace crawl::extract
