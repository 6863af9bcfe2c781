"""The account checks (the contract's 15 first), one decorated function each, grouped by the service they read.

Importing this package registers them; modules are listed in the contract's order.
"""

from bot.checks.defs import (
    cloudtrail,
    containers,
    detection,
    ebs,
    ec2,
    edge,
    iam,
    integration,
    kms,
    lambda_,
    rds,
    s3,
    vpc,
)

__all__ = [
    "cloudtrail",
    "containers",
    "detection",
    "ebs",
    "ec2",
    "edge",
    "iam",
    "integration",
    "kms",
    "lambda_",
    "rds",
    "s3",
    "vpc",
]
