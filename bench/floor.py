"""The cryptographic floor, measured in the same run: what one core does with the bare
algorithms, with no HTTP, no JSON and no server around them.

* RS256 and ES256: signatures per second over a typical access token's signing input
  (``cryptography``, i.e. OpenSSL, as Bastion uses it).
* argon2id verifications per second at the OWASP minimum (m=19456 KiB, t=2, p=1), as
  Bastion's password hasher is configured.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import argon2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

SIGNING_INPUT = os.urandom(330)  # about the size of an RFC 9068 header.payload


def _rate(work: Callable[[], object], seconds: float) -> float:
    work()  # warm
    count = 0
    started = time.perf_counter()
    deadline = started + seconds
    while True:
        work()
        count += 1
        if count % 8 == 0 and time.perf_counter() >= deadline:
            break
    return count / (time.perf_counter() - started)


def measure(seconds: float = 2.0) -> dict[str, float]:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    sha256 = hashes.SHA256()
    pkcs1 = padding.PKCS1v15()
    ecdsa = ec.ECDSA(sha256)
    rsa_signature = rsa_key.sign(SIGNING_INPUT, pkcs1, sha256)
    rsa_public = rsa_key.public_key()
    hasher = argon2.PasswordHasher(
        time_cost=2, memory_cost=19456, parallelism=1, type=argon2.Type.ID
    )
    stored = hasher.hash("correct horse battery staple")
    return {
        "rs256_sign_per_s": round(
            _rate(lambda: rsa_key.sign(SIGNING_INPUT, pkcs1, sha256), seconds)
        ),
        "rs256_verify_per_s": round(
            _rate(lambda: rsa_public.verify(rsa_signature, SIGNING_INPUT, pkcs1, sha256), seconds)
        ),
        "es256_sign_per_s": round(_rate(lambda: ec_key.sign(SIGNING_INPUT, ecdsa), seconds)),
        "argon2id_verify_per_s": round(
            _rate(lambda: hasher.verify(stored, "correct horse battery staple"), seconds * 1.5), 1
        ),
    }
