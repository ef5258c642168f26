# ruff: noqa: RUF001 (Chinese text is written with full-width punctuation, as it should be)
"""What the demo library holds: resources, suggestions and their sources, as plain data (no Django here).

Every title and summary was written for the demo, in English and Spanish (a few in Vietnamese and Chinese).
They describe the kind of material each organisation is known for, but they are not the organisations' own
titles; the links go to the organisations' real public home pages, never to invented deep links.
`abrazo/library/demo.py` turns these into rows.
"""

from __future__ import annotations

from dataclasses import dataclass

# Who may be reading (letters keep the tables below short): the Audience values in the models.
AUDIENCE_LETTERS: dict[str, str] = {
    "F": "families",
    "P": "providers",
    "C": "consultants",
    "A": "administrators",
    "L": "policy_makers",
}

# (key, name in English, name in Spanish): topics the demo network's administrators added to the default list
# (`library/default_topics.py`), which the demo installs first. Works below use keys from both lists.
DEMO_TOPICS: tuple[tuple[str, str, str], ...] = (
    ("early-development", "Early development", "Desarrollo temprano"),
    ("consultation-practice", "Consultation and reflective practice", "Consultoría y práctica reflexiva"),
)

# key -> (organisation, its public home page or a well-known section of its site)
SOURCES: dict[str, tuple[str, str]] = {
    "zerotothree": ("ZERO TO THREE", "https://www.zerotothree.org/"),
    "harvard": ("Center on the Developing Child at Harvard University", "https://developingchild.harvard.edu/"),
    "ncpmi": ("National Center for Pyramid Model Innovations", "https://challengingbehavior.org/"),
    "iecmhc": ("Center of Excellence for Infant and Early Childhood Mental Health Consultation",
               "https://www.iecmhc.org/"),
    "cdc": ("CDC, Learn the Signs. Act Early.", "https://www.cdc.gov/ncbddd/actearly/"),
    "naeyc": ("National Association for the Education of Young Children (NAEYC)", "https://www.naeyc.org/"),
    "ccaoa": ("Child Care Aware of America", "https://www.childcareaware.org/"),
    "first5ca": ("First 5 California", "https://www.first5california.com/"),
    "first5la": ("First 5 LA", "https://www.first5la.org/"),
    "cdss": ("California Department of Social Services", "https://www.cdss.ca.gov/"),
    "csefel": ("Center on the Social and Emotional Foundations for Early Learning", "https://csefel.vanderbilt.edu/"),
    "nctsn": ("National Child Traumatic Stress Network", "https://www.nctsn.org/"),
    "healthychildren": ("HealthyChildren.org, American Academy of Pediatrics", "https://www.healthychildren.org/"),
    "vroom": ("Vroom", "https://www.vroom.org/"),
    "sesame": ("Sesame Workshop", "https://sesameworkshop.org/"),
    "childmind": ("Child Mind Institute", "https://childmind.org/"),
    "tenets": ("Irving Harris Foundation, Diversity-Informed Tenets Initiative", "https://diversityinformedtenets.org/"),
    "pitc": ("WestEd, The Program for Infant/Toddler Care", "https://www.pitc.org/"),
    "psi": ("Postpartum Support International", "https://www.postpartum.net/"),
    "childtrends": ("Child Trends", "https://www.childtrends.org/"),
    "nieer": ("National Institute for Early Education Research", "https://nieer.org/"),
    "cssp": ("Center for the Study of Social Policy", "https://cssp.org/"),
    "acf": ("Administration for Children and Families", "https://www.acf.hhs.gov/"),
    "devereux": ("Devereux Center for Resilient Children", "https://centerforresilientchildren.org/"),
    "allianceaimh": ("Alliance for the Advancement of Infant Mental Health", "https://www.allianceaimh.org/"),
    "helpmegrow": ("Help Me Grow National Center", "https://helpmegrownational.org/"),
    "reachoutandread": ("Reach Out and Read", "https://reachoutandread.org/"),
    "pyramidmodel": ("Pyramid Model Consortium", "https://www.pyramidmodel.org/"),
    "samhsa": ("Substance Abuse and Mental Health Services Administration (SAMHSA)", "https://www.samhsa.gov/"),
    "unicef": ("UNICEF Parenting", "https://www.unicef.org/parenting"),
}


@dataclass(frozen=True)
class Version:
    language: str
    title: str
    summary: str


@dataclass(frozen=True)
class Work:
    """One resource and its language versions (translations of one another)."""

    key: str  # stable: the demo's ids are derived from it
    kind: str  # a ResourceKind value
    audiences: str  # letters of AUDIENCE_LETTERS
    topics: tuple[str, ...]  # keys of DEMO_TOPICS
    ages: tuple[int, int]  # months from (inclusive) and to (exclusive)
    source: str  # a key of SOURCES
    versions: tuple[Version, ...]


def work(key: str, kind: str, audiences: str, topics: str, ages: tuple[int, int], source: str,
         *versions: tuple[str, str, str]) -> Work:
    return Work(key, kind, audiences, tuple(topics.split()), ages, source,
                tuple(Version(*version) for version in versions))


RELATIONSHIPS = "relationships-attachment"
FEELINGS = "big-feelings"
BEHAVIOR = "challenging-behavior"
TRAUMA = "trauma-stress"
WELL_BEING = "caregiver-well-being"
DIVERSITY = "diversity-informed-practice"
EQUITY = "equity-bias"
EXPULSION = "expulsion-prevention"
PYRAMID = "pyramid-model"
ROUTINES = "routines-transitions"
PLAY = "play-learning"
DUAL_LANGUAGE = "dual-language"
DEVELOPMENT = "early-development"
CONSULTATION = "consultation-practice"


def _t(*keys: str) -> str:
    return " ".join(keys)


WORKS: tuple[Work, ...] = (
    # --- Bilingual works: an English and a Spanish version (a few in Vietnamese or Chinese too) ---------
    work("toddler-meltdowns", "tip_sheet", "F", _t(FEELINGS, BEHAVIOR), (12, 48), "zerotothree",
         ("en", "When a toddler melts down: calm steps for the hardest moments",
          "What is happening in a young child's brain during a tantrum, and five things to try: stay close, name "
          "the feeling, keep your words few, wait it out, and reconnect once it has passed."),
         ("es", "Cuando su pequeño hace berrinches: pasos para mantener la calma",
          "Qué pasa en el cerebro de un niño pequeño durante un berrinche y cinco cosas que puede intentar: "
          "quedarse cerca, nombrar el sentimiento, usar pocas palabras, esperar a que pase y reconectar después."),
         ("vi", "Khi con nổi cơn ăn vạ: những bước giúp cha mẹ giữ bình tĩnh",
          "Điều gì đang diễn ra trong não bộ của trẻ nhỏ khi con ăn vạ, và năm điều cha mẹ có thể thử: ở gần con, "
          "gọi tên cảm xúc, nói ít lời, chờ cơn giận qua đi và gắn kết lại với con sau đó."),
         ("zh", "孩子发脾气时：帮助家长保持冷静的几个步骤",
          "幼儿发脾气时大脑里发生了什么？家长可以试试这五件事：陪在孩子身边，说出孩子的感受，少说话，"
          "等情绪过去，事后再和孩子重新亲近。")),
    work("serve-and-return", "video", "FP", _t(RELATIONSHIPS, DEVELOPMENT, PLAY), (0, 36), "harvard",
         ("en", "Serve and return: how back-and-forth play builds a baby's brain",
          "A short film of everyday moments of babbling, pointing and answering, and why these exchanges with a "
          "caring adult shape the architecture of the developing brain."),
         ("es", "Ir y venir: cómo el juego de ida y vuelta construye el cerebro del bebé",
          "Un video corto con momentos cotidianos de balbuceos, señas y respuestas, y por qué estos intercambios "
          "con un adulto cariñoso dan forma a la arquitectura del cerebro en desarrollo.")),
    work("toxic-stress-science", "research_synthesis", "CAL", _t(TRAUMA, DEVELOPMENT), (0, 72), "harvard",
         ("en", "Toxic stress and the early years: what the science says",
          "A plain-language synthesis of research on positive, tolerable and toxic stress, how supportive "
          "relationships buffer a child's stress response, and what that means for programs and policy."),
         ("es", "El estrés tóxico en los primeros años: lo que dice la ciencia",
          "Una síntesis en lenguaje sencillo de la investigación sobre el estrés positivo, tolerable y tóxico, "
          "cómo las relaciones de apoyo amortiguan la respuesta al estrés y qué significa para los programas y "
          "las políticas públicas.")),
    work("pyramid-introduction", "training_module", "PCA", _t(PYRAMID, BEHAVIOR), (0, 72), "ncpmi",
         ("en", "The Pyramid Model in practice: an introduction for teaching teams",
          "Four self-paced sessions on the tiers of the Pyramid Model: nurturing relationships, supportive "
          "environments, targeted social-emotional teaching and individualized intervention."),
         ("es", "El Modelo Pirámide en la práctica: introducción para equipos docentes",
          "Cuatro sesiones a su propio ritmo sobre los niveles del Modelo Pirámide: relaciones afectuosas, "
          "ambientes de apoyo, enseñanza socioemocional focalizada e intervención individualizada.")),
    work("picture-schedules-home", "tip_sheet", "FP", _t(ROUTINES, PYRAMID), (18, 72), "ncpmi",
         ("en", "Picture schedules at home: making mornings more predictable",
          "How to make a simple picture schedule with your child for getting dressed, eating breakfast and "
          "leaving the house, with ideas for the days when a step goes differently than planned."),
         ("es", "Horarios con dibujos en casa: mañanas más predecibles",
          "Cómo hacer con su hijo un horario sencillo con imágenes para vestirse, desayunar y salir de casa, con "
          "ideas para los días en que un paso no sale como se planeó.")),
    work("feelings-read-together", "interactive_book", "F", _t(FEELINGS, PLAY), (24, 72), "sesame",
         ("en", "How are you feeling today? A read-together book about emotions",
          "An interactive picture book in which children tap the faces to guess how each friend feels, with "
          "questions for grown-ups to ask along the way."),
         ("es", "¿Cómo te sientes hoy? Un libro para leer juntos sobre las emociones",
          "Un libro ilustrado interactivo en el que los niños tocan las caras para adivinar cómo se siente cada "
          "amigo, con preguntas que los adultos pueden hacer durante la lectura.")),
    work("milestones-checklists", "website", "FP", _t(DEVELOPMENT), (2, 60), "cdc",
         ("en", "Milestones from two months to five years",
          "Checklists of what most children do at each age (playing, talking, moving, learning) and what to do if "
          "you are concerned, including how to bring it up with your child's doctor."),
         ("es", "Indicadores del desarrollo de los dos meses a los cinco años",
          "Listas de lo que la mayoría de los niños hacen a cada edad (jugar, hablar, moverse, aprender) y qué "
          "hacer si algo le preocupa, incluido cómo hablarlo con el médico de su hijo."),
         ("vi", "Các mốc phát triển của trẻ từ hai tháng đến năm tuổi",
          "Danh sách những điều hầu hết trẻ em làm được ở mỗi độ tuổi (chơi, nói, vận động, học hỏi) và những "
          "việc nên làm nếu quý vị lo lắng, kể cả cách trao đổi với bác sĩ của con.")),
    work("no-expulsion-policy", "pdf", "AL", _t(EXPULSION, EQUITY), (0, 72), "acf",
         ("en", "Writing a no-expulsion policy: a guide for program leaders",
          "Step-by-step guidance for replacing exclusionary discipline with a written policy that names the "
          "supports a program will use first, including consultation, family partnership and staff training."),
         ("es", "Cómo redactar una política sin expulsiones: guía para líderes de programas",
          "Orientación paso a paso para reemplazar la disciplina excluyente con una política escrita que nombre "
          "los apoyos que el programa usará primero, como la consultoría, la colaboración con las familias y la "
          "capacitación del personal.")),
    work("whose-behavior-we-notice", "video", "PCA", _t(EQUITY, EXPULSION), (36, 72), "iecmhc",
         ("en", "Whose behavior do we notice? Implicit bias in early classrooms",
          "A fifteen-minute talk on how expectations shaped by race and gender influence which children adults "
          "watch most closely, with reflective questions for teaching teams to discuss together."),
         ("es", "¿En qué conducta nos fijamos? El sesgo implícito en los salones de la primera infancia",
          "Una charla de quince minutos sobre cómo las expectativas marcadas por la raza y el género influyen en "
          "a cuáles niños observamos más de cerca, con preguntas de reflexión para los equipos docentes.")),
    work("what-is-iecmhc", "website", "FPAL", _t(CONSULTATION), (0, 72), "iecmhc",
         ("en", "What is infant and early childhood mental health consultation?",
          "An overview of consultation as a prevention-based, indirect service: a mental health professional "
          "partners with teachers, caregivers and families to support young children's social and emotional "
          "growth."),
         ("es", "¿Qué es la consultoría en salud mental infantil y de la primera infancia?",
          "Una visión general de la consultoría como un servicio indirecto y preventivo: una profesional de salud "
          "mental colabora con maestras, cuidadores y familias para apoyar el desarrollo social y emocional de "
          "los niños pequeños.")),
    work("consultative-stance", "training_module", "C", _t(CONSULTATION, RELATIONSHIPS), (0, 72), "iecmhc",
         ("en", "The consultative stance: ways of being with teachers",
          "A module for new consultants on curiosity, holding several perspectives at once, stepping out of the "
          "expert role and keeping the child's experience at the centre of every conversation."),
         ("es", "La postura consultiva: maneras de estar con las maestras",
          "Un módulo para consultores nuevos sobre la curiosidad, sostener varias perspectivas a la vez, salir del "
          "papel de experto y mantener la experiencia del niño en el centro de cada conversación.")),
    work("reflective-supervision-evidence", "research_synthesis", "CA", _t(CONSULTATION, WELL_BEING), (0, 72),
         "allianceaimh",
         ("en", "Reflective supervision: what we know about why it works",
          "A review of studies of reflective supervision in infant and early childhood programs, and what it "
          "appears to change in staff retention, burnout and the quality of relationships with families."),
         ("es", "Supervisión reflexiva: lo que sabemos sobre por qué funciona",
          "Una revisión de estudios sobre la supervisión reflexiva en programas de la primera infancia, y lo que "
          "parece cambiar en la permanencia del personal, el agotamiento y la calidad de las relaciones con las "
          "familias.")),
    work("five-minute-resets", "tip_sheet", "PA", _t(WELL_BEING), (0, 72), "ccaoa",
         ("en", "Five-minute resets for early educators",
          "Small practices for a hard day in the classroom: a breathing pause at the sink, a check-in with a "
          "co-teacher, and a way to leave a rough morning behind before the afternoon begins."),
         ("es", "Pausas de cinco minutos para educadoras de la primera infancia",
          "Pequeñas prácticas para un día difícil en el salón: una pausa para respirar junto al lavabo, un momento "
          "para hablar con la compañera y una manera de dejar atrás una mañana dura antes de la tarde.")),
    work("help-for-new-parents", "website", "F", _t(WELL_BEING), (0, 12), "psi",
         ("en", "Help for new parents: depression and anxiety after a baby arrives",
          "Information and a helpline for parents who feel overwhelmed, sad or anxious during pregnancy or after "
          "birth, with support groups online and in many languages."),
         ("es", "Ayuda para madres y padres nuevos: depresión y ansiedad después del nacimiento",
          "Información y una línea de ayuda para quienes se sienten agobiados, tristes o ansiosos durante el "
          "embarazo o después del parto, con grupos de apoyo en línea y en muchos idiomas."),
         ("zh", "新手父母的支持：产后抑郁与焦虑",
          "为在怀孕期间或产后感到不堪重负、悲伤或焦虑的父母提供信息和求助热线，还有线上支持小组，"
          "并提供多种语言的服务。")),
    work("trauma-under-five", "pdf", "PC", _t(TRAUMA), (0, 72), "nctsn",
         ("en", "How trauma can look in children under five",
          "Signs that a very young child may be affected by a frightening experience, such as changes in sleep, "
          "play that repeats the event or new fears, and how caring adults can help them feel safe again."),
         ("es", "Cómo se puede ver el trauma en niños menores de cinco años",
          "Señales de que un niño muy pequeño puede estar afectado por una experiencia aterradora, como cambios en "
          "el sueño, juegos que repiten lo ocurrido o miedos nuevos, y cómo los adultos pueden ayudarle a sentirse "
          "seguro otra vez.")),
    work("diversity-informed-tenets", "website", "CAL", _t(DIVERSITY, EQUITY), (0, 72), "tenets",
         ("en", "Diversity-informed tenets for work with infants, children and families",
          "Ten guiding principles that ask practitioners, organisations and systems to reflect on their own "
          "culture and power, honour family strengths, and work against the inequities that shape children's "
          "lives."),
         ("es", "Principios informados en la diversidad para trabajar con bebés, niños y familias",
          "Diez principios que invitan a profesionales, organizaciones y sistemas a reflexionar sobre su propia "
          "cultura y su poder, valorar las fortalezas de las familias y trabajar contra las inequidades que marcan "
          "la vida de los niños.")),
    work("home-language-gift", "tip_sheet", "FP", _t(DUAL_LANGUAGE, DIVERSITY), (0, 72), "first5ca",
         ("en", "Your home language is a gift: talking, singing and reading in the language you love",
          "Why children learning two languages do well when families keep using their home language, with "
          "everyday ideas for stories, songs and conversations."),
         ("es", "Su idioma es un regalo: hablar, cantar y leer en la lengua que usted ama",
          "Por qué a los niños que aprenden dos idiomas les va bien cuando la familia sigue usando su lengua "
          "materna, con ideas cotidianas para cuentos, canciones y conversaciones.")),
    work("biting-toddler-room", "tip_sheet", "PF", _t(BEHAVIOR, DEVELOPMENT), (9, 36), "zerotothree",
         ("en", "Biting in the toddler room: why it happens and what helps",
          "Biting is common between one and three. The usual reasons (teething, frustration, crowding, "
          "excitement) and how to respond to both children and to the worried families of each."),
         ("es", "Las mordidas en el salón de niños pequeños: por qué ocurren y qué ayuda",
          "Morder es común entre el año y los tres años. Las causas habituales (los dientes, la frustración, los "
          "espacios llenos, la emoción) y cómo responder a ambos niños y a las familias preocupadas.")),
    work("smoother-transitions", "video", "P", _t(ROUTINES, PYRAMID), (24, 72), "ncpmi",
         ("en", "Smoother transitions: from clean-up to circle without the chaos",
          "Classroom footage of teachers using warnings, songs, visual timers and jobs so that moving between "
          "activities becomes a predictable part of the day rather than a flashpoint."),
         ("es", "Transiciones más tranquilas: de recoger al círculo sin caos",
          "Imágenes de salones donde las maestras usan avisos, canciones, temporizadores visuales y tareas para "
          "que pasar de una actividad a otra sea una parte predecible del día y no un momento de conflicto.")),
    work("breathe-like-a-turtle", "interactive_book", "FP", _t(PYRAMID, FEELINGS), (36, 72), "csefel",
         ("en", "Take a breath like a turtle: an interactive story about calming down",
          "A short illustrated story in which a young turtle learns to stop, tuck in, take three deep breaths and "
          "think of a solution; children follow along and practise each step."),
         ("es", "Respira como una tortuga: un cuento interactivo para calmarse",
          "Un cuento ilustrado corto en el que una tortuguita aprende a detenerse, meterse en su caparazón, "
          "respirar tres veces y pensar en una solución; los niños siguen la historia y practican cada paso.")),
    work("preschool-pushout-data", "research_synthesis", "AL", _t(EXPULSION, EQUITY), (36, 72), "childtrends",
         ("en", "Who is pushed out of preschool? A look at the data",
          "A synthesis of national and state data on suspensions and expulsions of young children, the "
          "disparities by race, gender and disability, and the program practices linked to fewer exclusions."),
         ("es", "¿A quiénes sacan del preescolar? Una mirada a los datos",
          "Una síntesis de datos nacionales y estatales sobre suspensiones y expulsiones de niños pequeños, las "
          "disparidades por raza, género y discapacidad, y las prácticas asociadas con menos exclusiones.")),
    work("does-consultation-work", "research_synthesis", "AL", _t(CONSULTATION, EXPULSION), (0, 72), "iecmhc",
         ("en", "Does consultation work? Findings from two decades of evaluation",
          "What evaluations of mental health consultation in early care and education have found for children's "
          "behavior, teachers' confidence, classroom climate and expulsion rates, and what strong programs share."),
         ("es", "¿Funciona la consultoría? Resultados de dos décadas de evaluaciones",
          "Lo que han encontrado las evaluaciones de la consultoría en salud mental en el cuidado y la educación "
          "temprana sobre la conducta de los niños, la confianza de las maestras, el clima del salón y las "
          "expulsiones, y lo que tienen en común los programas sólidos.")),
    work("bedtime-without-battles", "tip_sheet", "F", _t(ROUTINES), (6, 60), "healthychildren",
         ("en", "Bedtime without battles: building a calm evening routine",
          "A predictable order (bath, pyjamas, story, song, lights out), a steady time and a few words of "
          "reassurance help most young children settle. Ideas for when they keep getting up."),
         ("es", "La hora de dormir sin peleas: una rutina tranquila por la noche",
          "Un orden predecible (baño, pijama, cuento, canción, luz apagada), una hora constante y unas palabras "
          "tranquilizadoras ayudan a que la mayoría de los niños se calmen. Ideas para cuando se siguen "
          "levantando.")),
    work("everyday-brain-building", "website", "F", _t(RELATIONSHIPS, PLAY), (0, 60), "vroom",
         ("en", "Brain-building moments during everyday routines",
          "Free activity ideas matched to your child's age that turn mealtime, bath time and errands into chances "
          "to talk, play and learn together."),
         ("es", "Momentos para construir el cerebro durante la rutina diaria",
          "Ideas gratuitas de actividades según la edad de su hijo que convierten la comida, el baño y los "
          "mandados en oportunidades para hablar, jugar y aprender juntos.")),
    work("goodbye-at-drop-off", "tip_sheet", "FP", _t(RELATIONSHIPS, FEELINGS, ROUTINES), (6, 48), "zerotothree",
         ("en", "Saying goodbye at drop-off",
          "Why separation can be hard between eight months and three years, and a short goodbye ritual families "
          "and teachers can build together so that children know what comes next."),
         ("es", "Despedirse al llegar al cuidado infantil",
          "Por qué separarse puede ser difícil entre los ocho meses y los tres años, y un breve ritual de "
          "despedida que familias y maestras pueden crear juntas para que el niño sepa qué sigue.")),
    work("when-a-child-hits", "tip_sheet", "P", _t(BEHAVIOR, PYRAMID), (36, 72), "ncpmi",
         ("en", "When a child hits: responding in the moment and planning for next time",
          "Keep everyone safe, stay calm and comfort the child who was hurt; then look for the pattern: what "
          "happens before, what the child gets or avoids, and which skill to teach instead."),
         ("es", "Cuando un niño pega: responder en el momento y planear para la próxima vez",
          "Mantenga a todos a salvo, conserve la calma y consuele al niño lastimado; después busque el patrón: "
          "qué pasa antes, qué obtiene o evita el niño y qué habilidad enseñarle en su lugar.")),
    work("behavior-has-meaning", "training_module", "PC", _t(BEHAVIOR, PYRAMID), (12, 72), "csefel",
         ("en", "Behavior has meaning: understanding what children are telling us",
          "A training module on thinking about what challenging behavior is for: observing, recording what "
          "happens before and after, forming a hunch about its purpose, and building a support plan with the "
          "family."),
         ("es", "La conducta tiene un significado: entender lo que los niños nos dicen",
          "Un módulo de capacitación sobre para qué sirve la conducta desafiante: observar, anotar lo que ocurre "
          "antes y después, formular una hipótesis sobre su propósito y crear un plan de apoyo con la familia.")),
    work("family-child-care-self-care", "website", "P", _t(WELL_BEING), (0, 72), "ccaoa",
         ("en", "For family child care providers who care for everyone else",
          "Practical help for home-based providers on managing long days alone, setting boundaries with "
          "families, finding substitute care and connecting with other providers."),
         ("es", "Para proveedoras de cuidado infantil en el hogar que cuidan de todos",
          "Ayuda práctica para proveedoras en el hogar sobre cómo manejar jornadas largas a solas, poner límites "
          "con las familias, encontrar quién las sustituya y conectarse con otras proveedoras.")),
    work("california-child-care-help", "website", "FPA", _t(WELL_BEING), (0, 72), "cdss",
         ("en", "Child care in California: help for families and providers",
          "The state's pages for families looking for care and help paying for it, and for providers on "
          "licensing, subsidies and training."),
         ("es", "El cuidado infantil en California: ayuda para familias y proveedores",
          "Las páginas del estado para familias que buscan cuidado infantil y ayuda para pagarlo, y para "
          "proveedores sobre licencias, subsidios y capacitación.")),
    work("talk-read-sing", "video", "F", _t(DUAL_LANGUAGE, RELATIONSHIPS, PLAY), (0, 60), "first5ca",
         ("en", "Talk, read, sing: small moments, big difference",
          "A series of one-minute videos of parents and grandparents narrating the day, reading together and "
          "singing in the car, each in the language the family speaks at home."),
         ("es", "Hablar, leer, cantar: pequeños momentos, gran diferencia",
          "Una serie de videos de un minuto en los que padres y abuelos cuentan lo que hacen durante el día, leen "
          "juntos y cantan en el carro, cada familia en el idioma que habla en casa.")),
    work("dads-early-years", "video", "F", _t(RELATIONSHIPS, WELL_BEING), (0, 60), "first5la",
         ("en", "Dads in the early years",
          "Fathers talk about bathing, feeding and playing with their babies and toddlers, the doubts they had "
          "at first, and what being close to their children has changed for them."),
         ("es", "Papás en los primeros años",
          "Padres hablan de bañar, alimentar y jugar con sus bebés y niños pequeños, de las dudas que tenían al "
          "principio y de lo que ha cambiado para ellos al estar cerca de sus hijos.")),
    work("loss-of-someone-loved", "tip_sheet", "FP", _t(TRAUMA, FEELINGS), (24, 72), "sesame",
         ("en", "Helping young children through the loss of someone they love",
          "Simple, honest words to explain death to a preschooler, what grief can look like at this age, and ways "
          "to remember together."),
         ("es", "Cómo acompañar a los niños pequeños cuando muere un ser querido",
          "Palabras sencillas y sinceras para explicar la muerte a un niño en edad preescolar, cómo puede verse el "
          "duelo a esta edad y maneras de recordar juntos.")),
    work("parent-incarcerated-story", "interactive_book", "F", _t(TRAUMA, RELATIONSHIPS), (36, 72), "sesame",
         ("en", "Missing you: an interactive story for children whose parent is incarcerated",
          "A gentle story that answers common questions (Where is my mom? Is it my fault? Can I visit?) and "
          "invites children to draw and talk about their feelings."),
         ("es", "Te extraño: un cuento interactivo para niños con una madre o un padre en prisión",
          "Un cuento delicado que responde preguntas frecuentes (¿Dónde está mi mamá? ¿Es mi culpa? ¿Puedo "
          "visitarla?) e invita a los niños a dibujar y hablar de lo que sienten.")),
    work("immigration-stress", "pdf", "FPC", _t(TRAUMA, DIVERSITY), (0, 72), "nctsn",
         ("en", "Supporting young children and families under immigration stress",
          "Guidance for early educators and consultants on recognising fear and uncertainty in children and "
          "parents, keeping routines steady, and connecting families with trusted community help."),
         ("es", "Apoyo a niños pequeños y familias ante el estrés migratorio",
          "Orientación para educadores y consultores sobre cómo reconocer el miedo y la incertidumbre en niños y "
          "padres, mantener rutinas estables y conectar a las familias con ayuda comunitaria de confianza.")),
    work("after-a-disaster", "tip_sheet", "FP", _t(TRAUMA), (0, 72), "nctsn",
         ("en", "After a wildfire or flood: helping little ones feel safe",
          "What young children may show after a disaster (clinging, tantrums, trouble sleeping), how to talk about "
          "what happened, and why getting back to familiar routines matters so much."),
         ("es", "Después de un incendio o una inundación: cómo ayudar a los más pequeños a sentirse seguros",
          "Lo que pueden mostrar los niños pequeños después de un desastre (no querer separarse, berrinches, "
          "problemas para dormir), cómo hablar de lo ocurrido y por qué volver a las rutinas es tan importante.")),
    work("family-media-plan", "tip_sheet", "F", _t(DEVELOPMENT, ROUTINES), (0, 60), "healthychildren",
         ("en", "Screens and young children: making a family media plan",
          "Age-by-age suggestions for screen use, why watching together beats watching alone, and how to keep "
          "meals and bedtime screen-free without a daily argument."),
         ("es", "Las pantallas y los niños pequeños: cómo hacer un plan familiar de medios",
          "Sugerencias por edad para el uso de pantallas, por qué ver juntos es mejor que ver a solas y cómo "
          "mantener las comidas y la hora de dormir sin pantallas sin discutir todos los días.")),
    work("specific-praise", "tip_sheet", "PF", _t(PYRAMID, RELATIONSHIPS), (24, 72), "ncpmi",
         ("en", "Noticing the good: using specific praise",
          "Describe what the child did (\"You waited for a turn with the truck\") rather than saying \"good job\", "
          "and aim for many more positive comments than corrections across the day."),
         ("es", "Fijarse en lo positivo: elogios específicos",
          "Describa lo que hizo el niño (\"Esperaste tu turno con el camión\") en lugar de decir \"buen trabajo\", "
          "y procure hacer muchos más comentarios positivos que correcciones durante el día.")),
    work("friendship-skills", "training_module", "P", _t(PYRAMID, PLAY), (36, 72), "pyramidmodel",
         ("en", "Teaching friendship skills: sharing, taking turns and asking to play",
          "Lesson ideas, puppets and games for teaching preschoolers how to join play, trade toys and suggest a "
          "solution when they disagree."),
         ("es", "Enseñar habilidades de amistad: compartir, tomar turnos y pedir jugar",
          "Ideas de actividades, títeres y juegos para enseñar a los preescolares cómo unirse al juego, "
          "intercambiar juguetes y proponer una solución cuando no están de acuerdo.")),
    work("baby-wont-stop-crying", "tip_sheet", "F", _t(RELATIONSHIPS, WELL_BEING), (0, 12), "healthychildren",
         ("en", "When your baby won't stop crying",
          "Ways to soothe a crying baby (holding, rocking, white noise, a walk outside) and a plan for the "
          "moments you feel at your limit: lay the baby down somewhere safe and take a break."),
         ("es", "Cuando su bebé no deja de llorar",
          "Maneras de calmar a un bebé que llora (cargarlo, mecerlo, ruido blanco, salir a caminar) y un plan para "
          "los momentos en que usted ya no puede más: acostar al bebé en un lugar seguro y tomar un descanso."),
         ("vi", "Khi em bé khóc mãi không nín",
          "Những cách dỗ em bé đang khóc (bế, đung đưa, tiếng ồn trắng, đưa bé ra ngoài đi dạo) và kế hoạch cho "
          "những lúc quý vị cảm thấy quá sức: đặt bé nằm ở nơi an toàn và nghỉ ngơi một lát.")),
    work("primary-caregiving", "training_module", "PCA", _t(RELATIONSHIPS, ROUTINES), (0, 36), "pitc",
         ("en", "Primary caregiving and continuity of care for infants and toddlers",
          "Why a few consistent caregivers matter so much in the first three years, and how programs can organise "
          "staffing and groups to keep those relationships going."),
         ("es", "Cuidado primario y continuidad para bebés y niños pequeños",
          "Por qué importa tanto contar con pocos cuidadores constantes durante los primeros tres años y cómo los "
          "programas pueden organizar al personal y los grupos para mantener esas relaciones.")),
    work("getting-to-know-families", "tip_sheet", "PC", _t(DIVERSITY, RELATIONSHIPS, DUAL_LANGUAGE), (0, 72), "naeyc",
         ("en", "Getting to know families: questions that open doors",
          "Conversation starters for learning about a family's routines, beliefs about discipline and sleep, "
          "languages and hopes for their child, without assumptions."),
         ("es", "Conocer a las familias: preguntas que abren puertas",
          "Preguntas para iniciar conversaciones y conocer las rutinas de una familia, sus creencias sobre la "
          "disciplina y el sueño, sus idiomas y sus esperanzas para su hijo, sin suposiciones.")),
    work("anti-bias-classrooms", "website", "PA", _t(EQUITY, DIVERSITY), (24, 72), "naeyc",
         ("en", "Anti-bias education in early childhood classrooms",
          "Articles, book lists and classroom examples for helping young children notice and talk about "
          "differences, feel proud of who they are, and speak up about unfairness."),
         ("es", "Educación antisesgo en los salones de la primera infancia",
          "Artículos, listas de libros y ejemplos de salones para ayudar a los niños pequeños a notar y hablar de "
          "las diferencias, sentirse orgullosos de quiénes son y decir algo ante lo injusto.")),
    work("advancing-equity", "pdf", "AL", _t(EQUITY), (0, 72), "naeyc",
         ("en", "Advancing equity in early childhood: recommendations for programs and policy",
          "A position statement with concrete recommendations for educators, program leaders and policy makers on "
          "access, compensation, discipline practices and partnership with families."),
         ("es", "Promover la equidad en la primera infancia: recomendaciones para programas y políticas",
          "Una declaración de posición con recomendaciones concretas para educadores, líderes de programas y "
          "responsables de políticas sobre acceso, remuneración, prácticas de disciplina y colaboración con las "
          "familias.")),
    work("protective-factors", "website", "PCA", _t(WELL_BEING, RELATIONSHIPS), (0, 72), "cssp",
         ("en", "Protective factors that help families thrive",
          "An introduction to five protective factors (parental resilience, social connections, concrete support, "
          "knowledge of development, children's social-emotional competence) and how programs can build them."),
         ("es", "Factores de protección que ayudan a las familias a salir adelante",
          "Una introducción a cinco factores de protección (resiliencia de los padres, conexiones sociales, apoyo "
          "concreto, conocimiento del desarrollo y competencia socioemocional de los niños) y cómo los programas "
          "pueden fortalecerlos.")),
    work("preschool-resilience", "training_module", "PC", _t(FEELINGS, DEVELOPMENT), (24, 72), "devereux",
         ("en", "Building resilience in preschool classrooms",
          "Strategies that strengthen initiative, self-regulation and attachment, the protective factors that help "
          "children bounce back, with a short observation tool for teachers."),
         ("es", "Fomentar la resiliencia en los salones de preescolar",
          "Estrategias que fortalecen la iniciativa, la autorregulación y el apego, los factores de protección que "
          "ayudan a los niños a recuperarse, con una breve herramienta de observación para las maestras.")),
    work("adult-resilience-checklist", "tip_sheet", "PA", _t(WELL_BEING), (0, 72), "devereux",
         ("en", "Caring for the caregiver: an adult resilience checklist",
          "A short self-reflection on relationships, beliefs, initiative and self-control for adults who work with "
          "young children, ending with one small goal to choose for the month."),
         ("es", "Cuidar a quien cuida: lista para la resiliencia de los adultos",
          "Una breve autorreflexión sobre relaciones, creencias, iniciativa y autocontrol para adultos que trabajan "
          "con niños pequeños, que termina con una pequeña meta para el mes.")),
    work("worried-about-development", "website", "FP", _t(DEVELOPMENT), (0, 72), "helpmegrow",
         ("en", "Worried about your child's development? Where to start",
          "How a single phone line can connect families to developmental screening, early intervention and "
          "community services, and what to expect when you call."),
         ("es", "¿Le preocupa el desarrollo de su hijo? Por dónde empezar",
          "Cómo una sola línea telefónica puede conectar a las familias con evaluaciones del desarrollo, "
          "intervención temprana y servicios comunitarios, y qué esperar cuando llame.")),
    work("reading-with-wigglers", "video", "F", _t(RELATIONSHIPS, PLAY), (6, 60), "reachoutandread",
         ("en", "Reading aloud with babies and toddlers, even when they won't sit still",
          "Short demonstrations of reading with a wriggly one-year-old and a chatty three-year-old: pointing, "
          "naming, letting them turn the pages and following their lead."),
         ("es", "Leer en voz alta con bebés y niños pequeños, aunque no se queden quietos",
          "Demostraciones cortas de lectura con un niño de un año que no para de moverse y una niña de tres años "
          "muy platicadora: señalar, nombrar, dejarles pasar las páginas y seguir su iniciativa.")),
    work("financing-consultation", "research_synthesis", "LA", _t(CONSULTATION, EXPULSION), (0, 72), "iecmhc",
         ("en", "Paying for consultation: how states fund IECMHC",
          "A review of the funding streams states combine to sustain mental health consultation (child care block "
          "grants, Medicaid, Head Start, state general funds), with the trade-offs of each."),
         ("es", "Cómo se paga la consultoría: el financiamiento estatal de IECMHC",
          "Una revisión de las fuentes de financiamiento que combinan los estados para sostener la consultoría en "
          "salud mental (fondos federales para el cuidado infantil, Medicaid, Head Start, fondos estatales), con "
          "las ventajas y desventajas de cada una.")),
    work("state-preschool-quality", "research_synthesis", "L", _t(EQUITY, DEVELOPMENT), (36, 72), "nieer",
         ("en", "Quality and access in state preschool programs",
          "What recent state-by-state data show about enrolment, teacher qualifications, class sizes and funding "
          "per child, and where access remains uneven."),
         ("es", "Calidad y acceso en los programas estatales de preescolar",
          "Lo que muestran datos recientes de cada estado sobre inscripción, preparación docente, tamaño de los "
          "grupos y financiamiento por niño, y dónde el acceso sigue siendo desigual.")),
    work("emotion-coaching", "video", "F", _t(FEELINGS, RELATIONSHIPS), (24, 72), "childmind",
         ("en", "Emotion coaching: turning meltdowns into teaching moments",
          "A parent educator shows how to notice a feeling, name it, accept it and then hold a limit, in two "
          "role-played scenes: a broken cookie and leaving the park."),
         ("es", "Acompañar las emociones: convertir los berrinches en momentos para aprender",
          "Una educadora de padres muestra cómo notar un sentimiento, ponerle nombre, aceptarlo y luego mantener "
          "un límite, en dos escenas actuadas: una galleta rota y la hora de irse del parque.")),
    work("cozy-corner", "tip_sheet", "PF", _t(FEELINGS, PYRAMID), (24, 72), "ncpmi",
         ("en", "Creating a cozy corner, not a time-out",
          "How to set up a calm space with soft things, feelings pictures and breathing cards where children "
          "choose to go to feel better, and how it differs from sending a child away."),
         ("es", "Crear un rincón acogedor, no un tiempo fuera",
          "Cómo preparar un espacio tranquilo con cosas suaves, imágenes de sentimientos y tarjetas para respirar "
          "adonde los niños eligen ir para sentirse mejor, y en qué se diferencia de apartar al niño.")),
    work("toilet-learning", "tip_sheet", "FP", _t(DEVELOPMENT, ROUTINES), (18, 48), "zerotothree",
         ("en", "Toilet learning without pressure",
          "Signs that a child may be ready, how families and caregivers can use the same words and routine, and "
          "why accidents and setbacks are part of learning."),
         ("es", "Aprender a usar el baño sin presión",
          "Señales de que el niño puede estar listo, cómo las familias y quienes lo cuidan pueden usar las mismas "
          "palabras y la misma rutina, y por qué los accidentes y retrocesos son parte del aprendizaje.")),
    work("picky-eaters", "tip_sheet", "F", _t(ROUTINES), (12, 60), "healthychildren",
         ("en", "Mealtimes with a picky eater",
          "Offer small portions of new foods next to familiar ones, eat together and let the child decide how "
          "much; why pressure and bribes usually backfire."),
         ("es", "La hora de comer con un niño quisquilloso",
          "Ofrezca porciones pequeñas de alimentos nuevos junto a los conocidos, coman juntos y deje que el niño "
          "decida cuánto comer; por qué la presión y los premios casi nunca funcionan.")),
    work("policy-brief-state-leaders", "pdf", "L", _t(EXPULSION, CONSULTATION), (0, 72), "zerotothree",
         ("en", "Infant and early childhood mental health: a policy brief for state leaders",
          "Four policy levers (consultation, workforce development, screening and financing) that states use to "
          "promote young children's mental health, with questions to ask of current programs."),
         ("es", "Salud mental infantil y de la primera infancia: informe de políticas para líderes estatales",
          "Cuatro palancas de política pública (consultoría, desarrollo de la fuerza laboral, detección y "
          "financiamiento) que usan los estados para promover la salud mental de los niños pequeños, con preguntas "
          "para revisar los programas actuales.")),
    work("talking-about-race", "tip_sheet", "FP", _t(EQUITY, DIVERSITY), (24, 72), "sesame",
         ("en", "Talking with young children about race and skin color",
          "Children notice differences from infancy. Simple, honest answers to common questions, and books and "
          "activities that help them value their own identity and other people's."),
         ("es", "Cómo hablar con los niños pequeños sobre la raza y el color de la piel",
          "Los niños notan las diferencias desde bebés. Respuestas sencillas y sinceras a preguntas comunes, y "
          "libros y actividades que les ayudan a valorar su propia identidad y la de los demás.")),
    work("executive-function-early", "research_synthesis", "CP", _t(DEVELOPMENT, FEELINGS), (0, 36), "harvard",
         ("en", "Executive function and self-regulation in the first years",
          "How the skills for focusing, remembering and controlling impulses begin in infancy, what helps them "
          "grow, and the part played by relationships and predictable surroundings."),
         ("es", "Función ejecutiva y autorregulación en los primeros años",
          "Cómo las habilidades para concentrarse, recordar y controlar los impulsos empiezan en la infancia, qué "
          "las ayuda a crecer y el papel de las relaciones y de un entorno predecible.")),
    work("families-behavior-plans", "training_module", "PC", _t(PYRAMID, RELATIONSHIPS, BEHAVIOR), (12, 72),
         "ncpmi",
         ("en", "Partnering with families on a behavior support plan",
          "A module on inviting families into planning from the start: sharing observations respectfully, learning "
          "what works at home, and agreeing on the same strategies in both places."),
         ("es", "Colaborar con las familias en un plan de apoyo a la conducta",
          "Un módulo sobre cómo invitar a las familias a planear desde el principio: compartir observaciones con "
          "respeto, aprender qué funciona en casa y acordar las mismas estrategias en ambos lugares.")),
    work("program-wide-pyramid", "pdf", "A", _t(PYRAMID, EXPULSION), (0, 72), "pyramidmodel",
         ("en", "Program-wide implementation of the Pyramid Model: a guide for leadership teams",
          "How a leadership team plans, trains, coaches and uses data to bring the Pyramid Model to every "
          "classroom, with a benchmarks checklist for the first two years."),
         ("es", "El Modelo Pirámide en todo el programa: guía para el equipo de liderazgo",
          "Cómo un equipo de liderazgo planea, capacita, acompaña y usa datos para llevar el Modelo Pirámide a "
          "todos los salones, con una lista de metas para los dos primeros años.")),
    work("family-friend-neighbor", "video", "PF", _t(RELATIONSHIPS, WELL_BEING), (0, 60), "first5ca",
         ("en", "Grandparents, aunts and neighbors: the caregivers who fill the gaps",
          "Family, friend and neighbor caregivers share how they look after children while parents work, what "
          "support they wish they had, and where to find free training."),
         ("es", "Abuelas, tías y vecinas: quienes cuidan a los niños mientras los padres trabajan",
          "Cuidadoras familiares, amigas y vecinas cuentan cómo cuidan a los niños mientras los padres trabajan, "
          "qué apoyo les gustaría tener y dónde encontrar capacitación gratuita.")),
    work("equity-in-consultation", "training_module", "C", _t(EQUITY, CONSULTATION, DIVERSITY), (0, 72), "iecmhc",
         ("en", "Equity in the consultation relationship",
          "Reflective exercises for consultants on power, identity and culture in work with teachers and "
          "families, and on raising bias in discipline decisions with care."),
         ("es", "Equidad en la relación de consultoría",
          "Ejercicios de reflexión para consultores sobre el poder, la identidad y la cultura en el trabajo con "
          "maestras y familias, y sobre cómo hablar con cuidado del sesgo en las decisiones de disciplina.")),
    work("secondary-traumatic-stress", "pdf", "PCA", _t(WELL_BEING, TRAUMA), (0, 72), "nctsn",
         ("en", "Secondary traumatic stress among early childhood staff",
          "What it looks like when the stories we hear start to weigh on us, warning signs to watch for in "
          "ourselves and colleagues, and what organisations can do to support staff."),
         ("es", "Estrés traumático secundario en el personal de la primera infancia",
          "Cómo se ve cuando las historias que escuchamos empiezan a pesarnos, señales de alerta en uno mismo y en "
          "los colegas, y lo que las organizaciones pueden hacer para apoyar al personal.")),
    work("dual-language-classroom", "tip_sheet", "P", _t(DUAL_LANGUAGE, DIVERSITY), (24, 72), "naeyc",
         ("en", "Supporting dual language learners in the classroom",
          "Label the room in the children's home languages, learn key words from families, pair English with "
          "gestures and pictures, and welcome each child's own language in play."),
         ("es", "Apoyar en el salón a los niños que aprenden dos idiomas",
          "Rotule el salón en los idiomas de los niños, aprenda palabras clave con ayuda de las familias, acompañe "
          "el inglés con gestos e imágenes y dé la bienvenida a la lengua materna de cada niño en el juego.")),
    work("bilingual-myths", "video", "F", _t(DUAL_LANGUAGE, DEVELOPMENT), (0, 72), "first5la",
         ("en", "Raising a bilingual child: myths and facts",
          "Speech and language specialists answer parents' common worries: will two languages confuse my child, "
          "delay their speech or make school harder? (In short: no.)"),
         ("es", "Criar a un niño bilingüe: mitos y realidades",
          "Especialistas en lenguaje responden a las preocupaciones comunes de las familias: ¿dos idiomas "
          "confunden al niño, retrasan el habla o complican la escuela? (En pocas palabras: no.)")),

    # --- English only -------------------------------------------------------------------------------
    work("day-in-infant-room", "video", "PC", _t(RELATIONSHIPS), (0, 18), "pitc",
         ("en", "A day in an infant room: responsive care, moment by moment",
          "Unscripted footage of caregivers following infants' cues during feeding, diapering and play, with "
          "commentary on pacing, language and touch.")),
    work("consultant-competencies", "pdf", "AC", _t(CONSULTATION), (0, 72), "iecmhc",
         ("en", "Mental health consultation competencies: a framework for hiring and training",
          "The knowledge and skills expected of consultants in early childhood settings, arranged so that programs "
          "can use them in job descriptions, supervision and training plans.")),
    work("federal-expulsion-recommendations", "pdf", "AL", _t(EXPULSION, EQUITY), (0, 72), "acf",
         ("en", "Preventing suspension and expulsion in early learning settings: federal recommendations",
          "Recommendations to states and programs on clear policies, building staff capacity and using "
          "consultation to end the exclusionary discipline of young children.")),
    work("educator-pay-turnover", "research_synthesis", "LA", _t(WELL_BEING), (0, 72), "childtrends",
         ("en", "Early educator pay and turnover: what the evidence shows",
          "How low pay and high turnover affect children's relationships with their teachers, and the policy "
          "options states have tried to raise wages and keep experienced staff.")),
    work("infant-toddler-behavior", "website", "PC", _t(BEHAVIOR, DEVELOPMENT), (0, 36), "zerotothree",
         ("en", "Understanding challenging behavior in infants and toddlers",
          "Articles for caregivers of the youngest children on crying, biting, hitting and separation distress, "
          "read as communication from a child who is still learning.")),
    work("practice-based-coaching", "training_module", "C", _t(PYRAMID, CONSULTATION), (24, 72), "ncpmi",
         ("en", "Coaching teachers with practice-based coaching",
          "The cycle of shared goals, focused observation, and reflection with feedback, illustrated with recorded "
          "coaching conversations.")),
    work("breathing-games", "video", "PF", _t(FEELINGS), (36, 72), "childmind",
         ("en", "Breathing games for preschoolers",
          "Three short games (smell the flower, blow out the candle, balloon belly) that teach children a way to "
          "breathe when feelings get big.")),
    work("trauma-informed-programs", "training_module", "PAC", _t(TRAUMA), (0, 72), "samhsa",
         ("en", "Trauma-informed care in early childhood programs",
          "Principles of safety, trustworthiness, choice, collaboration and empowerment, applied to program "
          "policies, classroom routines and support for staff.")),
    work("homelessness-young-children", "pdf", "PA", _t(TRAUMA, EQUITY), (0, 72), "acf",
         ("en", "Young children experiencing homelessness: what early programs can do",
          "How housing instability affects babies and preschoolers, how to identify families who qualify for "
          "priority enrolment, and ways to keep care stable through moves.")),
    work("early-childhood-data", "research_synthesis", "L", _t(EQUITY), (0, 72), "childtrends",
         ("en", "Counting the children we serve: early childhood data systems",
          "Why linked data matter for seeing who receives services and who is missed, with examples of states "
          "that connect child care, health and education records safely.")),

    # --- Spanish only -------------------------------------------------------------------------------
    work("berrinches-en-publico", "tip_sheet", "F", _t(FEELINGS, BEHAVIOR), (18, 60), "first5la",
         ("es", "Berrinches en el supermercado: qué hacer cuando todos nos miran",
          "Consejos para madres y padres cuando un berrinche ocurre en público: respirar, ponerse a la altura del "
          "niño, hablar poco y con firmeza, y no preocuparse por las miradas de los demás.")),
    work("canciones-de-cuna", "video", "F", _t(RELATIONSHIPS, DUAL_LANGUAGE), (0, 18), "first5ca",
         ("es", "Cantos y rimas para calmar a los bebés",
          "Canciones de cuna y rimas tradicionales de distintos países de América Latina, cantadas por familias, "
          "para los momentos de llanto y la hora de dormir.")),
    work("crianza-entre-culturas", "website", "F", _t(DIVERSITY, RELATIONSHIPS), (0, 72), "unicef",
         ("es", "Criar entre dos culturas",
          "Reflexiones y consejos para familias inmigrantes que crían a sus hijos entre las costumbres de su país "
          "de origen y las de su nuevo hogar, sin perder sus raíces.")),
    work("hablar-con-familias-conducta", "pdf", "P", _t(BEHAVIOR, RELATIONSHIPS), (12, 72), "ccaoa",
         ("es", "Guía para proveedoras: cómo hablar con las familias sobre la conducta",
          "Cómo preparar una conversación difícil con una familia sobre la conducta de su hijo: empezar por las "
          "fortalezas, describir lo observado sin etiquetas y planear juntos los siguientes pasos.")),
    work("berrinches-por-edades", "pdf", "FP", _t(FEELINGS, DEVELOPMENT), (12, 72), "healthychildren",
         ("es", "Los berrinches y las rabietas: una guía por edades",
          "Qué esperar de los berrinches entre el año y los cinco años, cuándo son parte normal del desarrollo y "
          "cuándo conviene consultar con el pediatra o con un especialista.")),
    work("madres-despues-del-parto", "video", "F", _t(WELL_BEING), (0, 12), "psi",
         ("es", "La salud emocional de las madres después del parto",
          "Madres latinas cuentan cómo vivieron la tristeza y la ansiedad después de tener a sus bebés y cómo "
          "encontraron ayuda en su propio idioma.")),
    work("cursos-cuidadoras-familiares", "training_module", "P", _t(WELL_BEING, DEVELOPMENT), (0, 60), "cdss",
         ("es", "Cursos para cuidadoras familiares, amigas y vecinas",
          "Cursos cortos en español sobre el desarrollo infantil, la seguridad en casa y el juego, pensados para "
          "abuelas, tías y vecinas que cuidan a niños pequeños.")),
    work("juego-al-aire-libre", "tip_sheet", "PF", _t(PLAY, FEELINGS), (12, 72), "naeyc",
         ("es", "Juego libre al aire libre: por qué importa",
          "Cómo el juego al aire libre ayuda a los niños a regular su cuerpo y sus emociones, resolver problemas y "
          "hacer amigos, con ideas para patios y espacios pequeños.")),
)

# Published once and later withdrawn by the curators (kept for the record, not shown publicly).
WITHDRAWN_WORKS: tuple[Work, ...] = (
    work("time-out-steps", "tip_sheet", "P", _t(BEHAVIOR), (36, 72), "csefel",
         ("en", "Using time-out in the preschool classroom, step by step",
          "An older handout on time-out procedures for preschool teachers, replaced in the library by guidance on "
          "calm-down spaces and teaching skills."),
         ("es", "Cómo usar el tiempo fuera en el salón de preescolar, paso a paso",
          "Una hoja antigua sobre el uso del tiempo fuera para maestras de preescolar, reemplazada en la biblioteca "
          "por orientación sobre espacios para calmarse y la enseñanza de habilidades.")),
)


@dataclass(frozen=True)
class Suggestion:
    """A resource someone suggested through the public form: waiting for review, or declined with a reason."""

    key: str
    language: str
    kind: str
    audiences: str
    title: str
    summary: str
    source: str  # the organisation, as the person typed it
    url: str
    name: str
    email: str  # fictional, at example.org
    note: str
    days_ago: int  # when it was suggested
    decline_reason: str = ""


SUGGESTIONS: tuple[Suggestion, ...] = (
    Suggestion("pbs-emociones", "es", "website", "F", "Videos sobre las emociones para ver en familia",
               "Episodios cortos y juegos en español sobre cómo reconocer y nombrar lo que sentimos.",
               "PBS KIDS para padres", "https://www.pbs.org/parents", "Ana Morales", "ana.morales@example.org",
               "Los veo con mis hijos de 3 y 5 años y les encantan. Están en español.", 2),
    Suggestion("raising-children-toddlers", "en", "website", "FP", "Toddler behavior articles",
               "Clear, practical articles on toddler behavior, sleep and play from an Australian parenting site.",
               "Raising Children Network", "https://raisingchildren.net.au/", "Priya Raman",
               "priya.raman@example.org",
               "It's Australian, but the toddler behavior pages are the clearest I've found for the families I "
               "visit.", 4),
    Suggestion("unicef-stressful-times", "en", "website", "F", "Parenting tips for stressful times",
               "Short, practical advice for parents on looking after themselves and their children during a crisis.",
               "UNICEF", "https://www.unicef.org/parenting", "Tom Becker", "tom.becker@example.org",
               "Our family resource center hands these out after the fires last year.", 6),
    Suggestion("endorsement-explained", "en", "website", "C", "Infant mental health endorsement explained",
               "What endorsement is, the categories, and how consultants can plan their path toward it.",
               "Alliance for the Advancement of Infant Mental Health", "https://www.allianceaimh.org/",
               "Jordan Ellis", "jordan.ellis@example.org",
               "Several consultants in my cohort asked where to start with endorsement.", 9),
    Suggestion("separacion-padres", "es", "tip_sheet", "F",
               "Cómo hablar con los niños pequeños sobre la separación de sus padres",
               "Ideas para explicar un divorcio o una separación con palabras que un niño de preescolar entiende.",
               "Child Mind Institute", "https://childmind.org/", "Verónica Salas", "veronica.salas@example.org",
               "Me ayudó mucho cuando me separé; creo que a otras familias también les serviría.", 11),
    Suggestion("sesame-routines", "en", "video", "FP", "Routines that help little ones feel safe",
               "Short videos and printable activities for building predictable routines with young children.",
               "Sesame Workshop", "https://sesameworkshop.org/", "Kim Nguyen", "kim.nguyen@example.org",
               "I use these with the toddlers in my family child care home.", 13),
    Suggestion("state-of-preschool", "en", "research_synthesis", "L", "The state of preschool, state by state",
               "A yearly report on enrolment, quality standards and spending in state-funded preschool.",
               "National Institute for Early Education Research", "https://nieer.org/", "Alan Reyes",
               "alan.reyes@example.org", "Useful for the county's early learning plan.", 16),
    Suggestion("doc-sach-cung-con", "vi", "website", "F", "Đọc sách cùng con từ khi còn nhỏ",
               "Lời khuyên cho cha mẹ về cách đọc sách cùng trẻ nhỏ mỗi ngày.",
               "Reach Out and Read", "https://reachoutandread.org/", "Linh Tran", "linh.tran@example.org",
               "Nhiều gia đình người Việt trong chương trình của chúng tôi sẽ thấy hữu ích.", 20),
    # Declined, with the reason the curator gave.
    Suggestion("brain-app", "en", "website", "F", "Brain-training app for babies",
               "A subscription app promising to boost a baby's IQ with daily flash-card sessions.",
               "BrightStart Apps", "https://www.example.com/", "Brandon Miles", "brandon.miles@example.org",
               "My kids love it!", 40,
               decline_reason="A paid app whose claims are not supported by research; the library lists free "
                              "resources from trusted sources."),
    Suggestion("milestones-duplicate", "en", "website", "FP", "CDC milestone checklists",
               "Checklists of developmental milestones by age.", "CDC",
               "https://www.cdc.gov/ncbddd/actearly/", "Hannah Cole", "hannah.cole@example.org",
               "Families always ask me for these.", 55,
               decline_reason="Already in the library: see \"Milestones from two months to five years\", in English, "
                              "Spanish and Vietnamese."),
    Suggestion("tareas-primaria", "es", "pdf", "F", "Guía de tareas para primaria",
               "Consejos para ayudar a los niños de primaria con las tareas escolares.",
               "Departamento de Educación de California", "https://www.cde.ca.gov/", "Raúl Ibarra",
               "raul.ibarra@example.org", "Muy buena para los hermanos mayores.", 70,
               decline_reason="Es para niños en edad escolar; la biblioteca reúne recursos para niños desde el "
                              "nacimiento hasta los cinco años."),
)
