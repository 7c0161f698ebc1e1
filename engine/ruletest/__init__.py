"""`rekindle test`: unit tests for campaigns, in the style of Prometheus' `promtool test rules`.

`model` holds a test file as data, `loader` reads and checks one (checked YAML, JSON Schema, U1xx
diagnostics), `fixtures` builds a throwaway store and feeds it customers and events as the clock reaches them,
`runner` plays the campaigns over the test's ticks, `compare` turns expectations and observations into
failures, and `report` prints them as text, JSON or JUnit XML.
"""
