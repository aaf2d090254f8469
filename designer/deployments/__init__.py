"""Deployments: inference graphs derived from training runs, endpoints with versions and keys, scoring."""
