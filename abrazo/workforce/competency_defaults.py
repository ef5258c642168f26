"""The competency framework a network starts with: the eight domains DOMAIN.md §9 names, each with an
English and a Spanish name and a one-sentence description written for Abrazo (not taken from any published
competency document). A network's administrator can rename, reorder, retire and add domains afterwards.

Stored text, not gettext: the network edits these words, and both languages live on the record.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DefaultDomain:
    key: str
    name_en: str
    name_es: str
    description_en: str
    description_es: str


DEFAULT_DOMAINS: tuple[DefaultDomain, ...] = (
    DefaultDomain(
        "role_of_consultant",
        "Role of the consultant",
        "El rol de la persona consultora",
        "Explains what consultation is and is not, makes clear agreements with programs and families, and keeps "
        "to an indirect service that builds the adults' capacity.",
        "Explica qué es y qué no es la consulta, llega a acuerdos claros con los programas y las familias, y se "
        "mantiene en un servicio indirecto que fortalece la capacidad de los adultos.",
    ),
    DefaultDomain(
        "foundational_knowledge",
        "Foundational knowledge",
        "Conocimientos fundamentales",
        "Draws on early development, attachment, trauma and infant mental health to understand what a young "
        "child's behaviour may be saying.",
        "Se apoya en el desarrollo temprano, el apego, el trauma y la salud mental infantil para entender lo que "
        "la conducta de un niño pequeño puede estar diciendo.",
    ),
    DefaultDomain(
        "equity_cultural_sensitivity",
        "Equity and cultural sensitivity",
        "Equidad y sensibilidad cultural",
        "Notices how culture, language, race and power shape care and decisions, and works against bias and "
        "unequal outcomes such as suspension and expulsion.",
        "Reconoce cómo la cultura, el idioma, la raza y el poder influyen en el cuidado y en las decisiones, y "
        "trabaja contra los sesgos y los resultados desiguales, como las suspensiones y expulsiones.",
    ),
    DefaultDomain(
        "reflective_practice",
        "Reflective practice",
        "Práctica reflexiva",
        "Uses supervision and self-awareness to notice their own reactions, stay curious, and help the adults "
        "they support pause and reflect before reacting.",
        "Usa la supervisión y el conocimiento de sí para notar sus propias reacciones, mantener la curiosidad y "
        "ayudar a los adultos que acompaña a detenerse y reflexionar antes de reaccionar.",
    ),
    DefaultDomain(
        "child_family_consultation",
        "Child- and family-focused consultation",
        "Consulta centrada en el niño y la familia",
        "Works with a family and the child's caregivers, with consent, to understand one child's needs, agree on "
        "a shared plan and connect to other services when needed.",
        "Trabaja con la familia y los cuidadores del niño, con su consentimiento, para entender las necesidades "
        "de un niño, acordar un plan común y conectar con otros servicios cuando haga falta.",
    ),
    DefaultDomain(
        "classroom_consultation",
        "Classroom consultation",
        "Consulta en el aula",
        "Observes the classroom and supports the teaching team in relationships, routines and practices that help "
        "every child feel safe and belong.",
        "Observa el aula y apoya al equipo docente en las relaciones, rutinas y prácticas que ayudan a que cada "
        "niño se sienta seguro y parte del grupo.",
    ),
    DefaultDomain(
        "programmatic_consultation",
        "Programmatic consultation",
        "Consulta programática",
        "Helps directors and leaders with the policies and systems that shape care across a program, such as "
        "staff wellness or alternatives to exclusion.",
        "Acompaña a directores y líderes en las políticas y los sistemas que influyen en el cuidado de todo un "
        "programa, como el bienestar del personal o las alternativas a la exclusión.",
    ),
    DefaultDomain(
        "systems_collaboration",
        "Systems collaboration",
        "Colaboración entre sistemas",
        "Builds working ties with community partners and other systems of care so that children and families "
        "can reach the help they need.",
        "Construye lazos de trabajo con aliados de la comunidad y otros sistemas de atención para que los niños y "
        "las familias lleguen a la ayuda que necesitan.",
    ),
)
