"""A realistic history to explore (``orcaops demo``): the catalog of jobs and the generator."""
