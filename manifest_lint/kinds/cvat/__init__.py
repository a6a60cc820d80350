"""CVAT dataset manifests (``manifest.jsonl`` for images, 3D scenes and video)."""

from manifest_lint.kinds.spec import KindSpec, Option

SORTING_CHOICES = ("", "lexicographical", "natural", "predefined")
LINK_CHOICES = ("follow", "inside")

SPEC = KindSpec(
    name="cvat",
    title="CVAT dataset manifest",
    checker="manifest_lint.kinds.cvat.check:check",
    preview="manifest_lint.kinds.cvat.preview:locator",
    options={
        "media-root": Option(
            "str", "",
            "Where media resolve instead of the file's folder: a folder (relative to the "
            "config file) or s3://bucket/prefix/ (also gs://, az://container/ or "
            "https://<account>.blob.core.windows.net/<container>/; checked there). "
            "--media-root wins.",
        ),
        "sorting": Option(
            "str", "",
            "The sorting method your CVAT tasks use (lexicographical, natural or predefined); "
            "image records must be in that order (CVAT405). Empty: not declared, not checked. "
            "predefined: the manifest's order is the frame order.",
            choices=SORTING_CHOICES,
        ),
        "links": Option(
            "str", "follow",
            "Symbolic links among the media. follow: follow them wherever they lead, as "
            "CVAT's tool does (DVC, git-annex). inside: a link that leads outside the media "
            "folder is an error (CVAT410) and is not opened.",
            choices=LINK_CHOICES,
        ),
    },
)
