"""Pages and fragments of the reviews domain, one module per audience."""
