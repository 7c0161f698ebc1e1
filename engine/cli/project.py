"""Loading the project for a command: the one way every command gets a `Project`, or stops with the reason.

Nothing runs while any rule (or, for commands that render, any template) is invalid: the errors travel as
`ProjectInvalid` to the CLI's one error handler, which prints every diagnostic and exits 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from engine.errors import UsageError
from engine.project import Project, ProjectInvalid, load_project
from engine.rules.model import Campaign


class UnknownCampaign(UsageError):
    """A campaign id (an argument or `--campaign`) that the project does not have: exit 2, the command line is
    wrong, whichever command it is given to."""


def load_project_or_exit(
    config_path: Path, campaigns: Sequence[str] | None = None, *, templates: bool = True,
    not_done: str = "nothing was run",
) -> Project:
    """The valid project of `config_path`. With `templates`, every template must compile and render too (a
    broken template stops the run before anything is queued, exactly like an invalid rule file). Unknown
    `campaigns` (from `--campaign`) are a usage error."""
    try:
        project = load_project(config_path)
    except ProjectInvalid as exc:
        # No config at all (a wrong directory, a fresh checkout without one) is not a rule problem: say so.
        what = ("there is no project here" if any(d.code == "C101" for d in exc.diagnostics)
                else "the project has invalid rules")
        raise ProjectInvalid(exc.diagnostics, f"{what}; {not_done}") from None
    if templates:
        require_valid_templates(project, not_done)
    unknown = [c for c in campaigns or () if project.campaign(c) is None]
    if unknown:
        raise UnknownCampaign(f"unknown campaign {', '.join(map(repr, unknown))}; known: {_known(project)}")
    return project


def require_valid_templates(project: Project, not_done: str = "nothing was run") -> None:
    """ProjectInvalid when any template fails to compile or render. `rekindle run` calls this only once it
    holds the run lock, so a slow template check never lets scheduled runs pile up behind each other."""
    from engine.cli.template_checks import checked_templates
    from engine.diagnostics import Severity

    problems = [d for d in checked_templates(project) if d.severity is Severity.error]
    if problems:
        raise ProjectInvalid(problems, f"the project has invalid templates; {not_done}")


def require_campaign(project: Project, campaign_id: str) -> Campaign:
    """The project's campaign with this id; otherwise UnknownCampaign (exit 2) listing the known ids. Every
    command that takes a campaign id as an argument asks here, so they all answer alike."""
    campaign = project.campaign(campaign_id)
    if campaign is None:
        raise UnknownCampaign(f"unknown campaign {campaign_id!r}; known: {_known(project)}")
    return campaign


def _known(project: Project) -> str:
    return ", ".join(sorted(c.id for c in project.campaigns)) or "none"
