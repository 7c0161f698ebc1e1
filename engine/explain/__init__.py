"""`rekindle explain`: why a customer is (or is not) in a campaign's audience, exit, goal and steps."""

from engine.explain.tree import Explanation, Section, explain_campaign
from engine.explain.load import CustomerNotFound, load_subject

__all__ = ["CustomerNotFound", "Explanation", "Section", "explain_campaign", "load_subject"]
