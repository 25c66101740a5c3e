"""Request metrics are tallied per process and flushed into prometheus_client's values: after a
flush, the samples are what plain ``inc``/``observe`` calls would have produced."""

from __future__ import annotations

from prometheus_client import REGISTRY, CollectorRegistry, Histogram

from bastion.ops import metrics

DURATIONS = [0.0004, 0.001, 0.0011, 0.003, 0.003, 0.04, 0.7, 3.0, 12.0, 0.0]


def _samples(registry: CollectorRegistry, prefix: str, labels: dict[str, str]) -> dict[str, float]:
    """The samples of the metric named ``prefix`` with these labels, by suffix and bucket bound."""
    found: dict[str, float] = {}
    for family in registry.collect():
        for sample in family.samples:
            if not sample.name.startswith(prefix) or sample.name.endswith("_created"):
                continue
            if all(sample.labels.get(k) == v for k, v in labels.items()):
                found[sample.name[len(prefix) :] + sample.labels.get("le", "")] = sample.value
    return found


def test_a_flush_gives_the_samples_plain_observations_would() -> None:
    reference = CollectorRegistry()
    latency = Histogram(
        "ref_seconds", "x", ["endpoint"], buckets=metrics.LATENCY_BUCKETS, registry=reference
    )
    endpoint = "test_flush_endpoint"
    ours = "bastion_http_request_duration_seconds"

    for seconds in DURATIONS:
        metrics.observe_request(endpoint, "GET", 200, seconds)
        latency.labels(endpoint).observe(seconds)
    assert _samples(REGISTRY, ours, {"endpoint": endpoint}) == {}  # tallied, not yet flushed
    metrics.flush()

    flushed = _samples(REGISTRY, ours, {"endpoint": endpoint})
    expected = _samples(reference, "ref_seconds", {"endpoint": endpoint})
    assert flushed.keys() == expected.keys()
    assert all(abs(flushed[key] - value) < 1e-9 for key, value in expected.items()), flushed
    assert flushed["_count"] == len(DURATIONS)
    assert flushed["_bucket0.001"] == 3 and flushed["_bucket+Inf"] == len(DURATIONS)
    requests = {"endpoint": endpoint, "method": "GET", "status": "200"}
    assert REGISTRY.get_sample_value("bastion_http_requests_total", requests) == len(DURATIONS)

    metrics.observe_request(endpoint, "GET", 200, 0.002)
    metrics.flush()
    assert _samples(REGISTRY, ours, {"endpoint": endpoint})["_count"] == len(DURATIONS) + 1


def test_render_flushes_this_process_first() -> None:
    metrics.count(metrics.TOKENS, "test_render_grant")
    metrics.count(metrics.TOKENS, "test_render_grant")
    text = metrics.render()[0].decode()
    assert 'bastion_tokens_issued_total{grant_type="test_render_grant"} 2.0' in text


def test_counts_add_up_across_flushes() -> None:
    labels = {"grant_type": "test_add_up"}
    metrics.count(metrics.TOKENS, "test_add_up")
    metrics.flush()
    metrics.count(metrics.TOKENS, "test_add_up")
    metrics.count(metrics.TOKENS, "test_add_up")
    metrics.flush()
    metrics.flush()  # nothing new: nothing added
    assert REGISTRY.get_sample_value("bastion_tokens_issued_total", labels) == 3
