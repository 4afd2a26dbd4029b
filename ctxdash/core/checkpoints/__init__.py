"""Checkpoints: snapshots, forks, summaries before ``/clear`` and handoffs, and the work state
they are built from. They only read transcripts and write new files atomically."""
