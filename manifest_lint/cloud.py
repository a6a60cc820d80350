"""URLs of objects in cloud storage: which provider, which bucket (or container), which key.

Three providers, as CVAT attaches them:

* ``s3://bucket/key`` (AWS S3 and S3-compatible stores),
* ``gs://bucket/key`` (Google Cloud Storage),
* ``az://container/key`` (Azure Blob Storage, the account from the environment) and the form
  copied from the Azure portal, ``https://<account>.blob.core.windows.net/<container>/key``.

A *root* is the part of a URL up to and including the bucket and its ``/``; an object's URL is
always its root followed by its key, so reports name objects the way the user spelled them.
"""

from __future__ import annotations

import os
import re
from typing import Literal

Provider = Literal["s3", "gcs", "azure"]

SCHEMES: dict[str, Provider] = {"s3://": "s3", "gs://": "gcs", "az://": "azure"}
_AZURE_HTTPS = re.compile(r"https://([a-z0-9]{3,24})\.blob\.core\.windows\.net/", re.I)
KINDS = {"s3": "bucket", "gcs": "bucket", "azure": "container"}
NAMES = {"s3": "S3", "gcs": "GCS", "azure": "Azure"}


def provider(location: object) -> Provider | None:
    """The provider a URL names, None for anything else (a local path)."""
    if not isinstance(location, str):
        return None
    found = SCHEMES.get(location[:5])
    if found is not None:
        return found
    if location[:8].lower() == "https://" and _AZURE_HTTPS.match(location):
        return "azure"
    return None


def is_remote(location: object) -> bool:
    """True for a URL of an object (or prefix) in cloud storage, not a path on disk."""
    return provider(location) is not None


def account(url: str) -> str | None:
    """The Azure storage account named by an ``https://<account>.blob...`` URL, else None."""
    m = _AZURE_HTTPS.match(url)
    return m.group(1).lower() if m else None


def split(url: str) -> tuple[str, str, str]:
    """``(root, bucket, key)``: ``gs://b/k/x`` -> ``("gs://b/", "b", "k/x")``."""
    m = _AZURE_HTTPS.match(url)
    head = m.end() if m else 5
    bucket, _, key = url[head:].partition("/")
    return url[:head] + bucket + "/", bucket, key


def root_of(url: str) -> str:
    """The root (scheme, account, bucket and ``/``) of ``url``."""
    return split(url)[0]


def from_path(text: str | os.PathLike[str]) -> str | None:
    """The URL a command-line path spells (``pathlib`` folds ``//`` into ``/``), else None."""
    text = os.fspath(text)
    for scheme in SCHEMES:
        if text.startswith(scheme[:4]):
            return scheme + text[4:].lstrip("/")
    if text[:7].lower() == "https:/":
        url = "https://" + text[7:].lstrip("/")
        if _AZURE_HTTPS.match(url):
            return url
    return None


def describe(url: str) -> str:
    """``"bucket"`` or ``"container"``, as the provider of ``url`` calls it."""
    return KINDS[provider(url) or "s3"]


def not_s3_hint(uri: str) -> str:
    """For a reference in Lookout for Vision / Ground Truth data that names another cloud:
    why it cannot work there ("" for anything else)."""
    found = provider(uri)
    if found is None or found == "s3":
        return ""
    return (f"Lookout for Vision and Ground Truth read only S3, not {NAMES[found]}: copy the "
            "objects to an S3 bucket and use their s3:// URIs")
