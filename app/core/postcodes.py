"""UK postcodes, normalised the way Royal Mail prints them. Pure: no Flask, no database."""
from __future__ import annotations

import re

# Outward code (area, district) then inward code (sector digit and two unit letters).
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")


def normalise_postcode(raw: str) -> str | None:
    """'cc1 1aa', 'CC11AA' and ' cc1  1aa ' all give 'CC1 1AA'; anything else gives None."""
    compact = re.sub(r"\s+", "", raw or "").upper()
    match = _POSTCODE.match(compact)
    if not match:
        return None
    return f"{match.group(1)} {match.group(2)}"
