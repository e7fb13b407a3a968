"""Products: the company's catalogue and supplier–product links with the last quoted price."""
