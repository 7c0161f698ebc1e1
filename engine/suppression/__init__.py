"""Suppression and unsubscribe: addresses Rekindle must never mail, and the signed tokens that add to them."""
