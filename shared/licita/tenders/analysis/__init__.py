"""The analysis pipeline run for every uploaded object: S3 → admission → text → rules (→ LLM) → tender.

Modules, in the order a run goes through them:

- ``pipeline``: entry points and orchestration (claim, run the stages, finish);
- ``admission``: the second wall: only the write create_upload signed is analysed (tenders.rules.admit);
- ``fetch``: download (size limit) and the real file type from magic bytes;
- ``cache``: an identical file already analysed by the company;
- ``read`` / ``enrich``: text extraction + rules extractor, then the optional LLM pass;
- ``review`` (pure): READY or NEEDS_REVIEW, and why;
- ``persistence`` / ``deadlines``: results replace (never append) fields, items and deadlines;
- ``runlog`` / ``notify``: the ``ai_processing`` record and the tender.* events;
- ``recovery``: dead letters, bounded redrives, stale runs and abandoned uploads (maintenance).

Guarantees:
- idempotent: a duplicate delivery (same object version, or same re-analysis request) changes nothing;
- cached: the same bytes (sha256) already analysed for the company are reused unless re-analysis is asked;
- nothing lost: a file that cannot be read ends FAILED with a reason in Portuguese and the object stays in S3;
  such permanent failures return normally (the message is consumed), while infrastructure failures
  (database, S3) raise so SQS redelivers and finally dead-letters the message (see ``recovery``).
"""
