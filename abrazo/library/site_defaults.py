"""The content pages a new network starts with, in English and Spanish, written for Abrazo.

Pure data (no Django): `site_services.install_default_pages` fills in the addresses and contact details and
creates them as published pages, which the network's administrators then adapt in their own words. The Spanish
is written for Spanish-speaking families and providers (usted, plain words), not translated word by word.

Placeholders, filled in at installation: {request_url} (the request form), {apply_url} (applying to a training
cohort), {library_url} (the resource library), {voices_url} (voices from the field), {network} (the network's
name), {contact_en} / {contact_es} (how to reach the network, or a pointer to the request form when the network
has no contact details yet).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DefaultPage:
    slug: str
    position: int
    title_en: str
    title_es: str
    description_en: str
    description_es: str
    body_en: str
    body_es: str
    in_menu: bool = True


WHAT_IS = DefaultPage(
    slug="what-is-consultation",
    position=10,
    title_en="What consultation is",
    title_es="Qué es la consultoría",
    description_en=("Infant and early childhood mental health consultation supports the adults who care for "
                    "young children, so that every child can feel safe, seen and ready to learn."),
    description_es=("La consultoría de salud mental infantil apoya a los adultos que cuidan a niños pequeños, "
                    "para que cada niño se sienta seguro, valorado y listo para aprender."),
    body_en="""\
Infant and early childhood mental health consultation (often shortened to IECMHC) brings a mental health
professional alongside the adults who care for children from birth to age five. The consultant does not come to
"fix" a child. They come to work with you: to look together at what a child may be telling us through their
behaviour, and to find ways forward that fit your classroom, your home and your family.

## What consultation is

- **Support for the adults.** The consultant works with teachers, caregivers, directors and families. The
  help reaches children through the people who know them best. This is why we call it an *indirect* service.
- **Built on a relationship.** Trust comes first. Consultants listen, ask questions, notice what is already
  going well, and think things through with you, at your pace.
- **A partnership.** You are the expert on your children and your setting; the consultant brings knowledge of
  early development and mental health. Good ideas come from putting the two together.
- **Reflective.** Caring for young children stirs up big feelings in adults too. Consultation makes room to
  pause, notice those feelings and respond rather than react.
- **Grounded in equity.** Consultants pay attention to culture, language and bias, including our own, so that
  every child gets a fair chance to stay and thrive in their early learning program.

## What consultation is not

- **It is not therapy for the child.** The consultant does not diagnose or treat children. If a child or
  family would benefit from other services, the consultant can help you find them and make a referral.
- **It is not an inspection.** Consultants do not rate or report on your program, and they are not there to
  judge you.
- **It is not an expert handing down answers.** There is no one-size-fits-all plan. Together, you try things,
  see what helps, and adjust.
- **It is not a last resort.** You do not have to wait for a crisis. Asking early is a sign of care, not of
  failure.

## What it can look like

A consultant might spend time in a classroom, meet with a teaching team after nap time, join a family for a
video call in the evening, or help a director think through a policy. Most consultations last a few weeks to a
few months and end with a plan that the adults own.

[Ask for consultation]({request_url}) · [Find resources in our library]({library_url})
""",
    body_es="""\
La consultoría de salud mental infantil y de la primera infancia pone a un profesional de la salud mental al
lado de los adultos que cuidan a niños desde el nacimiento hasta los cinco años. La persona consultora no viene a
"arreglar" a un niño. Viene a trabajar con usted: a mirar juntos lo que un niño quizás nos está diciendo con su
comportamiento y a encontrar caminos que funcionen en su salón, en su hogar y con su familia.

## Lo que es la consultoría

- **Apoyo para los adultos.** La persona consultora trabaja con maestras, cuidadores, directores y familias. La
  ayuda llega a los niños a través de quienes mejor los conocen. Por eso decimos que es un servicio *indirecto*.
- **Basada en una relación.** Primero viene la confianza. Quien hace la consultoría escucha, hace preguntas, se
  fija en lo que ya está funcionando bien y piensa las cosas con usted, a su ritmo.
- **Un trabajo en equipo.** Usted conoce a sus niños y su programa mejor que nadie; la persona consultora aporta
  lo que sabe sobre el desarrollo infantil y la salud mental. Las buenas ideas nacen de juntar las dos cosas.
- **Reflexiva.** Cuidar a niños pequeños también despierta emociones fuertes en los adultos. La consultoría
  da espacio para hacer una pausa, reconocer esas emociones y responder con calma en vez de reaccionar.
- **Con equidad.** Se presta atención a la cultura, al idioma y a los prejuicios, también a los nuestros, para
  que cada niño tenga una oportunidad justa de quedarse y crecer en su programa.

## Lo que no es la consultoría

- **No es terapia para el niño.** La persona consultora no diagnostica ni da tratamiento a los niños. Si un niño
  o una familia necesita otros servicios, le puede ayudar a encontrarlos y a hacer una referencia.
- **No es una inspección.** No califica su programa ni informa sobre usted, y no está ahí para juzgarle.
- **No es un experto que da respuestas hechas.** No hay un plan igual para todos. Juntos prueban ideas, ven qué
  ayuda y hacen cambios.
- **No es el último recurso.** No hace falta esperar a una crisis. Pedir apoyo a tiempo es una forma de cuidar,
  no un fracaso.

## Cómo puede ser

La persona consultora puede pasar un rato en el salón, reunirse con el equipo de maestras después de la siesta,
conectarse por video con una familia en la tarde o ayudar a un director a revisar una política. La mayoría de las
consultorías duran de unas semanas a unos meses y terminan con un plan que les pertenece a los adultos.

[Pedir consultoría]({request_url}) · [Buscar recursos en nuestra biblioteca]({library_url})
""",
)

WHO_WE_SERVE = DefaultPage(
    slug="who-we-serve",
    position=20,
    title_en="Who we serve",
    title_es="A quién apoyamos",
    description_en=("Consultation is for the adults around children from birth to five: teachers, family child "
                    "care providers, relatives and neighbours who care for children, home visitors, directors "
                    "and families."),
    description_es=("La consultoría es para los adultos que rodean a niños desde el nacimiento hasta los cinco "
                    "años: maestras, proveedores de cuidado infantil familiar, familiares y vecinos que cuidan "
                    "niños, visitadores al hogar, directores y familias."),
    body_en="""\
We support the grown-ups in a young child's life. If you care for, teach or raise children from birth to age
five, consultation is for you. There is no cost to you.

## Teachers and teaching teams

In child care centres, preschools, Head Start and Early Head Start. A consultant can help you understand a
child's behaviour, shape a calmer classroom, and look after your own well-being in a demanding job.

## Family child care providers

You often work alone, with children of many ages in your own home. A consultant can be a thinking partner who
understands that.

## Family, friends and neighbours who care for children

Grandparents, aunts and uncles, neighbours and friends do much of the caring for young children. You are
welcome to ask for support too, in the language you speak at home.

## Home visitors

Your work with families is built on relationships. Reflective consultation, on your own or with colleagues, can
help you hold the hard moments and keep going.

## Directors and program leaders

A consultant can help you look at policies (for example, what happens when a child's behaviour is challenging),
support your staff, and build a program where children are not suspended or sent home.

## Families

Parents and other family members can ask for help for their child's early learning setting, or take part when a
consultant works with their child's teacher. Nothing about your child is discussed without your permission.

[Ask for consultation]({request_url})
""",
    body_es="""\
Apoyamos a los adultos en la vida de un niño pequeño. Si usted cuida, enseña o cría a niños desde el nacimiento
hasta los cinco años, la consultoría es para usted. No tiene costo para usted.

## Maestras y equipos de salón

En centros de cuidado infantil, preescolares, Head Start y Early Head Start. La persona consultora le puede
ayudar a entender el comportamiento de un niño, a crear un ambiente más tranquilo en el salón y a cuidar su propio
bienestar en un trabajo exigente.

## Proveedores de cuidado infantil familiar

Muchas veces trabaja sola o solo, en su propia casa, con niños de distintas edades. La persona consultora puede
acompañarle a pensar, entendiendo esa realidad.

## Familiares, amigos y vecinos que cuidan niños

Abuelas, tías, tíos, vecinos y amigos cuidan a muchísimos niños pequeños. Usted también puede pedir apoyo, en
el idioma que habla en casa.

## Visitadores al hogar

Su trabajo con las familias se basa en la relación. La consultoría reflexiva, individual o con colegas, le
puede ayudar a sostener los momentos difíciles y seguir adelante.

## Directores y líderes de programas

La persona consultora le puede ayudar a revisar políticas (por ejemplo, qué pasa cuando el comportamiento de un
niño es difícil), a apoyar a su personal y a construir un programa donde a los niños no se les suspenda ni se
les mande a casa.

## Familias

Madres, padres y otros familiares pueden pedir apoyo para el programa de cuidado de su hijo, o participar cuando
una persona consultora trabaja con la maestra de su hijo. Nunca se habla de su hijo sin su permiso.

[Pedir consultoría]({request_url})
""",
)

ASK_FOR_HELP = DefaultPage(
    slug="ask-for-help",
    position=30,
    title_en="How to ask for help",
    title_es="Cómo pedir apoyo",
    description_en=("Ask for consultation with a short online form, in English or Spanish. We usually reply within a "
                    "few working days; a child at risk of being suspended or expelled comes first."),
    description_es=("Pida consultoría con un formulario breve en línea, en inglés o en español. Normalmente "
                    "respondemos en pocos días hábiles; un niño en riesgo de suspensión o expulsión tiene prioridad."),
    body_en="""\
Asking for help is simple and free. You do not need an account.

1. **Fill in the request form.** Tell us a little about you, your program or family, and what is on your mind.
   It takes about ten minutes. [Open the request form]({request_url}).
2. **We get in touch.** Someone from the network will contact you, usually within a few working days, to
   listen and to understand what would help.
3. **We find the right consultant.** We look for someone who serves your area, speaks your language and knows
   settings like yours.
4. **You start together.** You and the consultant agree on how you will work together and what you hope will
   change.

## If a child may be suspended or expelled

Please say so on the form. Those requests go to the top of the list, and a consultant can often help the program
and the family find another way.

## Questions about a particular child

When the work is about one child, we ask the child's parent or guardian for written permission first.

## In an emergency

Consultation is not an emergency service. If a child or an adult is in danger, call 911. For a mental health
crisis, call or text 988.

{contact_en}
""",
    body_es="""\
Pedir apoyo es sencillo y gratuito. No necesita una cuenta.

1. **Llene el formulario de solicitud.** Cuéntenos un poco sobre usted, su programa o su familia, y lo que le
   preocupa. Toma unos diez minutos. [Abrir el formulario]({request_url}).
2. **Nos comunicamos con usted.** Alguien de la red se pondrá en contacto, normalmente en pocos días hábiles,
   para escucharle y entender qué le ayudaría.
3. **Buscamos a la persona consultora adecuada.** Alguien que atienda su zona, hable su idioma y conozca
   programas como el suyo.
4. **Empiezan juntos.** Usted y la persona consultora acuerdan cómo van a trabajar y qué esperan que cambie.

## Si a un niño lo podrían suspender o expulsar

Por favor indíquelo en el formulario. Esas solicitudes pasan primero, y muchas veces la consultoría ayuda al
programa y a la familia a encontrar otro camino.

## Preguntas sobre un niño en particular

Cuando el trabajo es sobre un niño, primero pedimos el permiso por escrito de su madre, padre o tutor.

## En una emergencia

La consultoría no es un servicio de emergencia. Si un niño o un adulto está en peligro, llame al 911. Para una
crisis de salud mental, llame o envíe un mensaje de texto al 988.

{contact_es}
""",
)

BECOME_A_CONSULTANT = DefaultPage(
    slug="become-a-consultant",
    position=40,
    title_en="Become a consultant",
    title_es="Hágase consultor o consultora",
    description_en=("Mental health professionals can join our training cohorts to become infant and early "
                    "childhood mental health consultants. Bilingual applicants are especially welcome."),
    description_es=("Profesionales de la salud mental pueden unirse a nuestras cohortes de capacitación para "
                    "hacer consultoría de salud mental infantil. Damos una bienvenida especial a personas "
                    "bilingües."),
    body_en="""\
Do you love working with young children and the adults around them? We train mental health professionals to
become consultants, and we would love to hear from you.

## Who can apply

- Licensed mental health professionals, or people working toward a licence (for example, an associate marriage
  and family therapist, clinical social worker or professional clinical counsellor).
- People with experience of young children and families, in early care and education, home visiting or
  children's mental health.
- People who speak the languages of the families in our communities. Bilingual and bicultural applicants are
  especially welcome.

## What the training is like

You join a cohort: a group of new consultants who learn together over several months. Training covers early
development, relationship-based and reflective practice, working with programs and families, and equity,
including how to prevent suspension and expulsion. You will also have regular reflective supervision, because
this work asks a lot of the heart.

## How to apply

See the cohorts that are open now and send your application online.

[See open cohorts and apply]({apply_url})

Want to hear from people who have done it? Read [voices from the field]({voices_url}).
""",
    body_es="""\
¿Le apasiona trabajar con niños pequeños y con los adultos que los rodean? Capacitamos a profesionales de la
salud mental para hacer consultoría, y nos encantaría saber de usted.

## Quién puede presentar su solicitud

- Profesionales de la salud mental con licencia, o en camino a obtenerla (por ejemplo, terapeutas de
  matrimonio y familia, trabajadores sociales clínicos o consejeros clínicos en etapa de asociado).
- Personas con experiencia con niños pequeños y familias, en educación y cuidado infantil, visitas al hogar o
  salud mental infantil.
- Personas que hablan los idiomas de las familias de nuestras comunidades. Damos una bienvenida especial a
  personas bilingües y biculturales.

## Cómo es la capacitación

Usted se une a una cohorte: un grupo de nuevas personas consultoras que aprenden juntas durante varios meses. La
capacitación trata del desarrollo infantil, de la práctica reflexiva y basada en las relaciones, del trabajo con
programas y familias, y de la equidad, incluida la prevención de suspensiones y expulsiones. También tendrá
supervisión reflexiva con regularidad, porque este trabajo le pide mucho al corazón.

## Cómo presentar su solicitud

Vea las cohortes abiertas y envíe su solicitud en línea.

[Ver cohortes abiertas y presentar solicitud]({apply_url})

¿Quiere conocer la experiencia de otras personas? Lea las [voces del campo]({voices_url}).
""",
)

EQUITY = DefaultPage(
    slug="equity",
    position=50,
    title_en="Our commitment to equity",
    title_es="Nuestro compromiso con la equidad",
    description_en=("Young children, especially Black boys and children with disabilities, are suspended and "
                    "expelled from early learning far too often. Here is what our network does about it."),
    description_es=("A los niños pequeños, sobre todo a los niños afroamericanos y a los niños con "
                    "discapacidades, se les suspende y expulsa con demasiada frecuencia. Esto es lo que hace "
                    "nuestra red."),
    body_en="""\
Every young child deserves to belong. Yet preschoolers are suspended and expelled from early learning programs,
and the burden does not fall evenly. Across the country, Black children, boys, and children with disabilities
are much more likely than their classmates to be sent home, asked to leave or told not to come back. Children
who speak another language at home and children in foster care face extra risk too.

Being pushed out of early learning can mean missed learning, lost trust, and stress for the whole family,
including lost work for parents. We do not accept that as normal.

## What our network does

- **We put children at risk first.** A request about a child who may be suspended or expelled is answered
  first.
- **We look at the numbers, carefully.** Programs that work with us record suspensions, expulsions and other
  ways children are sent away, so that together we can see whether some groups of children are affected more
  than others. We publish summaries only, never anything that could identify a child.
- **We work on policies, not only on behaviour.** Consultants help directors write discipline policies that
  keep children in care and bring in support early.
- **We reflect on bias.** Everyone has biases. Consultants help teachers notice how their expectations and
  reactions may differ from one child to another, without blame, and try something different.
- **We speak your language.** We recruit and train consultants who share the languages and cultures of the
  families we serve, and our materials come in English and Spanish.
- **We listen.** Families and providers tell us what works and what does not, and we change.

## What you can do

If a child in your care is at risk of being sent away, [ask for consultation]({request_url}) before making that
decision. Our [library]({library_url}) has resources on equity, bias and preventing expulsion.
""",
    body_es="""\
Cada niño pequeño merece sentirse parte de su comunidad. Sin embargo, a niños en edad preescolar se les suspende
y expulsa de sus programas, y eso no les pasa a todos por igual. En todo el país, a los niños afroamericanos, a
los varones y a los niños con discapacidades se les manda a casa, se les pide que se vayan o que no regresen
mucho más que a sus compañeros. Los niños que hablan otro idioma en casa y los que están en cuidado de crianza
temporal también corren más riesgo.

Quedar fuera del programa puede significar perder aprendizaje, perder la confianza y vivir estrés en toda la
familia, incluso días de trabajo perdidos para madres y padres. No aceptamos eso como algo normal.

## Lo que hace nuestra red

- **Los niños en riesgo van primero.** Una solicitud sobre un niño al que podrían suspender o expulsar se
  atiende primero.
- **Miramos los datos con cuidado.** Los programas que trabajan con nosotros registran suspensiones, expulsiones
  y otras formas de alejar a un niño, para ver juntos si algunos grupos de niños se ven más afectados que otros.
  Solo publicamos resúmenes, nunca nada que pueda identificar a un niño.
- **Trabajamos en las políticas, no solo en el comportamiento.** La consultoría ayuda a los directores a
  escribir políticas de disciplina que mantengan a los niños en el programa y busquen apoyo a tiempo.
- **Reflexionamos sobre los prejuicios.** Todas las personas tenemos prejuicios. La consultoría ayuda a las
  maestras a notar, sin culpas, cómo sus expectativas y reacciones pueden cambiar de un niño a otro, y a probar
  algo diferente.
- **Hablamos su idioma.** Buscamos y capacitamos a personas consultoras que comparten los idiomas y las culturas
  de las familias, y nuestros materiales están en inglés y en español.
- **Escuchamos.** Las familias y los proveedores nos dicen qué funciona y qué no, y hacemos cambios.

## Lo que usted puede hacer

Si a un niño que usted cuida lo podrían alejar del programa, [pida consultoría]({request_url}) antes de tomar
esa decisión. En nuestra [biblioteca]({library_url}) hay recursos sobre equidad, prejuicios y prevención de la
expulsión.
""",
)

CONTACT = DefaultPage(
    slug="contact",
    position=60,
    title_en="Contact us",
    title_es="Contáctenos",
    description_en="How to reach {network}: email, phone, or the online request form.",
    description_es="Cómo comunicarse con {network}: correo electrónico, teléfono o el formulario en línea.",
    body_en="""\
We are glad to hear from you, whether you have a question, an idea or a concern.

{contact_en}

To ask for consultation, the quickest way is the [request form]({request_url}). If you would like to suggest a
resource for our library, you can do that from the [library]({library_url}).

Please do not send details about a child by email. We will ask for what we need, with the family's permission,
through a safe channel.
""",
    body_es="""\
Nos alegra saber de usted, ya sea que tenga una pregunta, una idea o una inquietud.

{contact_es}

Para pedir consultoría, lo más rápido es el [formulario de solicitud]({request_url}). Si quiere sugerir un
recurso para nuestra biblioteca, puede hacerlo desde la [biblioteca]({library_url}).

Por favor no envíe datos de un niño por correo electrónico. Le pediremos lo necesario, con el permiso de la
familia, por un medio seguro.
""",
)

DEFAULT_PAGES: tuple[DefaultPage, ...] = (WHAT_IS, WHO_WE_SERVE, ASK_FOR_HELP, BECOME_A_CONSULTANT, EQUITY, CONTACT)


def contact_lines(*, network: str, email: str, phone: str, language: str) -> str:
    """A short Markdown paragraph on how to reach the network in `language` ("en" or "es")."""
    spanish = language == "es"
    lines = []
    if email:
        label = "Correo electrónico" if spanish else "Email"
        lines.append(f"**{label}:** [{email}](mailto:{email})")
    if phone:
        label = "Teléfono" if spanish else "Phone"
        lines.append(f"**{label}:** {phone}")
    if not lines:
        return (f"Puede escribirle a {network} con el formulario de solicitud." if spanish
                else f"You can reach {network} through the request form.")
    heading = f"Para comunicarse con {network}:" if spanish else f"To reach {network}:"
    return heading + "\n\n" + "  \n".join(lines)
