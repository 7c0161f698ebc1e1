"""Whether a string can be an email address on an envelope or header line: shared by import, suppression and
delivery, so every layer refuses the same addresses."""

from __future__ import annotations


def address_problem(address: str) -> str | None:
    """Why `address` cannot be put on an envelope or header line, or None. Refusing CR, LF and spaces here
    is what makes header and SMTP command injection through a customer's email impossible."""
    if not address or "@" not in address:
        return f"{address!r} is not an email address"
    if any(char in address for char in "\r\n\t <>") or not address.isprintable():
        return f"{address!r} contains characters not allowed in an address"
    return None
