"""Django's own messages whose Spanish we decide ourselves.

Django REST framework ships a Spanish catalogue that, being an installed app, outranks Django's: without
these entries the forms on every page would start saying "Este campo es requerido." (and "está vació",
with a typo) instead of Django's wording. Marking the strings here puts them in our catalogue, which
outranks both, so the web forms and the API speak with one voice.
"""

from django.utils.translation import gettext_noop

OVERRIDDEN = (
    gettext_noop("This field is required."),
    gettext_noop("No file was submitted."),
    gettext_noop("The submitted file is empty."),
    gettext_noop("Upload a valid image. The file you uploaded was either not an image or a corrupted image."),
    gettext_noop("Value must be valid JSON."),
)
