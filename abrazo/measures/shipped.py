"""The instruments Abrazo ships to every network: written by us, in English and Spanish, free to use.

Every word below was written for Abrazo; no item wording belongs to anyone else (issue 5: "Never ship item
wording owned by others"). The definitions are plain data so that the data migration
(`0002_shipped_instruments`) and `abrazo load_instruments` install exactly the same thing, and so that
tests can read them without a database.

Item keys are stable: they are the REDCap variable names when an administration is exported, so a key is
never renamed once shipped (change the wording instead). Choices follow the model's JSON shape,
`[[code, English label, Spanish label], ...]`, with REDCap-style string codes.

Spanish uses *usted* and gender-inclusive forms ("el/la consultor(a)") because the readers are teachers,
family child care providers and directors of every background.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# --- response scales -----------------------------------------------------------------------------------

AGREEMENT = [
    ["1", "Strongly disagree", "Muy en desacuerdo"],
    ["2", "Disagree", "En desacuerdo"],
    ["3", "Neither agree nor disagree", "Ni de acuerdo ni en desacuerdo"],
    ["4", "Agree", "De acuerdo"],
    ["5", "Strongly agree", "Muy de acuerdo"],
]
# Not every consultee needed a referral: "does not apply" is a code that counts as no answer, so it neither
# lowers nor raises the satisfaction mean.
DOES_NOT_APPLY = "9"
AGREEMENT_OR_NOT_APPLICABLE = [*AGREEMENT, [DOES_NOT_APPLY, "Does not apply to me", "No se aplica a mi caso"]]

STANCE_FREQUENCY = [
    ["3", "Always", "Siempre"],
    ["2", "Sometimes", "A veces"],
    ["1", "Needs more effort", "Necesita más esfuerzo"],
]

READINESS = [
    ["2", "Yes", "Sí"],
    ["1", "Partly", "En parte"],
    ["0", "No", "No"],
]

# --- helpers that keep the definitions short ----------------------------------------------------------


def _rated(key: str, english: str, spanish: str, choices: list[list[str]], **extra: Any) -> dict[str, Any]:
    return {"key": key, "field_type": "radio", "label_en": english, "label_es": spanish, "choices": choices, **extra}


def _notes(key: str, english: str, spanish: str, **extra: Any) -> dict[str, Any]:
    return {
        "key": key, "field_type": "notes", "label_en": english, "label_es": spanish,
        "field_note": "Optional / Opcional", **extra,
    }


def _yes_no(key: str, english: str, spanish: str, **extra: Any) -> dict[str, Any]:
    # REDCap's yesno: the codes (1 = yes, 0 = no) and their labels are implied by the type.
    return {
        "key": key, "field_type": "yesno", "label_en": english, "label_es": spanish,
        "field_note": "Optional / Opcional", **extra,
    }


def _band(key: str, low: float, high: float, english: str, spanish: str) -> dict[str, Any]:
    return {"key": key, "low": low, "high": high, "label_en": english, "label_es": spanish}


# --- asking to publish a comment ---------------------------------------------------------------------------

# Comments may become anonymous "voices from the field" on the network's public site (issue 6) only when the
# person who wrote them says yes here; a blank answer is a no. Each instrument with comments asks it last,
# after the comments it is about.
_SHARE_COMMENT_EN = (
    "May we share your comments publicly, without your name? We would describe you only by your role and "
    "region, for example “a preschool teacher in the northern region”."
)
_SHARE_COMMENT_ES = (
    "¿Podemos compartir sus comentarios públicamente, sin su nombre? Solo le describiríamos por su función y "
    "su región, por ejemplo, “un(a) maestro(a) de preescolar de la región norte”."
)
SHARE_COMMENT_YES = "1"
# Item key -> the instrument's comment items it asks about, for the curation screens.
SHARE_COMMENT_ITEMS: dict[str, tuple[str, ...]] = {
    "sat_share_comment": ("sat_most_helpful", "sat_could_be_better"),
    "trn_share_comment": ("trn_most_useful", "trn_suggestions"),
}

# --- 1. Consultee satisfaction ---------------------------------------------------------------------------

_AGREE_HEADER_EN = "Please tell us how much you agree with each sentence about the consultation you received."
_AGREE_HEADER_ES = "Por favor, díganos qué tan de acuerdo está con cada frase sobre la consultoría que recibió."
_CONFIDENCE_HEADER_EN = "Since consultation began..."
_CONFIDENCE_HEADER_ES = "Desde que empezó la consultoría..."

SATISFACTION: dict[str, Any] = {
    "key": "abrazo_satisfaction",
    "name_en": "Consultation satisfaction survey",
    "name_es": "Encuesta de satisfacción con la consultoría",
    "description_en": (
        "A short survey for teachers, family child care providers and directors at the end of consultation: "
        "was it worth the time, did the consultant know the work, were the ideas, materials and referrals "
        "useful, and do they now feel more confident with challenging behavior. Ten ratings from 1 to 5, "
        "two optional questions in their own words, and whether their comments may be shared without their "
        "name. Written by Abrazo; free to use."
    ),
    "description_es": (
        "Una encuesta breve para maestros(as), proveedores(as) de cuidado infantil en el hogar y directores(as) "
        "al terminar la consultoría: si valió la pena el tiempo, si el/la consultor(a) conocía el trabajo, si "
        "las ideas, los materiales y las referencias fueron útiles y si ahora se siente con más confianza ante "
        "la conducta difícil. Diez calificaciones del 1 al 5, dos preguntas opcionales para responder con sus "
        "propias palabras y si se pueden compartir sus comentarios sin su nombre. Escrita por Abrazo; de uso "
        "libre."
    ),
    "level": "teacher",
    "respondent": "teacher",
    "minutes": 5,
    "redcap_form": "abrazo_satisfaction",
    "items": [
        _rated(
            "sat_worthwhile",
            "The time I spent with my consultant was worth it.",
            "El tiempo que pasé con mi consultor(a) valió la pena.",
            AGREEMENT, section_header_en=_AGREE_HEADER_EN, section_header_es=_AGREE_HEADER_ES,
            matrix_group="sat_matrix",
        ),
        _rated(
            "sat_knowledgeable",
            "My consultant knows a lot about how young children grow, feel and learn.",
            "Mi consultor(a) sabe mucho sobre cómo crecen, sienten y aprenden los niños pequeños.",
            AGREEMENT, matrix_group="sat_matrix",
        ),
        _rated(
            "sat_listened",
            "My consultant listened to me and understood what my days are like.",
            "Mi consultor(a) me escuchó y entendió cómo son mis días.",
            AGREEMENT, matrix_group="sat_matrix",
        ),
        _rated(
            "sat_respected",
            "My consultant respected my experience, my culture and the families I serve.",
            "Mi consultor(a) respetó mi experiencia, mi cultura y las familias a las que sirvo.",
            AGREEMENT, matrix_group="sat_matrix",
        ),
        _rated(
            "sat_resources",
            "The ideas and materials my consultant shared were useful in my daily work.",
            "Las ideas y los materiales que compartió mi consultor(a) me sirvieron en mi trabajo diario.",
            AGREEMENT, matrix_group="sat_matrix",
        ),
        _rated(
            "sat_referrals",
            "When a child or family needed more help, the places my consultant suggested were a good fit.",
            "Cuando un niño o una familia necesitaba más ayuda, los lugares que sugirió mi consultor(a) "
            "fueron adecuados.",
            AGREEMENT_OR_NOT_APPLICABLE, missing_codes=[int(DOES_NOT_APPLY)],
        ),
        _rated(
            "conf_understand",
            "I feel more confident that I can understand what a child's challenging behavior is telling me.",
            "Me siento con más confianza para entender lo que un niño nos quiere decir con su conducta difícil.",
            AGREEMENT, section_header_en=_CONFIDENCE_HEADER_EN, section_header_es=_CONFIDENCE_HEADER_ES,
            matrix_group="conf_matrix",
        ),
        _rated(
            "conf_stay_calm",
            "I feel more confident that I can stay calm when a child's behavior is hard to handle.",
            "Me siento con más confianza para mantener la calma cuando la conducta de un niño es difícil de manejar.",
            AGREEMENT, matrix_group="conf_matrix",
        ),
        _rated(
            "conf_keep_in_program",
            "I have new ways to support a child with challenging behavior so the child can stay in our program.",
            "Tengo nuevas maneras de apoyar a un niño con conducta difícil para que pueda seguir en nuestro programa.",
            AGREEMENT, matrix_group="conf_matrix",
        ),
        _rated(
            "conf_know_where_to_turn",
            "I know where to turn when I need more help with a child's behavior.",
            "Sé a quién acudir cuando necesito más ayuda con la conducta de un niño.",
            AGREEMENT, matrix_group="conf_matrix",
        ),
        _notes(
            "sat_most_helpful",
            "What was the most helpful part of consultation for you?",
            "¿Qué fue lo más útil de la consultoría para usted?",
        ),
        _notes(
            "sat_could_be_better",
            "What could we do better?",
            "¿Qué podríamos hacer mejor?",
        ),
        _yes_no("sat_share_comment", _SHARE_COMMENT_EN, _SHARE_COMMENT_ES),
    ],
    "scales": [
        {
            "key": "satisfaction",
            "name_en": "Satisfaction with consultation",
            "name_es": "Satisfacción con la consultoría",
            "method": "mean",
            "items": ["sat_worthwhile", "sat_knowledgeable", "sat_listened", "sat_respected", "sat_resources",
                      "sat_referrals"],
            "max_missing_share": 0.25,
            "score_min": 1, "score_max": 5,
            "bands": [
                _band("low", 1, 2.99, "Low", "Baja"),
                _band("moderate", 3, 3.99, "Moderate", "Media"),
                _band("high", 4, 5, "High", "Alta"),
            ],
        },
        {
            "key": "confidence",
            "name_en": "Confidence with challenging behavior",
            "name_es": "Confianza ante la conducta difícil",
            "method": "mean",
            "items": ["conf_understand", "conf_stay_calm", "conf_keep_in_program", "conf_know_where_to_turn"],
            "max_missing_share": 0.25,
            "score_min": 1, "score_max": 5,
            "bands": [
                _band("low", 1, 2.99, "Low", "Baja"),
                _band("moderate", 3, 3.99, "Moderate", "Media"),
                _band("high", 4, 5, "High", "Alta"),
            ],
        },
    ],
}

# --- 2. Consultant's self-reflection on the consultative stance --------------------------------------

_STANCE_HEADER_EN = "Think about your consultation work over the past month. How often is each sentence true of you?"
_STANCE_HEADER_ES = (
    "Piense en su trabajo de consultoría durante el último mes. ¿Con qué frecuencia se cumple cada frase en su caso?"
)
_STANCE_BANDS = [
    _band("growing_edge", 1, 1.99, "Area to strengthen", "Área por fortalecer"),
    _band("developing", 2, 2.49, "Developing", "En desarrollo"),
    _band("strength", 2.5, 3, "Strength", "Fortaleza"),
]

STANCE_SUBSCALES: dict[str, tuple[str, str, list[str]]] = {
    "relationship_based": (
        "Relationship-based", "Basada en las relaciones",
        ["stance_trust_first", "stance_steady_presence", "stance_name_strengths"],
    ),
    "reflective": (
        "Reflective", "Reflexiva",
        ["stance_wonder_together", "stance_own_reactions", "stance_use_supervision"],
    ),
    "culturally_responsive": (
        "Culturally responsive", "Culturalmente receptiva",
        ["stance_ask_about_culture", "stance_check_assumptions", "stance_look_at_fairness"],
    ),
    "collaborative": (
        "Collaborative", "Colaborativa",
        ["stance_plan_together", "stance_their_goals_first", "stance_family_partners"],
    ),
}

STANCE: dict[str, Any] = {
    "key": "abrazo_consultative_stance",
    "name_en": "Consultative stance self-reflection",
    "name_es": "Autorreflexión sobre la postura consultiva",
    "description_en": (
        "A consultant's own look at how they show up in consultation: relationship-based, reflective, "
        "culturally responsive and collaborative. Twelve sentences rated always, sometimes or needs more "
        "effort, and one optional question, to bring to reflective supervision. Each stance is the mean of its "
        "three sentences (3 = always, 1 = needs more effort); the overall score is the mean of all twelve and "
        "still counts when up to three are skipped. Written by Abrazo; free to use."
    ),
    "description_es": (
        "Una mirada del/de la consultor(a) a su propia manera de estar en la consultoría: basada en las "
        "relaciones, reflexiva, culturalmente receptiva y colaborativa. Doce frases que se califican como "
        "siempre, a veces o necesita más esfuerzo, y una pregunta opcional, para llevar a la supervisión "
        "reflexiva. Cada postura es el promedio de sus tres frases (3 = siempre, 1 = necesita más esfuerzo); el "
        "puntaje general es el promedio de las doce y se calcula aunque falten hasta tres. Escrita por Abrazo; "
        "de uso libre."
    ),
    "level": "consultant",
    "respondent": "consultant",
    "minutes": 5,
    "redcap_form": "abrazo_consultative_stance",
    "items": [
        _rated(
            "stance_trust_first",
            "I take time to build trust with a teacher or provider before I offer suggestions.",
            "Me tomo el tiempo de crear confianza con el/la maestro(a) o proveedor(a) antes de ofrecer sugerencias.",
            STANCE_FREQUENCY, section_header_en=_STANCE_HEADER_EN, section_header_es=_STANCE_HEADER_ES,
        ),
        _rated(
            "stance_steady_presence",
            "I stay warm and steady with the people I consult, even when they are frustrated or discouraged.",
            "Me mantengo cálido(a) y estable con las personas a quienes doy consultoría, aun cuando están "
            "frustradas o desanimadas.",
            STANCE_FREQUENCY,
        ),
        _rated(
            "stance_name_strengths",
            "I notice and say out loud what teachers and caregivers are already doing well.",
            "Me fijo en lo que los maestros y cuidadores ya hacen bien, y se lo digo.",
            STANCE_FREQUENCY,
        ),
        _rated(
            "stance_wonder_together",
            "I wonder together with the teacher about what a child might be feeling or needing, "
            "before we look for answers.",
            "Me pregunto junto con el/la maestro(a) qué podría estar sintiendo o necesitando un niño, "
            "antes de buscar respuestas.",
            STANCE_FREQUENCY,
        ),
        _rated(
            "stance_own_reactions",
            "I notice my own feelings during a visit and think about how they shape my work.",
            "Me doy cuenta de mis propios sentimientos durante una visita y pienso en cómo influyen en mi trabajo.",
            STANCE_FREQUENCY,
        ),
        _rated(
            "stance_use_supervision",
            "I bring the hard moments of my consultation work to reflective supervision.",
            "Llevo los momentos difíciles de mi trabajo de consultoría a la supervisión reflexiva.",
            STANCE_FREQUENCY,
        ),
        _rated(
            "stance_ask_about_culture",
            "I ask about the values, languages and traditions of the staff and families I work with.",
            "Pregunto por los valores, los idiomas y las tradiciones del personal y de las familias con quienes "
            "trabajo.",
            STANCE_FREQUENCY,
        ),
        _rated(
            "stance_check_assumptions",
            "I ask myself how my own background and assumptions may color the way I see a child or a program.",
            "Me pregunto cómo mi propia historia y mis suposiciones pueden influir en la manera en que veo a un "
            "niño o a un programa.",
            STANCE_FREQUENCY,
        ),
        _rated(
            "stance_look_at_fairness",
            "I help programs look at whether some groups of children are sent home or disciplined more than others.",
            "Ayudo a los programas a revisar si a algunos grupos de niños se les manda a casa o se les disciplina "
            "más que a otros.",
            STANCE_FREQUENCY,
        ),
        _rated(
            "stance_plan_together",
            "I make plans together with the people I consult, so the ideas fit their classroom or home.",
            "Hago los planes junto con las personas a quienes doy consultoría, para que las ideas se ajusten a su "
            "salón o a su hogar.",
            STANCE_FREQUENCY,
        ),
        _rated(
            "stance_their_goals_first",
            "I ask what the teacher or provider hopes will change before I share my own ideas.",
            "Pregunto qué espera cambiar el/la maestro(a) o proveedor(a) antes de compartir mis propias ideas.",
            STANCE_FREQUENCY,
        ),
        _rated(
            "stance_family_partners",
            "I look for ways to include families as partners in supporting their child.",
            "Busco maneras de incluir a las familias como aliadas en el apoyo a su hijo o hija.",
            STANCE_FREQUENCY,
        ),
        _notes(
            "stance_for_supervision",
            "What from this reflection would you like to bring to reflective supervision?",
            "¿Qué de esta reflexión le gustaría llevar a la supervisión reflexiva?",
        ),
    ],
    "scales": [
        *(
            {
                "key": key, "name_en": english, "name_es": spanish, "method": "mean", "items": items,
                "max_missing_share": 0.25, "score_min": 1, "score_max": 3, "bands": _STANCE_BANDS,
            }
            for key, (english, spanish, items) in STANCE_SUBSCALES.items()
        ),
        {
            # Three-item stances allow no missing item (a quarter of three rounds down to none); the overall
            # mean over all twelve still scores with up to three skipped.
            "key": "overall",
            "name_en": "Consultative stance, overall",
            "name_es": "Postura consultiva, en general",
            "method": "mean",
            "items": [item for _, _, items in STANCE_SUBSCALES.values() for item in items],
            "max_missing_share": 0.25,
            "score_min": 1, "score_max": 3,
            "bands": _STANCE_BANDS,
        },
    ],
}

# --- 3. Program readiness check ---------------------------------------------------------------------

_READINESS_HEADER_EN = "Before consultation starts, please answer yes, partly or no for your program."
_READINESS_HEADER_ES = "Antes de empezar la consultoría, por favor responda sí, en parte o no sobre su programa."

READINESS_CHECK: dict[str, Any] = {
    "key": "abrazo_program_readiness",
    "name_en": "Program readiness check",
    "name_es": "Revisión de preparación del programa",
    "description_en": (
        "Eight questions a director and consultant answer together before consultation starts, to see what is "
        "in place and what to set up first. Yes = 2, partly = 1, no = 0; the total runs from 0 to 16 "
        "(one unanswered question is allowed and prorated). Written by Abrazo; free to use."
    ),
    "description_es": (
        "Ocho preguntas que el/la director(a) y el/la consultor(a) responden juntos antes de empezar la "
        "consultoría, para ver qué ya está listo y qué conviene preparar primero. Sí = 2, en parte = 1, no = 0; "
        "el total va de 0 a 16 (se permite una pregunta sin responder, que se calcula en proporción). "
        "Escrita por Abrazo; de uso libre."
    ),
    "level": "program",
    "respondent": "director",
    "minutes": 10,
    "redcap_form": "abrazo_program_readiness",
    "items": [
        _rated(
            "ready_director_support",
            "The director supports consultation and will make time to meet with the consultant.",
            "El/la director(a) apoya la consultoría y hará tiempo para reunirse con el/la consultor(a).",
            READINESS, section_header_en=_READINESS_HEADER_EN, section_header_es=_READINESS_HEADER_ES,
            matrix_group="ready_matrix",
        ),
        _rated(
            "ready_staff_time",
            "Teachers or providers can have regular time, away from the children, to talk with the consultant.",
            "Los maestros o proveedores pueden tener un tiempo regular, sin niños a su cargo, para hablar con "
            "el/la consultor(a).",
            READINESS, matrix_group="ready_matrix",
        ),
        _rated(
            "ready_staff_willing",
            "The staff who will take part know what consultation is and are willing to try it.",
            "El personal que va a participar sabe qué es la consultoría y está dispuesto a probarla.",
            READINESS, matrix_group="ready_matrix",
        ),
        _rated(
            "ready_shared_hopes",
            "The program and the consultant have talked about what they hope consultation will help with.",
            "El programa y el/la consultor(a) han hablado de lo que esperan que la consultoría ayude a lograr.",
            READINESS, matrix_group="ready_matrix",
        ),
        _rated(
            "ready_family_communication",
            "The program has a way to tell families about consultation and to ask for their consent when needed.",
            "El programa tiene una manera de informar a las familias sobre la consultoría y de pedir su "
            "consentimiento cuando haga falta.",
            READINESS, matrix_group="ready_matrix",
        ),
        _rated(
            "ready_welcome_to_observe",
            "The consultant will be welcome to spend time in the classrooms or in the child care home.",
            "El/la consultor(a) será bienvenido(a) a pasar tiempo en los salones o en el hogar de cuidado infantil.",
            READINESS, matrix_group="ready_matrix",
        ),
        _rated(
            "ready_policy_review",
            "The program is open to looking again at its policies on challenging behavior, suspension and "
            "expulsion.",
            "El programa está abierto a revisar de nuevo sus políticas sobre la conducta difícil, la suspensión y "
            "la expulsión.",
            READINESS, matrix_group="ready_matrix",
        ),
        _rated(
            "ready_language",
            "Consultation can happen in the languages the staff feel most comfortable using.",
            "La consultoría puede darse en los idiomas en que el personal se siente más cómodo.",
            READINESS, matrix_group="ready_matrix",
        ),
        _notes(
            "ready_notes",
            "Is there anything else the consultant should know before starting?",
            "¿Hay algo más que el/la consultor(a) deba saber antes de empezar?",
        ),
    ],
    "scales": [
        {
            "key": "readiness",
            "name_en": "Readiness for consultation",
            "name_es": "Preparación para la consultoría",
            "method": "sum",
            "items": ["ready_director_support", "ready_staff_time", "ready_staff_willing", "ready_shared_hopes",
                      "ready_family_communication", "ready_welcome_to_observe", "ready_policy_review",
                      "ready_language"],
            "max_missing_share": 0.125,
            "score_min": 0, "score_max": 16,
            "bands": [
                _band("not_yet", 0, 7, "Not yet ready", "Todavía no está listo"),
                _band("getting_ready", 8, 12, "Getting ready", "Preparándose"),
                _band("ready", 13, 16, "Ready to begin", "Listo para empezar"),
            ],
        },
    ],
}

# --- 4. Training and group feedback -------------------------------------------------------------------

_TRAINING_HEADER_EN = "Please tell us how much you agree with each sentence about the training or group session."
_TRAINING_HEADER_ES = (
    "Por favor, díganos qué tan de acuerdo está con cada frase sobre la capacitación o la sesión del grupo."
)
TRAINING_RATED_ITEMS = ("trn_worth_time", "trn_facilitator", "trn_can_use", "trn_respected", "trn_materials",
                        "trn_recommend")

TRAINING_FEEDBACK: dict[str, Any] = {
    "key": "abrazo_training_feedback",
    "name_en": "Training and group feedback survey",
    "name_es": "Encuesta de opinión sobre la capacitación o el grupo",
    "description_en": (
        "A short survey for the people who took part in a training session, a whole training cohort or a group "
        "(a community of support, a reflective group): was it worth the time, did the facilitator know the "
        "subject, can they use what they learned, did they feel respected and included, were the materials "
        "useful, would they recommend it. Six ratings from 1 to 5, two optional questions in their own words, "
        "and whether their comments may be shared without their name. Written by Abrazo; free to use."
    ),
    "description_es": (
        "Una encuesta breve para quienes participaron en una sesión de capacitación, en toda una cohorte de "
        "formación o en un grupo (una comunidad de apoyo, un grupo de reflexión): si valió la pena el tiempo, si "
        "el/la facilitador(a) conocía el tema, si puede usar lo que aprendió, si se sintió respetado(a) e "
        "incluido(a), si los materiales fueron útiles y si lo recomendaría. Seis calificaciones del 1 al 5, dos "
        "preguntas opcionales para responder con sus propias palabras y si se pueden compartir sus comentarios "
        "sin su nombre. Escrita por Abrazo; de uso libre."
    ),
    # Whoever took part answers: future consultants in a cohort, teachers and providers in a group.
    "level": "teacher",
    "respondent": "other",
    "minutes": 3,
    "redcap_form": "abrazo_training_feedback",
    "items": [
        _rated(
            "trn_worth_time",
            "This session was worth my time.",
            "Esta sesión valió el tiempo que le dediqué.",
            AGREEMENT, section_header_en=_TRAINING_HEADER_EN, section_header_es=_TRAINING_HEADER_ES,
            matrix_group="trn_matrix",
        ),
        _rated(
            "trn_facilitator",
            "The facilitator knew the subject well.",
            "El/la facilitador(a) conocía bien el tema.",
            AGREEMENT, matrix_group="trn_matrix",
        ),
        _rated(
            "trn_can_use",
            "I can use what I learned in my work.",
            "Puedo usar lo que aprendí en mi trabajo.",
            AGREEMENT, matrix_group="trn_matrix",
        ),
        _rated(
            "trn_respected",
            "I felt respected and included.",
            "Me sentí respetado(a) e incluido(a).",
            AGREEMENT, matrix_group="trn_matrix",
        ),
        _rated(
            # Not every session hands out materials: "does not apply" counts as no answer.
            "trn_materials",
            "The materials were useful.",
            "Los materiales fueron útiles.",
            AGREEMENT_OR_NOT_APPLICABLE, missing_codes=[int(DOES_NOT_APPLY)],
        ),
        _rated(
            "trn_recommend",
            "I would recommend this training or group to a colleague.",
            "Recomendaría esta capacitación o este grupo a un(a) colega.",
            AGREEMENT,
        ),
        _notes(
            "trn_most_useful",
            "What was most useful to you?",
            "¿Qué le resultó más útil?",
        ),
        _notes(
            "trn_suggestions",
            "What would you change or add?",
            "¿Qué cambiaría o agregaría?",
        ),
        _yes_no("trn_share_comment", _SHARE_COMMENT_EN, _SHARE_COMMENT_ES),
    ],
    "scales": [
        {
            "key": "training_rating",
            "name_en": "Rating of the training or group",
            "name_es": "Valoración de la capacitación o el grupo",
            "method": "mean",
            "items": list(TRAINING_RATED_ITEMS),
            "max_missing_share": 0.25,
            "score_min": 1, "score_max": 5,
            "bands": [
                _band("low", 1, 2.99, "Low", "Baja"),
                _band("moderate", 3, 3.99, "Moderate", "Media"),
                _band("high", 4, 5, "High", "Alta"),
            ],
        },
    ],
}

SHIPPED: tuple[dict[str, Any], ...] = (SATISFACTION, STANCE, READINESS_CHECK, TRAINING_FEEDBACK)
SHIPPED_KEYS: tuple[str, ...] = tuple(definition["key"] for definition in SHIPPED)

# What every shipped instrument shares: Abrazo wrote it, it belongs to no network, anyone may use it.
COMMON_INSTRUMENT_FIELDS: dict[str, Any] = {
    "languages": ["en", "es"],
    "public_domain": True,
    "licence_holder": "Abrazo",
    "licence_note": "Written by Abrazo. Free for any network to use, translate and adapt.",
    "scores_only": False,
    "source": "shipped",
}

# --- turning the definitions into rows ------------------------------------------------------------------

# Item fields the definitions may set; everything else keeps the model's default.
_ITEM_DEFAULTS: dict[str, Any] = {
    "section_header": "", "field_note": "", "choices": [], "matrix_group": "", "required": False,
    "reverse_scored": False, "missing_codes": [], "score_min": None, "score_max": None,
}


def instrument_fields(definition: dict[str, Any]) -> dict[str, Any]:
    """The Instrument row's fields (without key and network) for one definition."""
    names = ("name_en", "name_es", "description_en", "description_es", "level", "respondent", "minutes",
             "redcap_form")
    return {**{name: definition[name] for name in names}, **COMMON_INSTRUMENT_FIELDS}


def section_header(item: dict[str, Any]) -> str:
    """REDCap has one section header per field; ours is bilingual, English first, as the wording is."""
    english, spanish = item.get("section_header_en", ""), item.get("section_header_es", "")
    return f"{english}\n{spanish}" if english and spanish else english or spanish


def item_fields(item: dict[str, Any], position: int) -> dict[str, Any]:
    """The Item row's fields (without instrument and key). A radio item's score range is its codes' range."""
    fields = {**_ITEM_DEFAULTS, "position": position, "field_type": item["field_type"],
              "label_en": item["label_en"], "label_es": item["label_es"]}
    for name in ("field_note", "choices", "matrix_group", "required", "reverse_scored", "missing_codes"):
        if name in item:
            fields[name] = item[name]
    fields["section_header"] = section_header(item)
    missing = {float(code) for code in fields["missing_codes"]}
    scored_codes = [float(code) for code, _, _ in fields["choices"] if float(code) not in missing]
    if scored_codes:
        fields["score_min"], fields["score_max"] = min(scored_codes), max(scored_codes)
    return fields


def scale_fields(scale: dict[str, Any], position: int) -> dict[str, Any]:
    """The Scale row's fields (without instrument and key)."""
    return {
        "position": position, "name_en": scale["name_en"], "name_es": scale["name_es"], "kind": "items",
        "method": scale["method"], "items": list(scale["items"]), "parts": [],
        "max_missing_share": scale["max_missing_share"], "score_min": scale.get("score_min"),
        "score_max": scale.get("score_max"), "bands": [dict(band) for band in scale["bands"]],
        "higher_is_better": scale.get("higher_is_better", True), "reliability": None,
    }


# --- installing -------------------------------------------------------------------------------------------


@dataclass
class InstallReport:
    """What an install did, per instrument key: created, updated or unchanged."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{label}: {', '.join(keys)}" for label, keys in
                 (("created", self.created), ("updated", self.updated), ("unchanged", self.unchanged)) if keys]
        return "; ".join(parts) or "nothing to install"


def _normalised(value: Any) -> Any:
    """JSON values compare equal to what the database gives back (tuples become lists, ints in floats stay)."""
    return json.loads(json.dumps(value))


def _apply(row: Any, fields: dict[str, Any]) -> bool:
    """Set the fields that differ; True when any did."""
    changed = False
    for name, value in fields.items():
        if _normalised(getattr(row, name)) != _normalised(value):
            setattr(row, name, value)
            changed = True
    return changed


def _sync_children(manager: Any, model: Any, instrument: Any, wanted: Iterable[tuple[str, dict[str, Any]]]) -> bool:
    """Make the instrument's items (or scales) exactly the wanted ones, updating rows in place by key so their
    ids stay; rows no longer shipped are removed. True when anything changed."""
    existing = {row.key: row for row in manager.all()}
    changed = False
    wanted_keys: set[str] = set()
    for key, fields in wanted:
        wanted_keys.add(key)
        row = existing.get(key)
        if row is None:
            model.objects.create(instrument=instrument, key=key, **fields)
            changed = True
        elif _apply(row, fields):
            row.save()
            changed = True
    stale = [row.pk for key, row in existing.items() if key not in wanted_keys]
    if stale:
        model.objects.filter(pk__in=stale).delete()
        changed = True
    return changed


def install(instrument_model: Any, item_model: Any, scale_model: Any,
            definitions: Iterable[dict[str, Any]] = SHIPPED) -> InstallReport:
    """Create or update the shipped instruments in place (natural key: key with no network).

    Takes the model classes so the data migration can pass its historical models and the management command
    the current ones. Safe to run any number of times: a second run changes nothing. Call it inside a
    transaction (migrations and the command both do).
    """
    report = InstallReport()
    for definition in definitions:
        key = definition["key"]
        fields = instrument_fields(definition)
        instrument = instrument_model.objects.filter(network__isnull=True, key=key).first()
        created = instrument is None
        if created:
            instrument = instrument_model.objects.create(network=None, key=key, is_active=True, **fields)
            changed = True
        else:
            changed = _apply(instrument, fields)
        items = [(item["key"], item_fields(item, position)) for position, item in
                 enumerate(definition["items"], start=1)]
        scales = [(scale["key"], scale_fields(scale, position)) for position, scale in
                  enumerate(definition["scales"], start=1)]
        changed = _sync_children(instrument.items, item_model, instrument, items) or changed
        changed = _sync_children(instrument.scales, scale_model, instrument, scales) or changed
        if created:
            report.created.append(key)
        elif changed:
            # A new version tells anyone holding an edit form of the instrument that it moved under them.
            instrument.version += 1
            instrument.save()
            report.updated.append(key)
        else:
            report.unchanged.append(key)
    return report


def uninstall(instrument_model: Any) -> int:
    """Remove the shipped instruments (the data migration's reverse). Items and scales go with them."""
    deleted, _ = instrument_model.objects.filter(network__isnull=True, key__in=SHIPPED_KEYS).delete()
    return int(deleted)
