"""Every rule's documented examples run as tests: stateful ones must be found,
self-contained ones must stay quiet."""

from __future__ import annotations

import pytest

from statelint.rule import all_rules

CASES = [
    pytest.param(rule, example, id=f"{rule.code}-{example.kind}-{index}")
    for rule in all_rules()
    for index, example in enumerate(rule.examples)
]


def test_catalogue_is_not_empty():
    assert len(all_rules()) >= 2


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.code)
def test_rule_is_documented_with_both_kinds_of_example(rule):
    assert rule.code and rule.name and rule.summary
    assert rule.what_it_finds.strip() and rule.why_stateful.strip() and rule.how_to_fix.strip()
    kinds = {example.kind for example in rule.examples}
    assert kinds == {"stateful", "self-contained"}
    doc = rule.documentation()
    assert "## Why it makes a service stateful" in doc and "```python" in doc


@pytest.mark.parametrize("rule, example", CASES)
def test_rule_example(rule, example, scan_files):
    result = scan_files(example.files)
    own = [finding for finding in result.findings if finding.rule == rule.code]
    assert not result.problems, result.problems
    if example.kind == "stateful":
        assert own, f"{rule.code} found nothing in its stateful example {example.title!r}"
        # the documented findings, exactly: where, and what the message says
        assert example.findings, f"{rule.code}'s stateful example lists no expected finding"
        assert [(f.path, f.line) for f in own] == [(p, line) for p, line, _ in example.findings]
        for finding, (_, _, start) in zip(own, example.findings, strict=True):
            assert finding.message.startswith(start), (finding.message, start)
        stateful = {v.handler.name for v in result.verdicts if v.verdict == "stateful"}
        for handler in example.handlers:
            assert handler in stateful, f"{handler} should be stateful; verdicts: {result.verdicts}"
        for finding in own:
            assert finding.message and finding.suggestion and finding.trace
    else:
        assert not own, f"{rule.code} reported its self-contained example: {own}"
        assert result.verdicts, "the self-contained example should declare handlers"
