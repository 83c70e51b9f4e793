"""Public pages. Every view reads through ``published()``; the visibility rule lives in one mixin."""

from django.views.generic import DetailView, ListView, TemplateView

from chairmanship.models import Chairmanship, Document, Initiative, State, Summit


class PublishedMixin:
    """Restricts a generic view to the public subset of its model."""

    model = None

    def get_queryset(self):
        return self.model.objects.published()


class HomeView(TemplateView):
    template_name = "chairmanship/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["chairmanship"] = Chairmanship.objects.published().select_related("state").current()
        return context


class StateListView(PublishedMixin, ListView):
    model = State


class StateDetailView(PublishedMixin, DetailView):
    model = State


class ChairmanshipListView(PublishedMixin, ListView):
    model = Chairmanship


class ChairmanshipDetailView(PublishedMixin, DetailView):
    model = Chairmanship


class SummitListView(PublishedMixin, ListView):
    model = Summit


class SummitDetailView(PublishedMixin, DetailView):
    model = Summit


class DocumentListView(PublishedMixin, ListView):
    model = Document
    paginate_by = 20


class DocumentDetailView(PublishedMixin, DetailView):
    model = Document


class InitiativeListView(PublishedMixin, ListView):
    model = Initiative


class InitiativeDetailView(PublishedMixin, DetailView):
    model = Initiative
