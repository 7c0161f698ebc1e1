"""A Rekindle project: `rekindle.yaml` plus every campaign and segment it points to, loaded, typed and checked
across files. `Project` is what every engine function takes; `load_project` raises `ProjectInvalid` with all
diagnostics; `check_project` returns them instead, for `validate`."""

from engine.project.load import ProjectInvalid, check_project, load_project
from engine.project.model import Project

__all__ = ["Project", "ProjectInvalid", "check_project", "load_project"]
