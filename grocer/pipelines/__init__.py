"""Item pipelines: validate -> normalise -> database writer (see docs/PIPELINES.md)."""
