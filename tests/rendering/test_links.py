"""UTM tagging: every http(s) link in HTML and text gets the campaign's parameters, nothing else changes."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.rendering import compose_email
from engine.rendering.links import _TEXT_URL, rewrite_text_links, tag_html_links, tag_text_links, tag_url, utm_parameters
from tests.rendering.kit import NOW, campaign, make_customer

PARAMS = {"utm_source": "rekindle", "utm_medium": "email", "utm_campaign": "winback-90", "utm_content": "offer"}


def test_parameters_from_config_with_defaults_for_campaign_and_step() -> None:
    assert utm_parameters({"source": "rekindle", "medium": "email"}, "winback-90", "offer", None) == PARAMS
    assert utm_parameters({"source": "r", "medium": "m", "campaign": "spring"}, "c", "s", "b") == {
        "utm_source": "r", "utm_medium": "m", "utm_campaign": "spring", "utm_content": "s-b"}
    assert utm_parameters({}, "c", "s", None) == {}


def test_tag_url_keeps_existing_query_fragment_and_hand_written_utm() -> None:
    assert tag_url("https://x.example/a?b=1#top", {"utm_source": "r"}) == "https://x.example/a?b=1&utm_source=r#top"
    assert tag_url("https://x.example/?utm_source=keep", {"utm_source": "r", "utm_medium": "m"}) == \
        "https://x.example/?utm_source=keep&utm_medium=m"
    for untouched in ("mailto:a@example.com", "tel:+441234", "#anchor", "/relative", "javascript:void(0)"):
        assert tag_url(untouched, PARAMS) == untouched


def test_html_rewrite_touches_only_link_hrefs() -> None:
    document = ('<p title="https://not-a-link.example">Go <a class="x" href="https://a.example/p?q=1&amp;r=2">a</a>'
                "<a href='mailto:x@example.com'>m</a> <A HREF=https://b.example>b</A>"
                '<a href="https://u.example/unsub?token=t">u</a><area href="https://c.example/"/>'
                '<img src="https://img.example/x.png"></p><!-- <a href="https://comment.example"> -->'
                '<script>var s = "<a href=\\"https://script.example\\">";</script>')
    out = tag_html_links(document, {"utm_source": "r"}, skip=("https://u.example/unsub?token=t",))
    assert 'href="https://a.example/p?q=1&amp;r=2&amp;utm_source=r"' in out
    assert "<a href='mailto:x@example.com'>m</a>" in out
    assert '<a href="https://b.example?utm_source=r">b</A>' in out
    assert '<a href="https://u.example/unsub?token=t">u</a>' in out
    assert '<area href="https://c.example/?utm_source=r"/>' in out
    for unchanged in ('title="https://not-a-link.example"', 'src="https://img.example/x.png"',
                      '<!-- <a href="https://comment.example"> -->', 'https://script.example\\"'):
        assert unchanged in out


def test_text_rewrite_skips_the_unsubscribe_url_and_trailing_punctuation() -> None:
    text = "See https://a.example/x. Or (https://b.example/y?z=1), unsubscribe: https://u.example/u?token=T\n"
    out = tag_text_links(text, {"utm_source": "r"}, skip=("https://u.example/u?token=T",))
    assert out == ("See https://a.example/x?utm_source=r. Or (https://b.example/y?z=1&utm_source=r), "
                   "unsubscribe: https://u.example/u?token=T\n")


def test_composed_email_links_are_tagged_but_unsubscribe_is_not(project_dir) -> None:
    html = ('{% extends "_layouts/base.html" %}{% block subject %}s{% endblock %}'
            '{% block body %}<a href="https://app.example.com/login?next=%2Fhome">in</a>{% endblock %}')
    config = project_dir({"e.html": html, "e.txt": "Log in: https://app.example.com/login\nBye: {{ unsubscribe_url }}\n"},
                         utm={"source": "rekindle", "medium": "email"})
    camp = campaign({"id": "offer", "template": "e"}, id="winback-90")
    composed = compose_email(config, camp, camp.steps[0], make_customer(), variant=None, now=NOW, message_id="<m@x>")
    login = composed.html.split('href="')[1].split('"')[0].replace("&amp;", "&")
    assert parse_qs(urlsplit(login).query) == {"next": ["/home"], **{k: [v] for k, v in PARAMS.items()}}
    unsubscribe = composed.html.split('href="')[2].split('"')[0]
    assert "utm_" not in unsubscribe and unsubscribe.startswith("https://example.com/u?token=")
    assert "https://app.example.com/login?utm_source=rekindle&utm_medium=email&utm_campaign=winback-90" \
           "&utm_content=offer\n" in composed.text
    assert f"Bye: {unsubscribe}\n" in composed.text


def test_no_tracking_configured_leaves_links_alone(project_dir) -> None:
    html = ('{% extends "_layouts/base.html" %}{% block subject %}s{% endblock %}'
            '{% block body %}<a href="https://app.example.com/">in</a>{% endblock %}')
    camp = campaign({"id": "s", "template": "e"})
    composed = compose_email(project_dir({"e.html": html}), camp, camp.steps[0], make_customer(), variant=None,
                             now=NOW, message_id="<m@x>")
    assert "utm_" not in composed.html and "utm_" not in composed.text


# Text made of URL fragments, case variants and the characters that end or split a URL, so schemes overlap
# (`http://a.example/?u=https://b.example`), touch (`xhttp://`), fold (`HTTPſ://`) and stop at punctuation.
_URL_BITS = st.sampled_from(["http", "https", "HTTP", "hTtPs", "httpſ", "://", ":/", "//", "a.example", "/p",
                             "?q=1", "&", ".", ",", "!", " ", "\n", "(", ")", "<", "'", "x", "s", "h", "é"])


@settings(max_examples=400, deadline=None)
@given(bits=st.lists(_URL_BITS, max_size=30), skip_first=st.booleans())
def test_text_rewrite_is_the_patterns_own_substitution(bits: list[str], skip_first: bool) -> None:
    """`rewrite_text_links` only tries the pattern near a `://`: it must give what `_TEXT_URL.sub` gives."""
    text = "".join(bits)
    urls = _TEXT_URL.findall(text)
    skip = tuple(urls[:1]) if skip_first else ()
    expected = _TEXT_URL.sub(lambda m: m[0] if m[0] in skip else f"<{m[0]}>", text)
    assert rewrite_text_links(text, lambda url: f"<{url}>", skip) == expected
