"""Crawl plumbing shared by spiders, pipelines and extensions: context, job directories."""
