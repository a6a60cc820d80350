"""Subcommands of ``manifest-lint create``; each module registers one on ``create_app``."""
