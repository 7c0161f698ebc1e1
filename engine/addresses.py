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


def mailbox_problem(value: str) -> str | None:
    """Why a configured sender (`Name <addr>` or a bare address) cannot be a From or Reply-To header, or None.
    The message never repeats the value: it may come from the environment."""
    from email.utils import getaddresses

    if any(char in value for char in "\r\n") or not value.strip():
        return "must be one line holding an email address"
    parsed = getaddresses([value])
    if len(parsed) != 1 or not parsed[0][1]:
        return "must be exactly one email address, e.g. Your Company <hello@example.com>"
    if address_problem(parsed[0][1]) or not parsed[0][1].partition("@")[0] or not parsed[0][1].partition("@")[2]:
        return "does not hold a valid email address, e.g. Your Company <hello@example.com>"
    return None
