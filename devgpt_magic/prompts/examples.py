"""The product's own few-shot examples, written for this project.

None of them comes from, or paraphrases, an evaluation set (NL2SH-ALFA, DeveloperGPT's requests): a
figure measured with test items in the prompt would measure nothing. ``tests/test_prompts.py`` checks
that no example request appears in the evaluation files shipped beside the repo.

One example uses ``find ... -exec ... \\;`` on purpose: it shows the model that a backslash inside a
JSON string is written ``\\\\``, which llama.cpp's grammar and every JSON parser accept.
"""

from __future__ import annotations

from typing import Any

#: (request, regular-mode reply). The fast-mode reply is derived: just the commands.
#: The invalid-request example comes first: with it last, SmolLM2-135M called 15 of 16 plain requests
#: invalid (recency); first, 3 of 16 (tuned on 8 requests of our own, none from an evaluation set).
COMMAND_EXAMPLES: list[tuple[str, dict[str, Any]]] = [
    (
        "water the tomato plants on my balcony",
        {
            "input": "water the tomato plants on my balcony",
            "error": 1,
            "explanation": "Watering plants is a physical task; no terminal command can do it.",
        },
    ),    (
        "pack the reports folder into a gzipped tarball named after today's date",
        {
            "input": "pack the reports folder into a gzipped tarball named after today's date",
            "error": 0,
            "commands": [
                {
                    "seq": 1,
                    "cmd_to_execute": "tar -czf \"reports-$(date +%F).tar.gz\" reports",
                    "cmd_explanations": [
                        "tar creates an archive of the reports folder and compresses it with gzip.",
                        "$(date +%F) inserts today's date as YYYY-MM-DD into the file name.",
                    ],
                    "arg_explanations": {
                        "-c": "create a new archive",
                        "-z": "compress the archive with gzip",
                        "-f \"reports-$(date +%F).tar.gz\"": "write the archive to this file",
                        "reports": "the folder to put into the archive",
                    },
                }
            ],
        },
    ),
    (
        "convert tabs to four spaces in every python file under src",
        {
            "input": "convert tabs to four spaces in every python file under src",
            "error": 0,
            "commands": [
                {
                    "seq": 1,
                    "cmd_to_execute": "find src -type f -name '*.py' -exec sed -i 's/\\t/    /g' {} \\;",
                    "cmd_explanations": [
                        "find walks src and runs sed on each Python file it finds.",
                        "sed edits each file in place, replacing every tab with four spaces.",
                    ],
                    "arg_explanations": {
                        "src": "the folder to search",
                        "-type f": "only regular files",
                        "-name '*.py'": "only files whose name ends in .py",
                        "-exec sed -i 's/\\t/    /g' {} \\;": "run sed on each file; {} is the file, \\; ends the command",
                        "-i": "edit the file in place",
                    },
                }
            ],
        },
    ),
    (
        "set up a python virtual environment in .venv and install httpx into it",
        {
            "input": "set up a python virtual environment in .venv and install httpx into it",
            "error": 0,
            "commands": [
                {
                    "seq": 1,
                    "cmd_to_execute": "python3 -m venv .venv",
                    "cmd_explanations": ["Creates a virtual environment in the .venv folder."],
                    "arg_explanations": {"-m venv": "run Python's venv module", ".venv": "where to create it"},
                },
                {
                    "seq": 2,
                    "cmd_to_execute": ".venv/bin/pip install httpx",
                    "cmd_explanations": ["Installs httpx with the environment's own pip."],
                    "arg_explanations": {"install": "install packages", "httpx": "the package to install"},
                },
            ],
        },
    ),

]

#: What each example asks for, as a plan reply states it before the command or the refusal (Techniques.plan):
#: every detail the request asks for, so that a flag or a last pipeline step is not left out, and a refusal is
#: decided after reading the request rather than before.
NEEDS: dict[str, str] = {
    "water the tomato plants on my balcony": "water poured on real plants outside the computer",
    "pack the reports folder into a gzipped tarball named after today's date":
        "an archive of the folder reports; compressed with gzip; today's date in the file name",
    "convert tabs to four spaces in every python file under src":
        "every .py file under src, in subfolders too; each tab becomes four spaces; change the files in place",
    "set up a python virtual environment in .venv and install httpx into it":
        "a new virtual environment in .venv; httpx installed with that environment's own pip",
}

#: An explain example: an existing command, explained in the explain reply (the command is not repeated).
EXPLAIN_EXAMPLE: tuple[str, dict[str, Any]] = (
    "grep -rn --include='*.js' 'console.log' web/",
    {
        "explanation": "Searches every JavaScript file under web/ for the text console.log and prints each match "
                       "with its file name and line number. It only reads files.",
        "arguments": {
            "-r": "search folders recursively",
            "-n": "print the line number of each match",
            "--include='*.js'": "only look in files ending in .js",
            "'console.log'": "the text to search for",
            "web/": "the folder to search",
        },
    },
)


def fast_reply(reply: dict[str, Any]) -> dict[str, Any]:
    """The fast-mode form of a regular reply: the commands only (invalid replies stay as they are)."""
    if reply.get("error"):
        return reply
    return {"commands": [c["cmd_to_execute"] for c in reply["commands"]]}
