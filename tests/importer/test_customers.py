"""`rekindle import customers`: the column contract, typing, upserts, duplicates and every kind of bad input."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # the fixtures come from conftest.py; this is only for the annotations
    from conftest import Project

NOW = "2026-11-23T09:00:00Z"


def attributes(project: Project, external_id: str) -> dict:
    return dict(project.customers("external_id", "attributes"))[external_id]


def test_imports_customers_and_types_extra_columns_as_attributes(project: Project) -> None:
    path = project.write(
        "customers.csv",
        "id,email,first_name,last_name,locale,timezone,created_at,subscribed,plan,lifetime_value,seats,vip,"
        "birthday,zip,note\n"
        "c1,ann@example.com,Ann,Lee,en-GB,Europe/London,2025-03-01T09:00:00Z,true,pro,120.50,3,true,"
        "1990-11-25,00123,\n"
        "c2,bob@example.com,,,,,2025-04-01,no,free,0,-2,FALSE,,,-\n",
    )
    result = project.rekindle("import", "customers", str(path), "--now", NOW)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Imported 2 customer rows from {path}.\n"
    columns = "external_id email first_name last_name locale timezone created_at subscribed last_active_at"
    assert project.customers(*columns.split()) == [
        ("c1", "ann@example.com", "Ann", "Lee", "en-GB", "Europe/London", datetime(2025, 3, 1, 9), True, None),
        ("c2", "bob@example.com", None, None, None, None, datetime(2025, 4, 1), False, None),
    ]
    # Numbers and booleans are typed; dates, zero-padded codes and other text stay strings; empty cells are absent.
    assert attributes(project, "c1") == {
        "plan": "pro", "lifetime_value": 120.5, "seats": 3, "vip": True, "birthday": "1990-11-25", "zip": "00123"
    }
    assert attributes(project, "c2") == {"plan": "free", "lifetime_value": 0, "seats": -2, "vip": False, "note": "-"}


def test_times_with_offsets_are_stored_as_naive_utc(project: Project) -> None:
    path = project.write(
        "customers.csv",
        "id,email,created_at\n"
        "paris,p@example.com,2026-03-29T03:30:00+02:00\n"  # just after the spring-forward change in Paris
        "ny,n@example.com,2026-11-01T01:30:00-05:00\n"  # the second 01:30 of the autumn change in New York
        "zulu,z@example.com,2026-06-01T12:00:00Z\n"
        "naive,x@example.com,2026-06-01T12:00:00\n"
        "date,d@example.com,2026-06-01\n",
    )
    assert project.rekindle("import", "customers", str(path)).exit_code == 0
    assert project.customers("external_id", "created_at") == [
        ("date", datetime(2026, 6, 1)),
        ("naive", datetime(2026, 6, 1, 12)),
        ("ny", datetime(2026, 11, 1, 6, 30)),
        ("paris", datetime(2026, 3, 29, 1, 30)),
        ("zulu", datetime(2026, 6, 1, 12)),
    ]


def test_created_at_defaults_to_the_import_time(project: Project) -> None:
    path = project.write("customers.csv", "id,email\nc1,a@example.com\n")
    assert project.rekindle("import", "customers", str(path), "--now", "2026-11-23T10:15:00+01:00").exit_code == 0
    assert project.customers("created_at", "subscribed", "attributes") == [(datetime(2026, 11, 23, 9, 15), True, {})]


def test_reimport_updates_only_the_given_columns_and_merges_attributes(project: Project) -> None:
    first = project.write(
        "first.csv",
        "id,email,first_name,created_at,subscribed,plan,company\n"
        "c1,old@example.com,Ann,2024-01-01T00:00:00Z,false,basic,Acme\n",
    )
    second = project.write("second.csv", "id,email,first_name,plan,country\nc1,new@example.com,,pro,FR\n")
    assert project.rekindle("import", "customers", str(first)).exit_code == 0
    result = project.rekindle("import", "customers", str(second), "--now", NOW)
    assert result.exit_code == 0, result.output
    # Unsubscribed stays unsubscribed, created_at and the first name are kept: the second file does not give them.
    assert project.customers("email", "first_name", "created_at", "subscribed", "attributes") == [
        ("new@example.com", "Ann", datetime(2024, 1, 1), False, {"plan": "pro", "company": "Acme", "country": "FR"})
    ]


@pytest.mark.parametrize("batch_size", ["1", "2", "100"])
def test_duplicate_ids_warn_and_the_last_row_wins(project: Project, batch_size: str) -> None:
    path = project.write(
        "customers.csv",
        "id,email,plan,company\n"
        "c1,first@example.com,free,Acme\n"
        "c2,b@example.com,pro,\n"
        "c1,second@example.com,team,\n",
    )
    result = project.rekindle("import", "customers", str(path), "--batch-size", batch_size)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"{path}:4:1: I407 id 'c1' is also on line 2; this later row wins\n"
        f"Imported 3 customer rows from {path} (1 warning).\n"
    )
    assert project.customers("external_id", "email", "attributes") == [
        ("c1", "second@example.com", {"plan": "team", "company": "Acme"}),
        ("c2", "b@example.com", {"plan": "pro"}),
    ]


def test_bad_rows_are_reported_with_line_and_reason_and_good_rows_land(project: Project) -> None:
    path = project.write(
        "customers.csv",
        "id,email,first_name,locale,timezone,created_at,subscribed\n"
        "ok1,a@example.com,Ann,en,Europe/Paris,2026-01-01,true\n"
        ",b@example.com,,,,,\n"
        "c3,not-an-address,,,,,\n"
        "c4,d@example.com,,english!,,,\n"
        "c5,e@example.com,,,Mars/Olympus,,\n"
        "c6,f@example.com,,,,31/12/2025,\n"
        "c7,g@example.com,,,,,maybe\n"
        'c8,h@example.com,"Eve\nBcc: x@evil.example",,,,\n'
        "c9,i@example.com,too,many,fields,here,true,extra\n"
        "ok2,j@example.com,,,,,\n",
    )
    result = project.rekindle("import", "customers", str(path))
    assert result.exit_code == 1
    assert result.stderr == (
        f"{path}:3:1: I403 id is empty\n"
        f"{path}:4:1: I405 email 'not-an-address' is not an email address\n"
        f"{path}:5:1: I405 locale 'english!' is not a language tag such as en or pt-BR\n"
        f"{path}:6:1: I405 timezone 'Mars/Olympus' is not an IANA time zone name such as Europe/Paris\n"
        f"{path}:7:1: I404 created_at: '31/12/2025' is not an ISO 8601 time such as 2026-11-23T09:00:00Z\n"
        f"{path}:8:1: I405 subscribed must be true or false, not \"maybe\"\n"
        f"{path}:9:1: I405 first_name contains a line break or control character\n"
        f"{path}:11:1: I401 the row has 8 fields but the header has 7\n"
        f"Imported 2 of 10 customer rows from {path}: 8 rejected.\n"
    )
    assert project.customers("external_id") == [("ok1",), ("ok2",)]


def test_strict_rejects_the_whole_file(project: Project) -> None:
    path = project.write("customers.csv", "id,email\nc1,a@example.com\nc2,broken\nc3,c@example.com\n")
    result = project.rekindle("import", "customers", str(path), "--strict", "--batch-size", "1")
    assert result.exit_code == 1
    assert result.stderr == (
        f"{path}:3:1: I405 email 'broken' is not an email address\n"
        f"Nothing imported from {path}: 1 of 3 rows rejected, and --strict refuses the whole file.\n"
    )
    assert project.customers("id") == []


def test_strict_imports_a_clean_file(project: Project) -> None:
    path = project.write("customers.csv", "id,email\nc1,a@example.com\n")
    result = project.rekindle("import", "customers", str(path), "--strict")
    assert (result.exit_code, result.stdout) == (0, f"Imported 1 customer row from {path}.\n")


def test_an_events_file_given_as_customers_is_refused_with_a_hint(project: Project) -> None:
    path = project.write("events.csv", "customer_id,name,occurred_at\nc1,login,2026-11-01T00:00:00Z\n")
    result = project.rekindle("import", "customers", str(path))
    assert result.exit_code == 1
    assert result.stderr == (
        f"{path}:1:1: I402 required column 'id' is missing (the header has: customer_id, name, occurred_at)\n"
        f"    hint: this looks like an events file: `rekindle import events {path}`\n"
        f"Nothing imported from {path}.\n"
    )


def test_misnamed_and_repeated_columns_are_reported_together(project: Project) -> None:
    path = project.write("customers.csv", "id,Email,plan,plan,\nc1,a@example.com,pro,pro,\n")
    result = project.rekindle("import", "customers", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{path}:1:1: I402 column 'plan' appears more than once in the header; column 5 of the header has "
        "no name; column 'email' is missing (is 'Email' meant to be 'email'?) "
        "(the header has: id, Email, plan, plan, )"
    )
    assert project.customers("id") == []


def test_a_byte_order_mark_is_ignored(project: Project) -> None:
    path = project.write("customers.csv", "\ufeffid,email\nc1,a@example.com\n".encode("utf-8"))
    assert project.rekindle("import", "customers", str(path)).exit_code == 0
    assert project.customers("external_id") == [("c1",)]
    plain = project.write("plain.csv.gz", "id,email\nc3,c@example.com\n")
    result = project.rekindle("import", "customers", str(plain))
    assert (result.exit_code, result.stderr) == (
        1, f"{plain}: I408 the file is not valid gzip: Not a gzipped file (b'id')\nNothing imported from {plain}.\n"
    )


def test_an_empty_file_is_refused(project: Project) -> None:
    path = project.write("customers.csv", "")
    result = project.rekindle("import", "customers", str(path))
    assert result.exit_code == 1
    assert result.stderr == (
        f"{path}: I408 the file is empty; a CSV import starts with a header row naming its columns\n"
        f"Nothing imported from {path}.\n"
    )


def test_a_header_without_rows_imports_nothing_and_succeeds(project: Project) -> None:
    path = project.write("customers.csv", "id,email\n")
    result = project.rekindle("import", "customers", str(path))
    assert (result.exit_code, result.stdout) == (0, f"Imported 0 customer rows from {path}.\n")


def test_a_row_that_is_not_utf8_is_rejected_with_its_line(project: Project) -> None:
    path = project.write("customers.csv", b"id,email,first_name\nc1,a@example.com,Ann\nc2,b@example.com,Jos\xe9\n")
    result = project.rekindle("import", "customers", str(path))
    assert result.exit_code == 1
    assert result.stderr == (
        f"{path}:3:1: I401 the row is not UTF-8 text\nImported 1 of 2 customer rows from {path}: 1 rejected.\n"
    )
    assert project.customers("external_id", "first_name") == [("c1", "Ann")]


def test_a_header_that_is_not_utf8_is_refused(project: Project) -> None:
    path = project.write("customers.csv", b"id,email,pr\xe9nom\nc1,a@example.com,Ann\n")
    result = project.rekindle("import", "customers", str(path))
    assert (result.exit_code, result.stderr) == (
        1, f"{path}:1:1: I408 the header row is not UTF-8 text\nNothing imported from {path}.\n"
    )


def test_gzip_files_are_read_and_broken_gzip_is_reported(project: Project) -> None:
    import gzip

    good = project.write("customers.csv.gz", gzip.compress(b"id,email\nc1,a@example.com\n"))
    assert project.rekindle("import", "customers", str(good)).exit_code == 0
    broken = project.write("more.csv.gz", gzip.compress(b"id,email\n" + b"c2,b@example.com\n" * 5000)[:-40])
    result = project.rekindle("import", "customers", str(broken))
    assert (result.exit_code, result.stderr) == (
        1,
        f"{broken}: I408 the file is not valid gzip: Compressed file ended before the end-of-stream marker "
        f"was reached\nNothing imported from {broken}.\n",
    )
    assert project.customers("external_id") == [("c1",)]


def test_json_lines_from_stdin_keep_their_json_types(project: Project) -> None:
    lines = [
        {"id": "c1", "email": "a@example.com", "zip": "00123", "seats": "42", "ltv": 9.5, "tags": ["a", "b"]},
        {"id": 2, "email": "b@example.com", "attributes": {"plan": "team"}, "subscribed": False, "nickname": None},
        "not an object",
        {"id": "c3", "email": "c@example.com", "address": {"city": "Paris"}},
    ]
    data = "\n".join(json.dumps(line) for line in lines) + "\n{broken\n\n"
    result = project.rekindle("import", "customers", "-", "--format", "jsonl", input=data)
    assert result.exit_code == 1
    assert result.stderr == (
        "<stdin>:3:1: I401 a JSON Lines row must be a JSON object\n"
        "<stdin>:4:1: I405 address must be text, a number, a boolean or a list of those, not an object\n"
        "<stdin>:5:1: I401 not valid JSON: Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1)\n"
        "Imported 2 of 5 customer rows from <stdin>: 3 rejected.\n"
    )
    assert project.customers("external_id", "subscribed", "attributes") == [
        ("2", False, {"plan": "team"}),
        ("c1", True, {"zip": "00123", "seats": "42", "ltv": 9.5, "tags": ["a", "b"]}),
    ]


def test_a_json_lines_row_without_a_required_key(project: Project) -> None:
    path = project.write("customers.jsonl", '{"email": "a@example.com"}\n{"id": "c1"}\n')
    result = project.rekindle("import", "customers", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:2] == [
        f"{path}:1:1: I403 id is missing",
        f"{path}:2:1: I403 email is missing, and customer 'c1' is not in the store yet (an update of a stored "
        "customer may leave it out)",
    ]
    assert project.customers("external_id") == []


def test_attribute_only_updates_keyed_by_id(project: Project) -> None:
    """`id,credit`: no email needed for customers already stored; a new id without one is refused (I403),
    also when an earlier row of the same file is the one that gives the email."""
    first = project.write("first.csv", "id,email,first_name,plan\nc1,a@example.com,Ann,pro\nc2,b@example.com,Bo,free\n")
    assert project.rekindle("import", "customers", str(first)).exit_code == 0
    update = project.write("credit.csv", "id,credit\nc1,25\nc9,10\nc2,\nc3,5\n")
    result = project.rekindle("import", "customers", str(update))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{update}:3:1: I403 email is missing, and customer 'c9' is not in the store yet (an update of a stored "
        "customer may leave it out)",
        f"{update}:5:1: I403 email is missing, and customer 'c3' is not in the store yet (an update of a stored "
        "customer may leave it out)",
        f"Imported 2 of 4 customer rows from {update}: 2 rejected.",
    ]
    assert project.customers("external_id", "email", "first_name", "attributes") == [
        ("c1", "a@example.com", "Ann", {"plan": "pro", "credit": 25}),
        ("c2", "b@example.com", "Bo", {"plan": "free"}),
    ]
    same_file = project.write("same.csv", "id,email,credit\nc4,d@example.com,\nc4,,7\n")
    assert project.rekindle("import", "customers", str(same_file)).exit_code == 0
    assert project.customers("external_id", "email", "attributes")[-1] == ("c4", "d@example.com", {"credit": 7})


def test_stdin_needs_an_explicit_format(project: Project) -> None:
    result = project.rekindle("import", "customers", "-", input="id,email\n")
    assert result.exit_code == 2
    assert "cannot tell the format of stdin; pass --format csv or --format jsonl" in " ".join(
        result.stderr.replace("│", " ").split()
    )


def test_importing_before_db_init_says_what_to_do(bare_project: Project) -> None:
    path = bare_project.write("customers.csv", "id,email\nc1,a@example.com\n")
    result = bare_project.rekindle("import", "customers", str(path))
    assert result.exit_code == 1
    if bare_project.engine.dialect.name == "sqlite":  # no file yet: named, not created empty
        database = bare_project.engine.url.database
        assert result.stderr == (f"error: there is no store at {database} yet (the store url in "
                                 f"{bare_project.root / 'rekindle.yaml'}): create it with `rekindle db init`\n")
    else:
        assert result.stderr == "error: the store has no tables yet; create them with `rekindle db init`\n"


def test_only_the_first_problems_are_listed_but_all_are_counted(project: Project) -> None:
    path = project.write("customers.csv", "id,email\n" + "".join(f"c{i},bad{i}\n" for i in range(25)))
    result = project.rekindle("import", "customers", str(path))
    lines = result.stderr.splitlines()
    assert len(lines) == 22
    assert lines[19] == f"{path}:21:1: I405 email 'bad19' is not an email address"
    assert lines[20:] == [
        "... and 5 more problems not shown",
        f"Imported 0 of 25 customer rows from {path}: 25 rejected.",
    ]


def test_usage_errors_exit_2(project: Project) -> None:
    missing = project.rekindle("import", "customers", str(project.root / "nope.csv"))
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    unknown = project.rekindle("import", "customers", str(project.write("customers.txt", "id,email\n")))
    assert unknown.exit_code == 2 and "pass --format csv or --format jsonl" in " ".join(
        unknown.stderr.replace("│", " ").split()
    )
    assert project.rekindle("import", "customers", "-", "--format", "xml", input="").exit_code == 2
    assert project.rekindle("import", "customers", "-", "--format", "csv", "--batch-size", "0", input="").exit_code == 2


def test_an_explicit_format_overrides_the_extension(project: Project) -> None:
    path = project.write("export.txt", '{"id": "c1", "email": "a@example.com"}\n')
    result = project.rekindle("import", "customers", str(path), "--format", "jsonl")
    assert (result.exit_code, result.stdout) == (0, f"Imported 1 customer row from {path}.\n")


def test_a_nul_character_rejects_its_row_on_every_dialect(project: Project) -> None:
    path = project.write("customers.csv", "id,email,note\nc1,a@example.com,a\x00b\nc2,b@example.com,ok\n")
    result = project.rekindle("import", "customers", str(path))
    assert result.stderr == (
        f"{path}:2:1: I401 the row contains a NUL character\nImported 1 of 2 customer rows from {path}: 1 rejected.\n"
    )
    data = '{"id": "c3", "email": "c@example.com", "note": "a\\u0000b"}\n'
    result = project.rekindle("import", "customers", "-", "--format", "jsonl", input=data)
    assert result.stderr.splitlines()[0] == "<stdin>:1:1: I401 the row contains a NUL character"
    assert project.customers("external_id") == [("c2",)]


def test_a_tzdata_folder_name_is_a_bad_timezone_not_a_crash(project: Project) -> None:
    """`America` is a folder inside tzdata: ZoneInfo raises IsADirectoryError for it, which once escaped."""
    path = project.write("customers.csv", "id,email,timezone\nc1,a@example.com,America\nc2,b@example.com,Asia/Tokyo\n")
    result = project.rekindle("import", "customers", str(path))
    assert result.exit_code == 1
    assert result.stderr == (
        f"{path}:2:1: I405 timezone 'America' is not an IANA time zone name such as Europe/Paris\n"
        f"Imported 1 of 2 customer rows from {path}: 1 rejected.\n"
    )
    assert project.customers("external_id") == [("c2",)]
