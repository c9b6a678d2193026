"""Response bodies shaped as each vendor's public API documents them."""

from __future__ import annotations

import json
from typing import Any

REGULAR_REPLY = json.dumps({
    "input": "find big logs", "error": 0,
    "commands": [{"seq": 1, "cmd_to_execute": "find /var/log -type f -size +100M",
                  "cmd_explanations": ["Lists files over 100 MB under /var/log."],
                  "arg_explanations": {"-type f": "regular files only", "-size +100M": "larger than 100 MB"}}],
})
STRICT_REPLY = json.dumps({
    "input": "find big logs", "error": 0, "explanation": "",
    "commands": [{"seq": 1, "cmd_to_execute": "find /var/log -type f -size +100M",
                  "cmd_explanations": ["Lists files over 100 MB under /var/log."],
                  "arg_explanations": [{"arg": "-size +100M", "explanation": "larger than 100 MB"}]}],
})


def openai_chat(text: str, prompt_tokens: int = 120, completion_tokens: int = 40, model: str = "gpt-4o",
                finish: str = "stop") -> dict[str, Any]:
    return {"id": "chatcmpl-abc123", "object": "chat.completion", "created": 1764300000, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text, "refusal": None},
                         "logprobs": None, "finish_reason": finish}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens}}


def openai_chunks(pieces: list[str], model: str = "gpt-4o", finish: str = "stop") -> list[Any]:
    """A streamed chat reply; ``finish="length"``: one cut at the token limit."""
    base = {"id": "chatcmpl-abc123", "object": "chat.completion.chunk", "created": 1764300000, "model": model}
    events: list[Any] = [dict(base, choices=[{"index": 0, "delta": {"role": "assistant", "content": ""},
                                               "finish_reason": None}])]
    events += [dict(base, choices=[{"index": 0, "delta": {"content": p}, "finish_reason": None}]) for p in pieces]
    events.append(dict(base, choices=[{"index": 0, "delta": {}, "finish_reason": finish}]))
    events.append(dict(base, choices=[], usage={"prompt_tokens": 50, "completion_tokens": len(pieces),
                                                "total_tokens": 50 + len(pieces)}))
    events.append("[DONE]")
    return events


def openai_error(status: int, message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


def gemini_response(text: str, prompt_tokens: int = 110, completion_tokens: int = 35,
                    finish: str = "STOP") -> dict[str, Any]:
    return {"candidates": [{"content": {"parts": [{"text": text}], "role": "model"}, "finishReason": finish,
                            "index": 0}],
            "usageMetadata": {"promptTokenCount": prompt_tokens, "candidatesTokenCount": completion_tokens,
                              "totalTokenCount": prompt_tokens + completion_tokens},
            "modelVersion": "gemini-2.5-flash", "responseId": "resp-1"}


def gemini_error(code: int, message: str, status: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status}}


def anthropic_message(text: str, input_tokens: int = 130, output_tokens: int = 45,
                      stop: str = "end_turn") -> dict[str, Any]:
    return {"id": "msg_01XYZ", "type": "message", "role": "assistant", "model": "claude-haiku-4-5",
            "content": [{"type": "text", "text": text}], "stop_reason": stop, "stop_sequence": None,
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens}}


def anthropic_events(pieces: list[str]) -> list[Any]:
    start = anthropic_message("", 60, 1)
    start["content"] = []
    events: list[Any] = [("message_start", {"type": "message_start", "message": start}),
                         ("content_block_start", {"type": "content_block_start", "index": 0,
                                                  "content_block": {"type": "text", "text": ""}})]
    events += [("content_block_delta", {"type": "content_block_delta", "index": 0,
                                        "delta": {"type": "text_delta", "text": p}}) for p in pieces]
    events += [("content_block_stop", {"type": "content_block_stop", "index": 0}),
               ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                  "usage": {"output_tokens": len(pieces)}}),
               ("message_stop", {"type": "message_stop"})]
    return events


def anthropic_error(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}
