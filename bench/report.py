"""The results file: JSON with every figure, and a Markdown table made from it."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

DASH = "-"
TIMES = "\N{MULTIPLICATION SIGN}"
KEYCLOAK_LOGINS_PER_VCPU = 15  # Keycloak's sizing guide: password logins per vCPU per second


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the repeated runs of one scenario on one server."""
    if not runs:
        return {}
    rates = [r["requests_per_s"] for r in runs]
    return {
        "requests_per_s": round(statistics.median(rates), 1),
        "p50_ms": round(statistics.median(r["p50_ms"] for r in runs), 2),
        "p99_ms": round(statistics.median(r["p99_ms"] for r in runs), 2),
        "spread_pct": round(
            100 * (max(rates) - min(rates)) / max(statistics.median(rates), 1e-9), 1
        ),
        "errors": sum(r["non_2xx"] + r["socket_errors"] for r in runs),
    }


def ratio(bastion: dict[str, Any], peer: dict[str, Any]) -> float | None:
    if not bastion or not peer or not peer.get("requests_per_s"):
        return None
    return round(float(bastion["requests_per_s"]) / float(peer["requests_per_s"]), 2)


def _num(value: float | None, digits: int = 0) -> str:
    if value is None:
        return DASH
    return f"{value:,.{digits}f}"


def _expected(runs: list[dict[str, Any]]) -> str:
    matched = sum(r.get("extra", {}).get("expected", 0) for r in runs)
    rotations = sum(r.get("extra", {}).get("rotations", 0) for r in runs)
    total = sum(r["requests"] for r in runs)
    if matched:
        return f"{100 * matched / max(total, 1):.0f}% active"
    if rotations:
        return f"{100 * rotations / max(total, 1):.0f}% rotated"
    return ""


def markdown(results: dict[str, Any]) -> str:
    s = results["settings"]
    m = results["machine"]
    floor = results["floor"]
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
        f"keep-alive, `{s['load']}` after a {s['warmup']:g} s warm-up; {s['rounds']} rounds "
        "alternating which server goes first; figures are medians over the rounds.",
        "",
        "| scenario | Bastion req/s | p50 ms | p99 ms | peer req/s | p50 ms | p99 ms "
        "| Bastion / peer |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for sc in results["scenarios"]:
        b, p = sc.get("bastion", {}), sc.get("peer", {})
        bm, pm = b.get("median", {}), p.get("median", {})
        if not bm and not pm:
            lines.append(f"| {sc['title']} | *{_why(sc, 'bastion')}* | | | | | | |")
            continue
        invalid = sc.get("problems", {})
        if not bm and "bastion" in invalid:
            bm = {}
        peer_cells = (
            f"{_num(pm.get('requests_per_s'))} | {_num(pm.get('p50_ms'), 2)} | "
            f"{_num(pm.get('p99_ms'), 2)}"
            if pm
            else f"*{_why(sc, 'peer')}* | | "
        )
        r = sc.get("ratio")
        shown = f"**{r:.2f}{TIMES}**" if r is not None else DASH
        lines.append(
            f"| {sc['title']} | {_num(bm.get('requests_per_s'))} | {_num(bm.get('p50_ms'), 2)} | "
            f"{_num(bm.get('p99_ms'), 2)} | {peer_cells} | "
            f"{shown} |"
        )
    lines += ["", "Crypto floor, one core, bare algorithm, same run:", ""]
    lines.append(
        f"- RS256 {floor['rs256_sign_per_s']:,} signs/s "
        f"({floor['rs256_verify_per_s']:,} verifies/s); "
        f"ES256 {floor['es256_sign_per_s']:,} signs/s; argon2id (OWASP minimum) "
        f"{floor['argon2id_verify_per_s']:,} verifies/s."
    )
    for sc in results["scenarios"]:
        alg = {"cc_rs256": "rs256", "cc_es256": "es256"}.get(sc["name"])
        bm = sc.get("bastion", {}).get("median", {})
        if alg and bm:
            ceiling = floor[f"{alg}_sign_per_s"] * m["cores"]
            lines.append(
                f"- {sc['title']}: Bastion's {bm['requests_per_s']:,.0f} grants/s are "
                f"{100 * bm['requests_per_s'] / ceiling:.0f}% of {m['cores']} cores' bare "
                f"signing rate ({ceiling:,}/s)."
            )
    lines += _memory(results) + _notes(results)
    return "\n".join(lines) + "\n"


def _memory(results: dict[str, Any]) -> list[str]:
    mem = results.get("memory", {})
    if not mem:
        return []
    lines = [
        "",
        "Resident memory (MiB): largest worker / all processes",
        "",
        "| when | Bastion | peer |",
        "|---|--:|--:|",
    ]
    b, p = mem.get("bastion", {}), mem.get("peer", {})
    for label, key in [("after start", "after_start")] + [
        (f"after {name}", name) for name in b.get("after", {})
    ]:
        bv = b.get(key) if key == "after_start" else b.get("after", {}).get(key)
        pv = p.get(key) if key == "after_start" else p.get("after", {}).get(key)
        lines.append(f"| {label} | {_cell(bv)} | {_cell(pv)} |")
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
        for side in ("bastion", "peer"):
            runs = sc.get(side, {}).get("runs", [])
            med = sc.get(side, {}).get("median", {})
            if med.get("errors"):
                parts.append(f"{side}: {med['errors']} error responses over the rounds.")
            if _expected(runs):
                parts.append(f"{side}: {_expected(runs)}.")
            if med.get("spread_pct", 0) > 15:
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
