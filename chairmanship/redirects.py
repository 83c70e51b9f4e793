"""Old public addresses of published records keep working after a slug change.

A published record's slug can be corrected; links to the old address are out in the world (citations,
search engines, bookmarks). When a public detail page is not found, the old slug is looked up in
``SlugRedirect`` and the reader is sent permanently to the record's current address.
"""

from django.contrib.contenttypes.models import ContentType
from django.urls import Resolver404, resolve, reverse

from chairmanship.models import Chairmanship, Document, Initiative, SlugRedirect, State, Summit

# A record's page and the citation files beside it (``cite.bib``, ``cite.ris``, ``cite.json``).
DETAIL_VIEWS = {
    f"chairmanship:{model._meta.model_name}_{view}": model
    for model in (State, Chairmanship, Summit, Document, Initiative)
    for view in ("detail", "cite")
}


def moved_record_url(path: str) -> str | None:
    """The current address of what ``path`` (an old address of a published record's page or citation file)
    pointed at, if any."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    model = DETAIL_VIEWS.get(match.view_name)
    slug = match.kwargs.get("slug")
    if model is None or not slug:
        return None
    record_id = (
        SlugRedirect.objects.filter(content_type=ContentType.objects.get_for_model(model), old_slug=slug)
        .values_list("object_id", flat=True)
        .first()
    )
    if record_id is None:
        return None
    record = model.objects.published().filter(pk=record_id).first()
    return reverse(match.view_name, kwargs={**match.kwargs, "slug": record.slug}) if record is not None else None
