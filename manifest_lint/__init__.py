"""manifest-lint: lint and fix computer-vision label files and dataset manifests."""

__version__ = "0.2.0"
