"""The exercise's Markdown description as safe HTML.

Descriptions come from instructors' specs, so they are rendered with raw HTML off and the result
is cleaned again by an allow-list (nh3): a mistaken or hostile spec cannot put script, styles or
``javascript:`` links on a student's page. The specs write formulas as ``$x_1 = 0.8$``; those
become text with sub- and superscripts and Greek letters, not a maths library in the browser.
"""

from __future__ import annotations

import re
from functools import cache
from html import escape

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "em", "strong", "code", "pre", "ul", "ol", "li", "a", "blockquote", "br", "hr",
    "h3", "h4", "h5", "h6", "sub", "sup", "span", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "span": {"class"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
GREEK = {
    "alpha": "\N{GREEK SMALL LETTER ALPHA}",
    "beta": "\N{GREEK SMALL LETTER BETA}",
    "gamma": "\N{GREEK SMALL LETTER GAMMA}",
    "delta": "\N{GREEK SMALL LETTER DELTA}",
    "Delta": "\N{GREEK CAPITAL LETTER DELTA}",
    "epsilon": "\N{GREEK SMALL LETTER EPSILON}",
    "eta": "\N{GREEK SMALL LETTER ETA}",
    "theta": "\N{GREEK SMALL LETTER THETA}",
    "lambda": "\N{GREEK SMALL LETTER LAMDA}",
    "mu": "\N{GREEK SMALL LETTER MU}",
    "sigma": "\N{GREEK SMALL LETTER SIGMA}",
    "Sigma": "\N{GREEK CAPITAL LETTER SIGMA}",
    "phi": "\N{GREEK SMALL LETTER PHI}",
    "varphi": "\N{GREEK PHI SYMBOL}",
    "sum": "\N{N-ARY SUMMATION}",
    "cdot": "\N{MIDDLE DOT}",
    "times": "\N{MULTIPLICATION SIGN}",
    "partial": "\N{PARTIAL DIFFERENTIAL}",
    "approx": "\N{ALMOST EQUAL TO}",
    "leq": "\N{LESS-THAN OR EQUAL TO}",
    "geq": "\N{GREATER-THAN OR EQUAL TO}",
}
_COMMAND = re.compile(r"\\([A-Za-z]+)")
_SCRIPT = re.compile(r"([_^])(?:\{([^{}]*)\}|([A-Za-z0-9]))")


def math_to_html(source: str) -> str:
    """``x_1``, ``w_{ji}``, ``e^2`` and ``\\alpha`` as HTML; everything else stays as typed, escaped."""
    text = escape(source, quote=False)
    text = _COMMAND.sub(lambda match: GREEK.get(match[1], match[0]), text)

    def script(match: re.Match[str]) -> str:
        tag = "sub" if match[1] == "_" else "sup"
        return f"<{tag}>{match[2] if match[2] is not None else match[3]}</{tag}>"

    return f'<span class="math">{_SCRIPT.sub(script, text)}</span>'


def _math_inline(state: StateInline, silent: bool) -> bool:
    """``$...$`` on one line, not empty: an inline formula."""
    start = state.pos
    if state.src[start] != "$":
        return False
    end = state.src.find("$", start + 1)
    if end <= start + 1 or "\n" in state.src[start + 1 : end]:
        return False
    if not silent:
        token = state.push("math_inline", "span", 0)
        token.content = state.src[start + 1 : end]
        token.markup = "$"
    state.pos = end + 1
    return True


def _render_math(_renderer: RendererHTML, tokens: list[Token], index: int, _options: object, _env: object) -> str:
    return math_to_html(tokens[index].content)


@cache
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    parser.inline.ruler.before("escape", "math_inline", _math_inline)
    parser.add_render_rule("math_inline", _render_math)
    return parser


def render_markdown(source: str) -> Markup:
    """Markdown to HTML that is safe to put in a page as it is."""
    html = _parser().render(source or "")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(cleaned)
