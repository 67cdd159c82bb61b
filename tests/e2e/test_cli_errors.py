"""Every ``cocagne`` subcommand, given bad input, fails with one clear line and a non-zero
exit code, never a traceback; and a query never creates a database.

The subcommands are discovered from the parser (nested ones too: ``export trace``, ``token
create``, ``checkpoint keygen``), so a subcommand added later is checked without editing
this file. Bad inputs: an unknown option; a bad value for every option that parses one; a
database file that is not there; a folder that is not there; a folder given as database; a
file that is not a database; PostgreSQL not listening; plus the refusals a store answers
(unknown lot, proposal, member, token; a domain refusal; a port already taken).
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from infra.cli.main import build_parser, main
from infra.cli.support import CommandParser
from infra.cli.words import use_language
from infra.demo.territory import generate_demo
from infra.ledger.ledger import Ledger
from infra.logs import configure_logging
from infra.store import sqlite_location
from tests.builders import DEMO_END

POSTGRES_DOWN = "postgresql://postgres@127.0.0.1:1/cocagne"
"""Port 1: nothing listens there, the connection is refused at once."""
CREATING = {("demo",), ("serve",), ("consume",)}
"""Subcommands that may create their store (or, for ``consume``, only its views beside it)."""
COCAGNE = Path(sys.executable).with_name("cocagne")
PAYLOAD = '{"kind": "set_allocation_key", "key": "proportional_to_households"}'


def leaves(parser: CommandParser, path: tuple[str, ...] = ()
           ) -> Iterator[tuple[tuple[str, ...], CommandParser]]:
    """Every runnable subcommand: its words and its parser (options built)."""
    parser.build_options()
    if path and parser.get_default("func") is not None:
        yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from leaves(child, (*path, name))


def subcommands() -> list[tuple[tuple[str, ...], CommandParser]]:
    """The subcommands of today's parser, in French."""
    use_language("fr", {})
    return list(leaves(build_parser()))


def value_for(action: argparse.Action, tmp: Path) -> str:
    """A value the option accepts (the first candidate its type takes)."""
    if action.choices:
        return str(next(iter(action.choices)))
    if action.dest == "out":
        return str(tmp / "out.file")
    if action.type is UUID:
        return str(uuid4())
    for candidate in ("2026-03-01", PAYLOAD, "2026", "x"):
        try:
            if action.type is not None and callable(action.type):
                action.type(candidate)
        except (argparse.ArgumentTypeError, ValueError, TypeError):
            continue
        return candidate
    raise AssertionError(f"no value found for {action.dest}")


def required_arguments(parser: CommandParser, tmp: Path) -> list[str]:
    """Plausible values for the positional and required arguments."""
    words: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction | argparse._HelpAction):
            continue
        if not action.option_strings:
            words.append(value_for(action, tmp))
        elif action.required:
            words += [action.option_strings[-1], value_for(action, tmp)]
    return words


def has_option(parser: CommandParser, option: str) -> bool:
    """Whether the subcommand takes ``option``."""
    return any(option in action.option_strings for action in parser._actions)


def one_line_failure(capsys: pytest.CaptureFixture[str], arguments: list[str]) -> str:
    """Run the command; it must fail (non-zero) with one line on stderr, no traceback."""
    code = main(arguments)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code != 0, f"cocagne {' '.join(arguments)} succeeded"
    assert "Traceback" not in err
    assert len(lines) == 1, f"cocagne {' '.join(arguments)} wrote:\n{err}"
    return lines[0]


@pytest.fixture(autouse=True)
def french(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """French messages (no locale variable), quiet logs; back to defaults afterwards."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    yield
    use_language("fr", {})
    configure_logging("warning")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-week demo territory."""
    path = tmp_path_factory.mktemp("errors") / "demo.db"
    ledger = Ledger(sqlite_location(path))
    try:
        generate_demo(ledger, weeks=1, seed=3, end=DEMO_END)
    finally:
        ledger.close()
    return path


def test_the_parser_has_every_subcommand() -> None:
    """Discovery finds the areas' subcommands, nested ones included."""
    found = {" ".join(path) for path, _ in subcommands()}
    assert {"demo", "stock", "trace", "recall", "rebuild", "tally", "balances", "vote",
            "relay", "consume", "seal", "checkpoint", "checkpoint keygen", "verify",
            "export epcis", "export trace", "token create", "serve"} <= found


def test_unknown_option(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown option: one French line naming it and the help to read, exit code 2."""
    for path, _ in subcommands():
        line = one_line_failure(capsys, [*path, "--no-such-option"])
        assert f"cocagne {' '.join(path)} : " in line
        assert f"(voir cocagne {' '.join(path)} --help)" in line
    assert main(["--no-such-option"]) == 2
    assert "arguments inconnus : --no-such-option" in capsys.readouterr().err


def test_bad_value_for_every_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A date, number, id, payload or choice that does not parse is one line, exit code 2."""
    checked = 0
    for path, parser in subcommands():
        required = required_arguments(parser, tmp_path)
        for action in parser._actions:
            if not action.option_strings or (action.type in (None, str, Path)
                                              and not action.choices):
                continue
            arguments = [*path, *required, action.option_strings[-1], "pas-une-valeur"]
            assert main(arguments) == 2, arguments
            err = capsys.readouterr().err
            assert "Traceback" not in err
            assert len(err.splitlines()) == 1, err
            assert f"argument {'/'.join(action.option_strings)} : " in err, err
            checked += 1
    assert checked > 20


def test_missing_database_file_is_never_created(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """A query on a file that is not there says so; the file is still not there."""
    absent = tmp_path / "absent.db"
    for path, parser in subcommands():
        if path in CREATING or not has_option(parser, "--db"):
            continue
        line = one_line_failure(capsys, [*path, *required_arguments(parser, tmp_path),
                                         "--db", str(absent)])
        assert line.startswith(f"aucun magasin d'événements à {absent}"), line
        assert not absent.exists()
        assert list(tmp_path.iterdir()) == [], f"{path} left {list(tmp_path.iterdir())}"


def test_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A database in a folder that is not there: one line, the folder still not there."""
    folder = tmp_path / "nowhere"
    for path, parser in subcommands():
        if path == ("demo",) or not has_option(parser, "--db"):
            continue
        one_line_failure(capsys, [*path, *required_arguments(parser, tmp_path),
                                  "--db", str(folder / "ledger.db")])
        assert not folder.exists()
    line = one_line_failure(capsys, ["checkpoint", "keygen", "--out",
                                     str(folder / "key.pem")])
    assert line == f"fichier ou dossier introuvable : {folder / 'key.pem'}"


def test_folder_or_garbage_as_database(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """A folder given as database, or a file that is not SQLite: one line each."""
    garbage = tmp_path / "garbage.db"
    garbage.write_text("not a database\n" * 100)
    for arguments in (["stock", "--db", str(tmp_path)], ["recall", "L-1", "--db", str(tmp_path)],
                      ["demo", "--db", str(tmp_path)], ["stock", "--db", str(garbage)],
                      ["balances", "--db", str(garbage)], ["verify", "--db", str(garbage)]):
        line = one_line_failure(capsys, arguments)
        assert str(tmp_path) in line or "SQLite" in line, line


def test_postgresql_down(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every subcommand with a store on a PostgreSQL server that does not answer: one line,
    exit code 3, at once."""
    for path, parser in subcommands():
        if not has_option(parser, "--database-url"):
            continue
        arguments = [*path, *required_arguments(parser, tmp_path), "--database-url",
                     POSTGRES_DOWN]
        line = one_line_failure(capsys, arguments)
        assert line.startswith("PostgreSQL injoignable (postgresql://postgres@127.0.0.1:1/"
                               "cocagne) : "), line
        assert main(arguments) == 3
        capsys.readouterr()


def test_refusals_from_the_store(store: Path, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Unknown lot, site, proposal, member and token; a domain refusal; exit code 1."""
    db = ["--db", str(store)]
    expected = {
        ("recall", "L-NOPE"): "aucun lot n'a le code ou l'identifiant 'L-NOPE'",
        ("trace", "L-NOPE"): "aucun lot n'a le code ou l'identifiant 'L-NOPE'",
        ("stock", "--site", "Nulle part"):
            "aucun site ne porte le nom ou l'identifiant 'Nulle part' (sites connus : ",
        ("token", "create", "--member", "Personne"): "aucun membre 'Personne'",
        ("token", "revoke", "abc"): "aucun jeton actif abc",
        ("tally", "00000000-0000-0000-0000-000000000000"): "aucune proposition 0000",
        ("vote", "00000000-0000-0000-0000-000000000000", "--choice", "yes", "--actor",
         "00000000-0000-0000-0000-000000000001"): "refusé (",
    }
    for arguments, start in expected.items():
        line = one_line_failure(capsys, [*arguments, *db])
        assert line.startswith(start), line
        assert main([*arguments, *db]) == 1
        capsys.readouterr()
    line = one_line_failure(capsys, ["demo", *db])
    assert line.startswith("le magasin sqlite:///"), line
    line = one_line_failure(capsys, ["export", "register", "--member", "Personne", "--from",
                                     "2026-01-01", "--to", "2026-01-31", *db])
    assert line.startswith("erreur : "), line
    del tmp_path


def test_port_already_taken(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``serve`` on a port another process holds: one line at once, exit code 3."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        line = one_line_failure(capsys, ["serve", "--db", str(store), "--port", str(port)])
    assert line.startswith(f"impossible d'écouter sur 127.0.0.1:{port} : "), line


def test_the_installed_command_fails_in_one_line(tmp_path: Path) -> None:
    """The real process: exit codes 2 (usage) and 3 (unavailable), one line, no traceback."""
    cases = {
        ("stock", "--db", str(tmp_path / "absent.db")): 2,
        ("stock", "--as-of", "demain"): 2,
        ("recall", "L-1", "--database-url", POSTGRES_DOWN): 3,
        ("--no-such-option",): 2,
    }
    for arguments, code in cases.items():
        finished = subprocess.run([str(COCAGNE), *arguments], capture_output=True, text=True,
                                  timeout=60, check=False)
        assert finished.returncode == code, (arguments, finished.stderr)
        assert "Traceback" not in finished.stderr
        assert len(finished.stderr.splitlines()) == 1, finished.stderr
        assert finished.stdout == ""
    assert list(tmp_path.iterdir()) == []
