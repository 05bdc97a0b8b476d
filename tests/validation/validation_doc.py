#!/usr/bin/env python3
"""The result lines quoted in docs/validation.md are what the validation tests print (fixed
seeds, so the same build prints the same lines).

  validation_doc.py --log FILE --check docs/validation.md
      (ctest validation.doc) fail, with the differences, unless the page quotes exactly the
      lines the validation tests just wrote to FILE (SCALESIM_VALIDATION_LOG), no more, no fewer
  validation_doc.py --binary build/default/tests/validation_tests --write docs/validation.md
      run the validation tests and put their lines in the page: each quoted line is replaced by
      the new line for the same case; a case the page does not quote yet is an error (add it to
      the right section by hand once, then --write keeps it up to date)

A result line is a line of a ``` block that contains "Expectation"; its case is the text
before "Expectation"."""
import argparse
import os
import subprocess
import sys
import tempfile


def case(line):
    return line.split("Expectation")[0].strip()


def page_lines(text):
    out, inside = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            inside = not inside
        elif inside and "Expectation" in line:
            out.append(line.rstrip())
    return out


def log_lines(path):
    with open(path, encoding="utf-8") as f:
        return [l.rstrip() for l in f if "Expectation" in l]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--log")
    p.add_argument("--binary")
    p.add_argument("--check")
    p.add_argument("--write")
    a = p.parse_args()
    if a.check:
        if not a.log or not os.path.exists(a.log):
            sys.exit(f"no validation log {a.log}: run the validation tests first")
        page = page_lines(open(a.check, encoding="utf-8").read())
        ran = log_lines(a.log)
        missing = sorted(set(ran) - set(page))
        stale = sorted(set(page) - set(ran))
        for l in missing:
            print("the tests printed, the page lacks:\n" + l)
        for l in stale:
            print("the page quotes, the tests did not print:\n" + l)
        if missing or stale:
            print(f"regenerate: {sys.argv[0]} --binary <build>/tests/validation_tests "
                  f"--write {a.check}")
            return 1
        print(f"{len(page)} result lines of {a.check} match the validation tests")
        return 0
    if a.write and a.binary:
        with tempfile.TemporaryDirectory() as tmp:
            log = os.path.join(tmp, "validation.log")
            env = dict(os.environ, SCALESIM_VALIDATION_LOG=log)
            subprocess.run([a.binary], env=env, check=True, stdout=subprocess.DEVNULL)
            ran = {case(l): l for l in log_lines(log)}
        text = open(a.write, encoding="utf-8").read()
        quoted = {case(l) for l in page_lines(text)}
        new_cases = sorted(set(ran) - quoted)
        if new_cases:
            sys.exit("cases the page does not quote yet (add a line for each by hand): " +
                     "; ".join(new_cases))
        out, inside = [], False
        for line in text.splitlines():
            if line.startswith("```"):
                inside = not inside
            elif inside and "Expectation" in line:
                if case(line) not in ran:
                    continue  # a case that no longer exists
                line = ran[case(line)]
            out.append(line)
        with open(a.write, "w", encoding="utf-8") as f:
            f.write("\n".join(out) + "\n")
        return 0
    p.error("give --log and --check, or --binary and --write")


sys.exit(main())
