"""The topics a network's library starts with, in English and Spanish (written for Abrazo).

Administrators rename, reorder, retire and add topics afterwards (topic services); these are only the first
list. Keys are stable: the demo and imports refer to topics by key, never by name.
"""

from __future__ import annotations

from django.db import transaction

from abrazo.directory.models import Network
from abrazo.library.models import Topic

# (key, English name, Spanish name), in the order they are offered.
DEFAULT_TOPICS: tuple[tuple[str, str, str], ...] = (
    ("relationships-attachment", "Relationships and attachment", "Relaciones y apego"),
    ("big-feelings", "Big feelings", "Emociones intensas"),
    ("challenging-behavior", "Challenging behavior", "Comportamientos desafiantes"),
    ("trauma-stress", "Trauma and stress", "Trauma y estrés"),
    ("caregiver-well-being", "Caregiver well-being", "Bienestar de quienes cuidan"),
    ("diversity-informed-practice", "Diversity-informed practice", "Práctica informada por la diversidad"),
    ("equity-bias", "Equity and bias", "Equidad y sesgos"),
    ("expulsion-prevention", "Preventing suspension and expulsion", "Prevención de suspensiones y expulsiones"),
    ("pyramid-model", "The Pyramid Model", "El Modelo Pirámide"),
    ("routines-transitions", "Sleep, routines and transitions", "Sueño, rutinas y transiciones"),
    ("play-learning", "Play and learning", "Juego y aprendizaje"),
    ("dual-language", "Dual language learners", "Niños que aprenden dos idiomas"),
)


@transaction.atomic
def install_default_topics(network: Network) -> list[Topic]:
    """Add the default topics the network does not have yet (by key); never renames or revives one that an
    administrator changed or retired. Returns the network's topics in order."""
    have = set(Topic.objects.filter(network=network).values_list("key", flat=True))
    Topic.objects.bulk_create([
        Topic(network=network, key=key, name_en=english, name_es=spanish, position=position)
        for position, (key, english, spanish) in enumerate(DEFAULT_TOPICS, start=1) if key not in have
    ], ignore_conflicts=True)  # two first visitors at once: the unique key keeps one of each
    return list(Topic.objects.filter(network=network).order_by("position", "name_en"))


def ensure_topics(network: Network) -> None:
    """Install the defaults the first time a network's topics are needed (a network that has any topic at all,
    even retired ones, has chosen its list and is left alone)."""
    if not Topic.objects.filter(network=network).exists():
        install_default_topics(network)
