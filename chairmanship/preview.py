"""Draft previews: any record on its public template, with a banner, for staff and for shared links.

The public views only show published records. Each preview view is the public view with one
explicit override: its queryset is every record. A Publisher can also hand a reviewer without an
account a signed link to one record's preview; the link expires (after 7 days unless chosen otherwise).
"""

import datetime
from http import HTTPStatus

from django.contrib.admin.views.decorators import staff_member_required
from django.core import signing
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from chairmanship.models import Publishable
from chairmanship.publication import may_read_unpublished
from chairmanship.views import (
    ChairmanshipDetailView,
    DocumentDetailView,
    InitiativeDetailView,
    StateDetailView,
    SummitDetailView,
)

SHARE_LINK_SALT = "chairmanship.preview.share"
SHARE_LINK_DEFAULT_DAYS = 7
SHARE_LINK_MAX_DAYS = 30


class DraftPreviewMixin:
    """Shows any record, published or not, and tells the template it is a preview."""

    def get_queryset(self):
        return self.model._default_manager.all()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["preview"] = True
        return context


class StatePreviewView(DraftPreviewMixin, StateDetailView):
    pass


class ChairmanshipPreviewView(DraftPreviewMixin, ChairmanshipDetailView):
    pass


class SummitPreviewView(DraftPreviewMixin, SummitDetailView):
    pass


class DocumentPreviewView(DraftPreviewMixin, DocumentDetailView):
    pass


class InitiativePreviewView(DraftPreviewMixin, InitiativeDetailView):
    pass


PREVIEW_VIEWS = {
    view.model._meta.model_name: view
    for view in (
        StatePreviewView,
        ChairmanshipPreviewView,
        SummitPreviewView,
        DocumentPreviewView,
        InitiativePreviewView,
    )
}


def _not_for_search_engines(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@staff_member_required
def preview(request, model: str, slug: str):
    view = PREVIEW_VIEWS.get(model)
    if view is None or not may_read_unpublished(request.user, view.model):
        raise Http404("No such preview.")
    return _not_for_search_engines(view.as_view()(request, slug=slug))


def make_share_token(record: Publishable, *, days: int = SHARE_LINK_DEFAULT_DAYS) -> str:
    """A signed, expiring token naming one record; carries its own lifetime."""
    return signing.dumps({"model": record._meta.model_name, "pk": record.pk, "days": days}, salt=SHARE_LINK_SALT)


def read_share_token(token: str) -> tuple[str, int]:
    """The (model name, pk) a token names. Raises ``signing.BadSignature`` or ``signing.SignatureExpired``."""
    payload = signing.loads(token, salt=SHARE_LINK_SALT)
    days = min(int(payload.get("days", SHARE_LINK_DEFAULT_DAYS)), SHARE_LINK_MAX_DAYS)
    signing.loads(token, salt=SHARE_LINK_SALT, max_age=datetime.timedelta(days=days))
    return payload["model"], int(payload["pk"])


@never_cache
def shared_preview(request, token: str):
    """The preview behind a share link; no account needed, only a valid and unexpired token."""
    try:
        model, pk = read_share_token(token)
    except signing.SignatureExpired:
        return render(request, "chairmanship/preview_link_expired.html", status=HTTPStatus.GONE)
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise Http404("This preview link is not valid.") from error
    view = PREVIEW_VIEWS.get(model)
    record = view.model._default_manager.filter(pk=pk).only("slug").first() if view else None
    if record is None:
        raise Http404("This record no longer exists.")
    return _not_for_search_engines(view.as_view()(request, slug=record.slug))
