// The HTML bodies the liar server sends (tests/support/liar_server.hpp).

#include "support/liar_server.hpp"

namespace crawl::test::liar {

std::string titled_page(std::string_view title, std::string_view body)
{
    return "<!DOCTYPE html><html><head><title>" + std::string(title) + "</title></head><body>" + std::string(body) +
           "</body></html>\n";
}

std::string invalid_utf8_title_page()
{
    static constexpr char raw[] = "A\xFF" "B\0" "C\xC3(D \xC3\xA9";
    return titled_page(std::string_view(raw, sizeof raw - 1));
}

std::string entities_title_page()
{
    return titled_page("Fish &amp; Chips &lt;3&gt; &quot;quoted&quot; caf&eacute; &#x263A; &euro;");
}

std::string hidden_title_page()
{
    return "<!DOCTYPE html><html><head><!-- <title>In a comment</title> -->"
           "<script>var t = \"<title>In a script</title>\";</script>"
           "<title>" +
           std::string(real_title) + "</title></head><body></body></html>\n";
}

std::string many_links_page()
{
    std::string html = "<!DOCTYPE html><html><head><title>" + std::string(real_title) + "</title></head><body>\n";
    html.reserve(many_links * 24);
    for (std::size_t i = 0; i < many_links; ++i) {
        html += "<a href=\"/l/" + std::to_string(i) + "\">x</a>\n";
    }
    html += "</body></html>\n";
    return html;
}

std::string deep_nesting_page()
{
    std::string html = "<!DOCTYPE html><html><head><title>" + std::string(real_title) +
                       "</title></head><body><a href=\"/before\">before</a>";
    html.reserve(html.size() + nesting_depth * 11 + 64);
    for (std::size_t i = 0; i < nesting_depth; ++i) {
        html += "<div>";
    }
    html += "<a href=\"/inside\">inside</a>";
    for (std::size_t i = 0; i < nesting_depth; ++i) {
        html += "</div>";
    }
    html += "</body></html>\n";
    return html;
}

std::string huge_attribute_page()
{
    std::string html = "<!DOCTYPE html><html><head><title>" + std::string(real_title) +
                       "</title></head><body><a href=\"/before\">before</a><div data-x=\"";
    html.append(huge_attribute_bytes, 'a');
    html += "\">x</div><a href=\"/after\">after</a></body></html>\n";
    return html;
}

} // namespace crawl::test::liar
