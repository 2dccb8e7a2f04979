"""The small Dockerfile reader: continuation lines, directives, heredocs, stages and ARG in FROM."""
from __future__ import annotations

from grader.rules import lint_text
from grader.rules.dockerfile._parse import parse, substitute


def test_continuations_comments_and_lines():
    parsed = parse("# syntax=docker/dockerfile:1\nFROM a:1\nRUN apt-get update \\\n  # note\n  && echo ok\nUSER 1\n")
    assert [(i.keyword, i.line) for i in parsed.instructions] == [("FROM", 2), ("RUN", 3), ("USER", 6)]
    assert parsed.instructions[1].args == "apt-get update  && echo ok"


def test_escape_directive_and_heredoc():
    parsed = parse("# escape=`\nFROM a:1\nRUN echo a `\n  b\nRUN <<EOF\nUSER root\nEOF\nUSER 1001\n")
    assert [i.keyword for i in parsed.instructions] == ["FROM", "RUN", "RUN", "USER"]
    assert parsed.instructions[1].args == "echo a  b"
    assert parsed.final.all("USER")[0].args == "1001"


def test_stages_aliases_platform_and_args_in_from():
    parsed = parse("ARG REG=docker.io/library\nARG V\nFROM --platform=$BUILDPLATFORM ${REG}/golang:${V:-1.23} AS build\n"
                   "FROM ${REG}/alpine:$V\nFROM build\n")
    assert [s.image for s in parsed.stages] == ["docker.io/library/golang:1.23", "docker.io/library/alpine:$V", "build"]
    assert [s.unresolved for s in parsed.stages] == [False, True, False]
    assert parsed.stages[0].alias == "build" and parsed.aliases == {"build"}


def test_substitute_forms():
    assert substitute("${A}-$B-${C:-c}-${A:+x}", {"A": "a", "B": "b"}) == ("a-b-c-x", True)
    assert substitute("$MISSING", {}) == ("$MISSING", False)


def test_exec_form_words_and_command():
    [cmd] = parse('FROM a:1\nCMD ["sh", "-c", "echo hi"]\n').final.all("CMD")
    assert cmd.words == ["sh", "-c", "echo hi"] and cmd.command == "sh -c echo hi"


def test_user_rules_follow_the_final_stage_only():
    text = "FROM docker.io/library/alpine:3.20 AS b\nUSER root\nFROM docker.io/library/alpine:3.20\nUSER 1001:0\n"
    assert lint_text(text, kind="dockerfile").for_rule("dockerfile-user-non-root") == []
    inherited = "FROM docker.io/library/alpine:3.20 AS b\nUSER 0\nFROM b\nCMD [\"x\"]\n"
    [problem] = lint_text(inherited, kind="dockerfile").for_rule("dockerfile-user-non-root")
    assert problem.line == 2
    for user in ("root", "0", "root:0", "0:root", "${U}"):
        text = f"FROM docker.io/library/alpine:3.20\nARG U=root\nUSER {user}\n"
        assert lint_text(text, kind="dockerfile").for_rule("dockerfile-user-non-root"), user
    for user in ("1001", "app", "app:0", "1001:1001", "${NOPE}"):
        text = f"FROM docker.io/library/alpine:3.20\nUSER {user}\n"
        assert lint_text(text, kind="dockerfile").for_rule("dockerfile-user-non-root") == [], user


def test_a_dockerfile_without_from_is_unusable():
    [problem] = lint_text("RUN echo hi\n", kind="dockerfile")
    assert problem.rule == "input-unusable" and "FROM" in problem.message


def test_hadolint_findings_carry_code_line_and_mapped_level():
    problems = lint_text("FROM docker.io/library/debian:12-slim\nRUN apt-get install -y curl\nUSER 1001\n",
                         kind="dockerfile").for_rule("hadolint")
    codes = {p.message.split(" : ")[0]: p for p in problems}
    assert codes["DL3008"].severity == "warning" and codes["DL3008"].line == 2   # hadolint "warning"
    assert codes["DL3015"].severity == "info"                                      # hadolint "info"
    assert "hadolint/wiki/DL3008" in codes["DL3008"].hint


# ---------------------------------------------------------------- shell arithmetic, here-strings, heredocs
def _keywords(text):
    return [(i.keyword, i.line) for i in parse(text).instructions]


def test_shell_arithmetic_is_not_a_heredoc():
    text = "FROM alpine:3.20\nRUN echo $((1<<2)) > /tmp/n\nUSER 1001\nCMD [\"sh\"]\n"
    assert _keywords(text) == [("FROM", 1), ("RUN", 2), ("USER", 3), ("CMD", 4)]
    assert parse(text).final.all("USER")[0].args == "1001"


def test_nested_arithmetic_and_shift_without_dollar_are_not_heredocs():
    text = "FROM alpine:3.20\nRUN x=$(( (1<<3) + 1 )) && echo $((x<<y))\nUSER 1001\n"
    assert _keywords(text) == [("FROM", 1), ("RUN", 2), ("USER", 3)]


def test_here_string_is_not_a_heredoc():
    text = "FROM alpine:3.20\nRUN read a <<< \"x y\" && cat <<<EOF\nUSER 1001\n"
    assert _keywords(text) == [("FROM", 1), ("RUN", 2), ("USER", 3)]


def test_real_heredoc_body_stays_in_its_instruction():
    text = ("FROM alpine:3.20\nRUN <<EOF\nset -e\nUSER root\necho done\nEOF\nUSER 1001\n"
            "COPY <<-\"CONF\" /etc/app.conf\n\tkey=value\n\tCONF\nCMD [\"sh\"]\n")
    parsed = parse(text)
    assert _keywords(text) == [("FROM", 1), ("RUN", 2), ("USER", 7), ("COPY", 8), ("CMD", 11)]
    assert "USER root" in parsed.instructions[1].args       # body, not an instruction
    assert [i.args for i in parsed.final.all("USER")] == ["1001"]


def test_two_heredocs_on_one_line_both_end():
    text = "FROM alpine:3.20\nRUN <<A cat > a && <<B cat > b\none\nA\ntwo\nB\nUSER 1001\n"
    assert _keywords(text) == [("FROM", 1), ("RUN", 2), ("USER", 7)]


def test_unterminated_heredoc_keeps_the_rest_in_the_instruction():
    text = "FROM alpine:3.20\nRUN <<EOF\necho\nUSER 1001\n"
    assert _keywords(text) == [("FROM", 1), ("RUN", 2)]


def test_arithmetic_line_no_longer_hides_user_from_the_rules():
    text = "FROM alpine:3.20\nRUN echo $((1<<2)) && cat <<< x\nUSER 1001\nCMD [\"sh\"]\n"
    assert not lint_text(text, kind="dockerfile").for_rule("dockerfile-user-non-root")
