"""Where the tests find the project and its data, wherever a test file sits under tests/."""

from pathlib import Path

#: the project's root (pyproject.toml, tracer/, cassettes/)
ROOT = Path(__file__).resolve().parents[2]
#: tests/
TESTS = ROOT / "tests"
#: tests/data: real recordings copied into the project, with their LICENSE
DATA = TESTS / "data"
#: the shipped pipeline runs
CASSETTES = ROOT / "cassettes"
#: ../shared beside the project (design notes and real data); absent on some machines
SHARED = ROOT.parent / "shared"
