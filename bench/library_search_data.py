"""Words for the resource search benchmark: titles and summaries in English and Spanish, written for it.

A resource is about one topic (sometimes two), for one audience and an age; its title and summary are put
together from that topic's phrases and from sentences any resource might have. Topic words therefore appear in
a few percent of the library (what people search for), general words ("children", "niños") in most of it, and
a few rare words in a handful of resources.
"""

from __future__ import annotations

import random

# Each topic: title phrases and the nouns its summaries use, in English and in Spanish.
TOPICS: dict[str, dict[str, dict[str, list[str]]]] = {
    "tantrums": {
        "en": {"titles": ["Understanding tantrums", "When toddlers have tantrums", "Calm responses to tantrums",
                          "Tantrums and meltdowns", "Riding out a tantrum"],
               "nouns": ["tantrums", "meltdowns", "frustration", "a tantrum at the store", "big outbursts"]},
        "es": {"titles": ["Entender los berrinches", "Cuando los niños pequeños hacen berrinches",
                          "Respuestas tranquilas a los berrinches", "Berrinches y rabietas", "Acompañar un berrinche"],
               "nouns": ["los berrinches", "las rabietas", "la frustración", "un berrinche en la tienda",
                         "los estallidos de enojo"]},
    },
    "sleep": {
        "en": {"titles": ["Sleep routines that work", "Bedtime without battles", "Naps in child care",
                          "Helping babies sleep", "Night waking"],
               "nouns": ["sleep", "bedtime routines", "naps", "night waking", "a calm bedtime"]},
        "es": {"titles": ["Rutinas de sueño que funcionan", "La hora de dormir sin peleas", "La siesta en el centro",
                          "Ayudar a los bebés a dormir", "Cuando se despiertan de noche"],
               "nouns": ["el sueño", "las rutinas para dormir", "la siesta", "los despertares nocturnos",
                         "una hora de dormir tranquila"]},
    },
    "biting": {
        "en": {"titles": ["Why toddlers bite", "Biting in the classroom", "Responding to biting",
                          "Hitting, biting and pushing"],
               "nouns": ["biting", "hitting", "pushing", "a child who bites", "aggressive behavior"]},
        "es": {"titles": ["Por qué muerden los niños pequeños", "Las mordidas en el salón",
                          "Cómo responder a las mordidas", "Pegar, morder y empujar"],
               "nouns": ["las mordidas", "los golpes", "los empujones", "un niño que muerde",
                         "la conducta agresiva"]},
    },
    "attachment": {
        "en": {"titles": ["Attachment and relationships", "Building secure attachment", "Serve and return",
                          "Bonding with your baby"],
               "nouns": ["attachment", "secure relationships", "bonding", "serve and return", "trust"]},
        "es": {"titles": ["El apego y las relaciones", "Construir un apego seguro", "Ida y vuelta en la interacción",
                          "El vínculo con su bebé"],
               "nouns": ["el apego", "las relaciones seguras", "el vínculo", "la interacción de ida y vuelta",
                         "la confianza"]},
    },
    "feelings": {
        "en": {"titles": ["Big feelings", "Naming emotions", "Feelings faces", "Teaching emotional literacy",
                          "Calm down strategies"],
               "nouns": ["big feelings", "emotions", "self-regulation", "emotional literacy", "calming down"]},
        "es": {"titles": ["Emociones fuertes", "Ponerle nombre a las emociones", "Caritas de sentimientos",
                          "Enseñar a reconocer emociones", "Estrategias para calmarse"],
               "nouns": ["las emociones fuertes", "los sentimientos", "la autorregulación",
                         "la alfabetización emocional", "la calma"]},
    },
    "trauma": {
        "en": {"titles": ["Trauma-informed care", "Young children and trauma", "Stress and the developing brain",
                          "After a frightening event"],
               "nouns": ["trauma", "toxic stress", "adverse experiences", "resilience", "a frightening event"]},
        "es": {"titles": ["Atención informada por el trauma", "Los niños pequeños y el trauma",
                          "El estrés y el cerebro en desarrollo", "Después de un evento aterrador"],
               "nouns": ["el trauma", "el estrés tóxico", "las experiencias adversas", "la resiliencia",
                         "un evento aterrador"]},
    },
    "separation": {
        "en": {"titles": ["Separation anxiety", "Goodbyes at drop-off", "Starting child care",
                          "Easing transitions"],
               "nouns": ["separation anxiety", "goodbyes", "drop-off", "transitions", "a new caregiver"]},
        "es": {"titles": ["La ansiedad por separación", "Las despedidas en la entrada", "Empezar en la guardería",
                          "Transiciones más fáciles"],
               "nouns": ["la ansiedad por separación", "las despedidas", "la llegada al centro", "las transiciones",
                         "una nueva cuidadora"]},
    },
    "caregiver": {
        "en": {"titles": ["Caring for the caregiver", "Teacher well-being", "Burnout and compassion fatigue",
                          "Parenting under stress"],
               "nouns": ["caregiver well-being", "burnout", "compassion fatigue", "self-care", "parental stress"]},
        "es": {"titles": ["Cuidar a quien cuida", "El bienestar de las maestras", "Agotamiento y fatiga por compasión",
                          "Criar bajo estrés"],
               "nouns": ["el bienestar de quien cuida", "el agotamiento", "la fatiga por compasión",
                         "el autocuidado", "el estrés de los padres"]},
    },
    "equity": {
        "en": {"titles": ["Equity in early learning", "Implicit bias in the classroom", "Culturally responsive care",
                          "Diversity-informed practice"],
               "nouns": ["equity", "implicit bias", "culturally responsive care", "diversity", "racial disparities"]},
        "es": {"titles": ["Equidad en la primera infancia", "Sesgos implícitos en el salón",
                          "Cuidado culturalmente receptivo", "Práctica informada por la diversidad"],
               "nouns": ["la equidad", "los sesgos implícitos", "el cuidado culturalmente receptivo", "la diversidad",
                         "las disparidades raciales"]},
    },
    "expulsion": {
        "en": {"titles": ["Preventing expulsion", "Alternatives to suspension", "Keeping children in care",
                          "Reducing exclusionary discipline"],
               "nouns": ["expulsion", "suspension", "exclusionary discipline", "staying enrolled", "being sent home"]},
        "es": {"titles": ["Prevenir la expulsión", "Alternativas a la suspensión", "Que los niños sigan en el centro",
                          "Reducir la disciplina excluyente"],
               "nouns": ["la expulsión", "la suspensión", "la disciplina excluyente", "la permanencia en el programa",
                         "los envíos a casa"]},
    },
    "pyramid": {
        "en": {"titles": ["The Pyramid Model", "Positive behavior support", "Classroom routines and visuals",
                          "Teaching social skills"],
               "nouns": ["the Pyramid Model", "positive behavior support", "visual schedules", "social skills",
                         "classroom routines"]},
        "es": {"titles": ["El Modelo Pirámide", "Apoyo a la conducta positiva", "Rutinas y apoyos visuales",
                          "Enseñar habilidades sociales"],
               "nouns": ["el Modelo Pirámide", "el apoyo a la conducta positiva", "los horarios visuales",
                         "las habilidades sociales", "las rutinas del salón"]},
    },
    "language": {
        "en": {"titles": ["Talking with babies", "Early language", "Reading together", "Raising bilingual children"],
               "nouns": ["language development", "talking and singing", "reading together", "bilingualism",
                         "first words"]},
        "es": {"titles": ["Hablar con los bebés", "El lenguaje temprano", "Leer juntos", "Criar niños bilingües"],
               "nouns": ["el desarrollo del lenguaje", "hablar y cantar", "la lectura compartida", "el bilingüismo",
                         "las primeras palabras"]},
    },
    "toileting": {
        "en": {"titles": ["Toilet training", "Potty time", "Accidents happen"],
               "nouns": ["toilet training", "potty learning", "accidents", "readiness"]},
        "es": {"titles": ["Aprender a usar el baño", "La hora de la bacinica", "Los accidentes pasan"],
               "nouns": ["el control de esfínteres", "el uso del baño", "los accidentes",
                         "las señales de estar listo"]},
    },
    "eating": {
        "en": {"titles": ["Picky eating", "Mealtimes together", "Feeding your toddler"],
               "nouns": ["picky eating", "mealtimes", "new foods", "feeding"]},
        "es": {"titles": ["Niños que no quieren comer", "Comer juntos", "Alimentar a su hijo pequeño"],
               "nouns": ["la alimentación selectiva", "las comidas en familia", "los alimentos nuevos",
                         "la alimentación"]},
    },
    "screens": {
        "en": {"titles": ["Screen time", "Media and young children", "Unplugged play"],
               "nouns": ["screen time", "tablets and phones", "media use", "unplugged play"]},
        "es": {"titles": ["El tiempo frente a las pantallas", "Los medios y los niños pequeños", "Jugar sin pantallas"],
               "nouns": ["el tiempo de pantalla", "las tabletas y los teléfonos", "el uso de medios",
                         "el juego sin pantallas"]},
    },
    "sharing": {
        "en": {"titles": ["Learning to share", "Friendship skills", "Taking turns"],
               "nouns": ["sharing", "friendships", "taking turns", "conflicts over toys"]},
        "es": {"titles": ["Aprender a compartir", "Habilidades para la amistad", "Esperar su turno"],
               "nouns": ["compartir", "las amistades", "esperar su turno", "los conflictos por juguetes"]},
    },
    "development": {
        "en": {"titles": ["Developmental milestones", "Developmental screening", "When to ask for help",
                          "Autism and early signs"],
               "nouns": ["milestones", "developmental screening", "early intervention", "early signs of autism",
                         "developmental delays"]},
        "es": {"titles": ["Los hitos del desarrollo", "Evaluación del desarrollo", "Cuándo pedir ayuda",
                          "El autismo y las primeras señales"],
               "nouns": ["los hitos del desarrollo", "la evaluación del desarrollo", "la intervención temprana",
                         "las primeras señales de autismo", "los retrasos del desarrollo"]},
    },
    "consultation": {
        "en": {"titles": ["What is mental health consultation", "Reflective practice", "Working with a consultant",
                          "Reflective supervision"],
               "nouns": ["mental health consultation", "reflective practice", "consultation",
                         "reflective supervision"]},
        "es": {"titles": ["Qué es la consultoría en salud mental", "La práctica reflexiva",
                          "Trabajar con una consultora", "La supervisión reflexiva"],
               "nouns": ["la consultoría en salud mental", "la práctica reflexiva", "la consultoría",
                         "la supervisión reflexiva"]},
    },
}

AUDIENCES = {
    "en": ["for families", "for parents", "for teachers", "for child care providers", "for home visitors",
           "for consultants", "for program directors", "for policy makers"],
    "es": ["para familias", "para padres y madres", "para maestras", "para proveedoras de cuidado infantil",
           "para visitadoras del hogar", "para consultoras", "para directoras de programas", "para legisladores"],
}
AGES = {
    "en": ["infants", "toddlers", "preschoolers", "young children", "babies and toddlers", "children under five"],
    "es": ["bebés", "niños pequeños", "niños en edad preescolar", "niños y niñas", "bebés y niños pequeños",
           "niños menores de cinco años"],
}
KINDS = {
    "en": ["a tip sheet", "a short video", "a guide", "a research brief", "a training module", "a handout",
           "an interactive story"],
    "es": ["una hoja de consejos", "un video corto", "una guía", "un resumen de investigación",
           "un módulo de capacitación", "un folleto", "un cuento interactivo"],
}
TITLE_SHAPES = {
    "en": ["{title}", "{title} {audience}", "{title}: tips {audience}", "{title} with {ages}",
           "{title}: what {ages} need", "A guide to {noun}"],
    "es": ["{title}", "{title} {audience}", "{title}: consejos {audience}", "{title} con {ages}",
           "{title}: lo que necesitan los {ages}", "Guía sobre {noun}"],
}
SENTENCES = {
    "en": [
        "This is {kind} about {noun} {audience}.",
        "It explains {noun} and {noun2} in {ages}, with practical ideas for home and the classroom.",
        "Families and teachers learn what {noun} can mean and how adults can respond with warmth.",
        "Includes everyday examples, questions for reflection and a one-page summary.",
        "Written by early childhood specialists, it connects {noun} to children's relationships.",
        "Adults who stay calm and curious help {ages} through {noun}.",
        "Strategies are simple, respectful of each family's culture and easy to try tomorrow.",
        "The resource also looks at {noun2} and when to ask a professional for support.",
        "Available in print and online; free to share with families.",
    ],
    "es": [
        "Es {kind} sobre {noun} {audience}.",
        "Explica {noun} y {noun2} en {ages}, con ideas prácticas para el hogar y el salón.",
        "Las familias y las maestras aprenden qué puede significar {noun} y cómo responder con cariño.",
        "Incluye ejemplos de todos los días, preguntas para reflexionar y un resumen de una página.",
        "Escrito por especialistas en primera infancia, relaciona {noun} con las relaciones del niño.",
        "Los adultos que mantienen la calma y la curiosidad acompañan a los {ages} en {noun}.",
        "Las estrategias son sencillas, respetan la cultura de cada familia y se pueden probar mañana mismo.",
        "El recurso también trata {noun2} y cuándo pedir apoyo a un profesional.",
        "Disponible impreso y en línea; gratis para compartir con las familias.",
    ],
}
# Words few resources have (a name, an unusual subject): each in about one resource in a thousand.
RARE = {
    "en": ["It mentions hiccups in newborns.", "A section covers twins and siblings.",
           "It discusses stuttering in preschoolers.", "It was piloted in Fresno County."],
    "es": ["Menciona el hipo en los recién nacidos.", "Una sección trata de gemelos y hermanos.",
           "Habla de la tartamudez en preescolares.", "Se probó en el condado de Fresno."],
}


def resource_text(rng: random.Random, language: str) -> tuple[str, str, list[str]]:
    """A title and a summary in the language (English or Spanish) about one or two topics, and those topics."""
    topics = rng.sample(list(TOPICS), 2)
    main, other = TOPICS[topics[0]][language], TOPICS[topics[1]][language]
    second = other if rng.random() < 0.3 else main
    values = {
        "title": rng.choice(main["titles"]), "noun": rng.choice(main["nouns"]), "noun2": rng.choice(second["nouns"]),
        "audience": rng.choice(AUDIENCES[language]), "ages": rng.choice(AGES[language]),
        "kind": rng.choice(KINDS[language]),
    }
    title = rng.choice(TITLE_SHAPES[language]).format(**values)
    title = title[0].upper() + title[1:]
    first, *rest = SENTENCES[language]
    sentences = [first, *rng.sample(rest, rng.randint(1, 3))]
    if rng.random() < 0.004:
        sentences.append(rng.choice(RARE[language]))
    summary = " ".join(sentence.format(**values) for sentence in sentences)
    return title, summary, topics if second is other else topics[:1]
