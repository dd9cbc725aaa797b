"""Pages and fragments of the programs domain, one module per audience."""
