"""Reports generated asynchronously (SQS worker): tender summary PDF, quote comparison and pipeline XLSX."""
