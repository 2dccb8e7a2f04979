"""Growth of the work on hostile inputs (issue #21): time at size n and 4n, as a ratio.

A linear step gives a ratio near 4, a quadratic one near 16. Measured in the same run, best of
`--repeat`; nothing is asserted (house rule: speed lives here, not in tests). Cases:
- `kind: List` expansion with n items (`grader.rules.inputs.add_yaml_text`);
- the rules that used quadratic regexes, on one line of n bytes (Dockerfile CMD, CI script line);
- the alias bound of the YAML loader on a "billion laughs" file (constant: refused before expansion).

    python benchmarks/bench_inputs.py [--n 2000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import time

from grader.rules import lint_text
from grader.rules.inputs import Loaded, add_yaml_text
from grader.yamlload import load_all


def _list(n: int) -> None:
    items = "".join(f"- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c{i}\n" for i in range(n))
    add_yaml_text("apiVersion: v1\nkind: List\nitems:\n" + items, "l.yaml", "manifest", Loaded())


def _line(pattern: str, kind: str):
    def run(n: int) -> None:
        line = pattern * (n * 50 // len(pattern))
        text = f"FROM alpine:3.20\nUSER 1001\nCMD {line}\n" if kind == "dockerfile" else \
            f"build:\n  script:\n    - {line!r}\n"
        lint_text(text, kind=kind)
    return run


def _laughs(levels: int) -> str:
    return "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(levels))


def best(fn, n: int, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(n)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cases = {"List items": _list,
             "Dockerfile '>a' line": _line(">a", "dockerfile"), "Dockerfile 'curl ' line": _line("curl ", "dockerfile"),
             "Dockerfile 'touch ' line": _line("touch ", "dockerfile"),
             "CI 'curl ' line": _line("curl ", "gitlab_ci"), "CI 'mvn ' line": _line("mvn ", "gitlab_ci"),
             "alias levels (n/1000)": lambda n: load_all(_laughs(n // 1000 + 2))}
    print(f"{'case':28} {'n':>8} {'t(n) s':>9} {'t(4n) s':>9} {'ratio':>6}  (linear ≈ 4, quadratic ≈ 16)")
    for name, fn in cases.items():
        small, large = best(fn, args.n, args.repeat), best(fn, 4 * args.n, args.repeat)
        print(f"{name:28} {args.n:>8} {small:>9.3f} {large:>9.3f} {large / small:>6.1f}")


if __name__ == "__main__":
    main()
