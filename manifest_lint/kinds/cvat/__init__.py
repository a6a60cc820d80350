"""CVAT dataset manifests (``manifest.jsonl`` for images, 3D scenes and video)."""

from manifest_lint.kinds import KindSpec

SPEC = KindSpec(
    name="cvat",
    title="CVAT dataset manifest",
    checker="manifest_lint.kinds.cvat.check:check",
    options={},
)
