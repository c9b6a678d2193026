"""Keeping credentials out of everything the user or a log can see.

Every error message and every saved chat history passes through :func:`redact`. It masks two things:
the current values of environment variables that hold credentials (the vendors' key variables and any
variable named like a token, secret or password), and text shaped like a credential whatever its origin
(vendor API keys, GitHub/AWS/Slack tokens, private-key blocks, Bearer tokens, JWTs, and the user:password
part of a URL), because a key pasted into a chat or echoed in a server's error is just as secret as one in
the environment.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping

def key_env_vars() -> tuple[str, ...]:
    """The variables vendors read keys from, as the provider classes declare them (``Provider.key_env``).
    Imported when first needed: every error message passes through here, including import-time ones."""
    try:
        from .models.providers import key_variables
    except ImportError:  # the models package is still importing: mask the names it is known to use
        return ("OPENAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "ANTHROPIC_API_KEY", "HF_TOKEN",
                "HUGGING_FACE_HUB_TOKEN", "DEVGPT_COMPAT_API_KEY")
    return key_variables()


#: Other variables whose values are masked: anything named like a credential (AWS_SECRET_ACCESS_KEY,
#: GITHUB_TOKEN, SLACK_BOT_TOKEN, DB_PASSWORD, ...). Short values ("1", "true") are left alone, or every
#: such character in a message would turn into ***.
_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIALS?)$|_(KEY|TOKEN|SECRET)_",
                          re.IGNORECASE)
_MIN_NAMED_VALUE = 8

MASK = "***"

# Order matters: whole blocks first, then specific shapes, then the generic ones.
_SHAPES: tuple[re.Pattern[str], ...] = (
    # PEM private keys, RSA/EC/DSA/OPENSSH/ENCRYPTED/PGP; an unterminated block is masked to the end
    re.compile(r"-----BEGIN ([A-Z0-9 ]+ )?PRIVATE KEY( BLOCK)?-----.*?(-----END ([A-Z0-9 ]+ )?PRIVATE KEY( BLOCK)?-----|\Z)",
               re.DOTALL),
    # vendor API keys: OpenAI (sk-, sk-proj-), Anthropic (sk-ant-), Google (AIza), Hugging Face (hf_)
    re.compile(r"\bsk-[A-Za-z0-9_\-]{16,}|\bAIza[0-9A-Za-z_\-]{20,}|\bhf_[A-Za-z0-9]{20,}"),
    # GitHub: classic tokens (ghp_, gho_, ghu_, ghs_, ghr_) and fine-grained personal access tokens
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}|\bgithub_pat_[A-Za-z0-9_]{20,}"),
    # Slack: bot, user, app-level, refresh and legacy tokens
    re.compile(r"\bxox[abposre]-[A-Za-z0-9\-]{8,}|\bxapp-[A-Za-z0-9\-]{8,}"),
    # JSON Web Tokens (header.payload.signature, base64url; header and payload start with '{"')
    re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*"),
    # Authorization headers and the like
    re.compile(r"(?<=\b[Bb]earer )[A-Za-z0-9._~+/=\-]{8,}|(?<=\b[Bb]asic )[A-Za-z0-9+/=]{8,}"),
)

# AWS access key ids, and a 40-character secret access key written right after one (a CSV row, a config
# paste, "AKIA... / wJalr...")
_AWS = re.compile(r"\b(AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|APKA)[A-Z0-9]{16}\b"
                  r"(?:(?P<gap>[\s,;:=|/\"'()\[\]{}]{1,20})(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+]))?")

# name = value (or name: value) where the name says it is a credential: aws_secret_access_key = ...,
# "api_key": "...", password=..., client_secret: ...
_ASSIGNED = re.compile(
    r"""(?P<name>\b[A-Za-z0-9_.\-]*(secret|token|passw(or)?d|passphrase|api[_\-]?key|access[_\-]?key|private[_\-]?key)"""
    r"""[A-Za-z0-9_.\-]*["']?\s*[:=]\s*["']?)(?P<value>[^\s"',;]{8,})""",
    re.IGNORECASE)

# credentials in a URL: scheme://user:password@host (or a long token as the user name)
_URL_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<userinfo>[^\s/@:?#]*:[^\s/@?#]*|"
                           r"[^\s/@:?#]{16,})@")


def is_secret_name(name: str) -> bool:
    """An environment variable named like a credential (GITHUB_TOKEN, DB_PASSWORD, ...)."""
    return bool(_SECRET_NAME.search(name))


def without_credentials(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` without the provider key variables and anything named like a credential: for processes that
    have no use for them (the model service, a sandboxed preview whose output the user or a panel sees)."""
    keys = set(key_env_vars())
    return {k: v for k, v in env.items() if k not in keys and not is_secret_name(k)}


def secret_values() -> list[str]:
    """Current values of credential variables, longest first so overlapping values mask fully."""
    values = {os.environ.get(name, "") for name in key_env_vars()}
    values = {v for v in values if len(v) >= 6}
    values |= {value for name, value in os.environ.items()
               if _SECRET_NAME.search(name) and len(value) >= _MIN_NAMED_VALUE}
    return sorted(values, key=len, reverse=True)


#: terminal escape sequences (colours, OSC titles): ``grep --color`` splits a ``key = value`` line with them
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def redact(text: str) -> str:
    """Mask credential values and anything shaped like a credential, keeping the rest readable. Colour codes are
    taken out first, and a value is also found as Python or JSON would quote it (``{os.environ}`` in a chat
    reference doubles a backslash)."""
    text = _ANSI.sub("", text)
    for value in secret_values():
        for spelled in dict.fromkeys([value, repr(value)[1:-1], json.dumps(value)[1:-1]]):
            text = text.replace(spelled, MASK)
    for shape in _SHAPES:
        text = shape.sub(MASK, text)
    text = _AWS.sub(lambda m: MASK + (m.group("gap") + MASK if m.group("secret") else ""), text)
    text = _ASSIGNED.sub(lambda m: m.group("name") + MASK, text)
    return _URL_USERINFO.sub(lambda m: m.group("scheme") + MASK + "@", text)
