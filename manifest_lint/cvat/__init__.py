"""CVAT dataset manifests (``manifest.jsonl``): canonical serialization and generation."""
