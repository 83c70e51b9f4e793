"""JSON for the API, with errors labelled as problem details; and the citation formats of a record."""

from rest_framework.renderers import JSONRenderer

from chairmanship.api.exceptions import PROBLEM_CONTENT_TYPE
from chairmanship.citation import FORMATS


class ProblemAwareJSONRenderer(JSONRenderer):
    """``application/json``, except an error answer, which is ``application/problem+json`` (RFC 9457)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        # The browsable API renders JSON inside its HTML page: that page keeps its own content type.
        answers_directly = response is not None and getattr(response, "accepted_renderer", None) is self
        if answers_directly and response.status_code >= 400:
            response["Content-Type"] = PROBLEM_CONTENT_TYPE
        return super().render(data, accepted_media_type, renderer_context)


class CitationRenderer(ProblemAwareJSONRenderer):
    """A record's citation in one of ``chairmanship.citation.FORMATS``, chosen by Accept or ``?format=``.

    The view hands over the citation already written; an error answer is problem details, as everywhere.
    """

    charset = "utf-8"
    citation_format = None  # a chairmanship.citation.Format

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, str):
            return data.encode(self.charset)
        return super().render(data, accepted_media_type, renderer_context)


def citation_renderer(form) -> type[CitationRenderer]:
    return type(
        f"{form.label.replace('-', '')}Renderer",
        (CitationRenderer,),
        {"media_type": form.media_type, "format": form.name, "citation_format": form},
    )


CITATION_RENDERERS = tuple(citation_renderer(form) for form in FORMATS.values())
