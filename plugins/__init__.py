"""Built-in province plugins. Each folder is one province's rules and nothing else."""
