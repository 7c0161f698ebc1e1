"""SlotCodeGenerator settles `finalize` at compile time: the output is exactly Jinja's own, in autoescaped HTML,
in plain text, under a constant `{% autoescape %}` and under one whose value is only known at render time;
and while a skeleton is captured, the values are recorded as before."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup, escape

from engine.rendering import slots
from engine.rendering.environment import make_environment
from engine.rendering.slots import CLOSE, OPEN, capture

SOURCE = ("<p>{{ name }} {{ 3 }} {{ price }}</p>{% autoescape false %}{{ raw }}{% endautoescape %}"
          "{% autoescape flag %}[{{ raw }}]{% endautoescape %}")
CONTEXT = {"name": "Tom & Jerry", "price": 9.5, "raw": "<b>", "flag": True}


def _environments(tmp_path: Path):
    (tmp_path / "t.html").write_text(SOURCE, encoding="utf-8")
    (tmp_path / "t.txt").write_text(SOURCE, encoding="utf-8")
    ours = make_environment(tmp_path)
    jinja = make_environment(tmp_path)
    jinja.finalize = None  # Jinja's own code generation (SlotCodeGenerator steps aside)
    return ours, jinja


def test_the_output_is_jinjas(tmp_path: Path) -> None:
    ours, jinja = _environments(tmp_path)
    for name in ("t.html", "t.txt"):
        for flag in (True, False):
            context = {**CONTEXT, "flag": flag}
            assert ours.get_template(name).render(context) == jinja.get_template(name).render(context)
    assert ours.get_template("t.html").render(CONTEXT) == "<p>Tom &amp; Jerry 3 9.5</p><b>[&lt;b&gt;]"
    assert "write_html" in ours.compile(SOURCE, "t.html", raw=True)
    assert "write_html" not in ours.compile(SOURCE, "t.txt", raw=True)


def test_a_capture_records_the_autoescaped_values(tmp_path: Path) -> None:
    ours, _ = _environments(tmp_path)
    with capture() as captured:
        skeleton = ours.get_template("t.html").render(CONTEXT)
    # the render-time autoescape block goes through `finalize` itself, which records its value too
    assert captured.values == ["Tom & Jerry", "3", "9.5", "<b>"]
    assert skeleton == f"<p>{OPEN}0\ue001 {OPEN}1\ue001 {OPEN}2\ue001</p><b>[{OPEN}3\ue001]"
    with capture() as captured:  # plain text records nothing
        assert ours.get_template("t.txt").render({**CONTEXT, "flag": False}) == "<p>Tom & Jerry 3 9.5</p><b>[<b>]"
    assert captured.values == []


@settings(max_examples=800, deadline=None)
@given(value=st.one_of(st.text(), st.text(alphabet=st.sampled_from(list(" a\t\n\xa0\ue000\ue001<&\u2028é"))),
                       st.integers(), st.floats(allow_nan=False), st.just(Markup("<b>x</b>"))))
def test_write_html_records_what_record_does(value: object) -> None:
    """`write_html`'s inlined recording of a printable str gives the same markup and the same recorded
    values as recording through `_record` (the slow path), for any value."""
    with capture() as fast:
        written = slots.write_html(value)
    with capture() as slow:
        number = slots._record(slow, value)
        expected = escape(value) if number is None else Markup(f"{OPEN}{number}{CLOSE}")
    assert written == expected and type(written) is Markup
    assert (fast.values, fast.tainted) == (slow.values, slow.tainted)
