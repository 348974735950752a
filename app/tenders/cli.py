"""`flask cpv import FILE` (the official CPV list as CSV) and `flask cpv seed`."""
from __future__ import annotations

import csv
import io

import click
from flask.cli import AppGroup

from app.tenders import bp

cpv_cli = AppGroup("cpv", help="Common Procurement Vocabulary codes for challenges.")


def read_rows(text: str) -> list[tuple[str, str]]:
    """Rows of (code, English description) from a CSV: a header naming CODE and EN (as in the
    official CPV 2008 file saved as CSV), or else the first two columns."""
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    rows = [r for r in reader if any(cell.strip() for cell in r)]
    if not rows:
        return []
    header = [cell.strip().lower() for cell in rows[0]]
    if "code" in header:
        code_at = header.index("code")
        text_at = header.index("en") if "en" in header else (code_at + 1)
        rows = rows[1:]
    else:
        code_at, text_at = 0, 1
    return [(r[code_at] if len(r) > code_at else "", r[text_at] if len(r) > text_at else "") for r in rows]


@cpv_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def cpv_import(file: str) -> None:
    """Add or update CPV codes from FILE (CSV, UTF-8)."""
    from app.tenders.services import import_cpv

    with open(file, encoding="utf-8-sig") as handle:
        rows = read_rows(handle.read())
    count, refused = import_cpv(rows)
    click.echo(f"Imported {count} CPV codes.")
    if refused:
        click.echo(f"Skipped {len(refused)} rows without a valid 8-digit code and description: "
                   f"{', '.join(map(str, refused[:20]))}{' …' if len(refused) > 20 else ''}", err=True)


@cpv_cli.command("seed")
def cpv_seed() -> None:
    """Add the CPV 2008 divisions and the groups councils buy most (already done by the migration)."""
    from app.tenders.cpv_seed import SEED
    from app.tenders.services import import_cpv

    count, _refused = import_cpv(SEED)
    click.echo(f"Seeded {count} CPV codes.")


tenders_cli = AppGroup("tenders", help="Sealed bids: key management.")


@tenders_cli.command("rotate-kek")
@click.argument("new_kek_file", type=click.Path(exists=True, dir_okay=False))
def rotate_kek(new_kek_file: str) -> None:
    """Re-wrap every challenge's data key under the KEK in NEW_KEK_FILE (base64 of 32 bytes).

    The current KEK comes from TENDER_KEK / TENDER_KEK_FILE as usual. Bid ciphertext does not change.
    All or nothing: afterwards, point TENDER_KEK_FILE at the new file and restart."""
    from app.tenders.services import rewrap_all

    with open(new_kek_file, encoding="utf-8") as handle:
        count = rewrap_all(handle.read().strip())
    click.echo(f"Re-wrapped the data keys of {count} challenges. Now set TENDER_KEK_FILE={new_kek_file} and restart.")


@bp.record_once
def _register(state) -> None:
    state.app.cli.add_command(cpv_cli)
    state.app.cli.add_command(tenders_cli)
