"""Two people acting on one episode at the same moment, on two database connections (PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from abrazo.accounts.models import User
from abrazo.consultations import services
from abrazo.consultations.models import Closure, ClosureReason, Episode, EpisodeEvent, EventKind, FollowUp, Phase
from abrazo.core.tests.concurrency import at_once, needs_postgresql

# SQLite's in-memory test database locks whole tables across connections; the stale-version tests in
# test_services.py cover the same rule sequentially there.
pytestmark = [needs_postgresql, pytest.mark.django_db(transaction=True)]


def race(actor_pk: Any, action: Callable[[User], Any]) -> list[Any]:
    """Run `action` twice at once, each on its own connection; return what each returned or raised."""
    return at_once(2, action, prepare=lambda _index: User.objects.get(pk=actor_pk))


def test_two_simultaneous_phase_moves_make_one(episodes):
    # given two browser tabs that loaded the classroom episode at version 1
    episode_pk = episodes.classroom_episode.pk
    # when both press "next phase" at once
    outcomes = race(episodes.person("consultant").pk, lambda actor: services.episode_advance(
        actor=actor, episode=Episode.objects.get(pk=episode_pk), expected_version=1))
    # then the episode moved once, and the other tab was told someone else changed it
    episode = Episode.objects.get(pk=episode_pk)
    assert (episode.phase, episode.version) == (Phase.AGREEMENT, 2)
    assert sorted(type(o).__name__ for o in outcomes) == ["Episode", "StaleEditError"]
    assert EpisodeEvent.objects.filter(episode_id=episode_pk, kind=EventKind.PHASE).count() == 1


def test_two_simultaneous_closures_make_one(episodes):
    episode_pk = episodes.classroom_episode.pk
    outcomes = race(episodes.person("consultant").pk, lambda actor: services.episode_close(
        actor=actor, episode=Episode.objects.get(pk=episode_pk), reason=ClosureReason.GOALS_MET,
        closed_successfully=True, maintained_in_setting=None, expected_version=1))
    # then one closure and one follow-up exist, and the second attempt was refused
    assert Closure.objects.filter(episode_id=episode_pk).count() == 1
    assert FollowUp.objects.filter(episode_id=episode_pk).count() == 1
    assert sum(isinstance(o, Closure) for o in outcomes) == 1
