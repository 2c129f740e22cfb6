"""Every kind of file an upload can be is named on the pages in the registry's plain words (or the pages' own
shorter words), never as its internal name ("ocds" once showed as "Ocds")."""

from anchorage.ingest import kinds
from anchorage.services import loads  # noqa: F401  (importing it registers every domain's import kinds)
from anchorage.web.nav import UPLOAD_KINDS, upload_kind


def test_every_registered_kind_is_named_in_plain_words_on_the_pages():
    assert "ocds" in kinds.REGISTRY
    for name, kind in kinds.REGISTRY.items():
        assert upload_kind(name) in (UPLOAD_KINDS.get(name), kind.label), name
    assert upload_kind("ocds") == kinds.REGISTRY["ocds"].label != "Ocds"
