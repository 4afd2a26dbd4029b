"""A transcript, line by line: decoding, tailing, folding into a context window, counting
tokens and attributing them, and the parse cache that lets a restart read only what is new."""
