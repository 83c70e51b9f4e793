"""Why a deletion was refused: the one wording the API and the admin give when records still refer to one.

Records that others cite (a state that hosted summits, a source a key figure cites) are protected in the
database (``on_delete=PROTECT``); Django refuses to delete them with ``ProtectedError``, which names them.
"""

from django.db.models import ProtectedError, RestrictedError
from django.utils.text import capfirst

SHOWN_PER_KIND = 5


def refusal_message(error: ProtectedError | RestrictedError, model=None) -> str:
    """A sentence naming (the first few of) the records that still refer to the one to delete."""
    records = error.protected_objects if isinstance(error, ProtectedError) else error.restricted_objects
    dependents: dict[type, list[str]] = {}
    for record in sorted(records, key=str):
        dependents.setdefault(type(record), []).append(str(record))
    kinds = []
    for kind, names in sorted(dependents.items(), key=lambda item: item[0]._meta.verbose_name):
        listed = ", ".join(names[:SHOWN_PER_KIND])
        if len(names) > SHOWN_PER_KIND:
            listed += f" and {len(names) - SHOWN_PER_KIND} more"
        noun = kind._meta.verbose_name if len(names) == 1 else kind._meta.verbose_name_plural
        kinds.append(f"{len(names)} {noun} ({listed})")
    what = f"this {model._meta.verbose_name}" if model is not None else "this record"
    verb = "refers" if len(records) == 1 else "refer"
    return (
        f"{capfirst(what)} cannot be deleted: {'; '.join(kinds)} still {verb} to it. "
        "Point them elsewhere or delete them first; nothing was deleted."
    )
