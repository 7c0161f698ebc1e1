"""Email rendering: sandboxed Jinja templates, customer context, UTM links and MIME messages.

`compose_email` (compose.py) renders one email for a delivery; `check_templates` (checks.py) validates every
template of a project. See docs/templates.md.
"""

from engine.rendering.compose import ComposedEmail, compose_email
from engine.rendering.errors import RenderError

__all__ = ["ComposedEmail", "RenderError", "compose_email"]
