"""Habilitação vault: the company's certidões and documents, checked against each tender's requirements."""
