"""demarc: whose job is this, AWS's or ours? The AWS Shared Responsibility Model, answered."""

__version__ = "0.1.0"
