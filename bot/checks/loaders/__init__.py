"""Resource loaders, one module per AWS service; checks read only what these load."""
