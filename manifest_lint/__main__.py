"""Allow ``python -m manifest_lint``."""

from manifest_lint.cli import main

main()
