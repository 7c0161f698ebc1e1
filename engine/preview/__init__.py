"""Previews: one email in the terminal (`rekindle preview`), or every email as a static HTML gallery.

`customers` finds who to render for (the store, else the example data), `terminal` formats one composed email
for a person at a terminal, `gallery` writes the static site. See docs/templates.md.
"""
