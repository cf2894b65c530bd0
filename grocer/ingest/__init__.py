"""``grocer ingest``: load JSONL snapshots through the same validate -> normalise -> write path."""
