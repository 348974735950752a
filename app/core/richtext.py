"""Residents' text with a safe subset of Markdown: paragraphs, emphasis, lists, quotes, links.

markdown-it-py renders with raw HTML switched off; nh3 then keeps only the tags below, so a
`<script>`, an `onerror=` or a `javascript:` link never reaches a reader's browser, whatever
the renderer's own escaping does.
"""
from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {"p", "em", "strong", "ul", "ol", "li", "blockquote", "a", "br", "code"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}

# "zero" starts with everything off; we turn on only what residents need. No headings (they would
# break the page's outline), no images (uploads go through the image checks), no tables, no HTML.
_markdown = (MarkdownIt("zero", {"html": False, "linkify": False, "breaks": True})
             .enable(["emphasis", "list", "blockquote", "link", "newline", "backticks"]))


def render_markdown(source: str) -> str:
    html = _markdown.render(source or "")
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=ALLOWED_SCHEMES,
                     link_rel="nofollow ugc noopener noreferrer")
