"""Everything about reading the YAML documents a user writes: rule files, segments, `rekindle.yaml`, rule
tests, and anything added later. A located YAML loader (every node keeps its line and column), the JSON
Schemas of `schemas/` with the mapping of their errors to located diagnostics, and how files are found and
named in messages. Packages that own a kind of document (rules, config, ruletest) build their model on top.
"""
