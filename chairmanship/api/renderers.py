"""JSON for the API, with errors labelled as problem details."""

from rest_framework.renderers import JSONRenderer

from chairmanship.api.exceptions import PROBLEM_CONTENT_TYPE


class ProblemAwareJSONRenderer(JSONRenderer):
    """``application/json``, except an error answer, which is ``application/problem+json`` (RFC 9457)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        # The browsable API renders JSON inside its HTML page: that page keeps its own content type.
        answers_directly = response is not None and getattr(response, "accepted_renderer", None) is self
        if answers_directly and response.status_code >= 400:
            response["Content-Type"] = PROBLEM_CONTENT_TYPE
        return super().render(data, accepted_media_type, renderer_context)
