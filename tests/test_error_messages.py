"""Errors carry a catalogue key, not text: said in the reader's language by `describe`, everywhere.

The store's and sync's catalogue entries have both languages with the same placeholders; every
key an error is raised with in storage/ and sync/ exists; an English session of the real
`village-agent` prints no Chinese when a command fails.
"""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from center.cli_texts import CENTER_CLI_MESSAGES
from center.console.upload_texts import UPLOAD_MESSAGES
from center.console.worklist_texts import WORKLIST_MESSAGES
from center.error_texts import CENTER_ERROR_MESSAGES
from storage.errors import TEXTS, DecryptionFailed, InvalidRequest, Said, StorageError, WrongPin
from storage.messages import STORAGE_MESSAGES
from sync.error_texts import SYNC_MESSAGES
from sync.errors import REASONS, BundleRejected, ProofError, SyncError
from sync.i18n import MESSAGES, describe
from tests.conftest import Cli
from tests.test_catalogue_keys import catalogue
from village_agent.cli_texts import VILLAGE_CLI_MESSAGES
from village_agent.error_texts import VILLAGE_ERROR_MESSAGES
from village_agent.intake_texts import INTAKE_MESSAGES

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")
TABLES = {**STORAGE_MESSAGES, **SYNC_MESSAGES, **CENTER_ERROR_MESSAGES, **CENTER_CLI_MESSAGES,
          **UPLOAD_MESSAGES, **WORKLIST_MESSAGES, **VILLAGE_ERROR_MESSAGES, **VILLAGE_CLI_MESSAGES,
          **INTAKE_MESSAGES}


def _fields(text: str) -> dict[str, str]:
    return {name: spec for _, name, spec, _ in string.Formatter().parse(text) if name}


def test_each_entry_has_both_languages_with_the_same_placeholders_and_english_is_english() -> None:
    for key, entry in TABLES.items():
        assert set(entry) == {"zh", "en"}, key
        if key == TEXTS:  # texts made elsewhere (a FieldError's): each language has its own
            continue
        assert set(_fields(entry["zh"])) == set(_fields(entry["en"])), key
        assert not CJK.search(entry["en"]), key


ASCII = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=20)


@given(st.sampled_from(sorted(TABLES)), st.data())
def test_an_error_says_its_values_in_either_language_and_english_stays_free_of_chinese(
        key: str, data: st.DataObject) -> None:
    fields = {**_fields(TABLES[key]["zh"]), **_fields(TABLES[key]["en"])}
    values = {name: data.draw(st.floats(0, 1e6) if spec.endswith("f") else ASCII, label=name)
              for name, spec in fields.items()}
    error = InvalidRequest(key, **values)
    assert (error.key, error.params) == (key, values)
    assert describe(error, "zh") == error.zh == TABLES[key]["zh"].format(**values)
    assert describe(error, "en") == str(error) == TABLES[key]["en"].format(**values)
    assert not CJK.search(describe(error, "en"))


ERRORS = {"StorageError", "StoreMissing", "StoreExists", "StoreCorrupt", "StoreBusy", "StoreFull",
          "AuthError", "UnknownOperator", "OperatorDisabled", "NotPermitted", "NotFound",
          "InvalidRequest", "WeakPin", "IntegrityError", "SyncError", "EnrollmentError",
          "PublishError", "InvalidReasons", "ReceiptCodeError", "PdfOutputError", "FontUnusable",
          "FontNotFound", "NotDecided", "DecisionError", "RevocationError", "UploadRefused"}


def test_every_key_raised_in_the_product_is_in_the_catalogue() -> None:
    used = []
    for folder in ("storage", "sync", "center", "village_agent"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute))
                        and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr)
                        in ERRORS and node.args and isinstance(node.args[0], ast.Constant)):
                    used.append((path.name, node.args[0].value))
    assert len(used) > 150  # the finder sees the raise sites
    keys = catalogue()  # every catalogue module imported
    missing = [(name, key) for name, key in used if key not in keys]
    assert missing == []


def test_the_old_two_text_form_is_gone_and_an_unknown_key_says_the_class_message() -> None:
    with pytest.raises(TypeError):
        InvalidRequest("no such thing", "没有这个")  # type: ignore[call-arg]
    error = InvalidRequest("no.such.key", detail="x")
    assert describe(error, "zh") == MESSAGES["storage.error"]["zh"]
    assert describe(error, "en") == MESSAGES["storage.error"]["en"]


def test_decryption_failed_is_a_storage_error_and_opaque() -> None:
    error = DecryptionFailed("record does not open")
    assert isinstance(error, StorageError) and isinstance(error, Said)
    assert describe(error, "en") == DecryptionFailed("wrong key").text("en")
    assert "verify" in describe(error, "en") and "verify" in describe(error, "zh")


def test_a_wrong_pin_counts_down_and_locks_in_either_language() -> None:
    assert describe(WrongPin(4), "en") == "wrong PIN (4 tries left)"
    assert "还可尝试4次" in describe(WrongPin(4), "zh")
    assert "5 minutes" in describe(WrongPin(0, 300), "en")
    assert "5分钟" in describe(WrongPin(0, 300), "zh")
    assert "30 seconds" in describe(WrongPin(0, 30), "en")


@pytest.mark.parametrize("reason", REASONS)
def test_every_refusal_reason_is_said_in_both_languages(reason: str) -> None:
    refused = BundleRejected(reason, "seen")
    assert isinstance(refused, SyncError) and str(refused) == f"{reason}: seen"
    assert CJK.search(describe(refused, "zh")) and not CJK.search(describe(refused, "en"))


def test_a_known_refusal_from_the_center_is_said_in_our_reader_language_not_the_center_words() -> None:
    known = ProofError("stale_request", "x", said="同步请求已用过")
    newer = ProofError("a_reason_from_a_newer_center", "x", said="更新的理由")
    assert not CJK.search(describe(known, "en"))
    assert "更新的理由" in describe(newer, "zh")


def test_an_unknown_error_is_an_internal_error_by_its_kind_only() -> None:
    said = describe(RuntimeError("secret detail"), "en")
    assert "RuntimeError" in said and "secret detail" not in said


@pytest.mark.parametrize(
    ("args", "env", "code"),
    [
        (["list"], {}, 1),  # no store yet
        (["show", "20261123-ABCDEF-00009"], {"__init__": "1"}, 1),  # no such case
        (["list"], {"__init__": "1", "VILLAGE_AGENT_PIN": "999413"}, 3),  # wrong PIN
        (["sync"], {"__init__": "1"}, 5),  # not enrolled
        (["operator", "add", "某人", "--role", "clerk"], {"__init__": "1"}, 1),  # no clerks here
    ],
)
def test_an_english_session_prints_its_failures_in_english(
        cli: Cli, args: list[str], env: dict[str, str], code: int) -> None:
    if env.pop("__init__", None):
        cli.init()
    result = cli(*args, env={"VILLAGE_AGENT_LANG": "en", **env})
    assert result.code == code, result.stderr
    said = (result.stderr + result.stdout).strip()
    assert said and not CJK.search(said.replace("某人", "")), said
    chinese = cli(*args, env=env)
    assert CJK.search(chinese.stderr + chinese.stdout)


@pytest.mark.parametrize("args", [["--help"], ["apply", "--help"], ["applicant", "--help"],
                                  ["catalog", "show"]])
def test_the_village_help_and_its_refusals_are_english_in_an_english_session(
        cli: Cli, args: list[str]) -> None:
    english = cli(*args, env={"VILLAGE_AGENT_LANG": "en"})
    said = english.stdout + english.stderr
    assert said.strip() and not CJK.search(said), said
    chinese = cli(*args)
    assert chinese.code == english.code and CJK.search(chinese.stdout + chinese.stderr)


@pytest.mark.parametrize("args", [["--help"], ["serve", "--help"], ["backup", "--help"],
                                  ["init", "--level", "township", "--code", "430481101", "--name", "X"]])
def test_the_center_help_and_its_refusals_are_english_in_an_english_session(
        tmp_path: Path, args: list[str]) -> None:
    import os
    import subprocess
    import sys

    def run(lang: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "VILLAGE_AGENT_HOME": str(tmp_path / "center"), "VILLAGE_AGENT_LANG": lang,
               "VILLAGE_AGENT_TEST_KDF": "1", "PYTHONIOENCODING": "utf-8"}
        env.pop("VILLAGE_AGENT_OPERATOR", None)
        return subprocess.run([sys.executable, "-m", "center.cli", *args], capture_output=True,
                              text=True, env=env, cwd=ROOT, timeout=120)

    english, chinese = run("en"), run("zh")
    assert (english.stdout + english.stderr).strip() and not CJK.search(english.stdout + english.stderr)
    assert chinese.returncode == english.returncode and CJK.search(chinese.stdout + chinese.stderr)
    assert not (tmp_path / "center").exists() or "init" not in args  # a refused init wrote nothing
