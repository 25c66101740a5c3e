"""Operational endpoints: liveness, readiness and Prometheus metrics, at the origin root."""
