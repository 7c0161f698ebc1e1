"""Delivery: the backends that hand rendered emails to a transport, and the outbox dispatcher that feeds them.

`backends/` holds one module per transport behind the contract in `backends/base.py`; `registry.py` picks one
from rekindle.yaml; `dispatch.py` claims queued deliveries from the store, sends them and records each outcome.
"""
