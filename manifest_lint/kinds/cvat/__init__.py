"""CVAT dataset manifests (``manifest.jsonl`` for images, 3D scenes and video)."""

from manifest_lint.kinds.spec import KindSpec, Option

SORTING_CHOICES = ("", "lexicographical", "natural", "predefined")

SPEC = KindSpec(
    name="cvat",
    title="CVAT dataset manifest",
    checker="manifest_lint.kinds.cvat.check:check",
    options={
        "sorting": Option(
            "str", "",
            "The sorting method your CVAT tasks use (lexicographical, natural or predefined); "
            "image records must be in that order (CVAT405). Empty: not declared, not checked. "
            "predefined: the manifest's order is the frame order.",
            choices=SORTING_CHOICES,
        ),
    },
)
