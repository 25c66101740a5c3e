"""The results file: JSON with every figure, and a Markdown table made from it."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

DASH = "-"
TIMES = "\N{MULTIPLICATION SIGN}"
KEYCLOAK_LOGINS_PER_VCPU = 15  # Keycloak's sizing guide: password logins per vCPU per second
NOISY_PCT = 15


def _median(runs: list[dict[str, Any]], key: str, digits: int = 1) -> float | None:
    values = [r[key] for r in runs if r.get(key) is not None]
    return round(statistics.median(values), digits) if values else None


def logins_per_s(run: dict[str, Any]) -> float | None:
    """Completed sign-ins per second of a sign-in load (its script counts them)."""
    extra = run.get("extra", {})
    if "logins" not in extra or not extra.get("duration_us"):
        return None
    return round(float(extra["logins"]) / (float(extra["duration_us"]) / 1e6), 2)


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the repeated runs of one scenario on one server."""
    if not runs:
        return {}
    rates = [r["requests_per_s"] for r in runs]
    summary = {
        "requests_per_s": round(statistics.median(rates), 1),
        "p50_ms": round(statistics.median(r["p50_ms"] for r in runs), 2),
        "p99_ms": round(statistics.median(r["p99_ms"] for r in runs), 2),
        "spread_pct": round(
            100 * (max(rates) - min(rates)) / max(statistics.median(rates), 1e-9), 1
        ),
        "errors": sum(r["non_2xx"] + r["socket_errors"] for r in runs),
    }
    cpu = _median(runs, "cpu_us_per_request")
    if cpu is not None:
        summary["cpu_us_per_request"] = cpu
    logins = [x for x in (logins_per_s(r) for r in runs) if x is not None]
    if logins:
        summary["logins_per_s"] = round(statistics.median(logins), 2)
    return summary


def ratio(bastion: dict[str, Any], peer: dict[str, Any]) -> float | None:
    if not bastion or not peer or not peer.get("requests_per_s"):
        return None
    return round(float(bastion["requests_per_s"]) / float(peer["requests_per_s"]), 2)


def _num(value: float | None, digits: int = 0) -> str:
    if value is None:
        return DASH
    return f"{value:,.{digits}f}"


def _expected(runs: list[dict[str, Any]]) -> str:
    extra = [r.get("extra", {}) for r in runs]
    total = sum(r["requests"] for r in runs)
    matched = sum(e.get("expected", 0) for e in extra)
    rotations = sum(e.get("rotations", 0) for e in extra)
    if matched:
        return f"{100 * matched / max(total, 1):.0f}% active"
    if rotations:
        return f"{100 * rotations / max(total, 1):.0f}% rotated"
    if any("first" in e for e in extra):
        first = sum(e.get("first", 0) for e in extra)
        return f"{first:,} live tokens revoked over the rounds"
    return ""


def markdown(results: dict[str, Any]) -> str:
    s = results["settings"]
    m = results["machine"]
    lines = [
        f"# Bastion and node-oidc-provider, side by side ({results['started_at'][:10]})",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores shared by both servers and the load generator, "
        f"{m['memory_gib']} GiB; {m['kernel']}. Load average {m['load_before']} before, "
        f"{m['load_after']} after.",
        f"Software: Python {m['python']}, Bastion on {s['bastion_stack']} with {s['database']}; "
        f"Node.js {m['node']}, oidc-provider {m['oidc-provider']} (production, in-memory "
        f"adapter); {m['wrk']}.",
        f"Load: both servers on 127.0.0.1 with {s['workers']} worker processes each, HTTP/1.1 "
        f"keep-alive, `{s['load']}` after a {s['warmup']:g} s warm-up (scenarios with their own "
        f"settings say so below); {s['rounds']} rounds alternating which server goes first; "
        "figures are medians over the rounds.",
        "",
        "| scenario | Bastion req/s | p50 ms | p99 ms | peer req/s | p50 ms | p99 ms "
        "| Bastion / peer |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for sc in results["scenarios"]:
        lines.append(_row(sc))
    lines += _floor(results) + _sign_in(results) + _cpu(results) + _variants(results)
    lines += _memory(results) + _notes(results)
    return "\n".join(lines) + "\n"


def _row(sc: dict[str, Any]) -> str:
    bm, pm = sc.get("bastion", {}).get("median", {}), sc.get("peer", {}).get("median", {})
    if not bm and not pm:
        return f"| {sc['title']} | *{_why(sc, 'bastion')}* | | | | | | |"
    if "logins_per_s" in bm:
        bastion = f"{_num(bm['logins_per_s'], 1)} logins/s | {DASH} | {DASH}"
    else:
        bastion = (
            f"{_num(bm.get('requests_per_s'))} | {_num(bm.get('p50_ms'), 2)} | "
            f"{_num(bm.get('p99_ms'), 2)}"
        )
    peer = (
        f"{_num(pm.get('requests_per_s'))} | {_num(pm.get('p50_ms'), 2)} | "
        f"{_num(pm.get('p99_ms'), 2)}"
        if pm
        else f"*{_why(sc, 'peer')}* | | "
    )
    r = sc.get("ratio")
    shown = f"**{r:.2f}{TIMES}**" if r is not None else DASH
    return f"| {sc['title']} | {bastion} | {peer} | {shown} |"


def _floor(results: dict[str, Any]) -> list[str]:
    floor, cores = results["floor"], results["machine"]["cores"]
    lines = ["", "Crypto floor, one core, bare algorithm, same run:", ""]
    lines.append(
        f"- RS256 {floor['rs256_sign_per_s']:,} signs/s "
        f"({floor['rs256_verify_per_s']:,} verifies/s); "
        f"ES256 {floor['es256_sign_per_s']:,} signs/s; argon2id (OWASP minimum) "
        f"{floor['argon2id_verify_per_s']:,} verifies/s."
    )
    for sc in results["scenarios"]:
        line = _signing_share(sc, floor, cores)
        if line:
            lines.append(line)
    return lines


def _signing_share(sc: dict[str, Any], floor: dict[str, Any], cores: int) -> str | None:
    """How close each server comes to the bare signing rate, and the CPU each spends per
    request beyond the bare signatures (what is left to make cheaper)."""
    signed = sc.get("signatures")
    if not signed:
        return None
    per_s = floor.get(f"{signed['alg']}_sign_per_s")
    if not per_s:
        return None
    count, alg = signed["count"], signed["alg"].upper()
    ceiling = per_s * cores / count
    bare_us = count * 1e6 / per_s
    shares = []
    for key, label in (("bastion", "Bastion"), ("peer", "the peer")):
        median = sc.get(key, {}).get("median", {})
        rate, cpu = median.get("requests_per_s"), median.get("cpu_us_per_request")
        if not rate:
            continue
        beyond = f"; {cpu - bare_us:,.0f} µs of CPU per request beyond signing" if cpu else ""
        shares.append(f"{label} {rate:,.0f}/s ({100 * rate / ceiling:.0f}%{beyond})")
    if not shares:
        return None
    signs = f"{count} {alg} signature{'s' if count > 1 else ''}"
    return (
        f"- {sc['title']}: {signs} per request, {bare_us:,.0f} µs of CPU bare, so {cores} "
        f"cores' bare signing rate allows {ceiling:,.0f}/s: " + ", ".join(shares) + "."
    )


def _sign_in(results: dict[str, Any]) -> list[str]:
    sc = next((x for x in results["scenarios"] if x["name"] == "signin"), None)
    bm = sc.get("bastion", {}).get("median", {}) if sc else {}
    if not bm.get("logins_per_s"):
        return []
    cores = results["machine"]["cores"]
    per_core = bm["logins_per_s"] / cores
    argon2 = results["floor"]["argon2id_verify_per_s"]
    return [
        "",
        "Password sign-in through the hosted form (Bastion only), per core:",
        "",
        f"- {bm['logins_per_s']:,.1f} logins/s on {cores} cores = **{per_core:,.1f} logins/s "
        f"per core** (each login is 4 requests: {bm['requests_per_s']:,.0f} req/s, p50 "
        f"{bm['p50_ms']:.2f} ms, p99 {bm['p99_ms']:.2f} ms over all of them).",
        f"- Keycloak's sizing guide budgets {KEYCLOAK_LOGINS_PER_VCPU} password logins/s per "
        f"vCPU: {per_core / KEYCLOAK_LOGINS_PER_VCPU:.2f}{TIMES} that.",
        f"- One core verifies {argon2:,} argon2id passwords/s bare (same run): the logins reach "
        f"{100 * per_core / argon2:.0f}% of that ceiling, the rest going to the pages, the "
        "session, the code and the tokens (and to wrk, which shares the cores).",
    ]


def _cpu(results: dict[str, Any]) -> list[str]:
    rows = []
    for sc in results["scenarios"]:
        b = sc.get("bastion", {}).get("median", {}).get("cpu_us_per_request")
        p = sc.get("peer", {}).get("median", {}).get("cpu_us_per_request")
        if b is None and p is None:
            continue
        shown = f"{p / b:.2f}{TIMES}" if b and p else DASH
        rows.append(f"| {sc['title']} | {_num(b)} | {_num(p)} | {shown} |")
    if not rows:
        return []
    return [
        "",
        "Server CPU time per request (user + system, all processes, microseconds), medians; "
        "less sensitive than req/s to what else the machine runs:",
        "",
        "| scenario | Bastion | peer | peer / Bastion |",
        "|---|--:|--:|--:|",
        *rows,
    ]


def _variants(results: dict[str, Any]) -> list[str]:
    settings = results["settings"]
    compared = settings.get("variants") or settings.get("compared_stacks") or {}
    if not compared:
        return []
    names = list(compared)
    head = " | ".join(f"{compared[n]} req/s | CPU µs/req" for n in names)
    ratios_head = " | ".join(n.split("@", 1)[1] + " / default" for n in names)
    lines = [
        "",
        "Bastion variants, side by side in the same rounds: the default above, and the same "
        "code with one setting changed (server stack or SQLite driver), each with a database "
        "of its own:",
        "",
        f"| scenario | default req/s | CPU µs/req | {head} | {ratios_head} |",
        "|---|" + "--:|" * (2 + 3 * len(names)),
    ]
    for sc in results["scenarios"]:
        base = sc.get("bastion", {}).get("median", {})
        cells = [_num(base.get("requests_per_s")), _num(base.get("cpu_us_per_request"))]
        ratios = []
        for name in names:
            other = sc.get(name, {}).get("median", {})
            cells += [_num(other.get("requests_per_s")), _num(other.get("cpu_us_per_request"))]
            r = ratio(other, base)
            ratios.append(f"{r:.2f}{TIMES}" if r is not None else DASH)
        lines.append(f"| {sc['title']} | {' | '.join(cells)} | {' | '.join(ratios)} |")
    return lines


def _memory(results: dict[str, Any]) -> list[str]:
    mem = results.get("memory", {})
    if not mem:
        return []
    names = list(mem)
    lines = [
        "",
        "Resident memory (MiB): largest worker / all processes",
        "",
        "| when | " + " | ".join(names) + " |",
        "|---|" + "--:|" * len(names),
    ]
    first = mem[names[0]]
    for label, key in [("after start", None)] + [
        (f"after {name}", name) for name in first.get("after", {})
    ]:
        cells = [
            _cell(mem[n].get("after_start") if key is None else mem[n]["after"].get(key))
            for n in names
        ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    peaks = []
    for name in names:
        sampled = [
            (run.get("peak_worker_mib", 0), sc["title"])
            for sc in results["scenarios"]
            for run in sc.get(name, {}).get("runs", [])
        ]
        if sampled:
            mib, where = max(sampled)
            peaks.append(f"{name} {mib:.1f} MiB ({where})")
    if peaks:
        lines += ["", "Largest worker sampled during the measured loads: " + "; ".join(peaks) + "."]
    return lines


def _why(sc: dict[str, Any], side: str) -> str:
    """Why a side has no figures: skipped, or measured but refused by the scenario's check."""
    if side in sc.get("problems", {}):
        return "invalid: " + str(sc["problems"][side])
    return str(sc.get("skipped", {}).get(side, "n/a"))


def _cell(value: dict[str, Any] | None) -> str:
    return f"{value['max_worker']} / {value['total']}" if value else DASH


def _notes(results: dict[str, Any]) -> list[str]:
    lines = ["", "Notes:", ""]
    for sc in results["scenarios"]:
        parts = []
        if sc.get("note"):
            parts.append(sc["note"])
        if sc.get("load") and sc["load"] != results["settings"]["load"]:
            parts.append(f"Load: `{sc['load']}`.")
        for side in [k for k, v in sc.items() if isinstance(v, dict) and "runs" in v]:
            runs = sc[side]["runs"]
            med = sc[side].get("median", {})
            if med.get("errors"):
                parts.append(f"{side}: {med['errors']} error responses over the rounds.")
            if _expected(runs):
                parts.append(f"{side}: {_expected(runs)}.")
            if med.get("spread_pct", 0) > NOISY_PCT:
                parts.append(f"{side}: rounds spread {med['spread_pct']}% (noisy).")
        for side, reason in sc.get("skipped", {}).items():
            parts.append(f"{side}: skipped ({reason}).")
        for side, problem in sc.get("problems", {}).items():
            parts.append(f"{side}: figures discarded ({problem}).")
        if parts:
            lines.append(f"- **{sc['title']}**: " + " ".join(parts))
    for extra in results.get("notes", []):
        lines.append(f"- {extra}")
    return lines


def write(results: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    out.with_suffix(".md").write_text(markdown(results))
