"""The ctxdash core: parsing, budget and actions. Never imports Textual or Rich."""
