"""The capacity report's figures (workforce.capacity, pure) against worked examples computed by hand."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abrazo.equity import suppression
from abrazo.equity.suppression import Count
from abrazo.workforce import capacity as cap

A, B = cap.Cohort("a", "Cohort A"), cap.Cohort("b", "Cohort B")

# Eight participants. Cohort A: five; cohort B: three. Numbered as in the comments below.
PARTICIPANTS = [
    # 1: Hispanic/Latino, English and Spanish, completed, a consultant of this network now
    cap.Person("a", race="hispanic_latino", languages=("en", "es"), status=cap.COMPLETED, consultant_here=True),
    # 2: White, English only, completed, now in other work
    cap.Person("a", race="white", languages=("en",), status=cap.COMPLETED, works_in_iecmhc=False),
    # 3: race left blank, English and Vietnamese, withdrew
    cap.Person("a", race="", languages=("en", "vi"), status=cap.WITHDRAWN),
    # 4: Black, languages left blank, still enrolled
    cap.Person("a", race="black", languages=(), status=cap.ENROLLED),
    # 5: Asian, English plus Hmong typed in "other languages", completed, not heard from
    cap.Person("a", race="asian", languages=("en",), other_languages="Hmong", status=cap.COMPLETED),
    # 6: Hispanic/Latino, languages left blank, completed, consultant elsewhere
    cap.Person("b", race="hispanic_latino", status=cap.COMPLETED, works_in_iecmhc=True),
    # 7: nothing reported, withdrew
    cap.Person("b", status=cap.WITHDRAWN),
    # 8: two or more races, Spanish, still enrolled
    cap.Person("b", race="two_or_more", languages=("es",), status=cap.ENROLLED),
]
APPLICANTS = [
    *(cap.Person(person.cohort, race=person.race, languages=person.languages, other_languages=person.other_languages,
                 enrolled=True) for person in PARTICIPANTS),
    cap.Person("a", race="white", languages=("en",)),
    cap.Person("b", race="hispanic_latino", languages=("en", "es")),
    cap.Person("b", race="no such code", languages=("en", "es")),  # an unknown code is not reported
]


def exact_figures() -> cap.CohortFigures:
    return cap.cohort_figures([A, B], APPLICANTS, PARTICIPANTS, exact=True)


def values(counts: dict[str, Count]) -> dict[str, int | None]:
    return {key: count.value for key, count in counts.items()}


class TestGroups:
    def test_race_codes_are_the_seven_groups_and_not_reported(self):
        from abrazo.incidents.models import RaceEthnicity

        # the plain codes are RaceEthnicity's, in the same order
        assert list(cap.RACE_GROUPS) == list(RaceEthnicity.values)

    def test_language_groups_are_the_models_choices(self):
        from abrazo.workforce.models import LanguageGroup

        assert list(cap.LANGUAGE_GROUPS) == list(LanguageGroup.values)

    @pytest.mark.parametrize(("here", "works", "expected"), [
        (True, False, cap.CONSULTANT_HERE),  # the profile says more than what they told us
        (False, True, cap.IECMHC_ELSEWHERE),
        (False, False, cap.OTHER_WORK),
        (False, None, cap.UNKNOWN),
    ])
    def test_workplace(self, here, works, expected):
        assert cap.workplace(consultant_here=here, works_in_iecmhc=works) == expected


class TestCompositionExact:
    def test_cohort_a_by_race(self):
        # given the worked example, exact
        row = exact_figures().table(cap.PARTICIPANTS, cap.RACE).rows[0]
        # then cohort A has one each of Hispanic/Latino, White, Black, Asian and one not reported
        assert row.label == "Cohort A"
        assert values(row.groups) == {
            "hispanic_latino": 1, "american_indian_alaska_native": 0, "asian": 1, "black": 1,
            "native_hawaiian_pacific_islander": 0, "white": 1, "two_or_more": 0, "not_reported": 1,
        }
        assert (row.answered.value, row.everyone.value) == (4, 5)
        # shares of everyone, "not reported" included
        assert row.shares["hispanic_latino"] == pytest.approx(0.2)
        assert row.shares["not_reported"] == pytest.approx(0.2)
        assert row.shares["american_indian_alaska_native"] == 0

    def test_cohort_a_by_language(self):
        row = exact_figures().table(cap.PARTICIPANTS, cap.LANGUAGE).rows[0]
        # 2 English only; 1 bilingual Spanish; 3 (Vietnamese) and 5 (Hmong typed in) other multilingual; 4 blank
        assert values(row.groups) == {"english_only": 1, "bilingual_spanish": 1, "other_multilingual": 2,
                                      "not_reported": 1}
        assert row.shares["other_multilingual"] == pytest.approx(0.4)

    def test_race_total_and_language_total_differ_because_of_not_reported(self):
        # given everyone of both cohorts
        figures = exact_figures()
        race = figures.table(cap.PARTICIPANTS, cap.RACE).overall
        language = figures.table(cap.PARTICIPANTS, cap.LANGUAGE).overall
        # then 6 answered about race (2 blank: 3 and 7) but 5 about languages (3 blank: 4, 6 and 7)
        assert race.answered.value == 6
        assert race.groups["not_reported"].value == 2
        assert language.answered.value == 5
        assert language.groups["not_reported"].value == 3
        # and both add up to the same 8 people once "not reported" is included
        assert race.everyone.value == language.everyone.value == 8
        assert values(language.groups) == {"english_only": 1, "bilingual_spanish": 2, "other_multilingual": 2,
                                           "not_reported": 3}
        assert language.shares["bilingual_spanish"] == pytest.approx(2 / 8)
        assert language.shares["not_reported"] == pytest.approx(3 / 8)

    def test_applicants_are_counted_apart(self):
        table = exact_figures().table(cap.APPLICANTS, cap.RACE)
        # cohort B: participants 6, 7, 8 plus two applicants, one with a code nobody knows (not reported)
        row_b = table.rows[1]
        assert values(row_b.groups)["hispanic_latino"] == 2
        assert values(row_b.groups)["not_reported"] == 2
        assert (row_b.answered.value, row_b.everyone.value) == (3, 5)
        assert table.overall.everyone.value == 11

    def test_applicants_not_enrolled_are_those_without_a_place(self):
        table = exact_figures().table(cap.NOT_ENROLLED, cap.RACE)
        # A: one White applicant; B: one Hispanic/Latino and one with an unknown code
        assert [row.everyone.value for row in table.rows] == [1, 2]
        assert values(table.overall.groups)["white"] == 1
        assert table.overall.answered.value == 2

    def test_every_applicant_is_published_in_the_exact_version_only(self):
        assert exact_figures().populations == [cap.PARTICIPANTS, cap.NOT_ENROLLED, cap.APPLICANTS]
        published = cap.cohort_figures([A, B], APPLICANTS, PARTICIPANTS, exact=False)
        assert published.populations == [cap.PARTICIPANTS, cap.NOT_ENROLLED]
        with pytest.raises(KeyError):
            published.table(cap.APPLICANTS, cap.RACE)

    def test_people_of_other_cohorts_are_ignored(self):
        figures = cap.cohort_figures([A], APPLICANTS, PARTICIPANTS, exact=True)
        assert figures.table(cap.PARTICIPANTS, cap.RACE).overall.everyone.value == 5


class TestCompletionAndWork:
    def test_completion_per_cohort(self):
        figures = exact_figures()
        row_a, row_b = figures.completion
        # A: 4 enrolled, 1 2 5 completed, 3 withdrew -> 3 / (3 + 1); B: 8 enrolled, 6 completed, 7 withdrew -> 1/2
        assert (row_a.enrolled.value, row_a.completed.value, row_a.withdrawn.value) == (1, 3, 1)
        assert row_a.rate == pytest.approx(0.75)
        assert row_b.rate == pytest.approx(0.5)
        overall = figures.completion_overall
        assert (overall.participants.value, overall.enrolled.value, overall.completed.value,
                overall.withdrawn.value) == (8, 2, 4, 2)
        assert overall.rate == pytest.approx(4 / 6)

    def test_completion_by_group(self):
        by_race = {row.key: row for row in exact_figures().completion_by_group[cap.RACE]}
        # Hispanic/Latino: 1 and 6 both completed; Black: 4 still enrolled (nobody finished: no rate);
        # not reported: 3 and 7 both withdrew
        assert by_race["hispanic_latino"].rate == 1.0
        assert by_race["black"].rate is None
        assert by_race["not_reported"].rate == 0.0
        assert by_race["not_reported"].participants.value == 2
        by_language = {row.key: row for row in exact_figures().completion_by_group[cap.LANGUAGE]}
        # other multilingual: 3 withdrew, 5 completed; not reported: 4 enrolled, 6 completed, 7 withdrew
        assert by_language["other_multilingual"].rate == pytest.approx(0.5)
        assert (by_language["not_reported"].enrolled.value, by_language["not_reported"].completed.value,
                by_language["not_reported"].withdrawn.value) == (1, 1, 1)

    def test_where_graduates_work(self):
        figures = exact_figures()
        # A's graduates: 1 here, 2 other work, 5 not known; B's: 6 elsewhere
        assert values(figures.work[0].places) == {"consultant_here": 1, "iecmhc_elsewhere": 0, "other_work": 1,
                                                  "unknown": 1}
        assert figures.work[0].graduates.value == 3
        assert values(figures.work_overall.places) == {"consultant_here": 1, "iecmhc_elsewhere": 1, "other_work": 1,
                                                       "unknown": 1}
        assert figures.work_overall.shares["unknown"] == pytest.approx(0.25)

    def test_no_cohort_gives_empty_tables(self):
        figures = cap.cohort_figures([], APPLICANTS, PARTICIPANTS, exact=False)
        assert figures.completion == []
        assert figures.completion_overall.participants.value == 0
        assert figures.completion_overall.rate is None


class TestSuppression:
    """One cohort of 38 participants, all English only and still enrolled: 20 Hispanic/Latino, 15 White, 3 Asian.

    By hand: 3 is 1..10, so Asian is hidden in the cohort row, in the overall row and in the overall completion of
    Asian participants (three cells, all 3). The cohort's "total who answered" (38) is the sum of its groups:
    with Asian alone hidden it would be 38 - 20 - 15, so the smallest other nonzero member, White (15), is hidden
    too; the same in the overall row, and then in White's completion (15 enrolled = White overall, which is
    hidden, plus two zeros). Hidden Asian + White add up to 18 (more than 10), so Asian could still be anything
    from 1 to 10. Nothing else is hidden: Hispanic/Latino (20), the totals (38) and the zeros stay."""

    PEOPLE = ([cap.Person("a", race="hispanic_latino", languages=("en",))] * 20
              + [cap.Person("a", race="white", languages=("en",))] * 15
              + [cap.Person("a", race="asian", languages=("en",))] * 3)

    def figures(self) -> cap.CohortFigures:
        return cap.cohort_figures([A], [], self.PEOPLE, exact=False, hidden_label="hidden")

    def test_primary_and_complementary_cells(self):
        figures = self.figures()
        table = figures.table(cap.PARTICIPANTS, cap.RACE)
        for row in (table.rows[0], table.overall):
            assert {group for group, count in row.groups.items() if count.hidden} == {"asian", "white"}
            assert str(row.groups["asian"]) == "hidden" and str(row.groups["white"]) == "hidden"
            assert row.groups["hispanic_latino"].value == 20
            assert (row.answered.value, row.everyone.value) == (38, 38)
            # shares of hidden counts are not shown; the others are
            assert row.shares["asian"] is None and row.shares["white"] is None
            assert row.shares["hispanic_latino"] == pytest.approx(20 / 38)
        by_race = {row.key: row for row in figures.completion_by_group[cap.RACE]}
        assert by_race["asian"].enrolled.hidden and by_race["white"].enrolled.hidden
        assert by_race["hispanic_latino"].enrolled.value == 20
        # everything else is published
        language = figures.table(cap.PARTICIPANTS, cap.LANGUAGE).overall
        assert language.groups["english_only"].value == 38
        assert figures.completion_overall.enrolled.value == 38

    def test_nothing_hidden_can_be_worked_out(self):
        # given the system the figures were suppressed in
        system = cap._System()
        cap._composition_keys(system, self.PEOPLE, [A], cap.PARTICIPANTS)
        cap._participant_keys(system, self.PEOPLE, [A])
        hidden = system.hidden(exact=False, high=10)
        positions = frozenset(system.index[key] for key in hidden)
        # then every hidden value is undetermined by the published ones, and every 1..10 value is hidden
        assert all(not suppression.is_determined(system.values, system.relations, positions, index)
                   for index in positions)
        assert all(system.index[key] in positions for key, index in system.index.items()
                   if 1 <= system.values[index] <= 10)

    def test_exact_sight_hides_nothing(self):
        figures = cap.cohort_figures([A], [], self.PEOPLE, exact=True)
        assert figures.table(cap.PARTICIPANTS, cap.RACE).overall.groups["asian"].value == 3

    def test_a_kept_answer_is_used_and_keyed_by_everything_it_depends_on(self):
        # given a memory that keeps answers by fingerprint
        kept: dict[str, list[int]] = {}
        calls: list[str] = []

        def remember(fingerprint, compute):
            calls.append(fingerprint)
            if fingerprint not in kept:
                kept[fingerprint] = compute()
            return kept[fingerprint]

        # when the same figures are suppressed twice, then they are worked out once and read back the same
        first = cap.cohort_figures([A], [], self.PEOPLE, exact=False, remember=remember)
        second = cap.cohort_figures([A], [], self.PEOPLE, exact=False, remember=remember)
        assert len(calls) == 4 and len(kept) == 2  # applicants and participants, twice
        assert first.table(cap.PARTICIPANTS, cap.RACE).overall == second.table(cap.PARTICIPANTS, cap.RACE).overall
        # and one more participant is another fingerprint for participants (applicants unchanged: no applicant)
        cap.cohort_figures([A], [], [*self.PEOPLE, cap.Person("a", race="white")], exact=False, remember=remember)
        assert len(kept) == 3
        # another threshold is another fingerprint for both
        cap.cohort_figures([A], [], self.PEOPLE, exact=False, high=5, remember=remember)
        assert len(kept) == 5
        # exact sight never asks
        cap.cohort_figures([A], [], self.PEOPLE, exact=True, remember=remember)
        assert len(calls) == 8

    def test_a_completion_rate_needs_both_counts(self):
        # given 3 White and 4 Asian participants who completed and 20 White who withdrew: the completion of each
        # group overall is hidden where it is small, so that group's rate is not shown
        people = ([cap.Person("a", race="white", status=cap.COMPLETED)] * 3
                  + [cap.Person("a", race="asian", status=cap.COMPLETED)] * 4
                  + [cap.Person("a", race="white", status=cap.WITHDRAWN)] * 20)
        figures = cap.cohort_figures([A], [], people, exact=False)
        white = next(row for row in figures.completion_by_group[cap.RACE] if row.key == "white")
        assert white.completed.hidden
        assert white.rate is None
        assert cap.completion_rate(Count(3), Count(20)) == pytest.approx(3 / 23)
        assert cap.completion_rate(Count(None, "hidden"), Count(20)) is None
        # while the cohort's own completed (7) and withdrawn (20), shown on its page anyway, give its rate
        assert (figures.completion_overall.completed.value, figures.completion_overall.withdrawn.value) == (7, 20)
        assert figures.completion_overall.rate == pytest.approx(7 / 27)


def participant_system(people: list[cap.Person], cohorts: list[cap.Cohort]) -> cap._System:
    """The participants' counts and relations, as cohort_figures suppresses them."""
    system = cap._System()
    cap._composition_keys(system, people, cohorts, cap.PARTICIPANTS)
    cap._participant_keys(system, people, cohorts)
    return system


def determined_hidden(system: cap._System, hidden_keys: set) -> set:
    """The hidden keys a reader can work out from the published counts plus the known margins (which count as
    published, since they are not hidden), less those the known margins give away whatever is hidden."""
    positions = frozenset(system.index[key] for key in hidden_keys)
    everything = frozenset(range(len(system.values))) - set(system.known_positions())
    return {key for key in hidden_keys
            if suppression.is_determined(system.values, system.relations, positions, system.index[key])
            and not suppression.is_determined(system.values, system.relations, everything, system.index[key])}


class TestKnownMargins:
    """The cohort pages show each cohort's participants, completed, withdrawn and still enrolled exactly, so the
    published report never hides them and hides other cells instead.

    Cohort A: 25 Hispanic/Latino, 18 White and 2 Asian participants (45, all still enrolled); cohort B: 4
    Hispanic/Latino and 3 White (7). By hand: B's 7 participants and every one of its groups are 1..10; its 7 is
    on its page, so it is shown here too, with its groups hidden. In A's row the 2 Asian is hidden, and since A's
    45 is known, the row's smallest other nonzero group, White (18), is hidden beside it (otherwise 2 = 45 - 25 -
    18)."""

    PEOPLE = ([cap.Person("a", race="hispanic_latino", languages=("en",))] * 25
              + [cap.Person("a", race="white", languages=("en",))] * 18
              + [cap.Person("a", race="asian", languages=("en",))] * 2
              + [cap.Person("b", race="hispanic_latino", languages=("en",))] * 4
              + [cap.Person("b", race="white", languages=("en",))] * 3)

    def test_a_small_race_cell_hides_another_cell_of_its_row_while_the_total_is_shown(self):
        # when published
        figures = cap.cohort_figures([A, B], [], self.PEOPLE, exact=False, hidden_label="hidden")
        a_row, b_row = figures.table(cap.PARTICIPANTS, cap.RACE).rows
        # then each cohort's participants are shown, the small cohort's 7 included
        assert (a_row.everyone.value, b_row.everyone.value) == (45, 7)
        assert (figures.completion[1].participants.value, figures.completion[1].enrolled.value) == (7, 7)
        # the 2 Asian and another nonzero cell of the same row are hidden
        assert a_row.groups["asian"].hidden
        others_hidden = {group for group, count in a_row.groups.items() if count.hidden and group != "asian"}
        assert "white" in others_hidden
        # and B's small groups are hidden although its total is shown
        assert b_row.groups["hispanic_latino"].hidden and b_row.groups["white"].hidden

    def test_nothing_hidden_can_be_worked_out_with_the_margins_known(self):
        system = participant_system(self.PEOPLE, [A, B])
        hidden = system.hidden(exact=False, high=10)
        # the margins are known and shown
        assert system.known and not hidden & system.known
        assert (cap.PARTICIPANTS, "b", "everyone") in system.known
        # no hidden count can be worked out from the published counts plus the known margins
        assert determined_hidden(system, hidden) == set()

    def test_without_the_margins_known_the_old_choice_would_give_a_cell_away(self):
        # given the cells the published version hid before it knew the margins: B's 7 among them
        system = participant_system(self.PEOPLE, [A, B])
        old = set(suppression.suppress(system.values, system.relations, high=10))
        old_keys = {key for key, position in system.index.items() if position in old}
        assert (cap.PARTICIPANTS, "b", "everyone") in old_keys
        # then, with the 7 read off B's cohort page, B's hidden "total who answered" about race is 7 - 0 (its
        # published "not reported"): the margins must be chosen around, as the current version does
        assert (cap.PARTICIPANTS, "b", cap.RACE, "answered") in determined_hidden(system, old_keys - system.known)
        assert determined_hidden(system, system.hidden(exact=False, high=10)) == set()

    def test_every_role_that_gets_the_published_version_may_browse_every_cohort(self):
        # The margins are known because whoever reads the report may also open every cohort of the network.
        from abrazo.accounts import access

        for role, scope in access.POLICY["workforce.report"].items():
            assert scope == access.Scope.NETWORK
            assert access.POLICY["cohort.view"].get(role) == access.Scope.NETWORK, role


RACES = ("hispanic_latino", "white", "black", "asian", "")
STATUSES_AT_RANDOM = (cap.ENROLLED, cap.COMPLETED, cap.WITHDRAWN)


@st.composite
def small_cohorts(draw: st.DrawFn) -> tuple[list[cap.Cohort], list[cap.Person]]:
    cohorts = [cap.Cohort(key, key.upper()) for key in ("a", "b", "c")[:draw(st.integers(1, 3))]]
    people = []
    for cohort in cohorts:
        for _ in range(draw(st.integers(0, 24))):
            people.append(cap.Person(
                cohort.key, race=draw(st.sampled_from(RACES)),
                languages=draw(st.sampled_from([(), ("en",), ("en", "es"), ("vi",)])),
                status=draw(st.sampled_from(STATUSES_AT_RANDOM)),
                consultant_here=draw(st.booleans()), works_in_iecmhc=draw(st.sampled_from([None, True, False])),
            ))
    return cohorts, people


@settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(small_cohorts(), st.integers(3, 10))
def test_random_small_cohorts_give_no_hidden_count_away_with_the_margins_known(
    problem: tuple[list[cap.Cohort], list[cap.Person]], high: int,
) -> None:
    cohorts, people = problem
    system = participant_system(people, cohorts)
    hidden = system.hidden(exact=False, high=high)
    # the cohort pages' totals are never hidden; every other 1..high count is
    assert not hidden & system.known
    assert all(key in hidden for key, position in system.index.items()
               if key not in system.known and 1 <= system.values[position] <= high)
    # and nothing hidden can be worked out from what is shown plus those totals
    assert determined_hidden(system, hidden) == set()


# Coverage: two regions. North covers counties 001 and 003, South 005.
NORTH = cap.Area("north", "North", ("06001", "06003"))
SOUTH = cap.Area("south", "South", ("06005",))
COUNTY_NAMES = {"06001": "Alameda County", "06003": "Alpine County", "06005": "Amador County"}
CONSULTANTS = [
    cap.Supplier(languages=("en", "es"), counties=("06001",)),  # c1
    cap.Supplier(languages=("en",), counties=("06001", "06005")),  # c2 serves both regions
    cap.Supplier(languages=("en",), counties=("06005",)),  # c3
    cap.Supplier(languages=("en", "vi"), counties=("06003",)),  # c4
]
GRADUATES = [cap.Supplier(languages=("es",), counties=("06005",))]
DEMAND = [
    cap.Demand("06001", "es", 40), cap.Demand("06001", "en", 10), cap.Demand("06003", "en", 4),
    cap.Demand("06005", "es", 6), cap.Demand("06005", "en", 10), cap.Demand("06005", "vi", 2),
]


def worked_coverage(*, exact: bool = True, **options) -> cap.Coverage:
    return cap.coverage([NORTH, SOUTH], COUNTY_NAMES, CONSULTANTS, GRADUATES, DEMAND, exact=exact, **options)


def line(area: cap.AreaCoverage, language: str) -> cap.CoverageLine:
    found = area.line(language)
    assert found is not None
    return found


class TestCoverage:
    def test_yardstick(self):
        coverage = worked_coverage()
        # 72 requests for 4 consultants: 18 each; a gap is more than twice that, 36
        assert (coverage.requests, coverage.consultants) == (72, 4)
        assert coverage.overall_ratio == pytest.approx(18)
        assert coverage.threshold == pytest.approx(36)
        # every requested language, Spanish first after "all", then by requests (English 24, Vietnamese 2)
        assert coverage.languages == [cap.ALL_LANGUAGES, "es", "en", "vi"]

    def test_too_few_spanish_speakers_in_the_north(self):
        north = worked_coverage().regions[0]
        spanish = line(north, "es")
        # 40 Spanish requests, one Spanish speaker (c1) serves North: 40 > 36
        assert (spanish.requests, spanish.consultants, spanish.per_consultant) == (40, 1, 40)
        assert spanish.gap == cap.TOO_FEW
        # all of North: 54 requests, c1 c2 c4 serve it: 18 each, no gap
        everything = line(north, cap.ALL_LANGUAGES)
        assert (everything.requests, everything.consultants, everything.gap) == (54, 3, "")
        assert everything.per_consultant == pytest.approx(18)
        # Vietnamese: no request in North, c4 speaks it: no gap
        assert (line(north, "vi").requests, line(north, "vi").consultants, line(north, "vi").gap) == (0, 1, "")

    def test_no_spanish_speaker_in_the_south(self):
        south = worked_coverage().regions[1]
        # 6 Spanish and 2 Vietnamese requests, and only c2 and c3 (English) serve Amador County
        assert (line(south, "es").requests, line(south, "es").consultants) == (6, 0)
        assert line(south, "es").gap == cap.NO_SPEAKER
        assert line(south, "es").per_consultant is None
        assert line(south, "vi").gap == cap.NO_SPEAKER
        assert (line(south, "en").per_consultant, line(south, "en").gap) == (5, "")
        # the graduate who speaks Spanish serves Amador County
        assert line(south, "es").graduates.value == 1

    def test_counties(self):
        north = worked_coverage().regions[0]
        # counties sorted by name: Alameda then Alpine
        alameda, alpine = north.counties
        assert (alameda.label, alpine.label) == ("Alameda County", "Alpine County")
        assert line(alameda, "es").gap == cap.TOO_FEW
        assert (line(alpine, "en").requests, line(alpine, "en").consultants) == (4, 1)

    def test_network_line_and_gap_list(self):
        coverage = worked_coverage()
        network = coverage.network
        # 46 Spanish requests in the network, one Spanish speaker: 46 > 36
        assert (line(network, "es").requests, line(network, "es").consultants) == (46, 1)
        assert line(network, "es").gap == cap.TOO_FEW
        assert line(network, cap.ALL_LANGUAGES).per_consultant == pytest.approx(18)
        # gaps: North Spanish, its Alameda County Spanish, South Spanish and Vietnamese, Amador County's two
        assert [(area.key, found.language) for area, found in coverage.gaps] == [
            ("north", "es"), ("06001", "es"), ("south", "es"), ("south", "vi"), ("06005", "es"), ("06005", "vi"),
        ]

    def test_one_region_shown_keeps_the_network_yardstick(self):
        coverage = worked_coverage(shown_regions=["south"])
        assert [region.key for region in coverage.regions] == ["south"]
        assert coverage.threshold == pytest.approx(36)
        # languages follow the requests of the region shown
        assert coverage.languages == [cap.ALL_LANGUAGES, "es", "en", "vi"]

    def test_published_version_hides_graduates_coverage(self):
        coverage = worked_coverage(exact=False, hidden_label="hidden")
        spanish = line(coverage.regions[1], "es")
        assert str(spanish.graduates) == "hidden"
        # every graduate count, even 0 or a large one: the cohort tables bound them (module docstring)
        assert all(found.graduates.hidden for area in (coverage.network, *coverage.regions) for found in area.lines)
        # requests and consultants are services and staff: shown as they are, and so is the gap
        assert (spanish.requests, spanish.consultants, spanish.gap) == (6, 0, cap.NO_SPEAKER)

    def test_no_consultant_at_all(self):
        coverage = cap.coverage([SOUTH], COUNTY_NAMES, [], [], DEMAND, exact=True)
        assert coverage.overall_ratio is None and coverage.threshold is None
        assert line(coverage.regions[0], cap.ALL_LANGUAGES).gap == cap.NO_SPEAKER

    def test_requests_outside_every_region(self):
        coverage = cap.coverage([NORTH], COUNTY_NAMES, CONSULTANTS, [], DEMAND, exact=True)
        # Amador County (18 requests) is in no region given
        assert coverage.outside_requests == 18
        assert coverage.requests == 72

    @pytest.mark.parametrize(("requests", "consultants", "threshold", "expected"), [
        (0, 0, 10.0, ""), (5, 0, 10.0, cap.NO_SPEAKER), (20, 2, 10.0, ""), (21, 2, 10.0, cap.TOO_FEW),
        (5, 0, None, cap.NO_SPEAKER), (500, 1, None, ""),
    ])
    def test_gap_rule(self, requests, consultants, threshold, expected):
        assert cap.gap_for(requests, consultants, threshold) == expected
