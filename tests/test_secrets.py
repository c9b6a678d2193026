"""Credentials never appear in errors or saved histories, whatever their shape or origin."""

from __future__ import annotations

import json

import pytest

from devgpt_magic.chat import ChatSession
from devgpt_magic.errors import DevGPTError, ProviderError
from devgpt_magic.secrets import redact

AWS_ID = "AKIA" + "IOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"
SHAPES = {
    "github classic": "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A",
    "github oauth": "gho_" + "16C7e42F292c6912E7710c838347Ae178B4a",
    "github fine-grained": "github_pat_" + "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789",
    "slack bot": "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "slack user": "xoxp-" + "123456789012-123456789012-123456789012-abcdef0123456789abcdef0123456789",
    "jwt": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ."
           + "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    "openai": "sk-proj-" + "Ab12Cd34Ef56Gh78Ij90Kl12",
    "anthropic": "sk-ant-" + "api03-Ab12Cd34Ef56Gh78Ij90",
    "google": "AIza" + "SyA1234567890abcdefghijklmnopqrstu",
    "hugging face": "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz",
    "aws id": AWS_ID,
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_key_shapes_are_masked(name):
    value = SHAPES[name]
    for text in (value, f"token {value} rejected", f"'{value}'", f"key={value}\n"):
        assert value not in redact(text) and "***" in redact(text)
    assert redact(f"before {value} after").startswith("before ") and redact(f"x {value} after").endswith(" after")


def test_aws_secret_next_to_its_key_id_and_assigned():
    for text in (f"{AWS_ID},{AWS_SECRET}", f"{AWS_ID} {AWS_SECRET}", f"aws_secret_access_key = {AWS_SECRET}",
                 f'"SecretAccessKey": "{AWS_SECRET}"'):
        masked = redact(text)
        assert AWS_SECRET not in masked and AWS_ID not in masked, masked


def test_private_key_blocks():
    body = "MIIEowIBAAKCAQEA7bq98ZrXkq0vJdJ\nk4y5QZ9pZ8w1r1yL1Xoj1E3iY5VvS0n\n"
    for kind in ("RSA ", "EC ", "OPENSSH ", "ENCRYPTED ", ""):
        block = f"-----BEGIN {kind}PRIVATE KEY-----\n{body}-----END {kind}PRIVATE KEY-----"
        masked = redact(f"here it is:\n{block}\nthanks")
        assert "MIIE" not in masked and "k4y5" not in masked and masked.startswith("here it is:")
        assert masked.endswith("thanks")
    assert "k4y5" not in redact(f"-----BEGIN RSA PRIVATE KEY-----\n{body}")  # cut off: masked to the end


def test_bearer_and_url_credentials():
    assert redact("Authorization: Bearer abc123.DEF456-ghi") == "Authorization: Bearer ***"
    masked = redact("cannot reach https://alice:s3cr3t-pw@llm.example.com:8443/v1 (timeout)")
    assert "s3cr3t" not in masked and "alice" not in masked
    assert masked == "cannot reach https://***@llm.example.com:8443/v1 (timeout)"
    assert redact("http://user:@host/") == "http://***@host/"
    assert "ghp_" not in redact("https://ghp_" + "x" * 36 + "@github.com/o/r.git")
    # ordinary text keeps its meaning
    for text in ("ssh://git@github.com/org/repo.git", "find /var/log -type f -size +100M", "max_tokens=1024",
                 "set OPENAI_API_KEY=... first", "see https://example.org/a?b=c#d"):
        assert redact(text) == text


def test_values_of_credential_variables(monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "plain-looking-value-42")
    monkeypatch.setenv("MY_SERVICE_PASSWORD", "correct horse battery")
    monkeypatch.setenv("FEATURE_TOKEN", "1")  # too short to mask: every 1 would vanish
    masked = redact("got plain-looking-value-42 and correct horse battery, 1 time")
    assert masked == "got *** and ***, 1 time"


def test_errors_mask_url_credentials_and_tokens():
    error = ProviderError("POST https://bob:hunter2hunter2@proxy.local/v1/chat failed: 401 for token "
                          + SHAPES["github classic"])
    assert "hunter2" not in str(error) and SHAPES["github classic"] not in str(error)
    assert isinstance(error, DevGPTError)


def test_saved_history_is_masked(tmp_path):
    session = ChatSession()
    session.commit(f"my aws keys: {AWS_ID} {AWS_SECRET}; slack {SHAPES['slack bot']}", "ok")
    path = session.save(tmp_path / "h.json")
    text = path.read_text()
    assert AWS_SECRET not in text and AWS_ID not in text and SHAPES["slack bot"] not in text
    assert json.loads(text)["messages"][1]["content"] == "ok"



def test_redact_sees_through_colour_codes_and_quoted_spellings(monkeypatch):
    """`grep --color=always key creds.env` splits `api_key = "..."` with escape codes, and `{os.environ}` in a
    chat reference doubles a backslash: both once showed the value (a review found them)."""
    from devgpt_magic.secrets import redact

    monkeypatch.setenv("DB_PASSWORD", "pw s\\ecret-value-42")
    colored = 'api_\x1b[01;31m\x1b[Kkey\x1b[m\x1b[K = "abcdefgh12345678"'
    assert "abcdefgh12345678" not in redact(colored)
    assert "ecret-value-42" not in redact(repr({"DB_PASSWORD": "pw s\\ecret-value-42"}))
