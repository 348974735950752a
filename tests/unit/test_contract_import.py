from app.contracts.importing import COLUMNS, EXAMPLE_ROW, parse, template_csv

MESSAGES = {key: key for key in ("missing_column", "too_many_rows", "required", "date", "amount", "procedure", "status",
                                 "size", "yes_no", "currency", "department", "cpv", "end_before_start")}


def csv_text(*rows):
    lines = [",".join(COLUMNS)] + [",".join(row) for row in rows]
    return "\n".join(lines) + "\n"


def check(text):
    return parse(text, department_exists=lambda name: name == "Finance and Procurement", messages=MESSAGES)


def test_the_template_row_is_valid():
    rows, errors = check(template_csv())
    assert errors == [] and len(rows) == 1 and rows[0].values["amount"] == 48000


def test_every_error_is_reported_by_row_and_column():
    bad = list(EXAMPLE_ROW)
    bad[COLUMNS.index("amount")] = "lots"
    bad[COLUMNS.index("start_date")] = "31/02/2026"
    bad[COLUMNS.index("department")] = "Nowhere"
    bad[COLUMNS.index("supplier_size")] = "huge"
    rows, errors = check(csv_text(EXAMPLE_ROW, bad, EXAMPLE_ROW))
    assert [(e.row, e.column, e.message) for e in errors] == [
        (3, "start_date", "date"), (3, "amount", "amount"), (3, "supplier_size", "size"),
        (3, "department", "department")]
    assert [r.row for r in rows] == [2, 4]


def test_a_file_without_required_columns_is_refused_as_a_whole():
    rows, errors = check("title,amount\nA,1\n")
    assert rows == [] and {e.column for e in errors} >= {"department", "supplier_name"} and all(e.row == 1 for e in errors)


def test_end_before_start_and_bad_cpv_codes():
    row = list(EXAMPLE_ROW)
    row[COLUMNS.index("end_date")] = "2025-01-01"
    row[COLUMNS.index("cpv_codes")] = "abc"
    _rows, errors = check(csv_text(row))
    assert {(e.column, e.message) for e in errors} == {("end_date", "end_before_start"), ("cpv_codes", "cpv")}
