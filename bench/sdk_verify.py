#!/usr/bin/env python3
"""How much the SDK's token verification costs over the bare signature check.

Verifications per second of RS256 access tokens (RFC 9068, RSA-2048), one thread:

* bare: `cryptography` alone: split the token, base64url-decode the signature and
  verify the PKCS#1 v1.5 SHA-256 signature with a ready public key;
* sdk: `bastion_sdk.TokenVerifier.verify` with a warm JWKS cache: header policy
  (alg allow-list, typ), key selection, the same signature check, then every claim
  check (required claims and their types, iss, aud, exp, nbf, iat, scopes);
* sdk-async: the same through `AsyncTokenVerifier.verify` on one event loop.

Two workloads:

* same token (the issue's measure): one token verified over and over, as a resource
  server sees a client's token during its lifetime. The SDK verifies the signature
  and the time and scope claims every time, and reuses the payload checks it made
  the first time it saw that (signed) payload;
* distinct tokens, memo off: 256 different tokens in turn with
  `payload_cache_size=0`, so every call also decodes and checks its payload. This is
  what an API server sees when every request brings a token it has not seen before.

Rates use this process's CPU time, measured in interleaved chunks, so other load on
the machine and drift hit every side alike. Figures are medians over the rounds.
Overhead = bare rate / sdk rate - 1: the extra time per verification relative to
the bare check. Target, for both workloads: at most 30%.

    python bench/sdk_verify.py [--rounds 9] [--seconds 1.0]

Writes bench/results/sdk_verify.json and bench/results/sdk_verify.md. Not a test:
nothing fails on the numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cryptography
import httpx
from bastion_sdk import AsyncTokenVerifier, TokenVerifier, __version__
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ISSUER = "https://id.example.test/acme"
AUDIENCE = "https://api.example.test"
JWKS_URI = f"{ISSUER}/jwks"
RESULTS = Path(__file__).resolve().parent / "results"
TARGET_OVERHEAD = 0.30
CHUNK = 250
DISTINCT = 256


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64_int(value: int) -> str:
    return b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def make_token(key: rsa.RSAPrivateKey, n: int = 0) -> str:
    now = int(time.time())
    header = {"alg": "RS256", "typ": "at+jwt", "kid": "bench-1"}
    payload = {
        "iss": ISSUER, "aud": AUDIENCE, "sub": f"user-{n:06d}", "client_id": "app_0123456789abcdef",
        "iat": now, "exp": now + 3600, "jti": f"9f7c2b1e{n:06d}", "scope": "read write sign:job",
    }  # fmt: skip
    encode = lambda value: b64(json.dumps(value, separators=(",", ":")).encode())  # noqa: E731
    signing_input = f"{encode(header)}.{encode(payload)}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64(signature)}"


def jwks_transport(key: rsa.RSAPrivateKey) -> httpx.MockTransport:
    numbers = key.public_key().public_numbers()
    jwk = {"kty": "RSA", "kid": "bench-1", "alg": "RS256", "use": "sig",
           "n": b64_int(numbers.n), "e": b64_int(numbers.e)}  # fmt: skip
    return httpx.MockTransport(lambda request: httpx.Response(200, json={"keys": [jwk]}))


def bare_verifier(key: rsa.RSAPublicKey) -> Callable[[str], None]:
    pad, algorithm = padding.PKCS1v15(), hashes.SHA256()

    def verify(token: str) -> None:
        signing_input, _, signature = token.rpartition(".")
        raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        key.verify(raw, signing_input.encode("ascii"), pad, algorithm)

    return verify


Chunk = Callable[[], None]  # runs CHUNK verifications


def sync_chunk(verify: Callable[[str], Any], tokens: list[str]) -> Chunk:
    cycle = itertools.cycle(tokens)

    def run() -> None:
        for _ in range(CHUNK):
            verify(next(cycle))

    return run


def async_chunk(verifier: AsyncTokenVerifier, tokens: list[str]) -> Chunk:
    loop = asyncio.new_event_loop()
    cycle = itertools.cycle(tokens)

    async def batch() -> None:
        for _ in range(CHUNK):
            await verifier.verify(next(cycle))

    return lambda: loop.run_until_complete(batch())


def measure(chunks: dict[str, Chunk], seconds: float) -> dict[str, float]:
    """Verifications per CPU second of each chunk, interleaved until each has `seconds`."""
    spent = dict.fromkeys(chunks, 0.0)
    calls = dict.fromkeys(chunks, 0)
    while min(spent.values()) < seconds:
        for name, run in chunks.items():
            start = time.process_time()
            run()
            spent[name] += time.process_time() - start
            calls[name] += CHUNK
    return {name: calls[name] / spent[name] for name in chunks}


def main() -> int:
    parser = argparse.ArgumentParser(description="SDK verification overhead benchmark")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--seconds", type=float, default=1.0, help="CPU seconds per side")
    args = parser.parse_args()

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    same = [make_token(key)]
    distinct = [make_token(key, n) for n in range(DISTINCT)]
    bare = bare_verifier(key.public_key())

    def sync(**options: Any) -> TokenVerifier:
        verifier = TokenVerifier(
            ISSUER, audience=AUDIENCE, jwks_uri=JWKS_URI, transport=jwks_transport(key), **options
        )
        verifier.verify(same[0])  # warm the JWKS cache: no I/O from here on
        return verifier

    sdk_async = AsyncTokenVerifier(
        ISSUER, audience=AUDIENCE, jwks_uri=JWKS_URI, transport=jwks_transport(key)
    )
    chunks = {
        "bare": sync_chunk(bare, same),
        "sdk": sync_chunk(sync().verify, same),
        "sdk_async": async_chunk(sdk_async, same),
        "bare_distinct": sync_chunk(bare, distinct),
        "sdk_distinct": sync_chunk(sync(payload_cache_size=0).verify, distinct),
    }
    for run in chunks.values():
        run()  # warm-up (and the async verifier's JWKS fetch)

    samples: dict[str, list[float]] = {name: [] for name in chunks}
    for n in range(args.rounds):
        for name, value in measure(chunks, args.seconds).items():
            samples[name].append(value)
        print(
            f"round {n + 1}/{args.rounds}: "
            + ", ".join(f"{k} {v[-1]:,.0f}/s" for k, v in samples.items()),
            flush=True,
        )
    result = summarise(samples, args, len(same[0]))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "sdk_verify.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "sdk_verify.md").write_text(render(result))
    print(render(result))
    return 0


def summarise(
    samples: dict[str, list[float]], args: argparse.Namespace, length: int
) -> dict[str, Any]:
    medians = {name: statistics.median(values) for name, values in samples.items()}
    overhead = {
        "same_token": medians["bare"] / medians["sdk"] - 1,
        "same_token_async": medians["bare"] / medians["sdk_async"] - 1,
        "distinct_tokens_memo_off": medians["bare_distinct"] / medians["sdk_distinct"] - 1,
    }
    from cryptography.hazmat.backends.openssl.backend import backend

    return {
        "benchmark": "sdk_verify",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "token": {"alg": "RS256", "key_bits": 2048, "typ": "at+jwt", "length": length},
        "rounds": args.rounds,
        "cpu_seconds_per_side_per_round": args.seconds,
        "verifications_per_second": {
            name: {
                "median": round(m),
                "min": round(min(samples[name])),
                "max": round(max(samples[name])),
                "samples": [round(v) for v in samples[name]],
            }
            for name, m in medians.items()
        },
        "microseconds_per_verification": {n: round(1e6 / m, 2) for n, m in medians.items()},
        "sdk_to_bare_ratio": round(medians["sdk"] / medians["bare"], 3),
        "sdk_distinct_to_bare_ratio": round(medians["sdk_distinct"] / medians["bare_distinct"], 3),
        "overhead": {name: round(value, 3) for name, value in overhead.items()},
        "target_overhead": TARGET_OVERHEAD,
        "meets_target": {
            name: overhead[name] <= TARGET_OVERHEAD
            for name in ("same_token", "distinct_tokens_memo_off")
        },
        "environment": {
            "python": sys.version.split()[0],
            "implementation": platform.python_implementation(),
            "cryptography": cryptography.__version__,
            "openssl": str(backend.openssl_version_text()),
            "bastion_sdk": __version__,
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
        },
    }


def render(result: dict[str, Any]) -> str:
    rates = result["verifications_per_second"]
    micro = result["microseconds_per_verification"]
    env = result["environment"]
    over = result["overhead"]
    rows = [
        ("same token", "bare `cryptography` signature check", "bare"),
        ("same token", "`TokenVerifier.verify`", "sdk"),
        ("same token", "`AsyncTokenVerifier.verify`", "sdk_async"),
        ("256 distinct tokens", "bare `cryptography` signature check", "bare_distinct"),
        ("256 distinct tokens", "`TokenVerifier.verify`, payload memo off", "sdk_distinct"),
    ]
    lines = [
        "# SDK token verification vs. the bare signature check",
        "",
        f"{result['date']} | {result['rounds']} rounds | Python {env['python']} |"
        f" cryptography {env['cryptography']} ({env['openssl']}) | {env['cpus']} CPUs |"
        " one thread | rates per CPU second of the process, warm JWKS cache",
        "",
        "RS256 access tokens (RSA-2048, `typ: at+jwt`, RFC 9068 claims). The bare side splits"
        " the token, decodes the signature and verifies it; the SDK side also applies the header"
        " policy, selects the key and runs every claim check.",
        "",
        "| workload | what | median verifications/s | min - max | us each |",
        "|---|---|---:|---:|---:|",
    ]
    for workload, label, name in rows:
        r = rates[name]
        lines.append(
            f"| {workload} | {label} | {r['median']:,} | {r['min']:,} - {r['max']:,} |"
            f" {micro[name]} |"
        )
    meets = result["meets_target"]
    target = f"<= {result['target_overhead']:.0%}"
    lines += [
        "",
        "| overhead (bare rate / SDK rate - 1) | measured | target | verdict |",
        "|---|---:|---:|---|",
        f"| same token | **{over['same_token']:.1%}** (async {over['same_token_async']:.1%})"
        f" | {target} | {'meets' if meets['same_token'] else 'misses'} it |",
        f"| 256 distinct tokens, payload memo off (every payload decoded and checked)"
        f" | **{over['distinct_tokens_memo_off']:.1%}** | {target}"
        f" | {'meets' if meets['distinct_tokens_memo_off'] else 'misses'} it |",
        "",
        "Re-run: `python bench/sdk_verify.py`.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
