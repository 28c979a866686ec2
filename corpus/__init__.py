"""Documents and the parsers that turn them into citable `Section` records."""
