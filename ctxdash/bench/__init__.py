"""The benchmark behind the README's performance table (``python -m ctxdash.bench``).

Developer tooling: it is left out of the built wheel.
"""
