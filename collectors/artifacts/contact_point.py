"""B1 Thông tin về đầu mối liên hệ: the contact point, taken from the incident record."""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import records
from ..base import Collector, Context

FIELDS = ("name", "position", "phone", "email", "unit")


@records.record("contact", version=1)
@dataclass
class Contact:
    """contact.json: the contact point of the affected system and who reported the incident."""
    name: str | None = None
    position: str | None = None
    phone: str | None = None
    email: str | None = None
    unit: str | None = None
    reporter: dict = field(default_factory=dict)


class ContactPoint(Collector):
    name = "contact_point"
    version = "1.0"

    def check(self, ctx: Context) -> str | None:
        contact = ctx.case.incident().get("contact") or {}
        if not any(contact.get(f) for f in FIELDS):
            return ("no contact point in the incident record yet: set it with "
                    "`ungcuu incident --case DIR --file incident.yaml` (key 'contact')")
        return None

    def collect(self, ctx: Context):
        incident = ctx.case.incident()
        contact = {f: (incident.get("contact") or {}).get(f) for f in FIELDS}
        missing = [f for f in FIELDS if not contact[f]]
        if missing:
            yield ctx.incomplete("contact point lacks " + ", ".join(missing))
        reporter = incident.get("reporter") or {}
        yield ctx.put_record("contact.json", Contact(**contact, reporter=reporter), source="incident record (B1)",
                           kind="derived")
