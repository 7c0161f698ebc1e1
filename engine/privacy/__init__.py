"""Keeping personal data out of what CI shows: masked sample recipients (`a***@example.com`, initials only)
and the consistent pseudonyms a store snapshot replaces real emails and names with."""

from engine.privacy.masking import mask_email, mask_name, masked_customer

__all__ = ["mask_email", "mask_name", "masked_customer"]
