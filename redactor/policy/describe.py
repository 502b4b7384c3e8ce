"""Plain-text descriptions of policy packs for ``redactor policy list|show``."""

from __future__ import annotations

from redactor.policy.loader import LoadedPack
from redactor.policy.model import AcceptedEvidence, Pack, Trigger


def effective_text(pack: Pack) -> str:
    start, end = pack.effective.start, pack.effective.end
    if start is None and end is None:
        return "effective date not confirmed"
    out = f"effective {start.isoformat() if start else '(start not confirmed)'}"
    return out + (f" to {end.isoformat()}" if end else "")


def list_lines(pack: Pack) -> list[str]:
    """One pack for ``policy list``: id, status, effective date, instrument and sources."""
    lines = [
        f"{pack.id}  [{pack.status}; {effective_text(pack)}; {pack.jurisdiction}]",
        f"  {pack.title}",
        f"  instrument: {pack.instrument.cite}",
    ]
    for s in pack.sources:
        lines.append(f"  source {s.key}: {s.url or ''}" + (f" ({s.note})" if s.note else ""))
    return lines


def _trigger(t: Trigger) -> str:
    if t.always:
        return "always"
    if t.purposes:
        return f"purposes {t.test} of {', '.join(t.purposes)}"
    if t.registry:
        return "requesting agency in the recipient registry (redactor policy recipients)"
    return f"recipient in {', '.join(t.recipients)}"


def _accepted(a: AcceptedEvidence) -> str:
    parts = [f"{n}={'|'.join(v) if v != '*' else '…'}" for n, v in a.require.items()]
    if a.reference_matches:
        parts.append(f"reference ~ {a.reference_matches}")
    if a.reference_excludes:
        parts.append(f"reference not ~ {a.reference_excludes}")
    return a.kind + (f" ({'; '.join(parts)})" if parts else "")


def show_lines(lp: LoadedPack) -> list[str]:
    """Everything ``policy show`` prints about one pack."""
    p = lp.pack
    out = [
        f"{p.id} {p.version} — {p.title}",
        f"  instrument: {p.instrument.cite} ({p.instrument.kind}); status {p.status}; "
        f"{effective_text(p)}; jurisdiction {p.jurisdiction}; sha256 {lp.sha256[:16]}…",
    ]
    if p.agency_required:
        out.append("  decides by who asks: a request must name its agency (--agency)")
    if p.registry_recipients:
        out.append(
            "  a request from an agency of the recipient registry is an immigration-enforcement "
            "request whatever purpose it states; only reviewer-accepted evidence lifts a rule"
        )
    out.append("rules:")
    for r in p.rules:
        out.append(f"  {r.id} ({r.cite})")
        out.append(f"    when: {'; '.join(_trigger(t) for t in r.when)}")
        out.append(f"    protects: {', '.join(r.protects)}")
        out.append(f"    unless: {', '.join(r.unless) or '-'}")
        if r.decline:
            out.append("    otherwise: the whole request is declined")
    out.append("exceptions:")
    for name, ex in p.exceptions.items():
        need = "evidence " + " | ".join(_accepted(a) for a in ex.evidence.accept)
        if ex.purposes:
            need = f"purpose {' | '.join(ex.purposes)} and " + need
        line = f"  {name}: {ex.summary}; needs {need}"
        if ex.specific_records:
            line += "; only the records named (;records=N)"
        if ex.limit_categories:
            line += f"; lifts only {', '.join(ex.limit_categories)}"
        if ex.evidence.reject:
            line += f"; rejects {', '.join(ex.evidence.reject)}"
        if not ex.registry_agencies:
            line += "; not available to a registry agency"
        out.append(line)
    out.append("purposes:")
    out += [f"  {name}: {pp.description}" for name, pp in p.purposes.items()]
    out.append("evidence kinds:")
    out += [f"  {name}: {desc}" for name, desc in p.evidence_kinds.items()]
    if p.evidence_attributes:
        out.append("evidence attributes (--evidence KIND:REF;NAME=VALUE):")
        out += [
            f"  {name}: {' '.join(desc.split())}" for name, desc in p.evidence_attributes.items()
        ]
    for cls, names in p.recipients.items():
        out.append(f"recipient class {cls}: {', '.join(names)}")
    out.append("actions when withheld: " + ", ".join(f"{c}={a}" for c, a in p.actions.items()))
    ob = p.obligations
    out.append(f"obligations: log {ob.log.replace('_', ' ')}")
    if ob.notify_subject:
        n = ob.notify_subject
        unit = "business days" if n.business_days else "days"
        out.append(
            f"  notify the subject within {n.days} {unit} of {n.anchor.replace('_', ' ')}"
            + (", before disclosure" if n.before_disclosure else "")
            + (" (only when an exception is granted)" if n.when == "exception_granted" else "")
            + (f"; may be withheld: {'; '.join(n.may_suppress)}" if n.may_suppress else "")
        )
    if ob.certification:
        out.append(f"  {ob.certification.text()}")
    if ob.report:
        out.append(
            f"  report every {ob.report.every}"
            + (f" to {ob.report.to}" if ob.report.to else "")
            + (" with attestation" if ob.report.attest else "")
        )
    out += [f"note: {n}" for n in p.notes]
    for s in p.sources:
        out.append(f"source {s.key}: {s.url or ''} {s.note or ''}".rstrip())
    return out
