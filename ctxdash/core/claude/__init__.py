"""What Claude Code keeps on disk besides transcripts: where sessions are, memory files,
skill and agent listings, its settings (read and safely edited), and what is known of models."""
