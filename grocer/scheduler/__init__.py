"""The scheduler daemon: plans and launches crawls, runs zone maintenance and analysis."""
