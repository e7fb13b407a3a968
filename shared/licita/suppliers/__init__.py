"""Suppliers (fornecedores): the company's register, imports/exports and their documents (certidões)."""
