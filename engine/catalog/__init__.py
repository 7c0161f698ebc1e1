"""The data catalog (`catalog.yaml`): the events a project uses with their properties, and the customer
attributes, with their types. Rules, segments and templates are checked against it (`rekindle validate`),
imports warn about names it does not declare, and `rekindle catalog infer` writes it from a store.
See docs/catalog.md."""

from engine.catalog.load import CatalogInvalid, catalog_file, load_catalog, require_catalog
from engine.catalog.model import BUILTIN_FIELDS, Catalog, EventSpec, FieldSpec, value_type

__all__ = ["BUILTIN_FIELDS", "Catalog", "CatalogInvalid", "EventSpec", "FieldSpec", "catalog_file",
           "load_catalog", "require_catalog", "value_type"]
