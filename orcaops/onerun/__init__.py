"""One run read without polars or pydantic: what a cold ``runs show`` or ``runs logs`` needs.

The reads go through a lazy ``Reader`` (``orcaops.warehouse.connection.open_reader``) and
return plain dicts, so a one-shot CLI call opens neither the ``Warehouse`` nor a DataFrame.
"""
