"""Browser tooling shared by the accessibility suite (tests/test_a11y.py) and `make audit`."""
