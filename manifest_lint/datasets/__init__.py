"""The dataset pass: checks over every file of a dataset at once (train/test leakage,
duplicate content, project-wide Lookout for Vision rules), run after the per-file lint.

``config`` parses ``[tool.manifest-lint.datasets.<name>]``; ``grouping`` finds the datasets
of a run (configured or inferred); ``entries`` is what is kept per file; ``checks`` and
``cvat`` judge them; ``run`` ties it to the runner. This ``__init__`` imports nothing, so
that the config can import ``datasets.config`` cheaply.
"""
