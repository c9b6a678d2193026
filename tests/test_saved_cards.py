"""Cards in a saved notebook: a real kernel runs a notebook (nbclient), the notebook is written and read back as a
file, and nbconvert's HTML and Markdown show each card's command, explanations, argument table and risk, and what
ran, from its static twin (the live widget needs its kernel; the twin does not)."""

from __future__ import annotations

import json

import nbformat
import pytest

CARD_CODE = """\
%load_ext devgpt_magic
from devgpt_magic.engine import Engine
from devgpt_magic.results import CommandResult
from devgpt_magic.schema import CommandStep, Suggestion, Usage
steps = [CommandStep(command="echo saved-card-marker", explanations=["Prints a marker <img src=x onerror=alert(1)>"],
                     arguments={"saved-card-marker": "the text to print"}),
         CommandStep(command="rm -rf ~", explanations=["Deletes your home folder"])]
s = Suggestion(request="r", commands=steps, usage=Usage(model="tiny-model", prompt_tokens=5, completion_tokens=7),
               alternatives=[CommandStep(command="printf 'saved-card-marker\\\\n'")])
result = CommandResult(Engine._assess(s), local=True, shell=get_ipython())
display(result)
card = result.card().cards[0]
card.run_button.click()
card.flow.confirm_button.click()
"""


@pytest.fixture(scope="module")
def saved_notebook(tmp_path_factory):
    from nbclient import NotebookClient

    folder = tmp_path_factory.mktemp("saved")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CARD_CODE)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, kernel_name="python3", timeout=180, resources={"metadata": {"path": str(folder)}}).execute()
    path = folder / "cards.ipynb"
    nbformat.write(nb, path)
    return nbformat.read(path, as_version=4)  # as a reader gets it: no kernel, only the file


def test_each_card_is_a_widget_followed_by_its_static_twin(saved_notebook):
    outputs = saved_notebook.cells[0].outputs
    assert not [o for o in outputs if o.output_type == "error"], outputs
    kinds = [("widget" if "application/vnd.jupyter.widget-view+json" in o.get("data", {}) else
              "static" if o.get("metadata", {}).get("devgpt", {}).get("static") else o.output_type) for o in outputs]
    assert kinds.index("widget") + 1 == kinds.index("static")
    widget = outputs[kinds.index("widget")]
    assert widget.data["text/plain"] == "DevGPT command card (the static view follows)"
    static = outputs[kinds.index("static")]
    assert {"text/html", "text/markdown", "text/plain"} <= set(static.data)
    assert "ran: exit code 0" in static.data["text/html"]  # the run is recorded in the saved notebook


def test_nbconvert_html_shows_the_cards(saved_notebook):
    from nbconvert import HTMLExporter

    html, _ = HTMLExporter().from_notebook_node(saved_notebook)
    assert "echo saved-card-marker" in html and "Prints a marker &lt;img src=x onerror=alert(1)&gt;" in html
    assert ">argument</th>" in html and "the text to print" in html
    assert "devgpt-risk-dangerous" in html and "home" in html and "rm -rf ~" in html
    assert "Other ways" in html and "ran: exit code 0" in html and "tiny-model" in html
    assert "<img src=x onerror" not in html


def test_nbconvert_markdown_and_the_plain_text(saved_notebook):
    from nbconvert import MarkdownExporter

    markdown, _ = MarkdownExporter().from_notebook_node(saved_notebook)
    assert "echo saved-card-marker" in markdown and "dangerous" in markdown.lower() and "rm -rf ~" in markdown
    static = next(o for o in saved_notebook.cells[0].outputs if o.get("metadata", {}).get("devgpt"))
    assert "$ rm -rf ~" in static.data["text/plain"] and "risk: DANGEROUS" in static.data["text/plain"]
    json.dumps(saved_notebook)  # the notebook stays plain JSON
