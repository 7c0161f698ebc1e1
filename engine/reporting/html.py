"""The report as one self-contained HTML page: the Vega, Vega-Lite and vega-embed JavaScript is inlined
(`vl_convert.javascript_bundle`, shipped inside the vl-convert-python wheel), the chart specs carry their
data, so the page fetches nothing from the network when opened."""

from __future__ import annotations

import json
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from engine.reporting.charts import chart_specs
from engine.reporting.model import Report


def _script_json(value: object) -> Markup:
    """JSON safe inside <script type="application/json">: no '</' can close the element early."""
    text = json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(text.replace("&", "\\u0026"))


GLOBALS = "window.vegaEmbed = vegaEmbed; window.vegaLite = vegaLite; window.vega = vega;"
"""The bundle's snippet: expose the libraries to the page's own script."""


def vega_bundle() -> str:
    """vega-embed, Vega-Lite (the version altair writes specs for) and Vega, as one script."""
    import altair
    import vl_convert

    major, minor = altair.VEGALITE_VERSION.split(".")[:2]
    return vl_convert.javascript_bundle(GLOBALS, vl_version=f"v{major}.{minor}")


def render_html(report: Report) -> str:
    env = Environment(loader=PackageLoader("engine.reporting", "."), autoescape=select_autoescape(["html", "j2"]))
    template = env.get_template("report.html.j2")
    charts = [{"id": key, "title": title, "spec": _script_json(spec)} for key, title, spec in chart_specs(report)]
    bundle = Markup(vega_bundle().replace("</script", "<\\/script"))
    return template.render(report=report, charts=charts, vega_bundle=bundle)


def write_html(report: Report, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report), encoding="utf-8")
