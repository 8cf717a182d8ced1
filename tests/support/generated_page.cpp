#include "support/generated_page.hpp"

#include <array>
#include <string_view>

namespace crawl::test {

std::string generated_page(const chooser& pick, std::size_t parts)
{
    static constexpr std::array<std::string_view, 4> doctypes = {
        "<!DOCTYPE html>\n", "<!doctype HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\">\n", "", "<!-- x -->\n"};
    static constexpr std::array<std::string_view, 4> htmls = {"<html lang=\"en-US\">", "<HTML LANG=de>", "<html>", ""};
    static constexpr std::array<std::string_view, 24> body = {
        "<a href=\"/p/{n}?q=1&amp;r=2#f\">text &eacute; &#233; &#x263A;</a>\n",
        "<a href='rel/{n}'>single</a>",
        "<a href=unq/{n}>unquoted</a>",
        "<A CLASS=\"x\" HREF=\"HTTP://Example.COM:80/{n}\">upper</A>",
        "<map><area shape=rect href=\"/area/{n}\" alt=\"\"></map>",
        "<!-- a comment with <a href=\"/commented/{n}\"> and > signs -->\n",
        "<div class=\"item\" data-x=\"a>b<c\">",
        "</div>\n",
        "<p>Text ohne Ende, Grüße ÄÖÜ ☺ &nbsp;&copy;&hellip; {n}",
        "<br/><img src=\"/img/{n}.png\" alt=\"x > y\">",
        "<script>if (a < b && c > d) { s = \"</p><a href='/in-script/{n}'>\"; }</script>\n",
        "<style>a > b { color: red } /* </div> */</style>\n",
        "<svg viewBox=\"0 0 1 1\"><title>icon {n}</title><path d=\"M0 0\"/></svg>",
        "<table><tr><td><a href=\"/t/{n}\">cell</a></td></tr></table>\n",
        "<ul><li><a href=\"/li/{n}\">item</a><li>two</ul>",
        "<a href=\"  /spaced/{n}  \">spaces</a>",
        "<a href=\"/tab/\t{n}\">tab</a>",
        "<a href=\"javascript:void(0)\">js</a><a href=\"mailto:a@b.c\">mail</a>",
        "<a href=\"//other.example/{n}\">scheme-relative</a>",
        "<a href=\"../up/{n}\">up</a>",
        "<span>&lt;a href=&quot;/escaped&quot;&gt;</span>",
        "<form action=\"/f\"><input name=q value=\"&quot;x&quot;\"></form>",
        "<h1 id=h{n}>Heading</h1>",
        "\n\t   \n",
    };
    std::string html(doctypes[pick(doctypes.size())]);
    html += htmls[pick(htmls.size())];
    html += "<head><meta charset=\"utf-8\">";
    html += "<title>  Generated &amp; page " + std::to_string(pick(1000)) + " — ü\n </title>";
    if (pick(2) == 0) {
        html += "<meta name=\"description\" content=\"About &quot;things&quot; &amp; more\">";
    }
    if (pick(2) == 0) {
        html += "<link rel=\"alternate canonical\" href=\"/canonical/" + std::to_string(pick(1000)) + "\">";
    }
    if (pick(4) == 0) {
        html += "<base href=\"/base/dir/\">";
    }
    html += "</head><body>\n";
    for (std::size_t i = 0; i < parts; ++i) {
        std::string part(body[pick(body.size())]);
        if (const auto at = part.find("{n}"); at != std::string::npos) {
            part.replace(at, 3, std::to_string(pick(500)));
        }
        html += part;
    }
    return html + "</body></html>\n";
}

} // namespace crawl::test
