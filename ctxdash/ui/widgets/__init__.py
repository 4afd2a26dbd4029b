"""Dashboard panels: each renders one part of a Budget, nothing else."""
