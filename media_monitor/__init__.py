"""Press and social monitoring: sources, crawl, extract, de-duplicate, label, store, export to the IOC.

May import: :mod:`core` (storage, shared types) and :mod:`nlu` (the post classifiers, the place gazetteer).
Never dialogue, channels, voice or hueai.

==============================  ================================================================
module                          what it does
==============================  ================================================================
:mod:`~.settings`               ``HUEAI_IOC_API_TOKEN`` and the crawler's ``HUEAI_MONITOR_*``
:mod:`~.tables`                 sources, the crawl frontier with fetch state, articles
:mod:`~.sources`                staff's sources (rss, page + CSS selector, sitemap, import file)
:mod:`~.connectors`             the social-platform connector interface; JSONL/CSV exports
:mod:`~.urls`                   canonical URLs (one spelling per page)
:mod:`~.fetch`                  polite httpx fetching: robots.txt, per-host limits, conditional GET
:mod:`~.encoding`               bytes -> text for sites that lie about their charset (Windows-1258)
:mod:`~.discover`               article links from feeds, listing pages and sitemaps
:mod:`~.extract`                trafilatura extraction, publication times in Huế's time zone
:mod:`~.dedup`                  exact and MinHash-LSH near-duplicate detection (stories)
:mod:`~.labelling`              the post classifiers' labels, confidences and model version
:mod:`~.pipeline`               the stages, one item each, state in the database, re-runnable
:mod:`~.crawler`                the crawl loop: once, or every source on its interval until stopped
:mod:`~.export`                 the IOC export: stories, duplicates, filters, cursor
==============================  ================================================================
"""
